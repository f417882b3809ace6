/* fmp4-put.c: ISO-BMFF field and box writing (see fmp4-put.h). */
#include "fmp4-put.h"

#include <string.h>

void
rvi_fmp4_put_u8 (GByteArray *out, guint8 v)
{
  g_byte_array_append (out, &v, 1);
}

void
rvi_fmp4_put_u16 (GByteArray *out, guint16 v)
{
  guint8 b[2] = { (guint8) (v >> 8), (guint8) v };

  g_byte_array_append (out, b, sizeof b);
}

void
rvi_fmp4_put_u32 (GByteArray *out, guint32 v)
{
  guint8 b[4] = { (guint8) (v >> 24), (guint8) (v >> 16), (guint8) (v >> 8), (guint8) v };

  g_byte_array_append (out, b, sizeof b);
}

void
rvi_fmp4_put_u64 (GByteArray *out, guint64 v)
{
  rvi_fmp4_put_u32 (out, (guint32) (v >> 32));
  rvi_fmp4_put_u32 (out, (guint32) v);
}

void
rvi_fmp4_put_zeros (GByteArray *out, guint n)
{
  static const guint8 zeros[64] = { 0 };

  while (n > 0) {
    guint chunk = MIN (n, (guint) sizeof zeros);

    g_byte_array_append (out, zeros, chunk);
    n -= chunk;
  }
}

void
rvi_fmp4_patch_u32 (GByteArray *out, gsize offset, guint32 v)
{
  g_assert (offset + 4 <= out->len);
  out->data[offset] = (guint8) (v >> 24);
  out->data[offset + 1] = (guint8) (v >> 16);
  out->data[offset + 2] = (guint8) (v >> 8);
  out->data[offset + 3] = (guint8) v;
}

gsize
rvi_fmp4_box_begin (GByteArray *out, const char *type)
{
  gsize offset = out->len;

  g_assert (strlen (type) == 4);
  rvi_fmp4_put_u32 (out, 0);
  g_byte_array_append (out, (const guint8 *) type, 4);
  return offset;
}

gsize
rvi_fmp4_full_box_begin (GByteArray *out, const char *type, guint8 version, guint32 flags)
{
  gsize offset = rvi_fmp4_box_begin (out, type);

  rvi_fmp4_put_u32 (out, (guint32) version << 24 | (flags & 0xffffff));
  return offset;
}

void
rvi_fmp4_box_end (GByteArray *out, gsize offset)
{
  g_assert (out->len - offset <= G_MAXUINT32);
  rvi_fmp4_patch_u32 (out, offset, (guint32) (out->len - offset));
}
