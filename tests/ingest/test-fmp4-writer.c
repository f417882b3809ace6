/* test-fmp4-writer.c: fmp4-writer on real elementary streams. The test encodes 6 s of 320x240@15 test video in process
 * (x264enc / x265enc, without and with B-frames, parsed to avc / hvc1
 * access units), takes the parameter sets from the caps' codec_data and
 * feeds the access units to the writer with 90 kHz times offset as RTP
 * times would be. The files are checked with ffprobe (codec, size, frame
 * count, presentation times), ffmpeg (decodes without a message) and
 * fmp4-index (fragments as the writer reported them, key frames starting
 * fragments, codec string). */
#include "fmp4-index.h"
#include "fmp4-writer.h"
#include "rvi-error.h"
#include "ingest-recording.h"
#include "test-es.h"
#include "video-params.h"

#include <gst/gst.h>

#define FRAGMENT_MS 1000
#define FRAME_US (G_USEC_PER_SEC / 15)

static char *tmpdir;
static RviTestStream *streams[4];  /* h264, h264 + B, h265, h265 + B */

/* Runs @argv; fails the test unless it exits 0. Returns stdout (transfer
 * full) and the stderr in @err. */
static char *
run (const char *const *argv, char **err)
{
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static int
compare_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Writes @s to a file @name in tmpdir (transfer full); fills @infos with
 * the fragments the writer reported and @params with the stream's. */
static char *
write_file (const RviTestStream *s, const char *name, GArray *infos, RviVideoParams *params)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  RviFmp4Writer *writer = rvi_fmp4_writer_new (FRAGMENT_MS);
  RviFmp4FragmentInfo info;
  gint64 sum = 0;

  g_assert_true (rvi_video_params_parse (params, s->codec, s->vps, s->sps, s->pps, &error));
  g_assert_no_error (error);
  g_assert_true (rvi_fmp4_writer_begin (writer, params, out, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < s->frames->len; i++) {
    const RviTestFrame *f = &g_array_index (s->frames, RviTestFrame, i);
    gsize size;
    const guint8 *data = g_bytes_get_data (f->data, &size);
    guint before = out->len;

    if (rvi_fmp4_writer_push (writer, f->pts, f->key, data, size, out, &info)) {
      g_assert_cmpuint (out->len - before, ==, info.size);
      g_array_append_val (infos, info);
    } else {
      g_assert_cmpuint (out->len, ==, before);
    }
  }
  g_assert_true (rvi_fmp4_writer_finish (writer, out, &info));
  g_array_append_val (infos, info);
  for (guint i = 0; i < infos->len; i++)
    sum += g_array_index (infos, RviFmp4FragmentInfo, i).duration_us;
  g_assert_cmpint (sum, ==, rvi_fmp4_writer_duration_us (writer));
  rvi_fmp4_writer_free (writer);
  g_assert_true (g_file_set_contents (path, (const char *) out->data, out->len, NULL));
  return g_steal_pointer (&path);
}

/* (a) codec, size, frame count and (b) a clean decode. */
static void
check_ffmpeg (const char *path, const RviTestStream *s)
{
  const char *probe[] = { "ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
                          "-show_entries", "stream=codec_name,width,height,nb_read_frames",
                          "-of", "csv=p=0", path, NULL };
  const char *decode[] = { "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-",
                           NULL };
  g_autofree char *err = NULL, *err2 = NULL, *out2 = NULL;
  g_autofree char *out = run (probe, &err);
  g_autofree char *expected = g_strdup_printf ("%s,320,240,%u\n",
                                               s->codec == RVI_CODEC_H264 ? "h264" : "hevc",
                                               s->frames->len);

  g_assert_cmpstr (err, ==, "");
  g_assert_cmpstr (out, ==, expected);
  out2 = run (decode, &err2);
  g_assert_cmpstr (err2, ==, "");
  g_assert_cmpstr (out2, ==, "");
}

/* (c) the presentation times ffprobe reads are the ones fed in, but for
 * the origin: the file starts at its first decode time, and FFmpeg shifts
 * presentation times up by its largest negative composition offset (its
 * dts_shift), a frame or two with B-frames. */
static void
check_pts (const char *path, const RviTestStream *s, guint reorder)
{
  const char *probe[] = { "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "frame=pts", "-of", "csv=p=0", path, NULL };
  g_autofree char *err = NULL;
  g_autofree char *out = run (probe, &err);
  g_auto (GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_autoptr (GArray) fed = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) read = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 shift;

  g_assert_cmpstr (err, ==, "");
  for (guint i = 0; i < s->frames->len; i++)
    g_array_append_val (fed, g_array_index (s->frames, RviTestFrame, i).pts);
  g_array_sort (fed, compare_int64);
  for (guint i = 0; lines[i] != NULL; i++) {
    gint64 pts;

    if (lines[i][0] == '\0')  /* side data of the frame before ("0,\n\n") */
      continue;
    pts = g_ascii_strtoll (lines[i], NULL, 10);
    g_array_append_val (read, pts);
  }
  g_array_sort (read, compare_int64);
  g_assert_cmpuint (read->len, ==, fed->len);
  shift = g_array_index (read, gint64, 0);
  g_assert_cmpint (shift, >=, 0);
  g_assert_cmpint (shift, <=, (gint64) reorder * 6000);
  for (guint i = 0; i < fed->len; i++)
    g_assert_cmpint (g_array_index (read, gint64, i) - shift, ==,
                     g_array_index (fed, gint64, i) - g_array_index (fed, gint64, 0));
}

/* (d) fmp4-index reads the fragments the writer reported; key frames start
 * fragments; fragments close on time. */
static void
check_index (const char *path, const RviTestStream *s, GArray *infos, const RviVideoParams *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RviSegmentInfo) seg = rvi_fmp4_index_file (path, FALSE, &error);
  g_autoptr (GHashTable) starts = g_hash_table_new (NULL, NULL);
  guint64 offset;
  guint sample = 0;
  gint64 sum = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (seg->info.codec, ==, s->codec == RVI_CODEC_H264 ? "h264" : "h265");
  g_assert_cmpstr (seg->info.codec_string, ==, params->codec_string);
  g_assert_cmpint (seg->info.width, ==, 320);
  g_assert_cmpint (seg->info.height, ==, 240);
  g_assert_cmpuint (seg->fragments->len, ==, infos->len);
  g_assert_cmpuint (seg->fragments->len, >=, 6);
  offset = seg->init_size;
  for (guint i = 0; i < infos->len; i++) {
    const RviFmp4FragmentInfo *w = &g_array_index (infos, RviFmp4FragmentInfo, i);
    const RviFragment *f = &g_array_index (seg->fragments, RviFragment, i);
    const RviTestFrame *first = &g_array_index (s->frames, RviTestFrame, sample);

    g_assert_cmpuint (f->offset, ==, offset);
    g_assert_cmpuint (f->size, ==, w->size);
    g_assert_cmpint (f->start_us, ==, w->start_us);
    g_assert_cmpint (f->duration_us, ==, w->duration_us);
    g_assert_cmpint (f->key, ==, w->key);
    g_assert_cmpint (w->key, ==, first->key);
    g_assert_cmpint (w->start_us, ==, sum);
    if (i + 1 < infos->len)  /* the last one also holds the frames held for reordering */
      g_assert_cmpint (w->duration_us, <, FRAGMENT_MS * 1000 + FRAME_US + 1000);
    g_hash_table_add (starts, GUINT_TO_POINTER (sample));
    offset += w->size;
    sample += w->samples;
    sum += w->duration_us;
  }
  g_assert_cmpuint (sample, ==, s->frames->len);
  g_assert_cmpint (sum, ==, seg->duration_us);
  g_assert_cmpint (ABS (seg->duration_us - (gint64) s->frames->len * FRAME_US), <=, 1000);
  for (guint i = 0; i < s->frames->len; i++)
    if (g_array_index (s->frames, RviTestFrame, i).key)
      g_assert_true (g_hash_table_contains (starts, GUINT_TO_POINTER (i)));
}

static void
test_write (gconstpointer data)
{
  guint which = GPOINTER_TO_UINT (data);
  const RviTestStream *s = streams[which];
  g_autoptr (GArray) infos = g_array_new (FALSE, FALSE, sizeof (RviFmp4FragmentInfo));
  g_auto (RviVideoParams) params = { 0 };
  g_autofree char *name = g_strdup_printf ("stream-%u.mp4", which);
  g_autofree char *path = write_file (s, name, infos, &params);

  g_test_message ("%s: %u frames, reorder %u, %u fragments", params.codec_string, s->frames->len,
                  params.reorder, infos->len);
  check_ffmpeg (path, s);
  check_pts (path, s, params.reorder);
  check_index (path, s, infos, &params);
}

/* One frame: the file lasts one frame period (from the SPS's frame rate). */
static void
test_single_frame (void)
{
  const RviTestStream *s = streams[1];
  const RviTestFrame *f = &g_array_index (s->frames, RviTestFrame, 0);
  g_auto (RviVideoParams) params = { 0 };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree char *path = g_build_filename (tmpdir, "single.mp4", NULL);
  g_autoptr (RviSegmentInfo) seg = NULL;
  g_autoptr (GError) error = NULL;
  RviFmp4Writer *writer = rvi_fmp4_writer_new (FRAGMENT_MS);
  RviFmp4FragmentInfo info;
  gsize size;
  const guint8 *data = g_bytes_get_data (f->data, &size);

  g_assert_true (rvi_video_params_parse (&params, s->codec, s->vps, s->sps, s->pps, NULL));
  g_assert_true (rvi_fmp4_writer_begin (writer, &params, out, NULL));
  g_assert_false (rvi_fmp4_writer_push (writer, f->pts, TRUE, data, size, out, &info));
  g_assert_true (rvi_fmp4_writer_finish (writer, out, &info));
  g_assert_cmpuint (info.samples, ==, 1);
  g_assert_cmpint (info.duration_us, ==, FRAME_US);
  rvi_fmp4_writer_free (writer);
  g_assert_true (g_file_set_contents (path, (const char *) out->data, out->len, NULL));
  seg = rvi_fmp4_index_file (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seg->duration_us, ==, FRAME_US);
}

/* finish_at(): the last frame lasts until the next file's first frame, so
 * a file cut at a late key frame (a camera that skipped frames) still ends
 * where the next begins; an end not after the last frame changes nothing. */
static void
test_finish_at (void)
{
  const RviTestStream *s = streams[0];
  g_auto (RviVideoParams) params = { 0 };
  RviFmp4Writer *writer = rvi_fmp4_writer_new (FRAGMENT_MS);
  RviFmp4FragmentInfo info;
  gint64 first_pts = 0, last_pts = 0;

  g_assert_true (rvi_video_params_parse (&params, s->codec, s->vps, s->sps, s->pps, NULL));
  for (guint round = 0; round < 2; round++) {
    g_autoptr (GByteArray) out = g_byte_array_new ();
    gint64 total = 0;

    g_assert_true (rvi_fmp4_writer_begin (writer, &params, out, NULL));
    for (guint i = 0; i < 5; i++) {
      const RviTestFrame *f = &g_array_index (s->frames, RviTestFrame, i);
      gsize size;
      const guint8 *data = g_bytes_get_data (f->data, &size);

      if (i == 0)
        first_pts = f->pts;
      last_pts = f->pts;
      if (rvi_fmp4_writer_push (writer, f->pts, f->key, data, size, out, &info))
        total += info.duration_us;
    }
    /* round 0: 7 frame intervals after the last frame; round 1: "before" it */
    g_assert_true (rvi_fmp4_writer_finish_at (writer, round == 0 ? last_pts + 7 * 6000 : last_pts - 1,
                                              out, &info));
    total += info.duration_us;
    if (round == 0)
      g_assert_cmpint (total, ==, (last_pts + 7 * 6000 - first_pts) * G_USEC_PER_SEC / 90000);
    else
      g_assert_cmpint (total, ==, (last_pts + 6000 - first_pts) * G_USEC_PER_SEC / 90000);
  }
  rvi_fmp4_writer_free (writer);
}

/* A writer used for a second file writes it exactly as the first. */
static void
test_reuse (void)
{
  const RviTestStream *s = streams[3];
  g_auto (RviVideoParams) params = { 0 };
  g_autoptr (GByteArray) first = g_byte_array_new ();
  g_autoptr (GByteArray) second = g_byte_array_new ();
  GByteArray *files[2] = { first, second };
  RviFmp4Writer *writer = rvi_fmp4_writer_new (FRAGMENT_MS);

  g_assert_true (rvi_video_params_parse (&params, s->codec, s->vps, s->sps, s->pps, NULL));
  for (guint n = 0; n < 2; n++) {
    g_assert_true (rvi_fmp4_writer_begin (writer, &params, files[n], NULL));
    for (guint i = 0; i < s->frames->len; i++) {
      const RviTestFrame *f = &g_array_index (s->frames, RviTestFrame, i);
      gsize size;
      const guint8 *data = g_bytes_get_data (f->data, &size);

      rvi_fmp4_writer_push (writer, f->pts + n * 1000000, f->key, data, size, files[n], NULL);
    }
    g_assert_true (rvi_fmp4_writer_finish (writer, files[n], NULL));
  }
  rvi_fmp4_writer_free (writer);
  g_assert_cmpmem (files[0]->data, files[0]->len, files[1]->data, files[1]->len);
}

/* begin with unusable parameters fails and writes nothing. */
static void
test_bad_params (void)
{
  RviVideoParams params = { 0 };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  RviFmp4Writer *writer = rvi_fmp4_writer_new (FRAGMENT_MS);

  g_assert_false (rvi_fmp4_writer_begin (writer, &params, out, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT);
  g_assert_cmpuint (out->len, ==, 0);
  g_assert_cmpint (rvi_fmp4_writer_duration_us (writer), ==, 0);
  rvi_fmp4_writer_free (writer);
}

int
main (int argc, char **argv)
{
  int status;
  g_autoptr (GError) error = NULL;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  rvi_test_ingest_watchdog (600);
  tmpdir = g_dir_make_tmp ("rvi-fmp4w-XXXXXX", &error);
  g_assert_no_error (error);
  streams[0] = rvi_test_stream_encode (RVI_CODEC_H264, FALSE);
  streams[1] = rvi_test_stream_encode (RVI_CODEC_H264, TRUE);
  streams[2] = rvi_test_stream_encode (RVI_CODEC_H265, FALSE);
  streams[3] = rvi_test_stream_encode (RVI_CODEC_H265, TRUE);

  g_test_add_data_func ("/fmp4-writer/h264", GUINT_TO_POINTER (0), test_write);
  g_test_add_data_func ("/fmp4-writer/h264-bframes", GUINT_TO_POINTER (1), test_write);
  g_test_add_data_func ("/fmp4-writer/h265", GUINT_TO_POINTER (2), test_write);
  g_test_add_data_func ("/fmp4-writer/h265-bframes", GUINT_TO_POINTER (3), test_write);
  g_test_add_func ("/fmp4-writer/single-frame", test_single_frame);
  g_test_add_func ("/fmp4-writer/reuse", test_reuse);
  g_test_add_func ("/fmp4-writer/finish-at", test_finish_at);
  g_test_add_func ("/fmp4-writer/bad-params", test_bad_params);
  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
    rvi_test_stream_free (streams[i]);
  if (g_getenv ("RVI_TEST_KEEP") == NULL)
    rvi_test_ingest_rmtree (tmpdir);
  g_free (tmpdir);
  return status;
}
