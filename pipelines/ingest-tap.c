/* ingest-tap.c: frames of the pipeline path (UDP, rtsps) to the frame
 * sampler (key frames) and to the camera's live feed (every frame).
 *
 * The native path offers its key frames itself (ingest-native.c). Here the
 * buffer probe after the parser's caps filter calls in for every key frame:
 * the caps' codec_data (avcC / hvcC) gives the parameter sets, read again
 * only when the caps change, and the buffer (length-prefixed NAL units) is
 * mapped and offered; the sampler copies it only when the camera is due.
 * Every frame goes to the live feed with the parameter sets of the last
 * key frame and its buffer time in 90 kHz.
 * The frame's time is its receipt time, which is what the pipeline path
 * anchors its files to as well (within the jitter buffer's latency). */
#define G_LOG_DOMAIN "rvi-ingest"
#include "codec-data.h"
#include "ingest-private.h"

static gboolean
read_params (RviIngest *ingest, GstPad *pad)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  g_autoptr (GError) error = NULL;
  GstStructure *st;
  const GValue *v;
  GstBuffer *codec_data;
  GstMapInfo map;
  RviCodec codec;
  guint length_size = 0;

  if (!caps || (ingest->sample_caps && gst_caps_is_equal (caps, ingest->sample_caps)))
    return ingest->sample_params_ok;
  gst_caps_replace (&ingest->sample_caps, caps);
  rvi_video_params_clear (&ingest->sample_params);
  ingest->sample_params_ok = FALSE;
  st = gst_caps_get_structure (caps, 0);
  codec = gst_structure_has_name (st, "video/x-h265") ? RVI_CODEC_H265 : RVI_CODEC_H264;
  v = gst_structure_get_value (st, "codec_data");
  if (!v || !GST_VALUE_HOLDS_BUFFER (v) || !(codec_data = gst_value_get_buffer (v))
      || !gst_buffer_map (codec_data, &map, GST_MAP_READ))
    return FALSE;
  ingest->sample_params_ok = rvi_codec_data_parse (&ingest->sample_params, codec, map.data,
                                                   map.size, &length_size, &error)
                             && length_size == 4;
  gst_buffer_unmap (codec_data, &map);
  if (!ingest->sample_params_ok)
    g_info ("camera %s: key frames not sampled: %s", ingest->settings.camera_id,
            error ? error->message : "NAL unit lengths are not 4 bytes");
  return ingest->sample_params_ok;
}

void
rvi_ingest_tap_frame (RviIngest *ingest, GstPad *pad, GstBuffer *buffer)
{
  gboolean key = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  GstClockTime pts = GST_BUFFER_PTS_IS_VALID (buffer) ? GST_BUFFER_PTS (buffer)
                                                       : GST_BUFFER_DTS (buffer);
  gint64 now = g_get_real_time ();
  GstMapInfo map;

  if (!ingest->settings.sampler && !ingest->settings.live)
    return;
  if (key ? !read_params (ingest, pad) : !ingest->sample_params_ok)
    return;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  if (key && ingest->settings.sampler)
    rvi_frame_sampler_offer (ingest->settings.sampler, ingest->settings.camera_id,
                             &ingest->sample_params, map.data, map.size, now);
  if (ingest->settings.live && GST_CLOCK_TIME_IS_VALID (pts))
    rvi_live_feed_publish (ingest->settings.live, &ingest->sample_params,
                           (gint64) gst_util_uint64_scale (pts, 90000, GST_SECOND), now, key,
                           map.data, map.size);
  gst_buffer_unmap (buffer, &map);
}

void
rvi_ingest_tap_clear (RviIngest *ingest)
{
  if (ingest->settings.live)
    rvi_live_feed_reset (ingest->settings.live);
  gst_caps_replace (&ingest->sample_caps, NULL);
  rvi_video_params_clear (&ingest->sample_params);
  ingest->sample_params_ok = FALSE;
}
