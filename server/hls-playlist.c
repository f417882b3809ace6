/* hls-playlist.c: an HLS media playlist over recorded segment files.
 *
 * Layout of the answer (RFC 8216, version 7 for fMP4 and byte ranges):
 *
 *   per file:  EXT-X-DISCONTINUITY    (not before the first file: every file
 *                                      restarts its decode times at zero)
 *              EXT-X-MAP              the init segment as a byte range
 *              EXT-X-PROGRAM-DATE-TIME the wall clock of the file's first
 *                                      listed frame, UTC, microseconds (a
 *                                      player reading milliseconds lands
 *                                      up to 1 ms late)
 *   per chunk: EXTINF + EXT-X-BYTERANGE + URI
 *
 * A chunk is a run of contiguous fragments that starts at a key fragment
 * and grows until it is at least @chunk_us long and the next fragment is a
 * key fragment again. Fragments before a file's first key fragment, or
 * after a hole in the byte layout up to the next key fragment, cannot be
 * decoded alone and are left out. Gaps between files are not listed: the
 * program date time jumps at the next discontinuity. */
#define G_LOG_DOMAIN "rvi-http"
#include "hls-playlist.h"
#include "rvi-error.h"


typedef struct {
  guint64 offset, size;
  gint64 start_us;      /* media time in its file */
  gint64 duration_us;
} Chunk;

/* The chunks of @file, in order. */
static GArray *
file_chunks (const RviHlsFile *file, gint64 chunk_us)
{
  GArray *chunks = g_array_new (FALSE, FALSE, sizeof (Chunk));
  Chunk *open = NULL;

  for (guint i = 0; file->fragments && i < file->fragments->len; i++) {
    const RviFragment *f = &g_array_index (file->fragments, RviFragment, i);
    gboolean contiguous = open && open->offset + open->size == f->offset;

    if (f->size == 0 || f->duration_us <= 0)
      continue;
    if (f->key && (!contiguous || open->duration_us >= chunk_us)) {
      Chunk c = { f->offset, f->size, f->start_us, f->duration_us };
      g_array_append_val (chunks, c);
      open = &g_array_index (chunks, Chunk, chunks->len - 1);
    } else if (contiguous) {
      open->size += f->size;
      open->duration_us = f->start_us + f->duration_us - open->start_us;
    } else {
      open = NULL;    /* undecodable until the next key fragment */
    }
  }
  return chunks;
}

static void
append_date_time (GString *out, gint64 us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autofree char *text = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");

  g_string_append_printf (out, "#EXT-X-PROGRAM-DATE-TIME:%s.%06dZ\n", text,
                          (int) (us % G_USEC_PER_SEC));
}

char *
rvi_hls_playlist (const RviHlsFile *files, guint n_files, gint64 from_us, gint64 to_us,
                  gint64 chunk_us, guint *n_chunks)
{
  g_autoptr (GString) body = g_string_new (NULL);
  GString *out = g_string_new ("#EXTM3U\n#EXT-X-VERSION:7\n");
  gint64 longest_us = 0;

  *n_chunks = 0;
  for (guint i = 0; i < n_files; i++) {
    const RviHlsFile *file = &files[i];
    g_autoptr (GArray) chunks = file_chunks (file, chunk_us);
    gboolean started = FALSE;

    for (guint j = 0; j < chunks->len; j++) {
      const Chunk *c = &g_array_index (chunks, Chunk, j);
      gint64 start = file->start_us + c->start_us;

      if (start >= to_us || start + c->duration_us <= from_us)
        continue;
      if (!started) {
        if (*n_chunks > 0)
          g_string_append (body, "#EXT-X-DISCONTINUITY\n");
        g_string_append_printf (body, "#EXT-X-MAP:URI=\"recording.mp4?segment=%" G_GINT64_FORMAT
                                "\",BYTERANGE=\"%" G_GUINT64_FORMAT "@0\"\n", file->id,
                                file->init_size);
        append_date_time (body, start);
        started = TRUE;
      }
      g_string_append_printf (body, "#EXTINF:%" G_GINT64_FORMAT ".%06d,\n"
                              "#EXT-X-BYTERANGE:%" G_GUINT64_FORMAT "@%" G_GUINT64_FORMAT "\n"
                              "recording.mp4?segment=%" G_GINT64_FORMAT "\n",
                              c->duration_us / G_USEC_PER_SEC,
                              (int) (c->duration_us % G_USEC_PER_SEC), c->size, c->offset,
                              file->id);
      longest_us = MAX (longest_us, c->duration_us);
      (*n_chunks)++;
    }
  }
  /* every EXTINF rounded to an integer must be at most the target */
  g_string_append_printf (out, "#EXT-X-TARGETDURATION:%" G_GINT64_FORMAT "\n",
                          MAX (1, (longest_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
  g_string_append (out, "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
                        "#EXT-X-INDEPENDENT-SEGMENTS\n");
  g_string_append_len (out, body->str, body->len);
  g_string_append (out, "#EXT-X-ENDLIST\n");
  return g_string_free (out, FALSE);
}

/* The fragment index is read by hand: a day of 10 s segments is 8640
 * rows, and a JsonParser per row cost about 290 ms of CPU per playlist. */
typedef struct {
  const char *p;
} Scan;

static void
skip_space (Scan *s)
{
  while (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r')
    s->p++;
}

static gboolean
expect (Scan *s, char c)
{
  skip_space (s);
  if (*s->p != c)
    return FALSE;
  s->p++;
  return TRUE;
}

/* A non-negative integer: digits only (no sign, fraction or exponent). */
static gboolean
scan_int (Scan *s, gint64 *out)
{
  gint64 v = 0;
  const char *start;

  skip_space (s);
  start = s->p;
  while (g_ascii_isdigit (*s->p)) {
    if (v > (G_MAXINT64 - 9) / 10)
      return FALSE;
    v = v * 10 + (*s->p++ - '0');
  }
  if (s->p == start || *s->p == '.' || *s->p == 'e' || *s->p == 'E')
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
scan_bool (Scan *s, gboolean *out)
{
  skip_space (s);
  if (g_str_has_prefix (s->p, "true")) {
    s->p += 4;
    *out = TRUE;
  } else if (g_str_has_prefix (s->p, "false")) {
    s->p += 5;
    *out = FALSE;
  } else {
    return FALSE;
  }
  return TRUE;
}

/* One [offset, size, start_us, duration_us, key]. */
static gboolean
scan_fragment (Scan *s, RviFragment *f)
{
  gint64 offset, size;

  if (!expect (s, '[') || !scan_int (s, &offset) || !expect (s, ',') || !scan_int (s, &size)
      || !expect (s, ',') || !scan_int (s, &f->start_us) || !expect (s, ',')
      || !scan_int (s, &f->duration_us) || !expect (s, ',') || !scan_bool (s, &f->key)
      || !expect (s, ']'))
    return FALSE;
  f->offset = (guint64) offset;
  f->size = (guint64) size;
  return TRUE;
}

GArray *
rvi_hls_fragments_parse (const char *json, GError **error)
{
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (RviFragment));
  Scan s = { json };
  gboolean ok = expect (&s, '[');

  skip_space (&s);
  if (ok && *s.p == ']') {
    s.p++;
  } else {
    while (ok) {
      RviFragment f = { 0 };
      if (!(ok = scan_fragment (&s, &f)))
        break;
      g_array_append_val (out, f);
      skip_space (&s);
      if (*s.p == ']') {
        s.p++;
        break;
      }
      ok = expect (&s, ',');
    }
  }
  skip_space (&s);
  if (!ok || *s.p) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "the fragment index is malformed near "
                 "byte %u (fragment %u)", (guint) (s.p - json), out->len);
    return NULL;
  }
  return g_steal_pointer (&out);
}
