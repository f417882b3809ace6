/* fmp4-index.h: reading a fragmented MP4 segment file: its fragments
 * (moof + mdat), media duration, codec, size and SHA-256, and repairing a
 * file cut short by a crash. Pure file work: call it on a worker thread. */
#pragma once

#include <glib.h>

#include "ingest.h"

G_BEGIN_DECLS

/* Indexes @path (transfer full result). With @repair, a file whose last
 * fragment is incomplete (a crash mid-write) is truncated after its last
 * complete fragment and fsynced before it is hashed; without @repair such a
 * file is an error. start_wall_us/end_wall_us are left 0 for the caller.
 * Returns NULL with @error (G_IO_ERROR_*, or RVI_ERROR_INVALID_INPUT for a
 * file that is not fragmented MP4 or has no complete fragment). */
RviSegmentInfo *rvi_fmp4_index_file (const char *path, gboolean repair, GError **error);

/* The wall-clock start encoded in a segment file name
 * (".../YYYY-MM-DD/YYYYMMDDTHHMMSS.uuuuuuZ.mp4"), or 0 when it has none. */
gint64 rvi_fmp4_start_from_name (const char *path);

/* The path of a segment starting at @start_wall_us (UTC, us since the
 * epoch, not negative): SEGMENT_DIR/YYYY-MM-DD/YYYYMMDDTHHMMSS.uuuuuuZ.mp4
 * (transfer full). Makes no directory. */
char *rvi_fmp4_name_for_start (const char *segment_dir, gint64 start_wall_us);

G_END_DECLS
