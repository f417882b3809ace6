/* hls-playlist.c: an HLS media playlist over recorded segment files.
 *
 * Layout of the answer (RFC 8216, version 7 for fMP4 and byte ranges):
 *
 *   per file:  EXT-X-DISCONTINUITY    (not before the first file: every file
 *                                      restarts its decode times at zero)
 *              EXT-X-MAP              the init segment as a byte range
 *              EXT-X-PROGRAM-DATE-TIME the wall clock of the file's first
 *                                      listed frame, UTC, milliseconds
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

#include <json-glib/json-glib.h>

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

  g_string_append_printf (out, "#EXT-X-PROGRAM-DATE-TIME:%s.%03dZ\n", text,
                          (int) (us % G_USEC_PER_SEC / 1000));
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

static gboolean
member_int (JsonArray *a, guint i, gint64 *out)
{
  JsonNode *n = json_array_get_element (a, i);

  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return *out >= 0;
}

GArray *
rvi_hls_fragments_parse (const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (RviFragment));
  JsonNode *root;
  JsonArray *list;

  if (!json_parser_load_from_data (parser, json, -1, NULL)
      || !JSON_NODE_HOLDS_ARRAY ((root = json_parser_get_root (parser)))) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "the fragment index is not a JSON array");
    return NULL;
  }
  list = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (list); i++) {
    JsonNode *item = json_array_get_element (list, i);
    JsonArray *a = JSON_NODE_HOLDS_ARRAY (item) ? json_node_get_array (item) : NULL;
    gint64 offset, size, start, duration;
    RviFragment f;

    if (!a || json_array_get_length (a) != 5 || !member_int (a, 0, &offset)
        || !member_int (a, 1, &size) || !member_int (a, 2, &start)
        || !member_int (a, 3, &duration)
        || json_node_get_value_type (json_array_get_element (a, 4)) != G_TYPE_BOOLEAN) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "fragment %u of the index is malformed",
                   i);
      return NULL;
    }
    f = (RviFragment) { (guint64) offset, (guint64) size, start, duration,
                        json_array_get_boolean_element (a, 4) };
    g_array_append_val (out, f);
  }
  return g_steal_pointer (&out);
}
