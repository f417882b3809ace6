/* test-es.c: see test-es.h. */
#include "test-es.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

static guint
be16 (const guint8 *p)
{
  return (guint) p[0] << 8 | p[1];
}

/* Reads one u16-length-prefixed NAL unit at *@pos of @data. */
static GBytes *
take_nal (const guint8 *data, gsize size, gsize *pos)
{
  gsize len;
  GBytes *nal;

  g_assert_cmpuint (*pos + 2, <=, size);
  len = be16 (data + *pos);
  g_assert_cmpuint (*pos + 2 + len, <=, size);
  nal = g_bytes_new (data + *pos + 2, len);
  *pos += 2 + len;
  return nal;
}

/* The first SPS and PPS of an avcC. */
static void
parse_avcc (RviTestStream *s, const guint8 *data, gsize size)
{
  gsize pos = 6;
  guint count;

  g_assert_cmpuint (size, >, 7);
  count = data[5] & 0x1f;
  g_assert_cmpuint (count, >=, 1);
  s->sps = take_nal (data, size, &pos);
  for (guint i = 1; i < count; i++)
    g_bytes_unref (take_nal (data, size, &pos));
  g_assert_cmpuint (pos, <, size);
  count = data[pos++];
  g_assert_cmpuint (count, >=, 1);
  s->pps = take_nal (data, size, &pos);
}

/* The first VPS, SPS and PPS of an hvcC. */
static void
parse_hvcc (RviTestStream *s, const guint8 *data, gsize size)
{
  gsize pos = 23;
  guint arrays;

  g_assert_cmpuint (size, >, 23);
  arrays = data[22];
  for (guint a = 0; a < arrays; a++) {
    guint type, count;

    g_assert_cmpuint (pos + 3, <=, size);
    type = data[pos] & 0x3f;
    count = be16 (data + pos + 1);
    pos += 3;
    for (guint i = 0; i < count; i++) {
      GBytes *nal = take_nal (data, size, &pos);
      GBytes **slot = type == 32 ? &s->vps : type == 33 ? &s->sps : type == 34 ? &s->pps : NULL;

      if (slot != NULL && *slot == NULL)
        *slot = nal;
      else
        g_bytes_unref (nal);
    }
  }
  g_assert_nonnull (s->vps);
  g_assert_nonnull (s->sps);
  g_assert_nonnull (s->pps);
}

static void
read_caps (RviTestStream *s, GstCaps *caps)
{
  const GValue *v = gst_structure_get_value (gst_caps_get_structure (caps, 0), "codec_data");
  GstBuffer *codec_data;
  GstMapInfo map;

  g_assert_nonnull (v);
  codec_data = gst_value_get_buffer (v);
  g_assert_true (gst_buffer_map (codec_data, &map, GST_MAP_READ));
  if (s->codec == RVI_CODEC_H264)
    parse_avcc (s, map.data, map.size);
  else
    parse_hvcc (s, map.data, map.size);
  gst_buffer_unmap (codec_data, &map);
  s->mime_codec = gst_codec_utils_caps_get_mime_codec (caps);
  g_assert_nonnull (s->mime_codec);
}

static void
frame_clear (gpointer data)
{
  RviTestFrame *f = data;

  g_clear_pointer (&f->data, g_bytes_unref);
}

static RviTestStream *encode (RviCodec codec, gboolean bframes, const char *encoder, int width,
                              int height);

RviTestStream *
rvi_test_stream_encode (RviCodec codec, gboolean bframes)
{
  const char *encoder = codec == RVI_CODEC_H264
    ? (bframes ? "x264enc key-int-max=30 bframes=2 b-adapt=false b-pyramid=false ! h264parse ! "
                 "video/x-h264,stream-format=avc,alignment=au"
               : "x264enc key-int-max=30 bframes=0 ! h264parse ! "
                 "video/x-h264,stream-format=avc,alignment=au")
    : (bframes ? "x265enc key-int-max=30 option-string=bframes=2 ! h265parse ! "
                 "video/x-h265,stream-format=hvc1,alignment=au"
               : "x265enc key-int-max=30 option-string=bframes=0 ! h265parse ! "
                 "video/x-h265,stream-format=hvc1,alignment=au");

  return encode (codec, bframes, encoder, 320, 240);
}

RviTestStream *
rvi_test_stream_encode_h264 (const char *profile, int width, int height)
{
  g_autofree char *encoder = g_strdup_printf (
    "x264enc key-int-max=30 bframes=0 ! video/x-h264,profile=%s ! h264parse ! "
    "video/x-h264,stream-format=avc,alignment=au", profile);

  return encode (RVI_CODEC_H264, FALSE, encoder, width, height);
}

static RviTestStream *
encode (RviCodec codec, gboolean bframes, const char *encoder, int width, int height)
{
  g_autofree char *desc = g_strdup_printf (
    "videotestsrc num-buffers=90 pattern=ball ! "
    "video/x-raw,format=I420,width=%d,height=%d,framerate=15/1 ! %s ! "
    "appsink name=sink sync=false", width, height, encoder);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, &error);
  g_autoptr (GstElement) sink = NULL;
  RviTestStream *s = g_new0 (RviTestStream, 1);
  gboolean reordered = FALSE;

  g_assert_no_error (error);
  s->codec = codec;
  s->bframes = bframes;
  s->frames = g_array_new (FALSE, TRUE, sizeof (RviTestFrame));
  g_array_set_clear_func (s->frames, frame_clear);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  for (;;) {
    g_autoptr (GstSample) sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
    GstBuffer *buffer;
    RviTestFrame f = { 0 };
    GstMapInfo map;

    if (sample == NULL)
      break;
    if (s->sps == NULL)
      read_caps (s, gst_sample_get_caps (sample));
    buffer = gst_sample_get_buffer (sample);
    g_assert_true (GST_BUFFER_PTS_IS_VALID (buffer));
    f.pts = RVI_TEST_ES_PTS_BASE +
            (gint64) gst_util_uint64_scale_round (GST_BUFFER_PTS (buffer), 90000, GST_SECOND);
    f.key = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
    f.data = g_bytes_new (map.data, map.size);
    gst_buffer_unmap (buffer, &map);
    if (s->frames->len > 0 &&
        f.pts < g_array_index (s->frames, RviTestFrame, s->frames->len - 1).pts)
      reordered = TRUE;
    g_array_append_val (s->frames, f);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_cmpuint (s->frames->len, ==, 90);
  g_assert_true (g_array_index (s->frames, RviTestFrame, 0).key);
  g_assert_cmpint (reordered, ==, bframes);
  return s;
}

void
rvi_test_stream_free (RviTestStream *s)
{
  if (s == NULL)
    return;
  g_clear_pointer (&s->vps, g_bytes_unref);
  g_clear_pointer (&s->sps, g_bytes_unref);
  g_clear_pointer (&s->pps, g_bytes_unref);
  g_free (s->mime_codec);
  g_array_unref (s->frames);
  g_free (s);
}
