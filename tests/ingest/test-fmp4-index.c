/* test-fmp4-index.c: fmp4-index on fragmented MP4 files recorded by the
 * test itself (videotestsrc ! x264enc/x265enc with B-frames ! mp4mux
 * fragment-duration=1000), checked against ffprobe and sha256sum: the
 * fragment list, repair of a file cut mid-fragment, and the errors. */
#include "fmp4-index.h"
#include "ingest-recording.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <unistd.h>

static char *tmpdir;
static char *h264_file;

#define RVI_ERROR_QUARK (g_quark_from_static_string ("rvi-error-quark"))
#define RVI_ERROR_INVALID_INPUT_CODE 1  /* server/rvi-error.h */

/* Records 10 s of 320x240@15 test video with B-frames. Transfer full. */
static char *
record (const char *name, const char *encoder)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autofree char *desc = g_strdup_printf (
    "videotestsrc num-buffers=150 pattern=ball ! "
    "video/x-raw,format=I420,width=320,height=240,framerate=15/1 ! %s ! "
    "mp4mux fragment-duration=1000 ! filesink location=%s", encoder, path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, &error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;

  g_assert_no_error (error);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return g_steal_pointer (&path);
}

static char *
copy_of (const char *path, const char *name)
{
  g_autofree char *data = NULL;
  gsize size;
  g_autofree char *copy = g_build_filename (tmpdir, name, NULL);

  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  g_assert_true (g_file_set_contents (copy, data, (gssize) size, NULL));
  return g_steal_pointer (&copy);
}

static void
check_fragments (RviSegmentInfo *s)
{
  gint64 sum = 0;

  g_assert_cmpuint (s->fragments->len, >=, 1);
  g_assert_true (g_array_index (s->fragments, RviFragment, 0).key);
  for (guint i = 0; i < s->fragments->len; i++) {
    RviFragment *f = &g_array_index (s->fragments, RviFragment, i);

    if (i == 0) {
      g_assert_cmpuint (f->offset, ==, s->init_size);
      g_assert_cmpint (f->start_us, ==, 0);
    } else {
      RviFragment *p = &g_array_index (s->fragments, RviFragment, i - 1);

      g_assert_cmpuint (f->offset, ==, p->offset + p->size);
      g_assert_cmpint (f->start_us, ==, p->start_us + p->duration_us);
    }
    g_assert_cmpint (f->duration_us, >, 0);
    sum += f->duration_us;
  }
  g_assert_cmpint (sum, ==, s->duration_us);
}

static void
test_index (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RviSegmentInfo) s = rvi_fmp4_index_file (h264_file, FALSE, &error);
  g_autofree char *sum = rvi_test_sha256sum (h264_file);
  GStatBuf st;

  g_assert_no_error (error);
  check_fragments (s);
  g_assert_cmpuint (s->fragments->len, >=, 9);
  g_assert_cmpfloat (ABS (s->duration_us / 1e6 - rvi_test_ffprobe_duration (h264_file)), <=, 0.1);
  g_assert_cmpint (ABS (s->duration_us - 10 * G_USEC_PER_SEC), <=, 100000);
  g_assert_cmpstr (s->sha256, ==, sum);
  g_assert_cmpint (g_stat (h264_file, &st), ==, 0);
  g_assert_cmpuint (s->bytes, ==, (guint64) st.st_size);
  g_assert_cmpstr (s->info.codec, ==, "h264");
  g_assert_true (g_str_has_prefix (s->info.codec_string, "avc1.6400"));  /* High, level by x264 */
  g_assert_cmpint (s->info.width, ==, 320);
  g_assert_cmpint (s->info.height, ==, 240);
  g_assert_cmpfloat (ABS (s->info.fps - 15), <, 0.1);
  g_assert_cmpint (s->start_wall_us, ==, 0);
}

static void
test_hevc (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = record ("hevc.mp4", "x265enc key-int-max=15 ! h265parse ! "
                                              "video/x-h265,stream-format=hvc1,alignment=au");
  g_autoptr (RviSegmentInfo) s = rvi_fmp4_index_file (path, FALSE, &error);

  g_assert_no_error (error);
  check_fragments (s);
  g_assert_cmpstr (s->info.codec, ==, "h265");
  g_assert_true (g_str_has_prefix (s->info.codec_string, "hvc1.1.6.L"));
  g_assert_cmpint (s->info.width, ==, 320);
  g_assert_cmpfloat (ABS (s->duration_us / 1e6 - rvi_test_ffprobe_duration (path)), <=, 0.1);
}

static void
test_repair (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RviSegmentInfo) whole = rvi_fmp4_index_file (h264_file, FALSE, NULL);
  g_autofree char *copy = copy_of (h264_file, "cut.mp4");
  RviFragment *f5 = &g_array_index (whole->fragments, RviFragment, 5);
  g_autoptr (RviSegmentInfo) failed = NULL;
  g_autoptr (RviSegmentInfo) repaired = NULL;
  g_autofree char *sum = NULL;
  double probed;

  /* a crash in the middle of fragment 5 */
  g_assert_cmpint (truncate (copy, (off_t) (f5->offset + f5->size / 2)), ==, 0);
  failed = rvi_fmp4_index_file (copy, FALSE, &error);
  g_assert_null (failed);
  g_assert_error (error, RVI_ERROR_QUARK, RVI_ERROR_INVALID_INPUT_CODE);
  g_test_message ("without repair: %s", error->message);
  g_clear_error (&error);

  repaired = rvi_fmp4_index_file (copy, TRUE, &error);
  g_assert_no_error (error);
  check_fragments (repaired);
  g_assert_cmpuint (repaired->fragments->len, ==, 5);
  g_assert_cmpuint (repaired->bytes, ==, f5->offset);
  g_assert_cmpint (repaired->duration_us, ==, f5->start_us);
  sum = rvi_test_sha256sum (copy);
  g_assert_cmpstr (repaired->sha256, ==, sum);
  probed = rvi_test_ffprobe_duration (copy);
  g_test_message ("repaired: %.3f s by index, %.3f s by ffprobe, cut at %.3f s", repaired->duration_us / 1e6,
                  probed, (f5->start_us + f5->duration_us / 2) / 1e6);
  g_assert_cmpfloat (ABS (probed - repaired->duration_us / 1e6), <=, 0.1);
  /* within one fragment of the data that was on disk */
  g_assert_cmpint (f5->start_us + f5->duration_us - repaired->duration_us, <=, f5->duration_us);
  /* a repaired file indexes cleanly */
  g_clear_pointer (&repaired, rvi_segment_info_free);
  repaired = rvi_fmp4_index_file (copy, FALSE, &error);
  g_assert_no_error (error);
}

static void
test_no_complete_fragment (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RviSegmentInfo) whole = rvi_fmp4_index_file (h264_file, FALSE, NULL);
  g_autofree char *copy = copy_of (h264_file, "init-only.mp4");
  RviFragment *f0 = &g_array_index (whole->fragments, RviFragment, 0);
  g_autoptr (RviSegmentInfo) s = NULL;

  g_assert_cmpint (truncate (copy, (off_t) (f0->offset + 100)), ==, 0);
  s = rvi_fmp4_index_file (copy, TRUE, &error);
  g_assert_null (s);
  g_assert_error (error, RVI_ERROR_QUARK, RVI_ERROR_INVALID_INPUT_CODE);
  g_test_message ("%s", error->message);
}

static void
test_garbage (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "garbage.mp4", NULL);
  g_autofree char *empty = g_build_filename (tmpdir, "empty.mp4", NULL);
  g_autofree char *missing = g_build_filename (tmpdir, "missing.mp4", NULL);
  guint8 junk[4096];
  RviSegmentInfo *s;

  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) g_random_int ();
  g_assert_true (g_file_set_contents (path, (const char *) junk, sizeof junk, NULL));
  s = rvi_fmp4_index_file (path, TRUE, &error);
  g_assert_null (s);
  g_assert_error (error, RVI_ERROR_QUARK, RVI_ERROR_INVALID_INPUT_CODE);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  s = rvi_fmp4_index_file (empty, TRUE, &error);
  g_assert_null (s);
  g_assert_error (error, RVI_ERROR_QUARK, RVI_ERROR_INVALID_INPUT_CODE);
  g_clear_error (&error);

  s = rvi_fmp4_index_file (missing, FALSE, &error);
  g_assert_null (s);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_start_from_name (void)
{
  g_autoptr (GDateTime) t = g_date_time_new_utc (2024, 3, 5, 1, 2, 3);
  gint64 expected = g_date_time_to_unix (t) * G_USEC_PER_SEC + 123456;

  g_assert_cmpint (rvi_fmp4_start_from_name ("/d/cam/2024-03-05/20240305T010203.123456Z.mp4"), ==,
                   expected);
  g_assert_cmpint (rvi_fmp4_start_from_name ("20240305T010203.123456Z.mp4"), ==, expected);
  g_assert_cmpint (rvi_fmp4_start_from_name ("/d/20240305T010203.12345Z.mp4"), ==, 0);
  g_assert_cmpint (rvi_fmp4_start_from_name ("/d/20240305T010203.123456Z.mkv"), ==, 0);
  g_assert_cmpint (rvi_fmp4_start_from_name ("/d/20241305T010203.123456Z.mp4"), ==, 0);
  g_assert_cmpint (rvi_fmp4_start_from_name ("/d/2024030xT010203.123456Z.mp4"), ==, 0);
  g_assert_cmpint (rvi_fmp4_start_from_name ("/d/ 2024305T010203.123456Z.mp4"), ==, 0);
  g_assert_cmpint (rvi_fmp4_start_from_name (""), ==, 0);
}

int
main (int argc, char **argv)
{
  int status;
  g_autoptr (GError) error = NULL;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  rvi_test_ingest_watchdog (120);
  tmpdir = g_dir_make_tmp ("rvi-fmp4-XXXXXX", &error);
  g_assert_no_error (error);
  h264_file = record ("h264.mp4", "x264enc key-int-max=15 bframes=2 b-adapt=false ! "
                                  "video/x-h264,profile=high ! h264parse");
  g_test_add_func ("/fmp4/index", test_index);
  g_test_add_func ("/fmp4/hevc", test_hevc);
  g_test_add_func ("/fmp4/repair", test_repair);
  g_test_add_func ("/fmp4/no-complete-fragment", test_no_complete_fragment);
  g_test_add_func ("/fmp4/garbage", test_garbage);
  g_test_add_func ("/fmp4/start-from-name", test_start_from_name);
  status = g_test_run ();
  if (g_getenv ("RVI_TEST_KEEP") == NULL)
    rvi_test_ingest_rmtree (tmpdir);
  g_free (h264_file);
  g_free (tmpdir);
  return status;
}
