/* hls-playlist.h: an HLS media playlist over recorded segment files.
 *
 * Pure text work over the segment index (no files are read): each file's
 * init segment (ftyp + moov) becomes an EXT-X-MAP byte range and its
 * fragments (moof + mdat, contiguous on disk) are grouped into media
 * segments that each start with a key frame, so any of them can be decoded
 * on its own. docs/replay.md explains the choices. */
#pragma once

#include <glib.h>

#include "ingest.h"

G_BEGIN_DECLS

typedef struct {
  gint64 id;            /* segments.id, for the media URI */
  gint64 start_us;      /* wall clock (UTC, us since the epoch) of its first frame */
  guint64 init_size;    /* bytes of ftyp + moov at offset 0 */
  GArray *fragments;    /* RviFragment, in file order */
} RviHlsFile;

/* The playlist (transfer full) of @files (in time order) restricted to the
 * media segments that overlap [@from_us, @to_us), each about @chunk_us
 * long (longer when key frames are further apart). Media URIs are
 * "recording.mp4?segment=ID", relative to the playlist. Sets @n_chunks to the
 * number of media segments; with none the caller should not serve it. */
char *rvi_hls_playlist (const RviHlsFile *files, guint n_files, gint64 from_us, gint64 to_us,
                        gint64 chunk_us, guint *n_chunks);

/* Parses segments.fragments ([[offset, size, start_us, duration_us, key],
 * ...]) into RviFragment (transfer full), or NULL with @error. */
GArray *rvi_hls_fragments_parse (const char *json, GError **error);

G_END_DECLS
