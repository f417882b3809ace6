/* index-writer.h: RviIndexWriter, the ordered, bounded queue through which
 * the recording side writes segment rows, gap rows and camera status.
 *
 * Recording never waits for PostgreSQL: supervisors push operations and go
 * on; the writer applies them in order, in batches, on the database pool.
 * While the database is unreachable the operations wait (bounded) and are
 * retried; status updates are coalesced to the latest per camera. */
#pragma once

#include <glib.h>

#include "db-pool.h"
#include "ingest.h"

G_BEGIN_DECLS

typedef struct _RviIndexWriter RviIndexWriter;

/* The status row of one camera (copied on push). */
typedef struct {
  const char *state;          /* connecting, streaming, backing_off, auth_failed, ... */
  const char *message;
  gint64 since_us;
  gint64 retry_at_us;         /* 0: none */
  gint64 last_frame_us;       /* 0: none */
  double fps;
  double bitrate_bps;
  const RviStreamInfo *info;  /* may be NULL */
  guint64 reconnects;
} RviCameraStatus;

/* @max_ops bounds the queue; @node names the rows' node. */
RviIndexWriter *rvi_index_writer_new (RviDbPool *pool, const char *node, const char *media_dir,
                                      guint max_ops);

/* Each push returns FALSE when the queue is full (the database has been
 * away too long); the caller must then stop recording. @path is relative
 * to the media directory or absolute under it. */
gboolean rvi_index_writer_segment_opened (RviIndexWriter *w, const char *camera_id,
                                          const char *path, gint64 start_us);
gboolean rvi_index_writer_segment_closed (RviIndexWriter *w, const char *camera_id,
                                          const RviSegmentInfo *segment);
/* A segment that was opened but kept nothing (its file is gone). */
gboolean rvi_index_writer_segment_discarded (RviIndexWriter *w, const char *path);
gboolean rvi_index_writer_gap_opened (RviIndexWriter *w, const char *camera_id,
                                      const char *gap_id, gint64 start_us, const char *cause,
                                      const char *detail);
gboolean rvi_index_writer_gap_closed (RviIndexWriter *w, const char *gap_id, gint64 end_us);
gboolean rvi_index_writer_learn_transport (RviIndexWriter *w, const char *camera_id,
                                           RviTransport transport);
void rvi_index_writer_status (RviIndexWriter *w, const char *camera_id,
                              const RviCameraStatus *status);

/* Operations waiting, and whether the last write reached the database. */
guint rvi_index_writer_pending (RviIndexWriter *w);
gboolean rvi_index_writer_db_ok (RviIndexWriter *w);

/* (transfer full) @fragments (RviFragment) as the segments.fragments
 * column holds them: [[offset, size, start_us, duration_us, key], ...] */
char *rvi_segment_fragments_json (GArray *fragments);

/* After a segment closes (@where picks its row as `s`, with $1): another
 * node's failover gap that starts inside it starts at its end (or at the
 * gap's end, when the segment reaches past it). That node took the camera
 * over while this one was gone, and could only guess when this one
 * stopped; the segment closed at this node's return says. */
#define RVI_TRIM_FAILOVER_GAPS_SQL(where)                                                 \
  "UPDATE gaps g SET start_at = least (s.end_at, g.end_at) FROM segments s WHERE " where  \
  " AND g.camera_id = s.camera_id AND g.node <> s.node AND g.cause = 'node_failover'"     \
  " AND g.start_at >= s.start_at AND g.start_at < s.end_at"

/* The path of @path relative to the media directory (transfer full). */
char *rvi_index_writer_relative (RviIndexWriter *w, const char *path);

/* Tries for up to @timeout_ms to write what is queued, then frees @w. */
void rvi_index_writer_free (RviIndexWriter *w, guint timeout_ms);

G_END_DECLS
