/* sample-recorder.c: samples and alerts from the sampler thread to rows.
 *
 * DESIGN. The sampler calls on_sample on its worker thread; there each
 * camera's RviTamperDetect judges the sample (the detectors live in a
 * table only that thread touches), and the sample row plus any alert
 * changes are posted, as one item, to the main context. The main context
 * queues rows (GQueue, bounded by QUEUE_MAX: a sample arriving to a full
 * queue is dropped, an alert change is always queued) and writes at most
 * one batch at a time on the database pool, one transaction per batch, a
 * savepoint per row so that one bad row is logged and skipped. When the
 * database is unavailable (or the pool's queue is full) the batch goes
 * back to the head of the queue and is retried after RETRY_MS. Alert changes write their audit event in
 * the same transaction as the alert row.
 *
 * Shutdown: the sampler is freed first (its thread joined), then the
 * items it posted are delivered, then the queue is written for at most
 * the given time. */
#define G_LOG_DOMAIN "rvi-samples"
#include "sample-recorder.h"
#include "audit-log.h"
#include "db.h"
#include "loop-timer.h"
#include "rvi-error.h"
#include "tamper-detect.h"

#include <math.h>
#include <string.h>

#define QUEUE_MAX 4096
#define BATCH 200
#define RETRY_MS 2000

typedef enum { ROW_SAMPLE, ROW_ALERT } RowKind;

typedef struct {
  RowKind kind;
  char camera_id[37];
  /* ROW_SAMPLE */
  char *path;               /* relative to the media directory */
  char sha256[65];
  gint64 at_us;
  guint64 bytes;
  guint width, height;
  RviFrameMetrics metrics;
  double difference;        /* < 0: none */
  double similarity;        /* NAN: none */
  /* ROW_ALERT */
  RviAlertChange change;
} Row;

struct _RviSampleRecorder {
  RviDbPool *pool;
  GMainContext *context;
  char *node;
  char *media_dir;
  RviTamperThresholds thresholds;
  RviFrameSampler *sampler;
  GHashTable *detectors;    /* the sampler thread's: camera id -> RviTamperDetect * */
  GMutex accept_lock;
  GHashTable *accepted;     /* camera ids whose view an operator accepted, not yet applied */
  gint posted;              /* items posted to the main context, not yet delivered */

  GQueue queue;             /* Row * */
  GPtrArray *in_flight;     /* the batch being written, or NULL */
  GSource *retry;          /* loop-timer.h */
  RviSampleRecorderStats stats;
  RviSampleAlertFunc alert_func;
  gpointer alert_data;
};

static void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->path);
  g_free (row);
}

static void flush (RviSampleRecorder *r);

/* ---- the sampler thread ---- */

typedef struct {
  RviSampleRecorder *recorder;
  GPtrArray *rows;
} Posted;

static gboolean
deliver (gpointer data)
{
  Posted *p = data;
  RviSampleRecorder *r = p->recorder;

  for (guint i = 0; i < p->rows->len; i++) {
    Row *row = p->rows->pdata[i];

    if (row->kind == ROW_SAMPLE && r->queue.length >= QUEUE_MAX) {
      r->stats.dropped++;
      row_free (row);
      continue;
    }
    if (row->kind == ROW_ALERT && r->alert_func)
      r->alert_func (row->camera_id, row->change.kind, row->change.raised, r->alert_data);
    g_queue_push_tail (&r->queue, row);
  }
  g_ptr_array_free (p->rows, TRUE);
  g_free (p);
  g_atomic_int_add (&r->posted, -1);
  flush (r);
  return G_SOURCE_REMOVE;
}

static void
on_sample (RviFrameSample *sample, const char *camera_id, const GError *error, gpointer data)
{
  RviSampleRecorder *r = data;
  g_autoptr (RviFrameSample) owned = sample;
  RviTamperDetect *detect;
  RviAlertChange changes[2 * RVI_ALERT_KINDS];
  gboolean accept;
  guint n;
  Posted *p;
  Row *row;

  if (!sample)
    return;   /* the sampler logged it */
  detect = g_hash_table_lookup (r->detectors, camera_id);
  if (!detect) {
    detect = rvi_tamper_detect_new (&r->thresholds);
    g_hash_table_insert (r->detectors, g_strdup (camera_id), detect);
  }
  g_mutex_lock (&r->accept_lock);
  accept = g_hash_table_remove (r->accepted, camera_id);
  g_mutex_unlock (&r->accept_lock);
  if (accept) {
    /* cleared at this sample: the operator's word holds from here */
    n = rvi_tamper_detect_accept_view (detect, sample->at_us, changes);
    n += rvi_tamper_detect_feed (detect, sample->at_us, &sample->metrics, sample->view,
                                 sample->difference, changes + n);
  } else {
    n = rvi_tamper_detect_feed (detect, sample->at_us, &sample->metrics, sample->view,
                                sample->difference, changes);
  }

  p = g_new0 (Posted, 1);
  p->recorder = r;
  p->rows = g_ptr_array_new ();
  row = g_new0 (Row, 1);
  row->kind = ROW_SAMPLE;
  g_strlcpy (row->camera_id, camera_id, sizeof row->camera_id);
  row->path = g_str_has_prefix (sample->path, r->media_dir)
      ? g_strdup (sample->path + strlen (r->media_dir) + 1) : g_strdup (sample->path);
  memcpy (row->sha256, sample->sha256, sizeof row->sha256);
  row->at_us = sample->at_us;
  row->bytes = sample->bytes;
  row->width = sample->width;
  row->height = sample->height;
  row->metrics = sample->metrics;
  row->difference = sample->difference;
  row->similarity = rvi_tamper_detect_baseline (detect) > 0 ? rvi_tamper_detect_similarity (detect)
                                                            : NAN;
  g_ptr_array_add (p->rows, row);
  for (guint i = 0; i < n; i++) {
    row = g_new0 (Row, 1);
    row->kind = ROW_ALERT;
    g_strlcpy (row->camera_id, camera_id, sizeof row->camera_id);
    row->change = changes[i];
    g_ptr_array_add (p->rows, row);
    g_message ("camera %s: %s alert %s", camera_id, rvi_alert_kind_to_string (changes[i].kind),
               changes[i].raised ? "raised" : "cleared");
  }
  g_atomic_int_inc (&r->posted);
  g_main_context_invoke_full (r->context, G_PRIORITY_DEFAULT, deliver, p, NULL);
}

/* ---- writing ---- */

static char *
us_time (gint64 us)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, us);
}

static gboolean
write_sample (PGconn *conn, const char *node, const Row *row, GError **error)
{
  g_autofree char *at = us_time (row->at_us);
  g_autofree char *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, row->bytes);
  g_autofree char *w = g_strdup_printf ("%u", row->width);
  g_autofree char *h = g_strdup_printf ("%u", row->height);
  g_autofree char *luma = g_strdup_printf ("%.3f", row->metrics.luma);
  g_autofree char *contrast = g_strdup_printf ("%.3f", row->metrics.contrast);
  g_autofree char *sharp = g_strdup_printf ("%.5f", row->metrics.sharpness);
  g_autofree char *diff = row->difference >= 0 ? g_strdup_printf ("%.3f", row->difference) : NULL;
  g_autofree char *sim = isnan (row->similarity) ? NULL : g_strdup_printf ("%.4f", row->similarity);
  const char *params[] = { row->camera_id, node, at, row->path, row->sha256, bytes, w, h, luma,
                           contrast, sharp, diff, sim };

  return rvi_db_run (conn,
      "INSERT INTO frame_samples (camera_id, node, at, path, sha256, bytes, width, height, luma,"
      " contrast, sharpness, difference, similarity) VALUES ($1::uuid, $2,"
      " to_timestamp ($3::bigint / 1e6), $4, $5, $6::bigint, $7::int, $8::int, $9::real,"
      " $10::real, $11::real, $12::real, $13::real) ON CONFLICT (path) DO NOTHING",
      13, params, error);
}

static gboolean
write_alert (PGconn *conn, const char *node, const Row *row, GError **error)
{
  const RviAlertChange *c = &row->change;
  const char *kind = rvi_alert_kind_to_string (c->kind);
  g_autofree char *at = us_time (c->at_us);
  g_autofree char *value = g_strdup_printf ("%.5f", c->value);
  g_autofree char *detail = g_strdup_printf ("{\"kind\": \"%s\", \"at_us\": %" G_GINT64_FORMAT
                                             ", \"value\": %.5f}", kind, c->at_us, c->value);
  const char *params[] = { row->camera_id, node, kind, at, value };
  RviAuditEntry e = { .actor_name = "system", .target_type = "camera",
                      .target_id = row->camera_id, .detail_json = detail };

  if (c->raised) {
    if (!rvi_db_run (conn, "INSERT INTO camera_alerts (camera_id, node, kind, started_at,"
                     " start_value) VALUES ($1::uuid, $2, $3, to_timestamp ($4::bigint / 1e6),"
                     " $5::double precision) ON CONFLICT (camera_id, kind)"
                     " WHERE ended_at IS NULL DO NOTHING", 5, params, error))
      return FALSE;
    e.action = "camera_alert_raised";
  } else {
    const char *up[] = { row->camera_id, kind, at, value };
    if (!rvi_db_run (conn, "UPDATE camera_alerts SET ended_at = greatest (started_at,"
                     " to_timestamp ($3::bigint / 1e6)), end_value = $4::double precision"
                     " WHERE camera_id = $1::uuid AND kind = $2 AND ended_at IS NULL", 4, up,
                     error))
      return FALSE;
    e.action = "camera_alert_cleared";
  }
  return rvi_audit_append (conn, &e, error);
}

typedef struct {
  RviSampleRecorder *recorder;
  GPtrArray *rows;
  char *node;
  guint written_samples;
} Batch;

static gboolean
batch_work (PGconn *conn, gpointer data, GError **error)
{
  Batch *b = data;

  if (!rvi_db_begin (conn, error))
    return FALSE;
  for (guint i = 0; i < b->rows->len; i++) {
    Row *row = b->rows->pdata[i];
    g_autoptr (GError) local = NULL;
    gboolean ok;

    if (!rvi_db_run (conn, "SAVEPOINT row", 0, NULL, error))
      return FALSE;
    ok = row->kind == ROW_SAMPLE ? write_sample (conn, b->node, row, &local)
                                 : write_alert (conn, b->node, row, &local);
    if (!ok && g_error_matches (local, RVI_ERROR, RVI_ERROR_DB_UNAVAILABLE)) {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    if (!ok) {
      g_warning ("camera %s: a %s row was not written: %s", row->camera_id,
                 row->kind == ROW_SAMPLE ? "sample" : "alert", local->message);
      if (!rvi_db_run (conn, "ROLLBACK TO SAVEPOINT row", 0, NULL, error))
        return FALSE;
    } else if (row->kind == ROW_SAMPLE) {
      b->written_samples++;
    }
  }
  return rvi_db_commit (conn, error);
}

static gboolean
retry_cb (gpointer data)
{
  RviSampleRecorder *r = data;

  rvi_timer_drop (&r->retry);
  flush (r);
  return G_SOURCE_REMOVE;
}

static void
batch_done (gpointer data, const GError *error)
{
  Batch *b = data;
  RviSampleRecorder *r = b->recorder;

  r->in_flight = NULL;
  if (g_error_matches (error, RVI_ERROR, RVI_ERROR_DB_UNAVAILABLE)
      || g_error_matches (error, RVI_ERROR, RVI_ERROR_BUSY)) {
    /* back to the head of the queue, in order */
    for (guint i = b->rows->len; i > 0; i--)
      g_queue_push_head (&r->queue, g_ptr_array_steal_index (b->rows, i - 1));
    if (!r->retry)
      r->retry = rvi_timer_new (RETRY_MS, retry_cb, r);
  } else {
    if (error)
      g_warning ("%u sample and alert rows were not written: %s", b->rows->len, error->message);
    for (guint i = 0; !error && i < b->rows->len; i++) {
      Row *row = b->rows->pdata[i];
      if (row->kind == ROW_ALERT && row->change.raised)
        r->stats.alerts_raised++;
      else if (row->kind == ROW_ALERT)
        r->stats.alerts_cleared++;
    }
    r->stats.rows += b->written_samples;
  }
  g_ptr_array_unref (b->rows);
  g_free (b->node);
  g_free (b);
  if (!r->retry)
    flush (r);
}

static void
flush (RviSampleRecorder *r)
{
  g_autoptr (GError) error = NULL;
  Batch *b;

  if (r->in_flight || r->retry || g_queue_is_empty (&r->queue))
    return;
  b = g_new0 (Batch, 1);
  b->recorder = r;
  b->node = g_strdup (r->node);
  b->rows = g_ptr_array_new_with_free_func (row_free);
  while (b->rows->len < BATCH && !g_queue_is_empty (&r->queue))
    g_ptr_array_add (b->rows, g_queue_pop_head (&r->queue));
  r->in_flight = b->rows;
  /* a full pool queue (BUSY) puts the batch back, like a lost database */
  if (!rvi_db_pool_submit (r->pool, batch_work, batch_done, b, &error))
    batch_done (b, error);
}

/* ---- start-up: alerts left open ---- */

static gboolean
close_stale_work (PGconn *conn, gpointer data, GError **error)
{
  const char *node = data;
  const char *params[] = { node };
  g_autoptr (PGresult) res = NULL;

  if (!rvi_db_begin (conn, error))
    return FALSE;
  res = rvi_db_exec (conn,
      "UPDATE camera_alerts a SET ended_at = greatest (a.started_at, coalesce ((SELECT max (s.at)"
      " FROM frame_samples s WHERE s.camera_id = a.camera_id AND s.node = a.node), a.started_at))"
      " WHERE a.node = $1 AND a.ended_at IS NULL RETURNING a.camera_id::text, a.kind",
      1, params, error);
  if (!res)
    return FALSE;
  for (int i = 0; i < PQntuples (res); i++) {
    g_autofree char *detail = g_strdup_printf ("{\"kind\": \"%s\", \"reason\": \"node restarted:"
                                               " not watched meanwhile\"}", PQgetvalue (res, i, 1));
    RviAuditEntry e = { .actor_name = "system", .action = "camera_alert_cleared",
                        .target_type = "camera", .target_id = PQgetvalue (res, i, 0),
                        .detail_json = detail };
    if (!rvi_audit_append (conn, &e, error))
      return FALSE;
  }
  return rvi_db_commit (conn, error);
}

static void
close_stale_done (gpointer data, const GError *error)
{
  if (error)
    g_warning ("alerts left open by the last run were not closed: %s", error->message);
  g_free (data);
}

/* ---- lifecycle ---- */

RviSampleRecorder *
rvi_sample_recorder_new (RviDbPool *pool, const RviConfig *config, const char *node,
                         const char *media_dir)
{
  RviSampleRecorder *r = g_new0 (RviSampleRecorder, 1);
  RviFrameSamplerConfig sc = {
    .media_dir = media_dir,
    .interval_us = (gint64) config->sample_interval_ms * 1000,
    .max_width = (guint) config->sample_width,
    .quality = (guint) config->sample_quality,
    .queue_max = 64,
    .queue_bytes_max = 64 * 1024 * 1024,
  };
  g_autoptr (GError) error = NULL;
  char *node_copy = g_strdup (node);

  r->pool = pool;
  r->context = g_main_context_ref_thread_default ();
  r->node = g_strdup (node);
  r->media_dir = g_strdup (media_dir);
  r->thresholds = config->tamper;
  r->detectors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) rvi_tamper_detect_free);
  g_mutex_init (&r->accept_lock);
  r->accepted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&r->queue);
  r->sampler = rvi_frame_sampler_new (&sc, on_sample, r);
  if (!rvi_db_pool_submit (pool, close_stale_work, close_stale_done, node_copy, &error)) {
    g_warning ("alerts left open by the last run were not closed: %s", error->message);
    g_free (node_copy);
  }
  return r;
}

void
rvi_sample_recorder_accept_view (RviSampleRecorder *r, const char *camera_id)
{
  g_mutex_lock (&r->accept_lock);
  g_hash_table_add (r->accepted, g_strdup (camera_id));
  g_mutex_unlock (&r->accept_lock);
}

void
rvi_sample_recorder_set_alert_func (RviSampleRecorder *r, RviSampleAlertFunc func,
                                    gpointer user_data)
{
  r->alert_func = func;
  r->alert_data = user_data;
}

RviFrameSampler *
rvi_sample_recorder_get_sampler (RviSampleRecorder *r)
{
  return r->sampler;
}

void
rvi_sample_recorder_get_stats (RviSampleRecorder *r, RviSampleRecorderStats *stats)
{
  *stats = r->stats;
  rvi_frame_sampler_get_stats (r->sampler, &stats->sampler);
  stats->pending = r->queue.length + (r->in_flight ? r->in_flight->len : 0);
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
rvi_sample_recorder_free (RviSampleRecorder *r, guint timeout_ms)
{
  gboolean expired = FALSE;
  GSource *timer;

  if (!r)
    return;
  g_clear_pointer (&r->sampler, rvi_frame_sampler_free);
  timer = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timer, on_timeout, &expired, NULL);
  g_source_attach (timer, r->context);
  /* a batch in flight is always waited for (the pool bounds it) */
  while (g_atomic_int_get (&r->posted) > 0 || r->in_flight
         || (!g_queue_is_empty (&r->queue) && !expired))
    g_main_context_iteration (r->context, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
  rvi_timer_drop (&r->retry);
  if (!g_queue_is_empty (&r->queue))
    g_message ("%u sample and alert rows not written at shutdown", r->queue.length);
  g_queue_clear_full (&r->queue, row_free);
  g_hash_table_unref (r->detectors);
  g_hash_table_unref (r->accepted);
  g_mutex_clear (&r->accept_lock);
  g_main_context_unref (r->context);
  g_free (r->node);
  g_free (r->media_dir);
  g_free (r);
}
