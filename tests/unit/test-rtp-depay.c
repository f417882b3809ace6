/* test-rtp-depay: rtp-depay on hand-built RTP packets of every kind it takes
 * or refuses (H.264 and H.265), on loss, wrap and reordering, on malformed
 * input and oversize access units, and on the reuse of its buffers. The
 * SDP's sprop parameters and GStreamer's own payloaders are in
 * test-rtp-depay-real.c. */
#include <glib.h>
#include <string.h>

#include "rtp-depay-helpers.h"
#include "rtp-depay.h"
#include "rvi-error.h"

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
  g_assert_cmpuint (test_au_nal_count (&au), ==, 4);
  test_assert_nal (&au, 0, h264_sps, sizeof h264_sps);
  test_assert_nal (&au, 1, h264_pps, sizeof h264_pps);
  test_assert_nal (&au, 2, h264_sei, sizeof h264_sei);
  test_assert_nal (&au, 3, h264_idr, sizeof h264_idr);
  g_assert_cmpuint (au.rtp_timestamp, ==, 3000);
  g_assert_true (au.key && au.params_changed && !au.damaged);
  test_assert_bytes (rvi_rtp_depay_get_sps (depay), h264_sps, sizeof h264_sps);
  test_assert_bytes (rvi_rtp_depay_get_pps (depay), h264_pps, sizeof h264_pps);
  g_assert_null (rvi_rtp_depay_get_vps (depay));

  g_assert_true (PUSH (depay, 5, 6000, TRUE, h264_slice));
  g_assert_cmpuint (test_au_nal_count (&au), ==, 1);
  test_assert_nal (&au, 0, h264_slice, sizeof h264_slice);
  g_assert_false (au.key || au.params_changed || au.damaged);

  /* the same SPS again is no change; a different one is */
  g_assert_false (PUSH (depay, 6, 9000, FALSE, h264_sps));
  g_assert_true (PUSH (depay, 7, 9000, TRUE, h264_idr));
  g_assert_true (au.key && !au.params_changed);
  g_assert_false (PUSH (depay, 8, 12000, FALSE, h264_sps2));
  g_assert_true (PUSH (depay, 9, 12000, TRUE, h264_idr));
  g_assert_true (au.key && au.params_changed);
  test_assert_bytes (rvi_rtp_depay_get_sps (depay), h264_sps2, sizeof h264_sps2);
  test_assert_bytes (rvi_rtp_depay_get_pps (depay), h264_pps, sizeof h264_pps);

  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 0);
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 0);
}

static void
test_h264_stap_fu (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  g_autoptr (GByteArray) stap = g_byte_array_new ();
  g_autofree guint8 *idr = test_make_nal ((const guint8[]) { 0x65 }, 1, 3000);
  g_autoptr (GPtrArray) fus = test_fragment (RVI_CODEC_H264, idr, 3000, 1000);
  guint8 header = 0x78; /* STAP-A, NRI 3 */
  RviAccessUnit au;
  guint16 seq = 100;

  g_byte_array_append (stap, &header, 1);
  ADD_SIZED (stap, h264_aud);
  ADD_SIZED (stap, h264_sps);
  ADD_SIZED (stap, h264_pps);
  ADD_SIZED (stap, h264_sei);
  g_assert_false (test_push_array (depay, seq++, 90000, FALSE, stap, &au));
  g_assert_cmpuint (fus->len, ==, 3);
  for (guint i = 0; i < fus->len; i++)
    g_assert_cmpint (
      test_push_array (depay, seq++, 90000, i == fus->len - 1, fus->pdata[i], &au), ==,
      i == fus->len - 1);

  /* the delimiter is dropped; the IDR comes back whole with its NAL header */
  g_assert_cmpuint (test_au_nal_count (&au), ==, 4);
  test_assert_nal (&au, 0, h264_sps, sizeof h264_sps);
  test_assert_nal (&au, 1, h264_pps, sizeof h264_pps);
  test_assert_nal (&au, 2, h264_sei, sizeof h264_sei);
  test_assert_nal (&au, 3, idr, 3000);
  g_assert_true (au.key && au.params_changed && !au.damaged);

  /* a fragmented non-IDR slice; NRI 2 must survive the rebuild */
  {
    g_autofree guint8 *slice = test_make_nal ((const guint8[]) { 0x41 }, 1, 2500);
    g_autoptr (GPtrArray) parts = test_fragment (RVI_CODEC_H264, slice, 2500, 1400);

    g_assert_false (test_push_array (depay, seq++, 93000, FALSE, parts->pdata[0], &au));
    g_assert_true (test_push_array (depay, seq++, 93000, TRUE, parts->pdata[1], &au));
    g_assert_cmpuint (test_au_nal_count (&au), ==, 1);
    test_assert_nal (&au, 0, slice, 2500);
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
  g_assert_cmpuint (test_au_nal_count (&au), ==, 1);
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
  g_assert_cmpuint (test_au_nal_count (&au), ==, 4);
  test_assert_nal (&au, 0, h265_vps, sizeof h265_vps);
  test_assert_nal (&au, 3, h265_idr, sizeof h265_idr);
  g_assert_true (au.key && au.params_changed && !au.damaged);
  test_assert_bytes (rvi_rtp_depay_get_vps (depay), h265_vps, sizeof h265_vps);
  test_assert_bytes (rvi_rtp_depay_get_sps (depay), h265_sps, sizeof h265_sps);
  test_assert_bytes (rvi_rtp_depay_get_pps (depay), h265_pps, sizeof h265_pps);

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
  g_assert_true (test_push_array (depay, 6, 9000, TRUE, ap, &au));
  g_assert_cmpuint (test_au_nal_count (&au), ==, 5);
  test_assert_nal (&au, 0, h265_vps, sizeof h265_vps);
  test_assert_nal (&au, 3, h265_sei, sizeof h265_sei);
  test_assert_nal (&au, 4, h265_cra, sizeof h265_cra);
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
  g_autofree guint8 *idr = test_make_nal (header, 2, 4000);
  g_autoptr (GPtrArray) fus = test_fragment (RVI_CODEC_H265, idr, 4000, 1200);
  static const guint8 paci[] = { 50 << 1, 0x01, 0x00, 0x00, 0x02, 0x01, 0xd0 };
  static const guint8 reserved[] = { 51 << 1, 0x01, 0x00 };
  static const guint8 empty_fu[] = { 49 << 1, 0x01, 0x80 | 19 };
  RviAccessUnit au;
  guint16 seq = 7;

  g_assert_cmpuint (fus->len, ==, 4);
  for (guint i = 0; i < fus->len; i++)
    g_assert_cmpint (
      test_push_array (depay, seq++, 5000, i == fus->len - 1, fus->pdata[i], &au), ==,
      i == fus->len - 1);
  g_assert_cmpuint (test_au_nal_count (&au), ==, 1);
  test_assert_nal (&au, 0, idr, 4000);
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
  g_assert_cmpuint (test_au_nal_count (&au), ==, 2);
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
  test_assert_nal (&second, 0, h264_idr, sizeof h264_idr);
  test_assert_nal (&au, 0, h264_slice, sizeof h264_slice); /* still valid */

  /* not popped: the next push returns it */
  g_assert_false (PUSH (depay, 6, 500, FALSE, h264_slice));
  g_assert_true (PUSH (depay, 7, 600, TRUE, h264_idr));
  g_assert_cmpuint (au.rtp_timestamp, ==, 500);
  g_assert_true (PUSH (depay, 8, 700, FALSE, h264_slice));
  g_assert_cmpuint (au.rtp_timestamp, ==, 600);
  g_assert_true (au.key);
  g_assert_true (PUSH (depay, 9, 700, TRUE, h264_slice));
  g_assert_cmpuint (au.rtp_timestamp, ==, 700);
  g_assert_cmpuint (test_au_nal_count (&au), ==, 2);
  g_assert_false (rvi_rtp_depay_pop (depay, &second));
}

static void
test_loss_fu (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  g_autofree guint8 *idr = test_make_nal ((const guint8[]) { 0x65 }, 1, 3000);
  g_autoptr (GPtrArray) fus = test_fragment (RVI_CODEC_H264, idr, 3000, 1000);
  RviAccessUnit au;

  /* the middle fragment is lost: the IDR is dropped, the SPS stays */
  g_assert_false (PUSH (depay, 10, 3000, FALSE, h264_sps));
  g_assert_false (test_push_array (depay, 11, 3000, FALSE, fus->pdata[0], &au));
  g_assert_true (test_push_array (depay, 13, 3000, TRUE, fus->pdata[2], &au));
  g_assert_true (au.damaged);
  g_assert_false (au.key);
  g_assert_cmpuint (test_au_nal_count (&au), ==, 1);
  test_assert_nal (&au, 0, h264_sps, sizeof h264_sps);
  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 1);

  g_assert_true (PUSH (depay, 14, 6000, TRUE, h264_slice));
  g_assert_false (au.damaged);

  /* the first packets of a unit are lost */
  g_assert_true (PUSH (depay, 17, 9000, TRUE, h264_slice));
  g_assert_true (au.damaged);
  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 3);

  /* joined in the middle of a fragmented NAL unit */
  g_assert_false (test_push_array (depay, 18, 12000, FALSE, fus->pdata[1], &au));
  /* empty: dropped */
  g_assert_false (test_push_array (depay, 19, 12000, TRUE, fus->pdata[2], &au));
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 0);

  /* a late and a duplicate packet are skipped */
  g_assert_false (PUSH (depay, 20, 15000, FALSE, h264_slice));
  g_assert_false (PUSH (depay, 18, 15000, FALSE, h264_sei));
  g_assert_false (PUSH (depay, 20, 15000, FALSE, h264_sei));
  g_assert_true (PUSH (depay, 21, 15000, TRUE, h264_slice));
  g_assert_cmpuint (test_au_nal_count (&au), ==, 2);
  g_assert_false (au.damaged);
  g_assert_cmpuint (rvi_rtp_depay_get_lost (depay), ==, 3);
}

static void
test_sequence_wrap (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H265);
  g_autofree guint8 *trail = test_make_nal (h265_trail, 2, 2000);
  g_autoptr (GPtrArray) fus = test_fragment (RVI_CODEC_H265, trail, 2000, 700);
  RviAccessUnit au;

  g_assert_cmpuint (fus->len, ==, 3);
  g_assert_true (PUSH (depay, 65533, 1000, TRUE, h265_trail));
  g_assert_false (test_push_array (depay, 65534, 2000, FALSE, fus->pdata[0], &au));
  g_assert_false (test_push_array (depay, 65535, 2000, FALSE, fus->pdata[1], &au));
  g_assert_true (test_push_array (depay, 0, 2000, TRUE, fus->pdata[2], &au));
  g_assert_false (au.damaged);
  test_assert_nal (&au, 0, trail, 2000);
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
    g_assert_cmpuint (test_au_nal_count (&au), ==, 1);
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

  test_rtp_header (packet, 1, 5000, TRUE);
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
  g_assert_cmpuint (test_au_nal_count (&au), ==, 1);
  test_assert_nal (&au, 0, h264_idr, sizeof h264_idr);
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
  g_assert_false (test_push_array (depay, seq++, 1000, FALSE, payload, &au));
  payload->data[1] = 0x05; /* middle fragments */
  memcpy (packet + 12, payload->data, payload->len);
  for (;;) {
    test_rtp_header (packet, seq++, 1000, FALSE);
    pushes++;
    if (!rvi_rtp_depay_push (depay, packet, 12 + payload->len, &au, &error) && error != NULL)
      break;
    g_assert_cmpuint (pushes, <, 1000);
  }
  g_assert_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT);
  /* the start fragment made 4 + 1 + 60000 bytes, each middle one adds 60000 */
  g_assert_cmpuint (pushes, ==, (RVI_RTP_DEPAY_MAX_AU - 60005) / 60000 + 1);

  /* the rest of that unit is skipped, then the next one comes out clean */
  g_assert_false (test_push_array (depay, seq++, 1000, FALSE, payload, &au));
  payload->data[1] = 0x45;
  g_assert_false (test_push_array (depay, seq++, 1000, TRUE, payload, &au));
  g_assert_false (PUSH (depay, seq++, 4000, FALSE, h264_sps));
  g_assert_true (PUSH (depay, seq++, 4000, TRUE, h264_idr));
  g_assert_cmpuint (test_au_nal_count (&au), ==, 2);
  g_assert_true (au.key && !au.damaged);
  g_assert_cmpuint (rvi_rtp_depay_get_malformed (depay), ==, 0);
}

/* After warm-up the two buffers are reused: only two data pointers appear. */
static void
test_buffer_reuse (void)
{
  g_autoptr (RviRtpDepay) depay = rvi_rtp_depay_new (RVI_CODEC_H264);
  g_autofree guint8 *idr = test_make_nal ((const guint8[]) { 0x65 }, 1, 300000);
  g_autoptr (GPtrArray) fus = test_fragment (RVI_CODEC_H264, idr, 300000, 1400);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  RviAccessUnit au;
  guint16 seq = 0;

  for (guint frame = 0; frame < 12; frame++) {
    g_assert_false (PUSH (depay, seq++, frame * 3000, FALSE, h264_sps));
    for (guint i = 0; i < fus->len; i++)
      test_push_array (depay, seq++, frame * 3000, i == fus->len - 1, fus->pdata[i], &au);
    g_assert_cmpuint (au.size, ==, 4 + sizeof h264_sps + 4 + 300000);
    if (frame >= 2)
      g_hash_table_add (seen, (gpointer) au.data);
  }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
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
  return g_test_run ();
}
