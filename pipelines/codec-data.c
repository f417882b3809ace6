/* codec-data.c: avcC (ISO/IEC 14496-15 5.3.3.1) and hvcC (8.3.3.1). */
#include "codec-data.h"
#include "rvi-error.h"

static gboolean
bad (GError **error, const char *what)
{
  g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "codec_data: %s", what);
  return FALSE;
}

/* A 16-bit length and that many bytes at @pos; advances it. */
static GBytes *
read_unit (const guint8 *data, gsize size, gsize *pos)
{
  gsize len;

  if (size - *pos < 2)
    return NULL;
  len = ((gsize) data[*pos] << 8) | data[*pos + 1];
  if (len == 0 || size - *pos - 2 < len)
    return NULL;
  *pos += 2 + len;
  return g_bytes_new (data + *pos - len, len);
}

static gboolean
parse_avcc (const guint8 *data, gsize size, GBytes **sps, GBytes **pps, guint *length_size)
{
  gsize pos = 6;
  guint n;

  if (size < 7 || data[0] != 1)
    return FALSE;
  *length_size = (data[4] & 3) + 1;
  n = data[5] & 0x1f;
  for (guint i = 0; i < n; i++) {
    g_autoptr (GBytes) unit = read_unit (data, size, &pos);
    if (!unit)
      return FALSE;
    if (!*sps)
      *sps = g_steal_pointer (&unit);
  }
  if (pos >= size)
    return FALSE;
  n = data[pos++];
  for (guint i = 0; i < n; i++) {
    g_autoptr (GBytes) unit = read_unit (data, size, &pos);
    if (!unit)
      return FALSE;
    if (!*pps)
      *pps = g_steal_pointer (&unit);
  }
  return *sps && *pps;
}

static gboolean
parse_hvcc (const guint8 *data, gsize size, GBytes **vps, GBytes **sps, GBytes **pps,
            guint *length_size)
{
  gsize pos = 23;
  guint arrays;

  if (size < 23 || data[0] != 1)
    return FALSE;
  *length_size = (data[21] & 3) + 1;
  arrays = data[22];
  for (guint a = 0; a < arrays; a++) {
    guint type, n;

    if (size - pos < 3)
      return FALSE;
    type = data[pos] & 0x3f;
    n = ((guint) data[pos + 1] << 8) | data[pos + 2];
    pos += 3;
    for (guint i = 0; i < n; i++) {
      g_autoptr (GBytes) unit = read_unit (data, size, &pos);
      GBytes **slot = type == 32 ? vps : type == 33 ? sps : type == 34 ? pps : NULL;
      if (!unit)
        return FALSE;
      if (slot && !*slot)
        *slot = g_steal_pointer (&unit);
    }
  }
  return *vps && *sps && *pps;
}

gboolean
rvi_codec_data_parse (RviVideoParams *params, RviCodec codec, const guint8 *data, gsize size,
                      guint *length_size, GError **error)
{
  g_autoptr (GBytes) vps = NULL;
  g_autoptr (GBytes) sps = NULL;
  g_autoptr (GBytes) pps = NULL;
  gboolean ok = codec == RVI_CODEC_H265 ? parse_hvcc (data, size, &vps, &sps, &pps, length_size)
                                        : parse_avcc (data, size, &sps, &pps, length_size);

  if (!ok || (*length_size != 1 && *length_size != 2 && *length_size != 4))
    return bad (error, codec == RVI_CODEC_H265 ? "malformed hvcC" : "malformed avcC");
  return rvi_video_params_parse (params, codec, vps, sps, pps, error);
}
