/* index-writer.c: ordered, bounded, retrying writes of the segment index.
 *
 * DESIGN
 * Operations wait in a GQueue (FIFO, at most max_ops). At most one batch is
 * in flight: up to BATCH operations plus every camera's latest status are
 * moved into a batch and written in one transaction, each operation under
 * its own savepoint, so one bad row (a bug) is logged and dropped without
 * blocking the rest. When the database is unreachable, or aborts the
 * transaction in a deadlock or serialization failure (another node's
 * writes), the whole batch goes back to the head of the queue, in order,
 * and is retried after RETRY_MS.
 * A segment close is an upsert, so it stands even if its open was lost. */
#define G_LOG_DOMAIN "rvi-index"
#include "index-writer.h"
#include "cameras.h"
#include "db.h"
#include "loop-timer.h"
#include "rvi-error.h"

#include <stdlib.h>
#include <string.h>

#define BATCH 64
#define RETRY_MS 2000

typedef enum { OP_SEGMENT_OPEN, OP_SEGMENT_CLOSE, OP_SEGMENT_DISCARD, OP_GAP_OPEN, OP_GAP_CLOSE,
               OP_TRANSPORT, OP_STATUS } OpKind;

typedef struct {
  OpKind kind;
  char *camera_id;
  char *text1;             /* path, gap id, state */
  char *text2;             /* cause, message */
  char *text3;             /* detail */
  gint64 t1, t2, t3, t4;   /* times in us / counters, by kind */
  double d1, d2;
  RviStreamInfo info;
  RviSegmentInfo *segment;
} Op;

struct _RviIndexWriter {
  RviDbPool *pool;
  char *node;
  char *media_dir;
  guint max_ops;
  GQueue queue;            /* Op * */
  GHashTable *statuses;    /* camera id -> Op * (OP_STATUS), coalesced */
  GPtrArray *in_flight;    /* the batch being written, or NULL */
  GSource *retry;          /* loop-timer.h */
  gboolean db_ok;
  gboolean closing;
};

static void
op_free (gpointer p)
{
  Op *op = p;

  g_free (op->camera_id);
  g_free (op->text1);
  g_free (op->text2);
  g_free (op->text3);
  rvi_stream_info_clear (&op->info);
  rvi_segment_info_free (op->segment);
  g_free (op);
}

static void
copy_info (RviStreamInfo *dst, const RviStreamInfo *src)
{
  dst->codec = g_strdup (src->codec);
  dst->codec_string = g_strdup (src->codec_string);
  dst->width = src->width;
  dst->height = src->height;
  dst->fps = src->fps;
  dst->transport = src->transport;
}

static RviSegmentInfo *
copy_segment (const RviSegmentInfo *s)
{
  RviSegmentInfo *c = g_new0 (RviSegmentInfo, 1);

  *c = *s;
  c->path = g_strdup (s->path);
  c->sha256 = g_strdup (s->sha256);
  c->fragments = s->fragments ? g_array_copy (s->fragments) : NULL;
  memset (&c->info, 0, sizeof c->info);
  copy_info (&c->info, &s->info);
  return c;
}

static char *
us_text (gint64 us)
{
  return us ? g_strdup_printf ("%" G_GINT64_FORMAT, us) : NULL;
}

char *
rvi_segment_fragments_json (GArray *fragments)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; fragments && i < fragments->len; i++) {
    RviFragment *f = &g_array_index (fragments, RviFragment, i);
    g_string_append_printf (s, "%s[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GINT64_FORMAT
                            ",%" G_GINT64_FORMAT ",%s]", i ? "," : "", f->offset, f->size,
                            f->start_us, f->duration_us, f->key ? "true" : "false");
  }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static gboolean
write_segment_close (PGconn *conn, const char *node, Op *op, GError **error)
{
  const RviSegmentInfo *s = op->segment;
  g_autofree char *start = us_text (s->start_wall_us);
  g_autofree char *end = us_text (s->end_wall_us ? s->end_wall_us : s->start_wall_us);
  g_autofree char *duration = g_strdup_printf ("%" G_GINT64_FORMAT, s->duration_us);
  g_autofree char *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, s->bytes);
  g_autofree char *width = g_strdup_printf ("%d", s->info.width);
  g_autofree char *height = g_strdup_printf ("%d", s->info.height);
  g_autofree char *offset = g_strdup_printf ("%" G_GINT64_FORMAT, s->clock_offset_us);
  g_autofree char *init = g_strdup_printf ("%" G_GUINT64_FORMAT, s->init_size);
  g_autofree char *frags = rvi_segment_fragments_json (s->fragments);
  const char *params[] = { op->camera_id, node, op->text1, start, end, duration, bytes, s->sha256,
                           s->info.codec, s->info.codec_string, width, height, offset,
                           s->camera_clock ? "true" : "false", init, frags,
                           op->t1 ? "true" : "false" };

  const char *trim[] = { op->camera_id, node, start, end };
  const char *by_path[] = { op->text1 };

  /* no gap claims recorded time. A gap opened while this segment was
   * still being written (recording switched off, a failure noticed before
   * the file closed) starts where the supervisor last knew the recording
   * to end: the previous segment's end, up to a clock slew before this
   * one's start; it starts at this segment's end instead. A gap closed at
   * this segment's start as known when it opened ends at its start as
   * known now (the clock anchor may have moved it earlier). Another
   * node's failover gap that starts inside it starts at its end
   * (RVI_TRIM_FAILOVER_GAPS_SQL). */
  return rvi_db_run (conn,
      "INSERT INTO segments (camera_id, node, path, status, start_at, end_at, duration_us, bytes,"
      " sha256, codec, codec_string, width, height, clock_offset_us, camera_clock, init_size,"
      " fragments, closed_at, repaired)"
      " VALUES ($1::uuid, $2, $3, 'closed', rvi_us($4::bigint), rvi_us($5::bigint), $6::bigint,"
      " $7::bigint, $8, $9, $10, $11::int, $12::int, $13::bigint, $14::boolean, $15::bigint,"
      " $16::jsonb, now(), $17::boolean)"
      " ON CONFLICT (path) DO UPDATE SET status = 'closed', start_at = excluded.start_at,"
      " end_at = excluded.end_at, duration_us = excluded.duration_us, bytes = excluded.bytes,"
      " sha256 = excluded.sha256, codec = excluded.codec, codec_string = excluded.codec_string,"
      " width = excluded.width, height = excluded.height,"
      " clock_offset_us = excluded.clock_offset_us, camera_clock = excluded.camera_clock,"
      " init_size = excluded.init_size, fragments = excluded.fragments, closed_at = now(),"
      " repaired = excluded.repaired", 17, params, error)
    && rvi_db_run (conn, "UPDATE gaps SET start_at = rvi_us($4::bigint) WHERE camera_id = $1::uuid"
                   " AND node = $2 AND start_at >= rvi_us($3::bigint) - interval '1 second'"
                   " AND start_at < rvi_us($4::bigint)"
                   " AND (end_at IS NULL OR end_at > rvi_us($4::bigint))", 4, trim, error)
    && rvi_db_run (conn, "UPDATE gaps SET end_at = rvi_us($3::bigint) WHERE camera_id = $1::uuid"
                   " AND node = $2 AND start_at < rvi_us($3::bigint)"
                   " AND end_at > rvi_us($3::bigint) AND end_at <= rvi_us($4::bigint)",
                   4, trim, error)
    && rvi_db_run (conn, RVI_TRIM_FAILOVER_GAPS_SQL ("s.path = $1"), 1, by_path, error);
}

static gboolean
write_status (PGconn *conn, const char *node, Op *op, GError **error)
{
  g_autofree char *since = us_text (op->t1);
  g_autofree char *retry = us_text (op->t2);
  g_autofree char *last = us_text (op->t3);
  g_autofree char *reconnects = g_strdup_printf ("%" G_GINT64_FORMAT, op->t4);
  g_autofree char *fps = g_strdup_printf ("%.2f", op->d1);
  g_autofree char *bps = g_strdup_printf ("%.0f", op->d2);
  g_autofree char *width = op->info.width ? g_strdup_printf ("%d", op->info.width) : NULL;
  g_autofree char *height = op->info.height ? g_strdup_printf ("%d", op->info.height) : NULL;
  const char *params[] = { op->camera_id, node, op->text1, since, op->text2 ? op->text2 : "",
                           fps, bps, last, op->info.codec, op->info.codec_string, width, height,
                           op->info.codec ? rvi_transport_to_string (op->info.transport) : NULL,
                           reconnects, retry };

  return rvi_db_run (conn,
      "INSERT INTO camera_status (camera_id, node, state, since, message, fps, bitrate_bps,"
      " last_frame_at, codec, codec_string, width, height, transport, reconnects, retry_at,"
      " updated_at) SELECT $1::uuid, $2, $3, rvi_us($4::bigint), $5, $6::float8, $7::float8,"
      " rvi_us($8::bigint), $9, $10, $11::int, $12::int, $13, $14::bigint, rvi_us($15::bigint),"
      " now() WHERE EXISTS (SELECT 1 FROM cameras WHERE id = $1::uuid)"
      " ON CONFLICT (camera_id) DO UPDATE SET node = excluded.node, state = excluded.state,"
      " since = excluded.since, message = excluded.message, fps = excluded.fps,"
      " bitrate_bps = excluded.bitrate_bps, last_frame_at = excluded.last_frame_at,"
      " codec = coalesce(excluded.codec, camera_status.codec),"
      " codec_string = coalesce(excluded.codec_string, camera_status.codec_string),"
      " width = coalesce(excluded.width, camera_status.width),"
      " height = coalesce(excluded.height, camera_status.height),"
      " transport = coalesce(excluded.transport, camera_status.transport),"
      " reconnects = excluded.reconnects, retry_at = excluded.retry_at, updated_at = now()",
      15, params, error);
}

static gboolean
write_op (PGconn *conn, const char *node, Op *op, GError **error)
{
  g_autofree char *t1 = us_text (op->t1);

  switch (op->kind) {
    case OP_SEGMENT_OPEN: {
      const char *params[] = { op->camera_id, node, op->text1, t1 };
      return rvi_db_run (conn, "INSERT INTO segments (camera_id, node, path, status, start_at)"
                         " VALUES ($1::uuid, $2, $3, 'open', rvi_us($4::bigint))"
                         " ON CONFLICT (path) DO NOTHING", 4, params, error);
    }
    case OP_SEGMENT_CLOSE:
      return write_segment_close (conn, node, op, error);
    case OP_SEGMENT_DISCARD: {
      const char *params[] = { op->text1 };
      return rvi_db_run (conn, "DELETE FROM segments WHERE path = $1 AND status = 'open'", 1,
                         params, error);
    }
    case OP_GAP_OPEN: {
      /* a failover gap starts after what the previous node's closed
       * segments hold (it closed one after the claim: a hand-over) */
      const char *params[] = { op->text1, op->camera_id, node, t1, op->text2, op->text3 };
      return rvi_db_run (conn, "INSERT INTO gaps (id, camera_id, node, start_at, cause, detail)"
                         " VALUES ($1::uuid, $2::uuid, $3, CASE WHEN $5 <> 'node_failover'"
                         " THEN rvi_us($4::bigint) ELSE greatest (rvi_us($4::bigint),"
                         " (SELECT max (end_at) FROM segments WHERE camera_id = $2::uuid"
                         "  AND node <> $3 AND status = 'closed'"
                         "  AND start_at <= rvi_us($4::bigint) AND end_at > rvi_us($4::bigint)))"
                         " END, $5, $6) ON CONFLICT (id) DO NOTHING", 6, params, error);
    }
    case OP_GAP_CLOSE: {
      const char *params[] = { op->text1, t1 };
      return rvi_db_run (conn, "UPDATE gaps SET end_at = greatest(start_at, rvi_us($2::bigint))"
                         " WHERE id = $1::uuid AND end_at IS NULL", 2, params, error);
    }
    case OP_TRANSPORT:
      return rvi_cameras_learn_transport (conn, op->camera_id, (RviTransport) op->t1, error);
    case OP_STATUS:
      return write_status (conn, node, op, error);
  }
  g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "unknown index operation");
  return FALSE;
}

typedef struct {
  RviIndexWriter *writer;
  GPtrArray *batch;
  char *node;
} BatchJob;

static gboolean
batch_work (PGconn *conn, gpointer data, GError **error)
{
  BatchJob *job = data;

  if (!rvi_db_begin (conn, error))
    return FALSE;
  for (guint i = 0; i < job->batch->len; i++) {
    Op *op = job->batch->pdata[i];
    g_autoptr (GError) local = NULL;

    if (!rvi_db_run (conn, "SAVEPOINT op", 0, NULL, error))
      return FALSE;
    if (write_op (conn, job->node, op, &local)) {
      if (!rvi_db_run (conn, "RELEASE SAVEPOINT op", 0, NULL, error))
        return FALSE;
      continue;
    }
    if (g_error_matches (local, RVI_ERROR, RVI_ERROR_DB_UNAVAILABLE)
        || g_error_matches (local, RVI_ERROR, RVI_ERROR_BUSY)) {   /* the batch is retried */
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    g_critical ("index operation %d for camera %s dropped: %s", op->kind, op->camera_id,
                local->message);
    if (!rvi_db_run (conn, "ROLLBACK TO SAVEPOINT op", 0, NULL, error))
      return FALSE;
  }
  return rvi_db_commit (conn, error);
}

static void flush (RviIndexWriter *w);

static gboolean
retry_cb (gpointer data)
{
  RviIndexWriter *w = data;
  rvi_timer_drop (&w->retry);
  flush (w);
  return G_SOURCE_REMOVE;
}

static void
batch_done (gpointer data, const GError *error)
{
  BatchJob *job = data;
  RviIndexWriter *w = job->writer;

  w->in_flight = NULL;
  if (error) {
    /* back to the head of the queue, in order; statuses only if none is newer */
    for (guint i = job->batch->len; i > 0; i--) {
      Op *op = g_ptr_array_steal_index (job->batch, i - 1);
      if (op->kind == OP_STATUS && g_hash_table_contains (w->statuses, op->camera_id))
        op_free (op);
      else if (op->kind == OP_STATUS)
        g_hash_table_insert (w->statuses, g_strdup (op->camera_id), op);
      else
        g_queue_push_head (&w->queue, op);
    }
    if (w->db_ok)
      g_warning ("index writes wait for the database (%u queued): %s",
                 g_queue_get_length (&w->queue), error->message);
    w->db_ok = FALSE;
    if (!w->retry)
      w->retry = rvi_timer_new (RETRY_MS, retry_cb, w);
  } else {
    if (!w->db_ok)
      g_message ("index writes reach the database again");
    w->db_ok = TRUE;
  }
  g_ptr_array_unref (job->batch);
  g_free (job->node);
  g_free (job);
  if (!error)
    flush (w);
}

static int
by_camera (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(Op *const *) a)->camera_id, (*(Op *const *) b)->camera_id);
}

static void
flush (RviIndexWriter *w)
{
  BatchJob *job;
  GHashTableIter it;
  gpointer key, value;
  guint first_status;

  if (w->in_flight || w->retry
      || (g_queue_is_empty (&w->queue) && g_hash_table_size (w->statuses) == 0))
    return;
  job = g_new0 (BatchJob, 1);
  job->writer = w;
  job->node = g_strdup (w->node);
  job->batch = g_ptr_array_new_with_free_func (op_free);
  while (job->batch->len < BATCH && !g_queue_is_empty (&w->queue))
    g_ptr_array_add (job->batch, g_queue_pop_head (&w->queue));
  first_status = job->batch->len;
  g_hash_table_iter_init (&it, w->statuses);
  while (g_hash_table_iter_next (&it, &key, &value)) {
    g_ptr_array_add (job->batch, value);
    g_hash_table_iter_steal (&it);   /* steals the key too: ours to free */
    g_free (key);
  }
  /* statuses in camera order: two nodes writing the same cameras' rows
   * (one letting a camera go, one taking it) lock them in the same order */
  qsort (job->batch->pdata + first_status, job->batch->len - first_status, sizeof (gpointer),
         by_camera);
  w->in_flight = job->batch;
  if (!rvi_db_pool_submit (w->pool, batch_work, batch_done, job, NULL)) {
    GError busy = { RVI_ERROR, RVI_ERROR_BUSY, (char *) "database queue full" };
    batch_done (job, &busy);
  }
}

static gboolean
push (RviIndexWriter *w, Op *op)
{
  if (g_queue_get_length (&w->queue) >= w->max_ops) {
    op_free (op);
    return FALSE;
  }
  g_queue_push_tail (&w->queue, op);
  flush (w);
  return TRUE;
}

static Op *
op_new (OpKind kind, const char *camera_id)
{
  Op *op = g_new0 (Op, 1);
  op->kind = kind;
  op->camera_id = g_strdup (camera_id);
  return op;
}

char *
rvi_index_writer_relative (RviIndexWriter *w, const char *path)
{
  gsize n = strlen (w->media_dir);

  if (g_str_has_prefix (path, w->media_dir) && path[n] == '/')
    return g_strdup (path + n + 1);
  return g_strdup (path);
}

gboolean
rvi_index_writer_segment_opened (RviIndexWriter *w, const char *camera_id, const char *path,
                                 gint64 start_us)
{
  Op *op = op_new (OP_SEGMENT_OPEN, camera_id);
  op->text1 = rvi_index_writer_relative (w, path);
  op->t1 = start_us;
  return push (w, op);
}

gboolean
rvi_index_writer_segment_closed (RviIndexWriter *w, const char *camera_id,
                                 const RviSegmentInfo *segment)
{
  Op *op = op_new (OP_SEGMENT_CLOSE, camera_id);
  op->text1 = rvi_index_writer_relative (w, segment->path);
  op->segment = copy_segment (segment);
  return push (w, op);
}

gboolean
rvi_index_writer_segment_discarded (RviIndexWriter *w, const char *path)
{
  Op *op = op_new (OP_SEGMENT_DISCARD, NULL);
  op->text1 = rvi_index_writer_relative (w, path);
  return push (w, op);
}

gboolean
rvi_index_writer_gap_opened (RviIndexWriter *w, const char *camera_id, const char *gap_id,
                             gint64 start_us, const char *cause, const char *detail)
{
  Op *op = op_new (OP_GAP_OPEN, camera_id);
  op->text1 = g_strdup (gap_id);
  op->text2 = g_strdup (cause);
  op->text3 = g_strdup (detail ? detail : "");
  op->t1 = start_us;
  return push (w, op);
}

gboolean
rvi_index_writer_gap_closed (RviIndexWriter *w, const char *gap_id, gint64 end_us)
{
  Op *op = op_new (OP_GAP_CLOSE, NULL);
  op->text1 = g_strdup (gap_id);
  op->t1 = end_us;
  return push (w, op);
}

gboolean
rvi_index_writer_learn_transport (RviIndexWriter *w, const char *camera_id,
                                  RviTransport transport)
{
  Op *op = op_new (OP_TRANSPORT, camera_id);
  op->t1 = transport;
  return push (w, op);
}

void
rvi_index_writer_status (RviIndexWriter *w, const char *camera_id, const RviCameraStatus *s)
{
  Op *op = op_new (OP_STATUS, camera_id);

  op->text1 = g_strdup (s->state);
  op->text2 = g_strdup (s->message);
  op->t1 = s->since_us;
  op->t2 = s->retry_at_us;
  op->t3 = s->last_frame_us;
  op->t4 = (gint64) s->reconnects;
  op->d1 = s->fps;
  op->d2 = s->bitrate_bps;
  if (s->info)
    copy_info (&op->info, s->info);
  g_hash_table_replace (w->statuses, g_strdup (camera_id), op);
  flush (w);
}

guint
rvi_index_writer_pending (RviIndexWriter *w)
{
  return g_queue_get_length (&w->queue) + (w->in_flight ? w->in_flight->len : 0);
}

gboolean
rvi_index_writer_db_ok (RviIndexWriter *w)
{
  return w->db_ok;
}

RviIndexWriter *
rvi_index_writer_new (RviDbPool *pool, const char *node, const char *media_dir, guint max_ops)
{
  RviIndexWriter *w = g_new0 (RviIndexWriter, 1);

  w->pool = pool;
  w->node = g_strdup (node);
  w->media_dir = g_canonicalize_filename (media_dir, NULL);
  w->max_ops = max_ops;
  w->db_ok = TRUE;
  g_queue_init (&w->queue);
  w->statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, op_free);
  return w;
}

void
rvi_index_writer_free (RviIndexWriter *w, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GMainContext *ctx = g_main_context_get_thread_default ();

  if (!w)
    return;
  /* last chance to write: retry at once, and wait for the batch in flight */
  while ((w->in_flight || !g_queue_is_empty (&w->queue))
         && g_get_monotonic_time () < deadline) {
    if (w->retry) {
      rvi_timer_drop (&w->retry);
      flush (w);
    }
    g_main_context_iteration (ctx, FALSE);
    g_usleep (1000);
  }
  while (w->in_flight)   /* a job still owns a batch that points at us */
    g_main_context_iteration (ctx, TRUE);
  if (!g_queue_is_empty (&w->queue))
    g_warning ("%u index operations not written at shutdown; the next start repairs from the files",
               g_queue_get_length (&w->queue));
  rvi_timer_drop (&w->retry);
  g_queue_clear_full (&w->queue, op_free);
  g_hash_table_unref (w->statuses);
  g_free (w->node);
  g_free (w->media_dir);
  g_free (w);
}
