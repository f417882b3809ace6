/* ingest-bench.c: recording cost of RviIngest, one process for N cameras.
 *
 *   ingest-bench [CAMERAS [SECONDS [CAMSIM FLAGS...]]]    (default 8 60)
 *
 * Starts `$RVI_BIN camsim --mode loop --cameras N` (cheap: pre-encoded
 * clips), records every camera with an ingest (60 s segments, 1 s
 * fragments) into a temporary directory, and after a 5 s warm-up measures
 * this process's CPU time (getrusage) and resident memory (VmRSS) over
 * SECONDS. Prints CPU-s per stream-minute, RSS per stream (minus the RSS
 * before the ingests started) and, per camera, recorded media duration
 * against wall time. Not a test: nothing is asserted. */
#include "camsim-harness.h"
#include "ingest.h"
#include "ingest-recording.h"

#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
  RviIngest *ingest;
  char *id;
  gint64 recorded_us;
  gint64 first_start_us, last_end_us;
  gboolean done;
} Camera;

static void
on_closed (gpointer user_data, const RviSegmentInfo *segment)
{
  Camera *c = user_data;

  c->recorded_us += segment->duration_us;
  if (c->first_start_us == 0)
    c->first_start_us = segment->start_wall_us;
  c->last_end_us = segment->end_wall_us;
}

static void
on_failed (gpointer user_data, RviIngestFailure failure, const char *message)
{
  Camera *c = user_data;

  g_printerr ("%s failed: %s\n", c->id, message);
  c->done = TRUE;
}

static void
on_stopped (gpointer user_data)
{
  ((Camera *) user_data)->done = TRUE;
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static double
rss_mib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtod (line + 6, NULL) / 1024.0 : 0;
}

static gboolean
wake (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_for (double seconds)
{
  gboolean done = FALSE;

  g_timeout_add ((guint) (seconds * 1000), wake, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 8;
  double seconds = argc > 2 ? g_ascii_strtod (argv[2], NULL) : 60;
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autofree char *count = g_strdup_printf ("%u", n);
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCamsimChild) child = NULL;
  g_autofree char *dir = NULL;
  static const RviIngestCallbacks callbacks = { NULL, NULL, on_closed, on_failed, on_stopped };
  Camera *cams;
  double rss0, cpu0, cpu1, rss1, wall0, wall1;
  gboolean all_done = FALSE;

  gst_init (&argc, &argv);
  g_ptr_array_add (args, (gpointer) "--mode");
  g_ptr_array_add (args, (gpointer) "loop");
  g_ptr_array_add (args, (gpointer) "--cameras");
  g_ptr_array_add (args, count);
  for (int i = 3; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);
  child = rvi_camsim_child_start ((const char *const *) args->pdata, &error);
  if (child == NULL) {
    g_printerr ("camsim: %s\n", error->message);
    return 1;
  }
  dir = g_dir_make_tmp ("rvi-bench-XXXXXX", NULL);
  rss0 = rss_mib ();
  cams = g_new0 (Camera, n);
  for (guint i = 0; i < n; i++) {
    g_autofree char *url = rvi_camsim_child_url (child, i + 1);
    g_autofree char *camdir = NULL;
    RviIngestSettings s = { 0 };

    cams[i].id = g_strdup_printf ("cam%u", i + 1);
    camdir = g_build_filename (dir, cams[i].id, NULL);
    s.camera_id = cams[i].id;
    s.url = url;
    s.segment_dir = camdir;
    s.segment_seconds = 60;
    s.first_segment_seconds = 20 + 40 * i / n;  /* staggered */
    s.fragment_ms = 1000;
    cams[i].ingest = rvi_ingest_start (&s, &callbacks, &cams[i], &error);
    g_assert_no_error (error);
  }
  run_for (5);
  cpu0 = cpu_seconds ();
  wall0 = g_get_monotonic_time () / 1e6;
  run_for (seconds);
  cpu1 = cpu_seconds ();
  wall1 = g_get_monotonic_time () / 1e6;
  rss1 = rss_mib ();
  for (guint i = 0; i < n; i++)
    rvi_ingest_stop (cams[i].ingest);
  while (!all_done) {
    all_done = TRUE;
    for (guint i = 0; i < n; i++)
      all_done = all_done && cams[i].done;
    if (!all_done)
      g_main_context_iteration (NULL, TRUE);
  }
  printf ("ingest-bench: N=%u, %.0f s: %.3f cpu-s/stream-min, rss %.1f MiB total (%.1f before), "
          "%.2f MiB/stream\n", n, wall1 - wall0,
          (cpu1 - cpu0) / n / ((wall1 - wall0) / 60.0), rss1, rss0, (rss1 - rss0) / n);
  for (guint i = 0; i < n; i++) {
    printf ("  %s: recorded %.3f s, wall span %.3f s\n", cams[i].id, cams[i].recorded_us / 1e6,
            (cams[i].last_end_us - cams[i].first_start_us) / 1e6);
    rvi_ingest_free (cams[i].ingest);
    g_free (cams[i].id);
  }
  g_free (cams);
  rvi_test_ingest_rmtree (dir);
  return 0;
}
