/* fmp4-index.c: indexing, repairing and hashing a fragmented MP4 segment
 * file (see fmp4-index.h).
 *
 * DESIGN. The file is walked box by box at the top level with pread():
 * ftyp, moov (the init segment), then moof + mdat pairs, then possibly mfra.
 * Only moov and moof bodies are read into memory (each capped at
 * RVI_FMP4_MAX_HEADER); mdat is skipped by its size, so memory stays small
 * whatever the segment's length. A fragment counts when its moof parses and
 * the mdat that follows it lies wholly inside the file. The first thing that
 * does not fit (a box running past the end, a moof without its mdat, a
 * malformed moof) marks the tail: without repair that is an error; with
 * repair the file is cut after the last complete box that is not a dangling
 * moof, fsynced, and indexed as it now is. After a crash mp4mux leaves
 * exactly such a tail, so repair keeps all but the fragment being written.
 * The SHA-256 is streamed with nettle (SHA-NI where the CPU has it) over the final bytes in 64 KiB
 * reads. Fragment times are scaled from the track timescale relative to the
 * first fragment's base decode time, end points first, so fragment
 * durations add up exactly to the segment's duration. */
#define G_LOG_DOMAIN "rvi-fmp4"

#include "fmp4-index.h"
#include "sha256-hex.h"
#include "fmp4-boxes.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RVI_FMP4_MAX_HEADER (16 * 1024 * 1024)
#define RVI_FMP4_HASH_CHUNK (64 * 1024)

#define FOURCC(a, b, c, d) \
  ((guint32) (a) << 24 | (guint32) (b) << 16 | (guint32) (c) << 8 | (guint32) (d))

typedef struct {
  int fd;
  guint64 file_size;
  RviFmp4Track track;
  gboolean have_track;
  guint64 init_size;
  guint64 good_end;        /* end of the last box that may be kept */
  guint64 first_decode_time;
  guint64 total_samples;
  GArray *fragments;       /* RviFragment */
  char *tail;              /* why the walk stopped early, or NULL */
} RviFmp4Walk;

static gboolean
read_exact (int fd, void *buf, gsize size, guint64 offset, GError **error)
{
  gsize done = 0;

  while (done < size) {
    ssize_t n = pread (fd, (char *) buf + done, size - done, (off_t) (offset + done));

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int saved = n < 0 ? errno : EIO;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "read failed: %s",
                   g_strerror (saved));
      return FALSE;
    }
    done += (gsize) n;
  }
  return TRUE;
}

/* Reads a moov or moof body into a fresh buffer (transfer full). */
static guint8 *
read_body (RviFmp4Walk *w, guint64 offset, guint64 size, GError **error)
{
  g_autofree guint8 *body = NULL;

  if (size > RVI_FMP4_MAX_HEADER) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "box of %" G_GUINT64_FORMAT " bytes at %" G_GUINT64_FORMAT " is too large",
                 size, offset);
    return NULL;
  }
  body = g_malloc (size > 0 ? size : 1);
  if (!read_exact (w->fd, body, size, offset, error))
    return NULL;
  return g_steal_pointer (&body);
}

static gint64
scale_us (guint64 ticks, guint32 timescale)
{
  return (gint64) (ticks / timescale * G_USEC_PER_SEC +
                   ticks % timescale * G_USEC_PER_SEC / timescale);
}

/* Adds the fragment of the moof at @moof_offset that ends at @end. */
static void
add_fragment (RviFmp4Walk *w, guint64 moof_offset, guint64 end, const RviFmp4Run *run)
{
  RviFragment f = { 0 };
  guint64 from, to;

  if (w->fragments->len == 0)
    w->first_decode_time = run->base_decode_time;
  from = run->base_decode_time > w->first_decode_time ? run->base_decode_time - w->first_decode_time : 0;
  to = from + run->duration;
  f.offset = moof_offset;
  f.size = end - moof_offset;
  f.start_us = scale_us (from, w->track.timescale);
  f.duration_us = scale_us (to, w->track.timescale) - f.start_us;
  f.key = run->key;
  g_array_append_val (w->fragments, f);
  w->total_samples += run->samples;
}

/* Walks the top-level boxes. FALSE with @error only for a hard error (I/O,
 * no init segment); a damaged tail is noted in w->tail. */
static gboolean
walk_boxes (RviFmp4Walk *w, GError **error)
{
  guint64 offset = 0, moof_offset = 0;
  gboolean have_moof = FALSE;
  RviFmp4Run run = { 0 };

  while (offset < w->file_size && w->tail == NULL) {
    guint8 header[16];
    guint64 size, header_size = 8;
    guint32 type;
    g_autofree guint8 *body = NULL;
    g_autoptr (GError) local = NULL;

    if (w->file_size - offset < 8) {
      w->tail = g_strdup_printf ("partial box header at %" G_GUINT64_FORMAT, offset);
      break;
    }
    if (!read_exact (w->fd, header, MIN (16, w->file_size - offset), offset, error))
      return FALSE;
    size = (guint64) header[0] << 24 | header[1] << 16 | header[2] << 8 | header[3];
    type = FOURCC (header[4], header[5], header[6], header[7]);
    if (size == 1 && w->file_size - offset >= 16) {
      size = 0;
      for (guint i = 8; i < 16; i++)
        size = (size << 8) | header[i];
      header_size = 16;
    } else if (size == 0) {
      size = w->file_size - offset;
    }
    if (size < header_size || size > w->file_size - offset) {
      w->tail = g_strdup_printf ("box at %" G_GUINT64_FORMAT " runs past the end", offset);
      break;
    }
    if (offset == 0 && type != FOURCC ('f', 't', 'y', 'p')) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "not an MP4 file");
      return FALSE;
    }
    if (type == FOURCC ('m', 'o', 'o', 'v') && !w->have_track) {
      body = read_body (w, offset + header_size, size - header_size, error);
      if (body == NULL || !rvi_fmp4_parse_moov (body, size - header_size, &w->track, error))
        return FALSE;
      w->have_track = TRUE;
      w->init_size = offset + size;
    } else if (type == FOURCC ('m', 'o', 'o', 'f')) {
      if (!w->have_track || have_moof) {
        w->tail = g_strdup_printf ("unexpected moof at %" G_GUINT64_FORMAT, offset);
        break;
      }
      body = read_body (w, offset + header_size, size - header_size, error);
      if (body == NULL)
        return FALSE;
      if (!rvi_fmp4_parse_moof (body, size - header_size, &w->track, &run, &local)) {
        w->tail = g_strdup_printf ("%s at %" G_GUINT64_FORMAT, local->message, offset);
        break;
      }
      have_moof = TRUE;
      moof_offset = offset;
    } else if (type == FOURCC ('m', 'd', 'a', 't') && have_moof) {
      add_fragment (w, moof_offset, offset + size, &run);
      have_moof = FALSE;
    }
    offset += size;
    if (!have_moof)
      w->good_end = offset;
  }
  if (w->tail == NULL && have_moof)
    w->tail = g_strdup_printf ("moof at %" G_GUINT64_FORMAT " without its mdat", moof_offset);
  if (!w->have_track) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "no moov box");
    return FALSE;
  }
  return TRUE;
}

static char *
hash_file (int fd, guint64 size, GError **error)
{
  struct sha256_ctx ctx;
  g_autofree guint8 *chunk = g_malloc (RVI_FMP4_HASH_CHUNK);
  char *hex = g_malloc (RVI_SHA256_HEX_LEN + 1);

  sha256_init (&ctx);
  for (guint64 offset = 0; offset < size;) {
    gsize n = (gsize) MIN (size - offset, RVI_FMP4_HASH_CHUNK);

    if (!read_exact (fd, chunk, n, offset, error)) {
      g_free (hex);
      return NULL;
    }
    sha256_update (&ctx, n, chunk);
    offset += n;
  }
  rvi_sha256_hex_finish (&ctx, hex);
  return hex;
}

static gboolean
cut_tail (RviFmp4Walk *w, const char *path, GError **error)
{
  g_message ("repairing %s: %s; keeping %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
             path, w->tail, w->good_end, w->file_size);
  if (ftruncate (w->fd, (off_t) w->good_end) != 0 || fsync (w->fd) != 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot repair %s: %s", path,
                 g_strerror (saved));
    return FALSE;
  }
  w->file_size = w->good_end;
  return TRUE;
}

static void
walk_clear (RviFmp4Walk *w)
{
  if (w->fd >= 0)
    close (w->fd);
  rvi_fmp4_track_clear (&w->track);
  g_clear_pointer (&w->fragments, g_array_unref);
  g_clear_pointer (&w->tail, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RviFmp4Walk, walk_clear)

RviSegmentInfo *
rvi_fmp4_index_file (const char *path, gboolean repair, GError **error)
{
  g_auto (RviFmp4Walk) w = { .fd = -1 };
  g_autoptr (RviSegmentInfo) segment = NULL;
  struct stat st;

  w.fd = open (path, (repair ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (w.fd < 0 || fstat (w.fd, &st) != 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot open %s: %s", path,
                 g_strerror (saved));
    return NULL;
  }
  w.file_size = (guint64) st.st_size;
  w.fragments = g_array_new (FALSE, TRUE, sizeof (RviFragment));
  if (!walk_boxes (&w, error))
    return NULL;
  if (w.tail != NULL && !repair) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "incomplete file: %s", w.tail);
    return NULL;
  }
  if (w.fragments->len == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "no complete fragment");
    return NULL;
  }
  if (w.tail != NULL && !cut_tail (&w, path, error))
    return NULL;

  segment = g_new0 (RviSegmentInfo, 1);
  segment->sha256 = hash_file (w.fd, w.file_size, error);
  if (segment->sha256 == NULL)
    return NULL;
  segment->path = g_strdup (path);
  segment->bytes = w.file_size;
  segment->init_size = w.init_size;
  {
    const RviFragment *last = &g_array_index (w.fragments, RviFragment, w.fragments->len - 1);

    segment->duration_us = last->start_us + last->duration_us;
  }
  segment->info.codec = g_steal_pointer (&w.track.codec);
  segment->info.codec_string = g_steal_pointer (&w.track.codec_string);
  segment->info.width = w.track.width;
  segment->info.height = w.track.height;
  if (segment->duration_us > 0)
    segment->info.fps = (double) w.total_samples * G_USEC_PER_SEC / (double) segment->duration_us;
  segment->fragments = g_steal_pointer (&w.fragments);
  return g_steal_pointer (&segment);
}

gint64
rvi_fmp4_start_from_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr (GDateTime) time = NULL;
  int y, mo, d, h, mi, s, us, consumed = 0;

  if (strlen (base) != 27 ||
      sscanf (base, "%4d%2d%2dT%2d%2d%2d.%6dZ.mp4%n", &y, &mo, &d, &h, &mi, &s, &us, &consumed) != 7 ||
      consumed != 27)
    return 0;
  for (guint i = 0; i < 27; i++)
    if (i != 8 && i != 15 && i < 22 && !g_ascii_isdigit (base[i]))
      return 0;
  time = g_date_time_new_utc (y, mo, d, h, mi, s);
  if (time == NULL)
    return 0;
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + us;
}

char *
rvi_fmp4_name_for_start (const char *segment_dir, gint64 start_wall_us)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (start_wall_us / G_USEC_PER_SEC);
  g_autofree char *day = g_date_time_format (time, "%Y-%m-%d");
  g_autofree char *stamp = g_date_time_format (time, "%Y%m%dT%H%M%S");
  g_autofree char *name = g_strdup_printf ("%s.%06dZ.mp4", stamp, (int) (start_wall_us % G_USEC_PER_SEC));

  return g_build_filename (segment_dir, day, name, NULL);
}
