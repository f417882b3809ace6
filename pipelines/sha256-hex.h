/* sha256-hex.h: SHA-256 digests (nettle) as the lower-case hex text every
 * index row, still row and export manifest stores. */
#pragma once

#include <glib.h>
#include <nettle/sha2.h>

G_BEGIN_DECLS

#define RVI_SHA256_HEX_LEN (SHA256_DIGEST_SIZE * 2)

/* Finishes @ctx and writes its digest as hex (with a NUL) to @out. */
void rvi_sha256_hex_finish (struct sha256_ctx *ctx, char out[RVI_SHA256_HEX_LEN + 1]);

/* The digest of @size bytes at @data as hex (with a NUL) in @out. */
void rvi_sha256_hex (const guint8 *data, gsize size, char out[RVI_SHA256_HEX_LEN + 1]);

G_END_DECLS
