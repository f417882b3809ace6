/* rbsp-reader.c: bit reading over an unescaped NAL unit (see rbsp-reader.h). */
#include "rbsp-reader.h"

void
rvi_rbsp_reader_init (RviRbspReader *r, const guint8 *nal, gsize size, gsize header_bytes)
{
  guint zeros = 0;

  r->data = g_malloc (size > header_bytes ? size - header_bytes : 1);
  r->size = 0;
  r->pos = 0;
  r->bad = FALSE;
  for (gsize i = header_bytes; i < size; i++) {
    if (zeros >= 2 && nal[i] == 0x03) {
      zeros = 0;
      continue;
    }
    zeros = nal[i] == 0 ? zeros + 1 : 0;
    r->data[r->size++] = nal[i];
  }
}

void
rvi_rbsp_reader_clear (RviRbspReader *r)
{
  g_clear_pointer (&r->data, g_free);
  r->size = 0;
  r->pos = 0;
}

guint32
rvi_rbsp_reader_bits (RviRbspReader *r, guint n)
{
  guint32 v = 0;

  g_assert (n <= 32);
  if (r->bad || r->size * 8 - r->pos < n) {
    r->bad = TRUE;
    return 0;
  }
  for (guint i = 0; i < n; i++, r->pos++)
    v = (v << 1) | ((r->data[r->pos / 8] >> (7 - r->pos % 8)) & 1);
  return v;
}

gboolean
rvi_rbsp_reader_flag (RviRbspReader *r)
{
  return rvi_rbsp_reader_bits (r, 1) != 0;
}

void
rvi_rbsp_reader_skip (RviRbspReader *r, gsize n)
{
  if (r->bad || r->size * 8 - r->pos < n) {
    r->bad = TRUE;
    return;
  }
  r->pos += n;
}

guint32
rvi_rbsp_reader_ue (RviRbspReader *r)
{
  guint zeros = 0;

  while (!r->bad && !rvi_rbsp_reader_flag (r)) {
    if (++zeros > 31) {
      r->bad = TRUE;
      return 0;
    }
  }
  if (r->bad)
    return 0;
  return (guint32) ((G_GUINT64_CONSTANT (1) << zeros) - 1 + rvi_rbsp_reader_bits (r, zeros));
}

gint32
rvi_rbsp_reader_se (RviRbspReader *r)
{
  guint32 k = rvi_rbsp_reader_ue (r);

  return (k & 1) ? (gint32) ((k + 1) / 2) : -(gint32) (k / 2);
}
