/* sha256-hex.c: see sha256-hex.h. */
#include "sha256-hex.h"

void
rvi_sha256_hex_finish (struct sha256_ctx *ctx, char out[RVI_SHA256_HEX_LEN + 1])
{
  static const char digits[] = "0123456789abcdef";
  guint8 digest[SHA256_DIGEST_SIZE];

  sha256_digest (ctx, sizeof digest, digest);
  for (guint i = 0; i < sizeof digest; i++) {
    out[2 * i] = digits[digest[i] >> 4];
    out[2 * i + 1] = digits[digest[i] & 15];
  }
  out[RVI_SHA256_HEX_LEN] = '\0';
}

void
rvi_sha256_hex (const guint8 *data, gsize size, char out[RVI_SHA256_HEX_LEN + 1])
{
  struct sha256_ctx ctx;

  sha256_init (&ctx);
  sha256_update (&ctx, size, data);
  rvi_sha256_hex_finish (&ctx, out);
}
