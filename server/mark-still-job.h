/* mark-still-job.h: one mark's still, made from the recording: which
 * marks are due on this node, and one attempt at one of them, whose
 * outcome is written to the database (the still, "not recorded" and why,
 * or when to try again). Runs on the mark-still runner's thread
 * (mark-stills.c) with its connection and frame extractor: it blocks on
 * PostgreSQL, the disk and FFmpeg. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "frame-extract.h"

G_BEGIN_DECLS

/* A missing frame is retried until this long after the mark's time (or
 * after the mark was made, when that is later; the time of a mark made
 * for the future counts up to this long after it was made). */
#define RVI_MARK_STILL_WAIT_US ((gint64) 60 * G_USEC_PER_SEC)

typedef struct {
  char *mark_id;
  char *camera_id;
  gint64 at_us;         /* the mark's time (Unix µs) */
  gint64 not_before_us; /* due from then on */
  gint64 deadline_us;   /* a frame still missing then is not recorded */
  gint64 give_up_us;    /* a still that cannot be made by then (failures) is not recorded */
  int attempts;
} RviMarkStillTask;

/* (transfer full) up to @max queued marks this node is to make a still
 * for (it holds the recording of their time, or holds the gap over it or
 * records the camera when nothing does), the earliest due first; NULL with
 * @error. */
GArray *rvi_mark_still_job_list (PGconn *conn, const char *node, guint max, GError **error);

/* One attempt at @task: finds the frame at its time in this node's
 * recordings (frame-locate.h), writes DATA-DIR/stills/<mark id>.jpg
 * (temporary name, fsync, rename) and its mark_stills row with an audit
 * event; or, when no frame covers the time and none will (a gap over it
 * settled, or the deadline passed), a 'not_recorded' row with the cause;
 * otherwise it notes in the queue when to try again. FALSE with @error
 * only when the database failed: the task stays queued. */
gboolean rvi_mark_still_job_run (PGconn *conn, RviFrameExtractor *extractor,
                                 const char *data_dir, const char *node,
                                 const RviMarkStillTask *task, GError **error);

G_END_DECLS
