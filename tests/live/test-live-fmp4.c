/* test-live-fmp4.c: RviLiveFmp4 on real encoded streams (test-es.h: 90
 * frames of 320x240@15, a key frame every 30). The output is walked box by
 * box (ftyp, moov, then one moof + mdat per frame; moofs read by
 * fmp4-boxes), checked for a continuous decode timeline that follows the
 * stream's clock, and decoded by ffprobe. */
#include <gst/gst.h>
#include <glib/gstdio.h>

#include "fmp4-boxes.h"
#include "live-fmp4.h"
#include "rvi-error.h"
#include "test-es.h"

#define FRAME_TICKS 6000   /* 15 fps at 90 kHz */

static char *tmpdir;
static RviTestStream *h264, *h264_b, *h265;

typedef struct {
  char type[5];
  gsize offset, size;    /* of the whole box */
} Box;

typedef struct {
  guint64 tfdt, duration;
  gboolean key;
} Fragment;

static RviVideoParams
params_of (const RviTestStream *s)
{
  RviVideoParams params = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (rvi_video_params_parse (&params, s->codec, s->vps, s->sps, s->pps, &error));
  return params;
}

/* Pushes frames [@from, @to) of @s, their pts moved by @shift, with @serial;
 * counts init segments in *@inits. */
static void
push (RviLiveFmp4 *mux, const RviTestStream *s, const RviVideoParams *params, guint serial,
      guint from, guint to, gint64 shift, GByteArray *out, guint *inits)
{
  for (guint i = from; i < to; i++) {
    const RviTestFrame *f = &g_array_index (s->frames, RviTestFrame, i);
    RviLiveFrame frame = { f->pts + shift, 1000000 + i, f->key, f->data, serial };
    g_autoptr (GError) error = NULL;
    gboolean init = FALSE;
    guint before = out->len;

    g_assert_true (rvi_live_fmp4_push (mux, &frame, params, out, &init, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (out->len, >, before + g_bytes_get_size (f->data));
    if (init) {
      g_assert_cmpmem (out->data + before + 4, 4, "ftyp", 4);
      (*inits)++;
    }
  }
}

/* The top-level boxes of @out; fails on a box running past the end. */
static GArray *
top_level (GByteArray *out)
{
  GArray *boxes = g_array_new (FALSE, TRUE, sizeof (Box));
  gsize pos = 0;

  while (pos < out->len) {
    Box b = { { 0 }, pos, 0 };

    g_assert_cmpuint (out->len - pos, >=, 8);
    b.size = (gsize) out->data[pos] << 24 | (gsize) out->data[pos + 1] << 16 |
             (gsize) out->data[pos + 2] << 8 | out->data[pos + 3];
    memcpy (b.type, out->data + pos + 4, 4);
    g_assert_cmpuint (b.size, >=, 8);
    g_assert_cmpuint (b.size, <=, out->len - pos);
    g_array_append_val (boxes, b);
    pos += b.size;
  }
  return boxes;
}

/* Checks the layout (ftyp, moov, then moof + mdat pairs, a new ftyp + moov
 * at each init) and returns the fragments in order. */
static GArray *
fragments_of (GByteArray *out, guint expect_inits)
{
  g_autoptr (GArray) boxes = top_level (out);
  GArray *frags = g_array_new (FALSE, TRUE, sizeof (Fragment));
  RviFmp4Track track = { 0 };
  guint inits = 0;

  for (guint i = 0; i < boxes->len; i++) {
    const Box *b = &g_array_index (boxes, Box, i);
    const guint8 *body = out->data + b->offset + 8;
    g_autoptr (GError) error = NULL;

    if (g_str_equal (b->type, "ftyp")) {
      g_assert_cmpuint (i + 1, <, boxes->len);
      g_assert_cmpstr (g_array_index (boxes, Box, i + 1).type, ==, "moov");
      inits++;
    } else if (g_str_equal (b->type, "moov")) {
      rvi_fmp4_track_clear (&track);
      g_assert_true (rvi_fmp4_parse_moov (body, b->size - 8, &track, &error));
      g_assert_no_error (error);
      g_assert_cmpint (track.width, ==, 320);
      g_assert_cmpint (track.height, ==, 240);
      g_assert_cmpuint (track.timescale, ==, 90000);
    } else if (g_str_equal (b->type, "moof")) {
      RviFmp4Run run = { 0 };
      Fragment f;

      g_assert_cmpuint (i + 1, <, boxes->len);
      g_assert_cmpstr (g_array_index (boxes, Box, i + 1).type, ==, "mdat");
      g_assert_true (rvi_fmp4_parse_moof (body, b->size - 8, &track, &run, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (run.samples, ==, 1);
      f.tfdt = run.base_decode_time;
      f.duration = run.duration;
      f.key = run.key;
      g_array_append_val (frags, f);
    } else {
      g_assert_cmpstr (b->type, ==, "mdat");
      g_assert_cmpuint (i, >, 0);
      g_assert_cmpstr (g_array_index (boxes, Box, i - 1).type, ==, "moof");
    }
  }
  rvi_fmp4_track_clear (&track);
  g_assert_cmpuint (inits, ==, expect_inits);
  g_assert_cmpstr (g_array_index (boxes, Box, 0).type, ==, "ftyp");
  /* decode times: from 0, strictly increasing and continuous */
  for (guint i = 0; i < frags->len; i++) {
    const Fragment *f = &g_array_index (frags, Fragment, i);

    g_assert_cmpuint (f->duration, >, 0);
    if (i == 0)
      g_assert_cmpuint (f->tfdt, ==, 0);
    else
      g_assert_cmpuint (f->tfdt, ==, g_array_index (frags, Fragment, i - 1).tfdt +
                                     g_array_index (frags, Fragment, i - 1).duration);
  }
  return frags;
}

static char *
run (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (err, ==, "");
  return out;
}

/* ffprobe decodes @frames frames of @codec at 320x240 from @out. */
static void
check_ffprobe (GByteArray *out, const char *name, const char *codec, guint frames)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  const char *argv[] = { "ffprobe", "-v", "error", "-count_frames", "-select_streams", "v",
                         "-show_entries", "stream=nb_read_frames,codec_name,width,height",
                         "-of", "csv=p=0", path, NULL };
  g_autofree char *expected = g_strdup_printf ("%s,320,240,%u\n", codec, frames);
  g_autofree char *probed = NULL;

  g_assert_true (g_file_set_contents (path, (const char *) out->data, out->len, NULL));
  probed = run (argv);
  g_assert_cmpstr (probed, ==, expected);
}

/* The stream from its first key frame: an init, then one fragment per
 * frame, on the stream's own clock, and all 90 frames decode. */
static void
test_h264 (void)
{
  g_auto (RviVideoParams) params = params_of (h264);
  g_autoptr (RviLiveFmp4) mux = rvi_live_fmp4_new ();
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GArray) frags = NULL;
  g_autofree char *mime = g_strdup_printf ("video/mp4; codecs=\"%s\"", params.codec_string);
  g_autofree char *mime2 = rvi_live_fmp4_mime_for (&params);
  gint64 pts0 = g_array_index (h264->frames, RviTestFrame, 0).pts, t0;
  RviLiveFmp4Stats st;
  gsize payload = 0;
  guint inits = 0;

  g_assert_null (rvi_live_fmp4_get_mime (mux));
  t0 = g_get_monotonic_time ();
  push (mux, h264, &params, 1, 0, 90, 0, out, &inits);
  g_test_message ("90 frames muxed in %" G_GINT64_FORMAT " us", g_get_monotonic_time () - t0);
  g_assert_cmpuint (inits, ==, 1);
  g_assert_true (g_str_has_prefix (mime, "video/mp4; codecs=\"avc1."));
  g_assert_cmpstr (rvi_live_fmp4_get_mime (mux), ==, mime);
  g_assert_cmpstr (mime2, ==, mime);
  frags = fragments_of (out, 1);
  g_assert_cmpuint (frags->len, ==, 90);
  for (guint i = 0; i < 90; i++) {
    const RviTestFrame *f = &g_array_index (h264->frames, RviTestFrame, i);
    const Fragment *m = &g_array_index (frags, Fragment, i);

    g_assert_cmpint (m->key, ==, f->key);
    g_assert_cmpuint (m->tfdt, ==, (guint64) (f->pts - pts0));
    g_assert_cmpuint (m->duration, ==, FRAME_TICKS);
    payload += g_bytes_get_size (f->data);
  }
  rvi_live_fmp4_get_stats (mux, &st);
  g_assert_cmpuint (st.fragments, ==, 90);
  g_assert_cmpuint (st.inits, ==, 1);
  g_assert_cmpuint (st.resyncs, ==, 0);
  g_assert_cmpint (st.end_ticks, ==, 90 * FRAME_TICKS);
  g_test_message ("%s: %u bytes, %" G_GSIZE_FORMAT " of frames, %.1f bytes per frame of boxes",
                  mime, out->len, payload, (out->len - payload) / 90.0);
  check_ffprobe (out, "h264.mp4", "h264", 90);
}

/* Lost frames are caught up by the next frame's duration; a jump beyond
 * the catch-up bound re-anchors; decode times never have a gap. */
static void
test_gaps (void)
{
  g_auto (RviVideoParams) params = params_of (h264);
  g_autoptr (RviLiveFmp4) mux = rvi_live_fmp4_new ();
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GArray) frags = NULL;
  gint64 pts0 = g_array_index (h264->frames, RviTestFrame, 0).pts;
  gint64 jump = 10 * 90000;
  RviLiveFmp4Stats st;
  guint inits = 0;

  push (mux, h264, &params, 1, 0, 40, 0, out, &inits);
  push (mux, h264, &params, 1, 45, 70, 0, out, &inits);      /* 5 frames lost */
  push (mux, h264, &params, 1, 70, 80, jump, out, &inits);   /* camera stalled 10 s */
  push (mux, h264, &params, 1, 80, 90, jump - 3 * 90000, out, &inits);  /* clock back 3 s */
  frags = fragments_of (out, 1);
  g_assert_cmpuint (frags->len, ==, 85);
  rvi_live_fmp4_get_stats (mux, &st);
  g_assert_cmpuint (st.resyncs, ==, 2);
  for (guint i = 0; i < frags->len; i++) {
    const Fragment *m = &g_array_index (frags, Fragment, i);
    guint frame = i < 40 ? i : i + 5;
    gint64 pts = g_array_index (h264->frames, RviTestFrame, frame).pts - pts0;

    g_assert_cmpuint (m->duration, <=, FRAME_TICKS + RVI_LIVE_FMP4_MAX_CATCHUP_MS * 90);
    if (i == 40) {
      /* the first frame after the loss starts where its predecessor
       * ended and absorbs the loss */
      g_assert_cmpuint (m->tfdt, ==, (guint64) (pts - 5 * FRAME_TICKS));
      g_assert_cmpuint (m->duration, ==, 6 * FRAME_TICKS);
    } else {
      /* on the camera's clock; after the jumps re-anchored (the 10 s
       * stall is not replayed, the 3 s back does not overlap) */
      g_assert_cmpuint (m->tfdt, ==, (guint64) pts);
      g_assert_cmpuint (m->duration, ==, FRAME_TICKS);
    }
  }
  check_ffprobe (out, "gaps.mp4", "h264", 85);
}

/* New parameter sets (another serial): a second init segment, the decode
 * times continuing; H.265 is muxed as hvc1 and decodes. */
static void
test_params_change (void)
{
  g_auto (RviVideoParams) params = params_of (h264);
  g_auto (RviVideoParams) hparams = params_of (h265);
  g_autoptr (RviLiveFmp4) mux = rvi_live_fmp4_new ();
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GByteArray) hevc = g_byte_array_new ();
  g_autoptr (GArray) frags = NULL;
  gint64 shift = 60 * FRAME_TICKS;
  guint inits = 0, hevc_start;

  push (mux, h264, &params, 1, 0, 60, 0, out, &inits);
  hevc_start = out->len;
  /* the serial changes on a key frame; the stream goes on 60 frames later */
  push (mux, h265, &hparams, 2, 0, 90, shift, out, &inits);
  g_assert_cmpuint (inits, ==, 2);
  g_assert_true (g_str_has_prefix (rvi_live_fmp4_get_mime (mux), "video/mp4; codecs=\"hvc1."));
  frags = fragments_of (out, 2);
  g_assert_cmpuint (frags->len, ==, 150);
  g_assert_cmpuint (g_array_index (frags, Fragment, 60).tfdt, ==, 60 * FRAME_TICKS);
  g_assert_true (g_array_index (frags, Fragment, 60).key);
  g_byte_array_append (hevc, out->data + hevc_start, out->len - hevc_start);
  check_ffprobe (hevc, "h265.mp4", "hevc", 90);

  /* the same parameter sets under a new serial still give a new init */
  push (mux, h265, &hparams, 3, 0, 1, 2 * shift, out, &inits);
  g_assert_cmpuint (inits, ==, 3);
}

/* B-frames: composition offsets put every frame at its own time. */
static void
test_bframes (void)
{
  g_auto (RviVideoParams) params = params_of (h264_b);
  g_autoptr (RviLiveFmp4) mux = rvi_live_fmp4_new ();
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GArray) frags = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "bframes.mp4", NULL);
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                         "frame=pts", "-of", "csv=p=0", path, NULL };
  g_autofree char *probed = NULL;
  g_auto (GStrv) lines = NULL;
  gint64 prev = -1;
  guint n = 0, inits = 0;

  g_assert_cmpuint (params.reorder, >, 0);
  push (mux, h264_b, &params, 1, 0, 90, 0, out, &inits);
  frags = fragments_of (out, 1);
  g_assert_cmpuint (frags->len, ==, 90);
  check_ffprobe (out, "bframes.mp4", "h264", 90);
  probed = run (argv);
  lines = g_strsplit (g_strstrip (probed), "\n", -1);
  /* decoded frames come out in presentation order, one frame apart */
  for (guint i = 0; lines[i]; i++) {
    gint64 pts;

    if (lines[i][0] == '\0')
      continue;
    pts = g_ascii_strtoll (lines[i], NULL, 10);
    if (prev >= 0)
      g_assert_cmpint (pts - prev, ==, FRAME_TICKS);
    prev = pts;
    n++;
  }
  g_assert_cmpuint (n, ==, 90);
}

/* Before the first key frame nothing is written; unusable parameter sets
 * are an error with the output untouched. */
static void
test_wait_and_errors (void)
{
  g_auto (RviVideoParams) params = params_of (h264);
  RviVideoParams bad = { 0 };
  g_autoptr (RviLiveFmp4) mux = rvi_live_fmp4_new ();
  g_autoptr (GByteArray) out = g_byte_array_new ();
  const RviTestFrame *f1 = &g_array_index (h264->frames, RviTestFrame, 1);
  const RviTestFrame *f0 = &g_array_index (h264->frames, RviTestFrame, 0);
  RviLiveFrame delta = { f1->pts, 0, FALSE, f1->data, 1 };
  RviLiveFrame key = { f0->pts, 0, TRUE, f0->data, 1 };
  g_autoptr (GError) error = NULL;
  gboolean init = TRUE;

  g_assert_true (rvi_live_fmp4_push (mux, &delta, &params, out, &init, &error));
  g_assert_false (init);
  g_assert_cmpuint (out->len, ==, 0);
  bad.codec = RVI_CODEC_H264;
  g_assert_false (rvi_live_fmp4_push (mux, &key, &bad, out, &init, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT);
  g_assert_cmpuint (out->len, ==, 0);
  g_assert_null (rvi_live_fmp4_get_mime (mux));
  g_assert_true (rvi_live_fmp4_push (mux, &key, &params, out, &init, NULL));
  g_assert_true (init);
  g_assert_cmpuint (out->len, >, 0);
}

int
main (int argc, char **argv)
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("rvi-live-fmp4-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  h264 = rvi_test_stream_encode (RVI_CODEC_H264, FALSE);
  h264_b = rvi_test_stream_encode (RVI_CODEC_H264, TRUE);
  h265 = rvi_test_stream_encode (RVI_CODEC_H265, FALSE);
  g_test_add_func ("/live-fmp4/h264", test_h264);
  g_test_add_func ("/live-fmp4/gaps", test_gaps);
  g_test_add_func ("/live-fmp4/params-change", test_params_change);
  g_test_add_func ("/live-fmp4/bframes", test_bframes);
  g_test_add_func ("/live-fmp4/wait-and-errors", test_wait_and_errors);
  status = g_test_run ();
  rvi_test_stream_free (h264);
  rvi_test_stream_free (h264_b);
  rvi_test_stream_free (h265);
  {
    g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name (dir))) {
      g_autofree char *path = g_build_filename (tmpdir, name, NULL);
      g_remove (path);
    }
  }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return status;
}
