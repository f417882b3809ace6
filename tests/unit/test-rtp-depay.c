/* test-rtp-depay: rtp-depay on hand-built RTP packets of every kind it takes
 * or refuses (H.264 and H.265), on loss, wrap and reordering, on malformed
 * input and oversize access units, and on the SDP's sprop parameters. Then
 * against GStreamer's own payloaders: the access units must match the
 * encoder's NAL unit for NAL unit. Last a fuzz loop of mutated real packets. */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <string.h>

#include "rtp-depay.h"
#include "rvi-error.h"

#define SSRC 0x12345678

/* --- helpers ------------------------------------------------------------ */

/* Writes a 12-byte RTP header (version 2, payload type 96). */
static void
rtp_header (guint8 *out, guint16 seq, guint32 ts, gboolean marker)
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

/* Pushes @payload in a plain RTP packet; no error expected. */
static gboolean
push (RviRtpDepay *depay, guint16 seq, guint32 ts, gboolean marker, const guint8 *payload,
      gsize size, RviAccessUnit *au)
{
  g_autofree guint8 *packet = g_malloc (12 + size);
  g_autoptr (GError) error = NULL;
  gboolean done;

  rtp_header (packet, seq, ts, marker);
  if (size > 0)
    memcpy (packet + 12, payload, size);
  done = rvi_rtp_depay_push (depay, packet, 12 + size, au, &error);
  g_assert_no_error (error);
  return done;
}

#define PUSH(depay, seq, ts, marker, array) \
  push (depay, seq, ts, marker, array, sizeof (array), &au)

static gboolean
push_array (RviRtpDepay *depay, guint16 seq, guint32 ts, gboolean marker, GByteArray *payload,
            RviAccessUnit *au)
{
  return push (depay, seq, ts, marker, payload->data, payload->len, au);
}

/* The @index-th NAL unit of @au (NULL past the end); checks that the length
 * prefixes add up. */
static const guint8 *
au_nal (const RviAccessUnit *au, guint index, gsize *size)
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

static guint
au_nal_count (const RviAccessUnit *au)
{
  gsize size;
  guint n = 0;

  while (au_nal (au, n, &size) != NULL)
    n++;
  return n;
}

static void
assert_nal (const RviAccessUnit *au, guint index, const guint8 *expected, gsize expected_size)
{
  gsize size = 0;
  const guint8 *nal = au_nal (au, index, &size);

  g_assert_nonnull (nal);
  g_assert_cmpmem (nal, size, expected, expected_size);
}

static void
assert_bytes (GBytes *bytes, const guint8 *expected, gsize expected_size)
{
  gsize size;
  const guint8 *data;

  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &size);
  g_assert_cmpmem (data, size, expected, expected_size);
}

/* Appends @nal behind a 16-bit size (an aggregation packet's unit). */
static void
add_sized (GByteArray *payload, const guint8 *nal, gsize size)
{
  guint8 prefix[2] = { (guint8) (size >> 8), (guint8) size };

  g_byte_array_append (payload, prefix, 2);
  g_byte_array_append (payload, nal, (guint) size);
}

#define ADD_SIZED(payload, array) add_sized (payload, array, sizeof (array))

/* FU-A (H.264) or FU (H.265) payloads carrying @nal in pieces of @piece
 * bytes. (element-type GByteArray) (transfer full) */
static GPtrArray *
fragment (RviCodec codec, const guint8 *nal, gsize size, gsize piece)
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

/* A NAL unit of @size bytes starting with @header. (transfer full) */
static guint8 *
make_nal (const guint8 *header, gsize header_size, gsize size)
{
  guint8 *nal = g_malloc (size);

  memcpy (nal, header, header_size);
  for (gsize i = header_size; i < size; i++)
    nal[i] = (guint8) (i * 7 + 1);
  return nal;
}

/* H.264 NAL units */
static const guint8 h264_sps[] = { 0x67, 0x42, 0x00, 0x1f, 0xaa, 0x01 };
static const guint8 h264_sps2[] = { 0x67, 0x42, 0x00, 0x28, 0xbb };
static const guint8 h264_pps[] = { 0x68, 0xce, 0x3c, 0x80 };
static const guint8 h264_idr[] = { 0x65, 0x88, 0x84, 0x00, 0x33 };
static const guint8 h264_slice[] = { 0x41, 0x9a, 0x02, 0x04 };
static const guint8 h264_aud[] = { 0x09, 0xf0 };
static const guint8 h264_sei[] = { 0x06, 0x05, 0x01, 0x80 };

/* H.265 NAL units */
static const guint8 h265_vps[] = { 0x40, 0x01, 0x0c, 0x01, 0xff };
static const guint8 h265_sps[] = { 0x42, 0x01, 0x01, 0x01, 0x60 };
static const guint8 h265_pps[] = { 0x44, 0x01, 0xc1, 0x72 };
static const guint8 h265_idr[] = { 0x26, 0x01, 0xaf, 0x05, 0x38 };   /* IDR_W_RADL */
static const guint8 h265_cra[] = { 0x2a, 0x01, 0xaf, 0x11 };         /* CRA */
static const guint8 h265_trail[] = { 0x02, 0x01, 0xd0, 0x09, 0x7e }; /* TRAIL_R */
static const guint8 h265_aud[] = { 0x46, 0x01, 0x50 };
static const guint8 h265_sei[] = { 0x4e, 0x01, 0x05, 0x02, 0x80 };

/* --- H.264 -------------------------------------------------------------- */

static void
test_h264_single (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  RviAccessUnit au;

  g_assert_null (rvi_rtp_depay_get_sps (depay));
  g_assert_false (PUSH (depay, 1, 3000, FALSE, h264_sps));
  g_assert_false (PUSH (depay, 2, 3000, FALSE, h264_pps));
  g_assert_false (PUSH (depay, 3, 3000, FALSE, h264_sei));
  g_assert_true (PUSH (depay, 4, 3000, TRUE, h264_idr));
  g_assert_cmpuint (au_nal_count (&au), ==, 4);
  assert_nal (&au, 0, h264_sps, sizeof h264_sps);
  assert_nal (&au, 1, h264_pps, sizeof h264_pps);
  assert_nal (&au, 2, h264_sei, sizeof h264_sei);
  assert_nal (&au, 3, h264_idr, sizeof h264_idr);
  g_assert_cmpuint (au.rtp_timestamp, ==, 3000);
  g_assert_true (au.key && au.params_changed && !au.damaged);
  assert_bytes (rvi_rtp_depay_get_sps (depay), h264_sps, sizeof h264_sps);
  assert_bytes (rvi_rtp_depay_get_pps (depay), h264_pps, sizeof h264_pps);
  g_assert_null (rvi_rtp_depay_get_vps (depay));

  g_assert_true (PUSH (depay, 5, 6000, TRUE, h264_slice));
  g_assert_cmpuint (au_nal_count (&au), ==, 1);
  assert_nal (&au, 0, h264_slice, sizeof h264_slice);
  g_assert_false (au.key || au.params_changed || au.damaged);

  /* the same SPS again is no change; a different one is */
  g_assert_false (PUSH (depay, 6, 9000, FALSE, h264_sps));
  g_assert_true (PUSH (depay, 7, 9000, TRUE, h264_idr));
  g_assert_true (au.key && !au.params_changed);
  g_assert_false (PUSH (depay, 8, 12000, FALSE, h264_sps2));
  g_assert_true (PUSH (depay, 9, 12000, TRUE, h264_idr));
  g_assert_true (au.key && au.params_changed);
  assert_bytes (rvi_rtp_depay_get_sps (depay), h264_sps2, sizeof h264_sps2);
  assert_bytes (rvi_rtp_depay_get_pps (depay), h264_pps, sizeof h264_pps);

  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 0);
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 0);
}

static void
test_h264_stap_fu (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  g_autoptr (GByteArray) stap = g_byte_array_new ();
  g_autofree guint8 *idr = make_nal ((const guint8[]) { 0x65 }, 1, 3000);
  g_autoptr (GPtrArray) fus = fragment (RVI_CODEC_H264, idr, 3000, 1000);
  guint8 header = 0x78; /* STAP-A, NRI 3 */
  RviAccessUnit au;
  guint16 seq = 100;

  g_byte_array_append (stap, &header, 1);
  ADD_SIZED (stap, h264_aud);
  ADD_SIZED (stap, h264_sps);
  ADD_SIZED (stap, h264_pps);
  ADD_SIZED (stap, h264_sei);
  g_assert_false (push_array (depay, seq++, 90000, FALSE, stap, &au));
  g_assert_cmpuint (fus->len, ==, 3);
  for (guint i = 0; i < fus->len; i++)
    g_assert_cmpint (push_array (depay, seq++, 90000, i == fus->len - 1, fus->pdata[i], &au), ==,
                     i == fus->len - 1);

  /* the delimiter is dropped; the IDR comes back whole with its NAL header */
  g_assert_cmpuint (au_nal_count (&au), ==, 4);
  assert_nal (&au, 0, h264_sps, sizeof h264_sps);
  assert_nal (&au, 1, h264_pps, sizeof h264_pps);
  assert_nal (&au, 2, h264_sei, sizeof h264_sei);
  assert_nal (&au, 3, idr, 3000);
  g_assert_true (au.key && au.params_changed && !au.damaged);

  /* a fragmented non-IDR slice; NRI 2 must survive the rebuild */
  {
    g_autofree guint8 *slice = make_nal ((const guint8[]) { 0x41 }, 1, 2500);
    g_autoptr (GPtrArray) parts = fragment (RVI_CODEC_H264, slice, 2500, 1400);

    g_assert_false (push_array (depay, seq++, 93000, FALSE, parts->pdata[0], &au));
    g_assert_true (push_array (depay, seq++, 93000, TRUE, parts->pdata[1], &au));
    g_assert_cmpuint (au_nal_count (&au), ==, 1);
    assert_nal (&au, 0, slice, 2500);
    g_assert_false (au.key || au.damaged || au.params_changed);
  }
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 0);
}

static void
test_h264_unsupported (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  /* unspecified 0, STAP-B 25, MTAP16 26, MTAP24 27, FU-B 29, reserved 30 and 31 */
  static const guint8 types[] = { 0, 25, 26, 27, 29, 30, 31 };
  RviAccessUnit au;
  guint16 seq = 1;

  for (guint i = 0; i < G_N_ELEMENTS (types); i++) {
    guint8 payload[] = { (guint8) (0x60 | types[i]), 0x00, 0x04, 0x65, 0x88, 0x84, 0x00 };

    g_assert_false (PUSH (depay, seq++, 1000 * i, TRUE, payload));
  }
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, G_N_ELEMENTS (types));
  g_assert_true (PUSH (depay, seq++, 99000, TRUE, h264_idr));
  g_assert_cmpuint (au_nal_count (&au), ==, 1);
  g_assert_true (au.key && !au.damaged);
}

/* --- H.265 -------------------------------------------------------------- */

static void
test_h265_single_ap (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H265);
  g_autoptr (GByteArray) ap = g_byte_array_new ();
  static const guint8 ap_header[] = { 48 << 1, 0x01 };
  RviAccessUnit au;

  g_assert_false (PUSH (depay, 1, 3000, FALSE, h265_vps));
  g_assert_false (PUSH (depay, 2, 3000, FALSE, h265_sps));
  g_assert_false (PUSH (depay, 3, 3000, FALSE, h265_pps));
  g_assert_true (PUSH (depay, 4, 3000, TRUE, h265_idr));
  g_assert_cmpuint (au_nal_count (&au), ==, 4);
  assert_nal (&au, 0, h265_vps, sizeof h265_vps);
  assert_nal (&au, 3, h265_idr, sizeof h265_idr);
  g_assert_true (au.key && au.params_changed && !au.damaged);
  assert_bytes (rvi_rtp_depay_get_vps (depay), h265_vps, sizeof h265_vps);
  assert_bytes (rvi_rtp_depay_get_sps (depay), h265_sps, sizeof h265_sps);
  assert_bytes (rvi_rtp_depay_get_pps (depay), h265_pps, sizeof h265_pps);

  g_assert_true (PUSH (depay, 5, 6000, TRUE, h265_trail));
  g_assert_false (au.key || au.params_changed);

  /* an aggregation packet: delimiter dropped, parameter sets unchanged, SEI kept */
  g_byte_array_append (ap, ap_header, 2);
  ADD_SIZED (ap, h265_aud);
  ADD_SIZED (ap, h265_vps);
  ADD_SIZED (ap, h265_sps);
  ADD_SIZED (ap, h265_pps);
  ADD_SIZED (ap, h265_sei);
  ADD_SIZED (ap, h265_cra);
  g_assert_true (push_array (depay, 6, 9000, TRUE, ap, &au));
  g_assert_cmpuint (au_nal_count (&au), ==, 5);
  assert_nal (&au, 0, h265_vps, sizeof h265_vps);
  assert_nal (&au, 3, h265_sei, sizeof h265_sei);
  assert_nal (&au, 4, h265_cra, sizeof h265_cra);
  g_assert_true (au.key && !au.params_changed && !au.damaged);
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 0);
}

static void
test_h265_fu_paci (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H265);
  /* IDR_N_LP with the top bit of the layer id set and temporal id 3: the
   * rebuilt header must keep both */
  static const guint8 header[] = { (20 << 1) | 1, 0x03 };
  g_autofree guint8 *idr = make_nal (header, 2, 4000);
  g_autoptr (GPtrArray) fus = fragment (RVI_CODEC_H265, idr, 4000, 1200);
  static const guint8 paci[] = { 50 << 1, 0x01, 0x00, 0x00, 0x02, 0x01, 0xd0 };
  static const guint8 reserved[] = { 51 << 1, 0x01, 0x00 };
  static const guint8 empty_fu[] = { 49 << 1, 0x01, 0x80 | 19 };
  RviAccessUnit au;
  guint16 seq = 7;

  g_assert_cmpuint (fus->len, ==, 4);
  for (guint i = 0; i < fus->len; i++)
    g_assert_cmpint (push_array (depay, seq++, 5000, i == fus->len - 1, fus->pdata[i], &au), ==,
                     i == fus->len - 1);
  g_assert_cmpuint (au_nal_count (&au), ==, 1);
  assert_nal (&au, 0, idr, 4000);
  g_assert_true (au.key && !au.damaged);

  g_assert_false (PUSH (depay, seq++, 8000, TRUE, paci));
  g_assert_false (PUSH (depay, seq++, 11000, TRUE, reserved));
  g_assert_false (PUSH (depay, seq++, 14000, TRUE, empty_fu));
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 3);
  g_assert_true (PUSH (depay, seq++, 17000, TRUE, h265_trail));
  g_assert_false (au.key || au.damaged);
}

/* --- access unit boundaries and loss -------------------------------------- */

static void
test_boundary_timestamp (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  RviAccessUnit au, second;

  /* no marker bits at all: each new timestamp completes the previous unit */
  g_assert_false (PUSH (depay, 1, 100, FALSE, h264_sps));
  g_assert_false (PUSH (depay, 2, 100, FALSE, h264_idr));
  g_assert_true (PUSH (depay, 3, 200, FALSE, h264_slice));
  g_assert_cmpuint (au.rtp_timestamp, ==, 100);
  g_assert_cmpuint (au_nal_count (&au), ==, 2);
  g_assert_true (au.key);
  g_assert_true (PUSH (depay, 4, 300, FALSE, h264_slice));
  g_assert_cmpuint (au.rtp_timestamp, ==, 200);
  g_assert_false (au.key);

  /* one packet completes two units: the second is held for pop() */
  g_assert_true (PUSH (depay, 5, 400, TRUE, h264_idr));
  g_assert_cmpuint (au.rtp_timestamp, ==, 300);
  g_assert_true (rvi_rtp_depay_pop (depay, &second));
  g_assert_false (rvi_rtp_depay_pop (depay, &second));
  g_assert_cmpuint (second.rtp_timestamp, ==, 400);
  g_assert_true (second.key);
  assert_nal (&second, 0, h264_idr, sizeof h264_idr);
  assert_nal (&au, 0, h264_slice, sizeof h264_slice); /* still valid */

  /* not popped: the next push returns it */
  g_assert_false (PUSH (depay, 6, 500, FALSE, h264_slice));
  g_assert_true (PUSH (depay, 7, 600, TRUE, h264_idr));
  g_assert_cmpuint (au.rtp_timestamp, ==, 500);
  g_assert_true (PUSH (depay, 8, 700, FALSE, h264_slice));
  g_assert_cmpuint (au.rtp_timestamp, ==, 600);
  g_assert_true (au.key);
  g_assert_true (PUSH (depay, 9, 700, TRUE, h264_slice));
  g_assert_cmpuint (au.rtp_timestamp, ==, 700);
  g_assert_cmpuint (au_nal_count (&au), ==, 2);
  g_assert_false (rvi_rtp_depay_pop (depay, &second));
}

static void
test_loss_fu (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  g_autofree guint8 *idr = make_nal ((const guint8[]) { 0x65 }, 1, 3000);
  g_autoptr (GPtrArray) fus = fragment (RVI_CODEC_H264, idr, 3000, 1000);
  RviAccessUnit au;

  /* the middle fragment is lost: the IDR is dropped, the SPS stays */
  g_assert_false (PUSH (depay, 10, 3000, FALSE, h264_sps));
  g_assert_false (push_array (depay, 11, 3000, FALSE, fus->pdata[0], &au));
  g_assert_true (push_array (depay, 13, 3000, TRUE, fus->pdata[2], &au));
  g_assert_true (au.damaged);
  g_assert_false (au.key);
  g_assert_cmpuint (au_nal_count (&au), ==, 1);
  assert_nal (&au, 0, h264_sps, sizeof h264_sps);
  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 1);

  g_assert_true (PUSH (depay, 14, 6000, TRUE, h264_slice));
  g_assert_false (au.damaged);

  /* the first packets of a unit are lost */
  g_assert_true (PUSH (depay, 17, 9000, TRUE, h264_slice));
  g_assert_true (au.damaged);
  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 3);

  /* joined in the middle of a fragmented NAL unit */
  g_assert_false (push_array (depay, 18, 12000, FALSE, fus->pdata[1], &au));
  g_assert_false (push_array (depay, 19, 12000, TRUE, fus->pdata[2], &au)); /* empty: dropped */
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 0);

  /* a late and a duplicate packet are skipped */
  g_assert_false (PUSH (depay, 20, 15000, FALSE, h264_slice));
  g_assert_false (PUSH (depay, 18, 15000, FALSE, h264_sei));
  g_assert_false (PUSH (depay, 20, 15000, FALSE, h264_sei));
  g_assert_true (PUSH (depay, 21, 15000, TRUE, h264_slice));
  g_assert_cmpuint (au_nal_count (&au), ==, 2);
  g_assert_false (au.damaged);
  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 3);
}

static void
test_sequence_wrap (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H265);
  g_autofree guint8 *trail = make_nal (h265_trail, 2, 2000);
  g_autoptr (GPtrArray) fus = fragment (RVI_CODEC_H265, trail, 2000, 700);
  RviAccessUnit au;

  g_assert_cmpuint (fus->len, ==, 3);
  g_assert_true (PUSH (depay, 65533, 1000, TRUE, h265_trail));
  g_assert_false (push_array (depay, 65534, 2000, FALSE, fus->pdata[0], &au));
  g_assert_false (push_array (depay, 65535, 2000, FALSE, fus->pdata[1], &au));
  g_assert_true (push_array (depay, 0, 2000, TRUE, fus->pdata[2], &au));
  g_assert_false (au.damaged);
  assert_nal (&au, 0, trail, 2000);
  g_assert_true (PUSH (depay, 1, 3000, TRUE, h265_trail));
  g_assert_false (au.damaged);
  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 0);

  /* a jump of thousands is a discontinuity, not a loss */
  g_assert_true (PUSH (depay, 40000, 4000, TRUE, h265_trail));
  g_assert_true (au.damaged);
  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 0);
}

/* --- malformed input ------------------------------------------------------ */

typedef struct {
  const char *name;
  guint8 data[64];
  gsize size;
} Malformed;

static void
test_malformed (void)
{
  Malformed cases[] = {
    { "truncated header", { 0x80, 96, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56 }, 11 },
    { "version 1", { 0x40, 96, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x41, 0x9a }, 14 },
    { "csrc count beyond size", { 0x8f, 96, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x41 }, 20 },
    { "extension header cut", { 0x90, 96, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0xbe, 0xde },
      14 },
    { "extension length beyond size",
      { 0x90, 96, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0xbe, 0xde, 0x00, 0x64, 0x41 }, 24 },
    { "padding beyond payload", { 0xa0, 96, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x41, 200 },
      14 },
    { "padding into the header",
      { 0xa0, 96, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x41, 13 }, 14 },
    { "zero padding", { 0xa0, 96, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x41, 0 }, 14 },
    { "zero-length payload", { 0x80, 0xe0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78 }, 12 },
    { "all padding", { 0xa0, 0xe0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x41, 2 }, 14 },
    { "fu-a without payload", { 0x80, 0xe0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x7c, 0xc5 },
      14 },
    { "fu-a of a stap-a", { 0x80, 0xe0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x7c, 0xd8, 1 },
      15 },
    { "stap-a nal size beyond packet",
      { 0x80, 0xe0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x78, 0x00, 0x05, 0x67, 0x42 }, 17 },
    { "stap-a zero nal size", { 0x80, 0xe0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x78, 0, 0 },
      15 },
    { "stap-a size cut", { 0x80, 0xe0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x78, 0, 1, 0x41, 0 },
      17 },
    { "stap-a empty", { 0x80, 0xe0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x78 }, 13 },
    { "stap-a in stap-a",
      { 0x80, 0xe0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x78, 0, 2, 0x78, 0x00 }, 17 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
    g_autoptr (GError) error = NULL;
    RviAccessUnit au;

    g_test_message ("case: %s", cases[i].name);
    g_assert_false (rvi_rtp_depay_push (depay, cases[i].data, cases[i].size, &au, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 1);
    g_assert_true (PUSH (depay, 2, 3000, TRUE, h264_slice));
    g_assert_cmpuint (au_nal_count (&au), ==, 1);
    g_assert_false (au.damaged);
    g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 0);
  }
}

static void
test_header_fields (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  g_autoptr (GError) error = NULL;
  /* two CSRCs, a one-word extension, four bytes of padding */
  guint8 packet[12 + 8 + 8 + sizeof h264_idr + 4] = { 0 };
  gsize pos = 12;
  RviAccessUnit au;

  rtp_header (packet, 1, 5000, TRUE);
  packet[0] = 0x80 | 0x20 | 0x10 | 2;
  pos += 8;
  packet[pos] = 0xbe;
  packet[pos + 1] = 0xde;
  packet[pos + 3] = 1;
  pos += 8;
  memcpy (packet + pos, h264_idr, sizeof h264_idr);
  packet[sizeof packet - 1] = 4;
  g_assert_true (rvi_rtp_depay_push (depay, packet, sizeof packet, &au, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (au_nal_count (&au), ==, 1);
  assert_nal (&au, 0, h264_idr, sizeof h264_idr);
}

static void
test_oversize (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  g_autoptr (GByteArray) payload = g_byte_array_sized_new (60002);
  g_autofree guint8 *packet = g_malloc (12 + 60002);
  g_autoptr (GError) error = NULL;
  RviAccessUnit au;
  guint16 seq = 1;
  guint pushes = 0;

  g_byte_array_set_size (payload, 60002);
  memset (payload->data, 0x5a, payload->len);
  payload->data[0] = 0x7c;
  payload->data[1] = 0x85; /* FU-A start of an IDR */
  g_assert_false (push_array (depay, seq++, 1000, FALSE, payload, &au));
  payload->data[1] = 0x05; /* middle fragments */
  memcpy (packet + 12, payload->data, payload->len);
  for (;;) {
    rtp_header (packet, seq++, 1000, FALSE);
    pushes++;
    if (!rvi_rtp_depay_push (depay, packet, 12 + payload->len, &au, &error) && error != NULL)
      break;
    g_assert_cmpuint (pushes, <, 1000);
  }
  g_assert_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT);
  /* the start fragment made 4 + 1 + 60000 bytes, each middle one adds 60000 */
  g_assert_cmpuint (pushes, ==, (RVI_RTP_DEPAY_MAX_AU - 60005) / 60000 + 1);

  /* the rest of that unit is skipped, then the next one comes out clean */
  g_assert_false (push_array (depay, seq++, 1000, FALSE, payload, &au));
  payload->data[1] = 0x45;
  g_assert_false (push_array (depay, seq++, 1000, TRUE, payload, &au));
  g_assert_false (PUSH (depay, seq++, 4000, FALSE, h264_sps));
  g_assert_true (PUSH (depay, seq++, 4000, TRUE, h264_idr));
  g_assert_cmpuint (au_nal_count (&au), ==, 2);
  g_assert_true (au.key && !au.damaged);
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 0);
}

/* After warm-up the two buffers are reused: only two data pointers appear. */
static void
test_buffer_reuse (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  g_autofree guint8 *idr = make_nal ((const guint8[]) { 0x65 }, 1, 300000);
  g_autoptr (GPtrArray) fus = fragment (RVI_CODEC_H264, idr, 300000, 1400);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  RviAccessUnit au;
  guint16 seq = 0;

  for (guint frame = 0; frame < 12; frame++) {
    g_assert_false (PUSH (depay, seq++, frame * 3000, FALSE, h264_sps));
    for (guint i = 0; i < fus->len; i++)
      push_array (depay, seq++, frame * 3000, i == fus->len - 1, fus->pdata[i], &au);
    g_assert_cmpuint (au.size, ==, 4 + sizeof h264_sps + 4 + 300000);
    if (frame >= 2)
      g_hash_table_add (seen, (gpointer) au.data);
  }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 2);
}

/* --- fmtp ----------------------------------------------------------------- */

static void
assert_base64 (GBytes *bytes, const char *base64)
{
  gsize size;
  g_autofree guint8 *expected = g_base64_decode (base64, &size);

  assert_bytes (bytes, expected, size);
}

static void
test_fmtp (void)
{
  /* from x264enc ! rtph264pay caps */
  static const char sps[] = "Z2QAH6zZQFAFuwEQAAADABAAAAMDyPGDGWA=";
  static const char pps[] = "aOvjyyLA";
  static const char sps2[] = "Z/QADZGWQFB+wFqDAwMgAAADACAAAAeR4oVJ";
  /* from x265enc ! rtph265pay caps */
  static const char vps5[] = "QAEMAf//BAgAAAMAnggAAAMAAD+SgJA=";
  static const char sps5[] = "QgEBBAgAAAMAnggAAAMAAD+QAUEB4sslSSZX/4AAgAC1BgYGBAAAAwAEAAADAHgg";
  static const char pps5[] = "RAHBcrRiQA==";
  RviAccessUnit au;

  {
    g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
    g_autofree char *fmtp = g_strdup_printf (
      "packetization-mode=1;profile-level-id=64001f;sprop-parameter-sets=%s,%s", sps, pps);
    g_autofree guint8 *sps_nal = NULL;
    gsize sps_size;

    rvi_rtp_depay_set_fmtp (depay, fmtp);
    assert_base64 (rvi_rtp_depay_get_sps (depay), sps);
    assert_base64 (rvi_rtp_depay_get_pps (depay), pps);
    g_assert_null (rvi_rtp_depay_get_vps (depay));

    /* the same SPS in band is no change */
    sps_nal = g_base64_decode (sps, &sps_size);
    g_assert_false (push (depay, 1, 3000, FALSE, sps_nal, sps_size, &au));
    g_assert_true (PUSH (depay, 2, 3000, TRUE, h264_idr));
    g_assert_false (au.params_changed);
    g_assert_true (PUSH (depay, 3, 6000, TRUE, h264_pps));
    g_assert_true (au.params_changed);
  }
  {
    g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);

    /* spaces, case, unpadded base64, unknown and valueless keys */
    rvi_rtp_depay_set_fmtp (depay, " packetization-mode = 1 ; foo ; sprop-vps=QAEMAf//BAg= ;"
                                   " Sprop-Parameter-Sets = Z/QADZGWQFB+wFqDAwMgAAADACAAAAeR4oVJ ,"
                                   " aOvjyyLA ;");
    assert_base64 (rvi_rtp_depay_get_sps (depay), sps2);
    assert_base64 (rvi_rtp_depay_get_pps (depay), pps);
    g_assert_null (rvi_rtp_depay_get_vps (depay));
  }
  {
    g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);

    rvi_rtp_depay_set_fmtp (depay, "sprop-parameter-sets=Z2QAH6zZQFAFuwEQAAADABAAAAMDyPGDGWA");
    assert_base64 (rvi_rtp_depay_get_sps (depay), sps);
  }
  {
    g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
    /* bad alphabet, a lone byte, too much padding, data after padding, bad
     * length, an empty unit, a NAL unit that is no parameter set (an IDR) */
    static const char *bad[] = {
      "sprop-parameter-sets=Z2QA!6zZ,aOvj-yLA",
      "sprop-parameter-sets=Z,Z===,Z2Q=AA==,Z2QAH,aOvjyyL=A,,",
      "sprop-parameter-sets=ZYiE",
      "sprop-parameter-sets",
      "sprop-parameter-sets=",
      "=",
      ";;;",
      "",
      NULL,
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      rvi_rtp_depay_set_fmtp (depay, bad[i]);
    g_assert_null (rvi_rtp_depay_get_sps (depay));
    g_assert_null (rvi_rtp_depay_get_pps (depay));
  }
  {
    g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H265);
    g_autofree char *fmtp = g_strdup_printf (
      "profile-space=0;profile-id=1;tier-flag=0;level-id=93;sprop-vps=%s;sprop-sps=%s;"
      "sprop-pps=%s;sprop-parameter-sets=%s",
      vps5, sps5, pps5, sps);

    rvi_rtp_depay_set_fmtp (depay, fmtp);
    assert_base64 (rvi_rtp_depay_get_vps (depay), vps5);
    assert_base64 (rvi_rtp_depay_get_sps (depay), sps5);
    assert_base64 (rvi_rtp_depay_get_pps (depay), pps5);

    /* bad base64 leaves the kept sets alone */
    rvi_rtp_depay_set_fmtp (depay, "sprop-vps=QAEM*f//;sprop-sps=Q;sprop-pps=RAHB=crRiQA=");
    assert_base64 (rvi_rtp_depay_get_vps (depay), vps5);
    assert_base64 (rvi_rtp_depay_get_sps (depay), sps5);
    assert_base64 (rvi_rtp_depay_get_pps (depay), pps5);
  }
}

/* --- real payloaders ------------------------------------------------------ */

typedef struct {
  GBytes *data;
  gboolean key;
} Sample;

static void
sample_free (Sample *sample)
{
  g_bytes_unref (sample->data);
  g_free (sample);
}

static gboolean
have_elements (const char *const *names)
{
  for (guint i = 0; names[i] != NULL; i++) {
    g_autoptr (GstElementFactory) factory = gst_element_factory_find (names[i]);

    if (factory == NULL)
      return FALSE;
  }
  return TRUE;
}

static void
pull_all (GstElement *pipeline, const char *name, GPtrArray *out)
{
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstSample *sample;

  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0)) != NULL) {
    GstBuffer *buffer = gst_sample_get_buffer (sample);
    Sample *s = g_new0 (Sample, 1);
    GstMapInfo map;

    g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
    s->data = g_bytes_new (map.data, map.size);
    s->key = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    gst_buffer_unmap (buffer, &map);
    gst_sample_unref (sample);
    g_ptr_array_add (out, s);
  }
}

/* Encodes 60 frames with @encoder and collects both the parser's access units
 * (length-prefixed, @ref_caps) and the payloader's RTP packets.
 * (element-type Sample) */
static void
capture (RviCodec codec, GPtrArray *ref, GPtrArray *rtp)
{
  const char *x = codec == RVI_CODEC_H264 ? "264" : "265";
  g_autofree char *description = g_strdup_printf (
    "videotestsrc num-buffers=60 pattern=snow ! "
    "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! %s ! "
    "h26%sparse ! video/x-h26%s,stream-format=byte-stream,alignment=au ! tee name=t "
    "t. ! queue ! h26%sparse ! video/x-h26%s,stream-format=%s,alignment=au ! "
    "appsink name=ref sync=false wait-on-eos=false "
    "t. ! queue ! rtph26%spay mtu=1400 config-interval=-1 aggregate-mode=zero-latency ! "
    "appsink name=rtp sync=false wait-on-eos=false",
    codec == RVI_CODEC_H264
      ? "x264enc key-int-max=15 bframes=0 bitrate=4000 option-string=scenecut=0:slices=8"
      : "x265enc key-int-max=15 option-string=\"bframes=0:scenecut=0:slices=8\" speed-preset=ultrafast bitrate=4000 "
        "log-level=error",
    x + 2, x + 2, x + 2, x + 2, codec == RVI_CODEC_H264 ? "avc" : "hvc1", x + 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;

  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  gst_object_ref_sink (pipeline);
  bus = gst_element_get_bus (pipeline);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  message = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
                                        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  g_assert_cmpint (GST_MESSAGE_TYPE (message), ==, GST_MESSAGE_EOS);
  pull_all (pipeline, "ref", ref);
  pull_all (pipeline, "rtp", rtp);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

/* The NAL units of a length-prefixed access unit, without the parameter sets
 * and delimiters a payloader may add. (element-type GBytes) */
static GPtrArray *
slices (RviCodec codec, const guint8 *data, gsize size)
{
  GPtrArray *nals = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize pos = 0, n;
  guint type;

  while (pos < size) {
    g_assert_cmpuint (size - pos, >=, 5);
    n = ((gsize) data[pos] << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3];
    g_assert_cmpuint (n, <=, size - pos - 4);
    pos += 4;
    type = codec == RVI_CODEC_H264 ? data[pos] & 0x1f : (data[pos] >> 1) & 0x3f;
    if (codec == RVI_CODEC_H264 ? type < 7 || type > 9 : type < 32 || type > 35)
      g_ptr_array_add (nals, g_bytes_new (data + pos, n));
    pos += n;
  }
  return nals;
}

static void
roundtrip (RviCodec codec)
{
  const char *const h264[] = { "x264enc", "h264parse", "rtph264pay", NULL };
  const char *const h265[] = { "x265enc", "h265parse", "rtph265pay", NULL };
  g_autoptr (GPtrArray) ref = g_ptr_array_new_with_free_func ((GDestroyNotify) sample_free);
  g_autoptr (GPtrArray) rtp = g_ptr_array_new_with_free_func ((GDestroyNotify) sample_free);
  g_autoptr (GPtrArray) aus = g_ptr_array_new_with_free_func ((GDestroyNotify) sample_free);
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (codec);
  guint keys = 0, kinds[3] = { 0 };
  guint32 last_ts = 0;

  if (!have_elements (codec == RVI_CODEC_H264 ? h264 : h265)) {
    g_test_skip ("encoder or payloader missing");
    return;
  }
  capture (codec, ref, rtp);
  g_assert_cmpuint (ref->len, ==, 60);
  g_assert_cmpuint (rtp->len, >, 60);
  for (guint i = 0; i < rtp->len; i++) {
    gsize size;
    const guint8 *data = g_bytes_get_data (((Sample *) rtp->pdata[i])->data, &size);
    guint type = codec == RVI_CODEC_H264 ? data[12] & 0x1f : (data[12] >> 1) & 0x3f;

    g_assert_cmpuint (size, >, 13);
    kinds[type == 24 || type == 48 ? 1 : type == 28 || type == 49 ? 2 : 0]++;
  }
  g_test_message ("%u packets: %u single, %u aggregate, %u fragment", rtp->len, kinds[0],
                  kinds[1], kinds[2]);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    g_assert_cmpuint (kinds[i], >, 0);

  for (guint i = 0; i < rtp->len; i++) {
    Sample *packet = rtp->pdata[i];
    g_autoptr (GError) error = NULL;
    RviAccessUnit au;
    gsize size;
    const guint8 *data = g_bytes_get_data (packet->data, &size);

    if (rvi_rtp_depay_push (depay, data, size, &au, &error)) {
      Sample *s = g_new0 (Sample, 1);

      g_assert_false (au.damaged);
      g_assert_cmpint (au.params_changed, ==, aus->len == 0);
      if (aus->len > 0)
        g_assert_cmpuint (au.rtp_timestamp - last_ts - 2999, <=, 2); /* 90 kHz / 30, rounded */
      last_ts = au.rtp_timestamp;
      s->data = g_bytes_new (au.data, au.size);
      s->key = au.key;
      g_ptr_array_add (aus, s);
      g_assert_false (rvi_rtp_depay_pop (depay, &au));
    }
    g_assert_no_error (error);
  }
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 0);
  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 0);
  g_assert_nonnull (rvi_rtp_depay_get_sps (depay));
  g_assert_nonnull (rvi_rtp_depay_get_pps (depay));
  g_assert_true ((rvi_rtp_depay_get_vps (depay) != NULL) == (codec == RVI_CODEC_H265));

  g_assert_cmpuint (aus->len, ==, ref->len);
  for (guint i = 0; i < ref->len; i++) {
    Sample *a = ref->pdata[i], *b = aus->pdata[i];
    gsize a_size, b_size;
    const guint8 *a_data = g_bytes_get_data (a->data, &a_size);
    const guint8 *b_data = g_bytes_get_data (b->data, &b_size);
    g_autoptr (GPtrArray) a_nals = slices (codec, a_data, a_size);
    g_autoptr (GPtrArray) b_nals = slices (codec, b_data, b_size);

    g_assert_cmpint (a->key, ==, b->key);
    keys += a->key;
    g_assert_cmpuint (a_nals->len, >, 0);
    g_assert_cmpuint (a_nals->len, ==, b_nals->len);
    for (guint j = 0; j < a_nals->len; j++)
      g_assert_true (g_bytes_equal (a_nals->pdata[j], b_nals->pdata[j]));
  }
  g_assert_cmpuint (keys, ==, 4);
}

static void
test_roundtrip_h264 (void)
{
  roundtrip (RVI_CODEC_H264);
}

static void
test_roundtrip_h265 (void)
{
  roundtrip (RVI_CODEC_H265);
}

/* --- fuzz ----------------------------------------------------------------- */

static void
fuzz (RviCodec codec, guint iterations, GRand *rand)
{
  const char *const h264[] = { "x264enc", "h264parse", "rtph264pay", NULL };
  const char *const h265[] = { "x265enc", "h265parse", "rtph265pay", NULL };
  g_autoptr (GPtrArray) ref = g_ptr_array_new_with_free_func ((GDestroyNotify) sample_free);
  g_autoptr (GPtrArray) rtp = g_ptr_array_new_with_free_func ((GDestroyNotify) sample_free);
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (codec);
  guint8 buffer[2048];
  guint completed = 0;

  if (!have_elements (codec == RVI_CODEC_H264 ? h264 : h265)) {
    g_test_skip ("encoder or payloader missing");
    return;
  }
  capture (codec, ref, rtp);

  for (guint i = 0; i < iterations; i++) {
    Sample *packet = rtp->pdata[g_rand_int_range (rand, 0, (gint32) rtp->len)];
    g_autoptr (GError) error = NULL;
    gsize size;
    const guint8 *data = g_bytes_get_data (packet->data, &size);
    RviAccessUnit au;

    g_assert_cmpuint (size, <=, sizeof buffer - 256);
    memcpy (buffer, data, size);
    switch (g_rand_int_range (rand, 0, 8)) {
      case 0: /* as is, out of order */
        break;
      case 1: /* a few bytes flipped */
        for (int n = g_rand_int_range (rand, 1, 5); n > 0; n--)
          buffer[g_rand_int_range (rand, 0, (gint32) size)] ^= (guint8) g_rand_int (rand);
        break;
      case 2: /* truncated */
        size = (gsize) g_rand_int_range (rand, 0, (gint32) size);
        break;
      case 3: /* random bytes */
        size = (gsize) g_rand_int_range (rand, 0, 64);
        for (gsize j = 0; j < size; j++)
          buffer[j] = (guint8) g_rand_int (rand);
        break;
      case 4: /* the first header bytes and payload headers */
        buffer[g_rand_int_range (rand, 0, (gint32) MIN (size, 16))] = (guint8) g_rand_int (rand);
        if (size > 15)
          buffer[g_rand_int_range (rand, 12, 16)] = (guint8) g_rand_int (rand);
        break;
      case 5: /* a 16-bit size in an aggregate, or a length field */
        if (size > 16) {
          gsize at = (gsize) g_rand_int_range (rand, 12, (gint32) size - 1);
          buffer[at] = (guint8) g_rand_int_range (rand, 0, 8);
          buffer[at + 1] = (guint8) g_rand_int (rand);
        }
        break;
      case 6: /* random bytes appended */
        for (int n = g_rand_int_range (rand, 1, 200); n > 0; n--)
          buffer[size++] = (guint8) g_rand_int (rand);
        break;
      default: /* sequence number and marker shuffled */
        buffer[1] ^= 0x80;
        buffer[2] = (guint8) g_rand_int (rand);
        buffer[3] = (guint8) g_rand_int (rand);
        break;
    }
    if (rvi_rtp_depay_push (depay, buffer, size, &au, &error)) {
      g_assert_cmpuint (au.size, <=, RVI_RTP_DEPAY_MAX_AU);
      au_nal_count (&au);
      completed++;
      if (rvi_rtp_depay_pop (depay, &au))
        au_nal_count (&au);
    }
    g_assert_true (error == NULL || g_error_matches (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT));
  }
  g_test_message ("%u iterations: %u access units, %" G_GUINT64_FORMAT " malformed, %"
                  G_GUINT64_FORMAT " lost", iterations, completed,
                  rvi_rtp_depay_get_malformed (depay), rvi_rtp_depay_get_lost (depay));
  g_assert_cmpuint (completed, >, 0);
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), >, 0);

  /* and the clean stream still comes out afterwards (moved away from the
   * sequence numbers of the fuzz, which may make it look late) */
  completed = 0;
  for (guint i = 0; i < rtp->len; i++) {
    Sample *packet = rtp->pdata[i];
    gsize size;
    const guint8 *data = g_bytes_get_data (packet->data, &size);
    guint16 seq = (guint16) (((data[2] << 8) | data[3]) + 0x8000 + 101);
    RviAccessUnit au;

    memcpy (buffer, data, size);
    buffer[2] = (guint8) (seq >> 8);
    buffer[3] = (guint8) seq;
    completed += rvi_rtp_depay_push (depay, buffer, size, &au, NULL);
  }
  g_assert_cmpuint (completed, >=, 60); /* and what the fuzz left open */
}

static void
test_fuzz (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (0x5eed);

  fuzz (RVI_CODEC_H264, 100000, rand);
  fuzz (RVI_CODEC_H265, 100000, rand);
}

int
main (int argc, char **argv)
{
  int result;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  g_test_add_func ("/rtp-depay/h264/single", test_h264_single);
  g_test_add_func ("/rtp-depay/h264/stap-a-fu-a", test_h264_stap_fu);
  g_test_add_func ("/rtp-depay/h264/unsupported", test_h264_unsupported);
  g_test_add_func ("/rtp-depay/h265/single-ap", test_h265_single_ap);
  g_test_add_func ("/rtp-depay/h265/fu-paci", test_h265_fu_paci);
  g_test_add_func ("/rtp-depay/boundary/timestamp", test_boundary_timestamp);
  g_test_add_func ("/rtp-depay/loss/fu", test_loss_fu);
  g_test_add_func ("/rtp-depay/loss/wrap", test_sequence_wrap);
  g_test_add_func ("/rtp-depay/malformed", test_malformed);
  g_test_add_func ("/rtp-depay/header-fields", test_header_fields);
  g_test_add_func ("/rtp-depay/oversize", test_oversize);
  g_test_add_func ("/rtp-depay/buffer-reuse", test_buffer_reuse);
  g_test_add_func ("/rtp-depay/fmtp", test_fmtp);
  g_test_add_func ("/rtp-depay/roundtrip/h264", test_roundtrip_h264);
  g_test_add_func ("/rtp-depay/roundtrip/h265", test_roundtrip_h265);
  g_test_add_func ("/rtp-depay/fuzz", test_fuzz);
  result = g_test_run ();
  gst_deinit ();
  return result;
}
