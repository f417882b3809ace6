/* clip-export.h: one MP4 clip of a camera's stored segments for a
 * wall-clock range, remuxed with libavformat (stream copy, never
 * re-encoded), for evidence exports (issue 6). Pure file work: call it on
 * a worker thread.
 *
 * The clip is an ordinary MP4 (moov at the front, movflags=+faststart) of
 * the one video track, with the source's sample entry unchanged (avc1 or
 * hvc1 with its avcC/hvcC: Safari and Chromium play hvc1, not hev1), a
 * 90 kHz timescale, and presentation times that start at 0 with the
 * clip's first frame. Its creation time is the wall clock of that frame
 * (whole seconds); it is written bit-exact (no encoder tag), so the same sources and
 * range give the same bytes.
 *
 * Where it starts. At the last key frame at or before from_us, so the
 * first frame decodes without anything before it: the clip may start up to
 * one GOP early, and info->first_us says exactly where. A range that
 * starts before the first source, or in a gap between two sources, starts
 * at the next source's first frame (a key frame: every segment starts
 * with one).
 *
 * Where it ends. Every frame that starts before to_us is in the clip, and
 * of the frames after it only those that a frame before it needs as a
 * reference (with B-frames, the reference frame shown just after them):
 * decode order is kept, so every frame decodes and there is no hole. So a
 * clip of a stream without B-frames ends with the last frame that starts
 * before to_us; with B-frames it may hold one or two frames more. With
 * open GOPs (x265 makes them) a segment holds leading pictures shown just
 * before its start_us: they count as before to_us too (a source starting
 * up to 1 s after to_us is read for them). Those of the clip's own first
 * key frame need the GOP before it and are left out.
 *
 * Time. A packet's wall clock is its source's start_us plus its
 * presentation time since the source's first packet. That first packet
 * is the key frame the segment row's start_at names: both recording paths
 * name a file after the presentation time of its first frame in decode
 * order (ingest-native.c, ingest-recorder.c), which with B-frames is not
 * its first decode time. Clip time is wall clock minus info->first_us, so
 * a gap between two sources stays a gap (the last frame before it is
 * shown until the next one: MP4 has no "no picture"). Decode times follow
 * the same offset. Consecutive files may overlap by the recorder's anchor
 * slew (up to 30 ms): a frame at a boundary then lasts that much less,
 * as the wall clock says. Should a source's first frame not come after
 * what was taken before, the source is moved later just enough that
 * decode and presentation times stay increasing (debug log); the leading
 * pictures of an open GOP at its start are not taken into account.
 *
 * Damage. A source that ends in a truncated or damaged fragment (a crash
 * while writing: cut in an mdat, or in a moof, which libavformat alone
 * would refuse whole) is read up to the damage, a source that does not
 * parse as MP4 not at all; each is counted in info->damaged and logged,
 * and the clip goes on with the next source. A source whose file cannot
 * be opened (missing, unreadable) fails the export, naming it: the index
 * says the file exists, so that is not damage but a fault to report.
 *
 * Codec changes. The clip has one sample entry, so all of it must share
 * codec, picture size and parameter sets (avcC/hvcC bytes). A source that
 * differs ends the clip before it, with info->next_us set to its start: the
 * caller exports from there as a new clip. The recorder starts a new file
 * whenever parameter sets change, so such a change is always at a source
 * boundary.
 *
 * Memory. One AVPacket for reading and a few for frames held at the end
 * of the range, allocated once, packets moved into them, never copied;
 * beyond that only what libavformat allocates (a buffer per packet read,
 * the muxer's sample tables). */
#pragma once

#include <gio/gio.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *path;   /* a stored segment file */
  gint64 start_us;    /* wall clock (Unix us) of its first frame: the segment row's start_at */
  gint64 end_us;      /* wall clock end of its last frame: the row's end_at (start + media
                       * duration); only used to skip sources that end before the range */
} RviClipSource;

typedef struct {
  gint64 first_us;    /* wall clock of the clip's first frame (a key frame at or before from_us,
                       * or the first frame recorded after it) */
  gint64 end_us;      /* wall clock end of its last frame (its time + duration) */
  guint frames;
  guint64 bytes;      /* of the MP4 written */
  guint damaged;      /* sources read only up to a damaged or truncated fragment */
  gint64 next_us;     /* 0, or the start of the first source left out because its codec
                       * parameters differ from the clip's: export from there as a new clip */
} RviClipInfo;

/* Called on the exporting thread at every key frame written and once at
 * the end (@done_us == @total_us): @done_us of the range's @total_us
 * (to_us - from_us) are written. */
typedef void (*RviClipProgress) (gint64 done_us, gint64 total_us, gpointer data);

/* Remuxes [@from_us, @to_us) of @sources into an MP4 at @out_path, as the
 * file comment says. @sources (transfer none, read during the call only)
 * are one camera's segments in time order, contiguous or with gaps.
 * Writes @out_path.partial in @out_path's directory (which must exist),
 * fsyncs it, renames it to @out_path and fsyncs the directory, so
 * @out_path is complete or absent. @progress, @cancel and @info may be
 * NULL; @cancel is checked at every packet. On success fills @info. FALSE
 * with @error, @info zeroed and nothing written (no @out_path, no
 * .partial): RVI_ERROR_NOT_FOUND when no frame of the range is recorded
 * (nothing overlaps it, or what overlaps is unreadable),
 * RVI_ERROR_INVALID_INPUT when @to_us is not after @from_us,
 * G_IO_ERROR_CANCELLED when @cancel was cancelled, RVI_ERROR_FAILED
 * otherwise (a source file that cannot be opened, naming it; a write
 * error). */
gboolean rvi_clip_export (const RviClipSource *sources, guint n_sources, gint64 from_us,
                          gint64 to_us, const char *out_path, RviClipProgress progress,
                          gpointer data, GCancellable *cancel, RviClipInfo *info, GError **error);

G_END_DECLS
