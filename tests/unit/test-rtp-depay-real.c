/* test-rtp-depay-real: rtp-depay on the output of real encoders and
 * payloaders. The SDP's sprop parameters as rtph264pay / rtph265pay write
 * them in their caps; then x264enc / x265enc and GStreamer's payloaders in
 * process (no network): the access units must match the encoder's NAL unit
 * for NAL unit. Last a fuzz loop of mutated real packets. The hand-built
 * packets are in test-rtp-depay.c. */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <string.h>

#include "rtp-depay-helpers.h"
#include "rtp-depay.h"
#include "rvi-error.h"

/* --- fmtp ----------------------------------------------------------------- */

static void
assert_base64 (GBytes *bytes, const char *base64)
{
  gsize size;
  g_autofree guint8 *expected = g_base64_decode (base64, &size);

  test_assert_bytes (bytes, expected, size);
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
    g_assert_false (test_push (depay, 1, 3000, FALSE, sps_nal, sps_size, &au));
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
      test_au_nal_count (&au);
      completed++;
      if (rvi_rtp_depay_pop (depay, &au))
        test_au_nal_count (&au);
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
  g_test_add_func ("/rtp-depay/fmtp", test_fmtp);
  g_test_add_func ("/rtp-depay/roundtrip/h264", test_roundtrip_h264);
  g_test_add_func ("/rtp-depay/roundtrip/h265", test_roundtrip_h265);
  g_test_add_func ("/rtp-depay/fuzz", test_fuzz);
  result = g_test_run ();
  gst_deinit ();
  return result;
}
