/* ingest-watch.c: the ingest's 250 ms timer on the main context: the
 * stall check and the stats.
 *
 * DESIGN. The buffer probe (ingest.c) only bumps atomics: frames, bytes
 * and the monotonic time of the last frame. Once a second the timer copies
 * the counters into a ring of RVI_INGEST_STATS_RING samples, so fps and
 * bitrate are differences over the last ~5 s, computed without a lock or
 * an allocation. The stall check: no first frame within connect_timeout_ms
 * + stall_timeout_ms, or no frame for stall_timeout_ms once streaming, is
 * a failure even when GStreamer reports nothing (a frozen camera keeps its
 * TCP connection open). When the recorder's queue is full at that moment,
 * the stall is ours, not the camera's: the disk does not keep up, and the
 * failure is RVI_INGEST_FAILURE_DISK instead of TIMEOUT. */
#define G_LOG_DOMAIN "rvi-ingest"

#include "ingest-private.h"

#include <string.h>

static void
sample_stats (RviIngest *ingest, gint64 now)
{
  guint last = (ingest->ring_next + RVI_INGEST_STATS_RING - 1) % RVI_INGEST_STATS_RING;

  if (ingest->ring_len > 0 && now - ingest->ring[last].at_us < G_USEC_PER_SEC)
    return;
  ingest->ring[ingest->ring_next].at_us = now;
  ingest->ring[ingest->ring_next].frames = atomic_load (&ingest->counters->frames);
  ingest->ring[ingest->ring_next].bytes = atomic_load (&ingest->counters->bytes);
  ingest->ring_next = (ingest->ring_next + 1) % RVI_INGEST_STATS_RING;
  ingest->ring_len = MIN (ingest->ring_len + 1, RVI_INGEST_STATS_RING);
}

gboolean
rvi_ingest_watch_tick (gpointer user_data)
{
  RviIngest *ingest = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 last = atomic_load (&ingest->counters->last_buffer_us);
  guint stall = ingest->settings.stall_timeout_ms;

  sample_stats (ingest, now);
  if (ingest->phase == RVI_INGEST_CONNECTING &&
      now - ingest->connect_start_us > (gint64) (ingest->settings.connect_timeout_ms + stall) * 1000) {
    g_autofree char *text = g_strdup_printf ("no video within %u ms",
                                             ingest->settings.connect_timeout_ms + stall);

    rvi_ingest_fail (ingest, RVI_INGEST_FAILURE_TIMEOUT, text);
  } else if (ingest->phase == RVI_INGEST_STREAMING && last > 0 && now - last > (gint64) stall * 1000) {
    g_autofree char *text = NULL;

    if (rvi_ingest_recorder_backed_up (ingest)) {
      text = g_strdup ("recording stalled: the disk does not keep up");
      rvi_ingest_fail (ingest, RVI_INGEST_FAILURE_DISK, text);
    } else {
      text = g_strdup_printf ("no data for %u ms", stall);
      rvi_ingest_fail (ingest, RVI_INGEST_FAILURE_TIMEOUT, text);
    }
  }
  return G_SOURCE_CONTINUE;
}

void
rvi_ingest_get_stats (RviIngest *ingest, RviIngestStats *stats)
{
  gint64 now = g_get_monotonic_time ();
  gint64 last = atomic_load (&ingest->counters->last_buffer_us);
  guint oldest = (ingest->ring_next + RVI_INGEST_STATS_RING - ingest->ring_len) % RVI_INGEST_STATS_RING;

  memset (stats, 0, sizeof *stats);
  stats->frames = atomic_load (&ingest->counters->frames);
  stats->bytes = atomic_load (&ingest->counters->bytes);
  stats->last_frame_wall_us = last > 0 ? g_get_real_time () - (now - last) : 0;
  if (ingest->ring_len > 0 && now - ingest->ring[oldest].at_us >= G_USEC_PER_SEC / 2) {
    double seconds = (now - ingest->ring[oldest].at_us) / 1e6;

    stats->fps = (stats->frames - ingest->ring[oldest].frames) / seconds;
    stats->bitrate_bps = (stats->bytes - ingest->ring[oldest].bytes) * 8.0 / seconds;
  }
}
