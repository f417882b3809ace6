/* rtp-depay-helpers.c: see rtp-depay-helpers.h. */
#include "rtp-depay-helpers.h"

#include <string.h>

#define SSRC 0x12345678

void
test_rtp_header (guint8 *out, guint16 seq, guint32 ts, gboolean marker)
{
  out[0] = 0x80;
  out[1] = (guint8) ((marker ? 0x80 : 0) | 96);
  out[2] = (guint8) (seq >> 8);
  out[3] = (guint8) seq;
  for (int i = 0; i < 4; i++) {
    out[4 + i] = (guint8) (ts >> (24 - 8 * i));
    out[8 + i] = (guint8) ((guint32) SSRC >> (24 - 8 * i));
  }
}

gboolean
test_push (RviRtpDepay *depay, guint16 seq, guint32 ts, gboolean marker,
           const guint8 *payload, gsize size, RviAccessUnit *au)
{
  g_autofree guint8 *packet = g_malloc (12 + size);
  g_autoptr (GError) error = NULL;
  gboolean done;

  test_rtp_header (packet, seq, ts, marker);
  if (size > 0)
    memcpy (packet + 12, payload, size);
  done = rvi_rtp_depay_push (depay, packet, 12 + size, au, &error);
  g_assert_no_error (error);
  return done;
}

gboolean
test_push_array (RviRtpDepay *depay, guint16 seq, guint32 ts, gboolean marker,
                 GByteArray *payload, RviAccessUnit *au)
{
  return test_push (depay, seq, ts, marker, payload->data, payload->len, au);
}

const guint8 *
test_au_nal (const RviAccessUnit *au, guint index, gsize *size)
{
  gsize pos = 0, n;

  for (guint i = 0; pos < au->size; i++) {
    g_assert_cmpuint (au->size - pos, >=, 4);
    n = ((gsize) au->data[pos] << 24) | (au->data[pos + 1] << 16) | (au->data[pos + 2] << 8) |
        au->data[pos + 3];
    g_assert_cmpuint (n, >, 0);
    g_assert_cmpuint (n, <=, au->size - pos - 4);
    if (i == index) {
      *size = n;
      return au->data + pos + 4;
    }
    pos += 4 + n;
  }
  return NULL;
}

guint
test_au_nal_count (const RviAccessUnit *au)
{
  gsize size;
  guint n = 0;

  while (test_au_nal (au, n, &size) != NULL)
    n++;
  return n;
}

void
test_assert_nal (const RviAccessUnit *au, guint index, const guint8 *expected,
                 gsize expected_size)
{
  gsize size = 0;
  const guint8 *nal = test_au_nal (au, index, &size);

  g_assert_nonnull (nal);
  g_assert_cmpmem (nal, size, expected, expected_size);
}

void
test_assert_bytes (GBytes *bytes, const guint8 *expected, gsize expected_size)
{
  gsize size;
  const guint8 *data;

  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &size);
  g_assert_cmpmem (data, size, expected, expected_size);
}

void
test_add_sized (GByteArray *payload, const guint8 *nal, gsize size)
{
  guint8 prefix[2] = { (guint8) (size >> 8), (guint8) size };

  g_byte_array_append (payload, prefix, 2);
  g_byte_array_append (payload, nal, (guint) size);
}

GPtrArray *
test_fragment (RviCodec codec, const guint8 *nal, gsize size, gsize piece)
{
  GPtrArray *payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  gsize header = codec == RVI_CODEC_H264 ? 1 : 2;

  for (gsize pos = header; pos < size; pos += piece) {
    GByteArray *p = g_byte_array_new ();
    gsize n = MIN (piece, size - pos);
    guint8 fu[3];
    guint8 flags = (guint8) ((pos == header ? 0x80 : 0) | (pos + n == size ? 0x40 : 0));

    if (codec == RVI_CODEC_H264) {
      fu[0] = (guint8) ((nal[0] & 0xe0) | 28);
      fu[1] = (guint8) (flags | (nal[0] & 0x1f));
      g_byte_array_append (p, fu, 2);
    } else {
      fu[0] = (guint8) ((nal[0] & 0x81) | (49 << 1));
      fu[1] = nal[1];
      fu[2] = (guint8) (flags | ((nal[0] >> 1) & 0x3f));
      g_byte_array_append (p, fu, 3);
    }
    g_byte_array_append (p, nal + pos, (guint) n);
    g_ptr_array_add (payloads, p);
  }
  return payloads;
}

guint8 *
test_make_nal (const guint8 *header, gsize header_size, gsize size)
{
  guint8 *nal = g_malloc (size);

  memcpy (nal, header, header_size);
  for (gsize i = header_size; i < size; i++)
    nal[i] = (guint8) (i * 7 + 1);
  return nal;
}

/* --- NAL units ---------------------------------------------------------- */

/* H.264 */
const guint8 h264_sps[] = { 0x67, 0x42, 0x00, 0x1f, 0xaa, 0x01 };
const guint8 h264_sps2[] = { 0x67, 0x42, 0x00, 0x28, 0xbb };
const guint8 h264_pps[] = { 0x68, 0xce, 0x3c, 0x80 };
const guint8 h264_idr[] = { 0x65, 0x88, 0x84, 0x00, 0x33 };
const guint8 h264_slice[] = { 0x41, 0x9a, 0x02, 0x04 };
const guint8 h264_aud[] = { 0x09, 0xf0 };
const guint8 h264_sei[] = { 0x06, 0x05, 0x01, 0x80 };

/* H.265 */
const guint8 h265_vps[] = { 0x40, 0x01, 0x0c, 0x01, 0xff };
const guint8 h265_sps[] = { 0x42, 0x01, 0x01, 0x01, 0x60 };
const guint8 h265_pps[] = { 0x44, 0x01, 0xc1, 0x72 };
const guint8 h265_idr[] = { 0x26, 0x01, 0xaf, 0x05, 0x38 };   /* IDR_W_RADL */
const guint8 h265_cra[] = { 0x2a, 0x01, 0xaf, 0x11 };         /* CRA */
const guint8 h265_trail[] = { 0x02, 0x01, 0xd0, 0x09, 0x7e }; /* TRAIL_R */
const guint8 h265_aud[] = { 0x46, 0x01, 0x50 };
const guint8 h265_sei[] = { 0x4e, 0x01, 0x05, 0x02, 0x80 };
