/* metrics.c: HTTP request counters and latency histograms, plus the
 * database pool's gauges, rendered as Prometheus text.
 *
 * Metric names (documented in docs/operations.md):
 *   rvi_http_requests_total{route,method,status}
 *   rvi_http_request_duration_seconds{route,method} (histogram)
 *   rvi_db_pool_size, rvi_db_pool_busy, rvi_db_pool_queued
 *   rvi_db_jobs_total, rvi_db_job_failures_total
 *   rvi_db_connects_total, rvi_db_connect_failures_total
 *   rvi_build_info{version}, rvi_process_start_time_seconds
 * and the live view, sampling and event feed families below; the node's
 * and its cameras' families are in metrics-cameras.c. */
#define G_LOG_DOMAIN "rvi-http"
#include "metrics.h"
#include "camera-manager.h"
#include "event-feed.h"
#include "live-relay.h"
#include "live-sessions.h"
#include "metrics-cameras.h"
#include "rvi-config.h"

static const double bucket_le[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define N_BUCKETS G_N_ELEMENTS (bucket_le)

typedef struct {
  guint64 buckets[N_BUCKETS];   /* cumulative counts per upper bound */
  guint64 count;
  double sum;
} Histogram;

struct _RviMetrics {
  GHashTable *requests;         /* "route\tmethod\tstatus" -> guint64 * */
  GHashTable *latency;          /* "route\tmethod" -> Histogram * */
};

RviMetrics *
rvi_metrics_new (void)
{
  RviMetrics *m = g_new0 (RviMetrics, 1);

  m->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  m->latency = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return m;
}

void
rvi_metrics_free (RviMetrics *metrics)
{
  if (!metrics)
    return;
  g_hash_table_unref (metrics->requests);
  g_hash_table_unref (metrics->latency);
  g_free (metrics);
}

void
rvi_metrics_observe_request (RviMetrics *m, const char *route, const char *method, guint status,
                             double seconds)
{
  g_autofree char *rkey = g_strdup_printf ("%s\t%s\t%u", route, method, status);
  g_autofree char *lkey = g_strdup_printf ("%s\t%s", route, method);
  guint64 *count = g_hash_table_lookup (m->requests, rkey);
  Histogram *h = g_hash_table_lookup (m->latency, lkey);

  if (!count) {
    count = g_new0 (guint64, 1);
    g_hash_table_insert (m->requests, g_steal_pointer (&rkey), count);
  }
  (*count)++;
  if (!h) {
    h = g_new0 (Histogram, 1);
    g_hash_table_insert (m->latency, g_steal_pointer (&lkey), h);
  }
  for (gsize i = 0; i < N_BUCKETS; i++)
    if (seconds <= bucket_le[i])
      h->buckets[i]++;
  h->count++;
  h->sum += seconds;
}

static int
cmp_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The keys of @table, sorted, so the output is stable. */
static GPtrArray *
sorted_keys (GHashTable *table)
{
  GPtrArray *keys = g_ptr_array_new ();
  GHashTableIter it;
  gpointer key;

  g_hash_table_iter_init (&it, table);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, cmp_keys);
  return keys;
}

static void
render_http (RviMetrics *m, GString *out)
{
  g_autoptr (GPtrArray) rkeys = sorted_keys (m->requests);
  g_autoptr (GPtrArray) lkeys = sorted_keys (m->latency);

  g_string_append (out, "# HELP rvi_http_requests_total HTTP requests answered.\n"
                        "# TYPE rvi_http_requests_total counter\n");
  for (guint i = 0; i < rkeys->len; i++) {
    g_auto (GStrv) f = g_strsplit (rkeys->pdata[i], "\t", 3);
    g_string_append_printf (out, "rvi_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"}"
                            " %" G_GUINT64_FORMAT "\n", f[0], f[1], f[2],
                            *(guint64 *) g_hash_table_lookup (m->requests, rkeys->pdata[i]));
  }
  g_string_append (out, "# HELP rvi_http_request_duration_seconds Time to answer a request.\n"
                        "# TYPE rvi_http_request_duration_seconds histogram\n");
  for (guint i = 0; i < lkeys->len; i++) {
    g_auto (GStrv) f = g_strsplit (lkeys->pdata[i], "\t", 2);
    Histogram *h = g_hash_table_lookup (m->latency, lkeys->pdata[i]);
    char sum[G_ASCII_DTOSTR_BUF_SIZE];

    for (gsize b = 0; b < N_BUCKETS; b++) {
      char le[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_dtostr (le, sizeof le, bucket_le[b]);
      g_string_append_printf (out, "rvi_http_request_duration_seconds_bucket{route=\"%s\","
                              "method=\"%s\",le=\"%s\"} %" G_GUINT64_FORMAT "\n", f[0], f[1], le,
                              h->buckets[b]);
    }
    g_string_append_printf (out, "rvi_http_request_duration_seconds_bucket{route=\"%s\","
                            "method=\"%s\",le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", f[0], f[1],
                            h->count);
    g_ascii_dtostr (sum, sizeof sum, h->sum);
    g_string_append_printf (out, "rvi_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"}"
                            " %s\n", f[0], f[1], sum);
    g_string_append_printf (out, "rvi_http_request_duration_seconds_count{route=\"%s\","
                            "method=\"%s\"} %" G_GUINT64_FORMAT "\n", f[0], f[1], h->count);
  }
}

static void
metric (GString *out, const char *name, const char *type, const char *help, guint64 value)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n%s %" G_GUINT64_FORMAT "\n", name,
                          help, name, type, name, value);
}

static void
render_live (GString *out, RviApp *app)
{
  RviLiveSessionsStats st;

  if (app->live_relays) {
    metric (out, "rvi_live_relays", "gauge",
            "Open live video sockets passed on to the node recording the camera.",
            rvi_live_relays_get_open (app->live_relays));
    metric (out, "rvi_live_relays_opened_total", "counter",
            "Live video sockets passed on to another node.",
            rvi_live_relays_get_opened (app->live_relays));
  }
  if (!app->live)
    return;
  rvi_live_sessions_get_stats (app->live, &st);
  g_string_append (out, "# HELP rvi_live_sessions Open live video sessions, by transport.\n"
                        "# TYPE rvi_live_sessions gauge\n");
  for (guint t = 0; t < RVI_LIVE_TRANSPORTS; t++)
    g_string_append_printf (out, "rvi_live_sessions{transport=\"%s\"} %u\n",
                            rvi_live_transport_to_string (t), st.open[t]);
  metric (out, "rvi_live_sessions_started_total", "counter", "Live video sessions opened.",
          st.started);
  metric (out, "rvi_live_too_slow_total", "counter",
          "Live video sessions closed because the client did not keep up.", st.too_slow);
  metric (out, "rvi_live_bytes_sent_total", "counter",
          "Bytes of fMP4 and JPEG live video handed to WebSockets (WebRTC not counted).",
          st.bytes_sent);
}

static void
render_samples (GString *out, RviApp *app)
{
  RviSampleRecorderStats st;

  if (!app->cameras || !rvi_camera_manager_get_sample_stats (app->cameras, &st))
    return;
  metric (out, "rvi_samples_taken_total", "counter", "Key frames taken for sampling.",
          st.sampler.taken);
  metric (out, "rvi_samples_dropped_total", "counter",
          "Key frames or sample rows dropped because a queue was full.",
          st.sampler.dropped + st.dropped);
  metric (out, "rvi_samples_failed_total", "counter", "Key frames that could not be sampled.",
          st.sampler.failed);
  metric (out, "rvi_samples_written_total", "counter", "Sample rows written.", st.rows);
  metric (out, "rvi_samples_pending", "gauge", "Sample and alert rows waiting for the database.",
          st.pending);
  metric (out, "rvi_samples_cpu_microseconds_total", "counter",
          "CPU time of the sampler thread (decode, measure, JPEG).", st.sampler.cpu_us);
  g_string_append (out, "# HELP rvi_samples_stage_cpu_microseconds_total CPU time of the sampler"
                        " thread by stage.\n# TYPE rvi_samples_stage_cpu_microseconds_total"
                        " counter\n");
  for (guint i = 0; i < RVI_FRAME_SAMPLER_STAGES; i++)
    g_string_append_printf (out, "rvi_samples_stage_cpu_microseconds_total{stage=\"%s\"} %"
                            G_GUINT64_FORMAT "\n", rvi_frame_sampler_stage_name (i),
                            st.sampler.stage_cpu_us[i]);
  metric (out, "rvi_camera_alerts_raised_total", "counter", "Tamper alerts raised.",
          st.alerts_raised);
  metric (out, "rvi_camera_alerts_cleared_total", "counter", "Tamper alerts cleared.",
          st.alerts_cleared);
}

char *
rvi_metrics_render (RviMetrics *m, RviApp *app)
{
  GString *out = g_string_new (NULL);
  RviDbPoolStats s;

  g_string_append_printf (out, "# HELP rvi_build_info Build of this process.\n"
                          "# TYPE rvi_build_info gauge\nrvi_build_info{version=\"%s\"} 1\n",
                          RVI_VERSION);
  metric (out, "rvi_process_start_time_seconds", "gauge", "Start time, seconds since the epoch.",
          (guint64) (app->started_at_us / G_USEC_PER_SEC));
  render_http (m, out);
  rvi_db_pool_get_stats (app->pool, &s);
  metric (out, "rvi_db_pool_size", "gauge", "Database worker threads.", s.size);
  metric (out, "rvi_db_pool_busy", "gauge", "Database jobs running.", s.busy);
  metric (out, "rvi_db_pool_queued", "gauge", "Database jobs waiting for a worker.", s.queued);
  metric (out, "rvi_db_jobs_total", "counter", "Database jobs finished.", s.jobs);
  metric (out, "rvi_db_job_failures_total", "counter", "Database jobs that failed.", s.failures);
  metric (out, "rvi_db_connects_total", "counter", "Database (re)connections made.", s.connects);
  metric (out, "rvi_db_connect_failures_total", "counter", "Database connection attempts that failed.",
          s.connect_failures);
  render_samples (out, app);
  render_live (out, app);
  if (app->events != NULL) {
    RviEventFeedStats e;

    rvi_event_feed_get_stats (app->events, &e);
    metric (out, "rvi_events_listening", "gauge",
            "1 while the LISTEN connection for live events is up.", e.listening ? 1 : 0);
    metric (out, "rvi_events_clients", "gauge", "Open live event WebSockets.", e.clients);
    metric (out, "rvi_events_received_total", "counter", "Change notifications received.", e.events);
    metric (out, "rvi_events_messages_total", "counter", "Event messages handed to clients.",
            e.messages);
    metric (out, "rvi_events_dropped_clients_total", "counter",
            "Event clients closed for falling behind.", e.dropped);
    metric (out, "rvi_events_session_closes_total", "counter",
            "Event clients closed because their session ended, changed or was due a check.",
            e.session_closes);
    metric (out, "rvi_events_connects_total", "counter", "LISTEN connections made.", e.connects);
  }
  rvi_metrics_cameras_render (out, app);
  return g_string_free (out, FALSE);
}
