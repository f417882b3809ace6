/* frame-locate.h: RviFrameLocation, the recorded frame nearest a time:
 * where it may be (the segment index, on a database connection) and which
 * frame it is (decoding, on a worker thread, with no connection held).
 *
 * GET /api/cameras/{id}/frame.jpg (api-frame.c) and the stills of marks
 * (mark-still-job.c) share it, so a mark's still is the very frame that
 * frame.jpg answers for the mark's time. The rules (which frame, a
 * segment being written, gaps) are in frame-locate.c. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "frame-extract.h"

G_BEGIN_DECLS

typedef struct {
  gboolean present;
  gboolean open;        /* still being written */
  char *path;           /* absolute */
  gint64 start_us;      /* wall clock of its first frame */
  gint64 end_us;        /* 0 while open */
} RviFrameSegment;

typedef struct {
  gint64 at_us;
  RviFrameSegment a;    /* this node's segment starting at or before at_us, if it can reach it */
  RviFrameSegment b;    /* the first one starting after it, likewise */
  char *remote;         /* a node other than this one holding a segment near at_us, or NULL */
  gboolean remote_covers;   /* and its segment's time range holds at_us: it answers */
  char *gap_cause;      /* the cause of the gap row holding at_us, or NULL */
  char *not_recorded;   /* the message for a time no frame covers, naming the gap */
} RviFrameLocation;

typedef struct {
  gint64 frame_us;      /* the frame's wall-clock time */
  guint decoded;        /* frames decoded to find it, from the preceding key frame */
  gboolean immutable;   /* from a closed segment: the answer never changes */
} RviFrameChoice;

/* Database: fills @loc (zeroed by the caller) for camera @camera_id at
 * @at_us (Unix µs), with the segment files of node @node under
 * @data_dir/media. FALSE with @error only when a query fails; a time
 * nothing covers is a @loc without a present segment. */
gboolean rvi_frame_location_lookup (PGconn *conn, const char *data_dir, const char *node,
                                    const char *camera_id, gint64 at_us, RviFrameLocation *loc,
                                    GError **error);

/* Worker thread: decodes the frame of @loc nearest its time with @x (its
 * picture then stays in @x for rvi_frame_extractor_encode_jpeg()) and
 * fills @choice. FALSE with RVI_ERROR_NOT_FOUND when no frame covers the
 * time (the message says why: @loc's not_recorded, "not recorded yet"
 * for the part of a segment still being written, or a missing file),
 * RVI_ERROR_FAILED when a file cannot be read or decoded. */
gboolean rvi_frame_location_decode (RviFrameExtractor *x, const RviFrameLocation *loc,
                                    RviFrameChoice *choice, GError **error);

/* Frees what @loc holds (not @loc itself). */
void rvi_frame_location_clear (RviFrameLocation *loc);

G_END_DECLS
