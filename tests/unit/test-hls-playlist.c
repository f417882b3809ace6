/* test-hls-playlist: the HLS playlist built from a segment index, on
 * hand-made fragment lists: chunking at key fragments, the range cut, the
 * per-file map, date time and discontinuity, holes in the byte layout,
 * fragments before the first key frame, the target duration, and the
 * parsing of segments.fragments. */
#include <glib.h>
#include <string.h>

#include "hls-playlist.h"

#define S G_USEC_PER_SEC

/* A file of @n 1 s fragments of 1000 bytes after a 500 byte init, a key
 * fragment every @gop. */
static RviHlsFile
file_of (gint64 id, gint64 start_us, guint n, guint gop)
{
  RviHlsFile f = { id, start_us, 500, g_array_new (FALSE, FALSE, sizeof (RviFragment)) };

  for (guint i = 0; i < n; i++) {
    RviFragment fr = { 500 + 1000 * i, 1000, (gint64) i * S, S, i % gop == 0 };
    g_array_append_val (f.fragments, fr);
  }
  return f;
}

static guint
occurrences (const char *text, const char *needle)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, needle)); p += strlen (needle))
    n++;
  return n;
}

static void
test_chunks (void)
{
  /* 2026-11-28T10:00:00.250000Z */
  gint64 t0 = G_GINT64_CONSTANT (1795860000) * S + 250000;
  RviHlsFile files[] = { file_of (7, t0, 10, 2), file_of (8, t0 + 10 * S + 3000, 6, 2) };
  guint chunks = 0;
  g_autofree char *p = rvi_hls_playlist (files, 2, t0, t0 + 60 * S, 4 * S, &chunks);

  g_test_message ("%s", p);
  /* file 7: key fragments at 0,2,4,6,8 s -> chunks [0,4) [4,8) [8,10) */
  g_assert_cmpuint (chunks, ==, 5);
  g_assert_true (g_str_has_prefix (p, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n"));
  g_assert_nonnull (strstr (p, "#EXT-X-MAP:URI=\"recording.mp4?segment=7\",BYTERANGE=\"500@0\"\n"
                               "#EXT-X-PROGRAM-DATE-TIME:2026-11-28T10:00:00.250000Z\n"
                               "#EXTINF:4.000000,\n#EXT-X-BYTERANGE:4000@500\n"
                               "recording.mp4?segment=7\n#EXTINF:4.000000,\n"
                               "#EXT-X-BYTERANGE:4000@4500\n"));
  g_assert_nonnull (strstr (p, "#EXTINF:2.000000,\n#EXT-X-BYTERANGE:2000@8500\n"
                               "recording.mp4?segment=7\n#EXT-X-DISCONTINUITY\n"
                               "#EXT-X-MAP:URI=\"recording.mp4?segment=8\",BYTERANGE=\"500@0\"\n"
                               "#EXT-X-PROGRAM-DATE-TIME:2026-11-28T10:00:10.253000Z\n"));
  g_assert_cmpuint (occurrences (p, "#EXT-X-DISCONTINUITY\n"), ==, 1);
  g_assert_true (g_str_has_suffix (p, "#EXT-X-ENDLIST\n"));
  g_array_unref (files[0].fragments);
  g_array_unref (files[1].fragments);
}

static void
test_range_cut (void)
{
  gint64 t0 = G_GINT64_CONSTANT (1795860000) * S;
  RviHlsFile files[] = { file_of (1, t0, 12, 2), file_of (2, t0 + 20 * S, 12, 2) };
  guint chunks = 0;
  /* from 5.5 s to 9 s: only the chunk [4, 8) and [8, 12) of file 1 */
  g_autofree char *p = rvi_hls_playlist (files, 2, t0 + 5500000, t0 + 9 * S, 4 * S, &chunks);
  g_autofree char *none = NULL;

  g_assert_cmpuint (chunks, ==, 2);
  g_assert_nonnull (strstr (p, "#EXT-X-PROGRAM-DATE-TIME:2026-11-28T10:00:04.000000Z\n"
                               "#EXTINF:4.000000,\n#EXT-X-BYTERANGE:4000@4500\n"));
  g_assert_null (strstr (p, "segment=2"));
  g_assert_null (strstr (p, "DISCONTINUITY"));
  /* a range in the hole between the files lists nothing */
  none = rvi_hls_playlist (files, 2, t0 + 13 * S, t0 + 19 * S, 4 * S, &chunks);
  g_assert_cmpuint (chunks, ==, 0);
  g_array_unref (files[0].fragments);
  g_array_unref (files[1].fragments);
}

static void
test_undecodable (void)
{
  gint64 t0 = G_GINT64_CONSTANT (1795860000) * S;
  RviHlsFile f = file_of (3, t0, 8, 4);
  guint chunks = 0;
  g_autofree char *p = NULL;

  /* the file starts mid-GOP, and fragment 5 is not where 4 ends */
  g_array_index (f.fragments, RviFragment, 0).key = FALSE;
  g_array_index (f.fragments, RviFragment, 5).offset += 10;
  p = rvi_hls_playlist (&f, 1, t0, t0 + 60 * S, 2 * S, &chunks);
  /* fragments 0-3 wait for a key frame (none: fragment 4 is next); 4 alone
   * (the hole ends it); 5-7 are not key frames: left out */
  g_assert_cmpuint (chunks, ==, 1);
  g_assert_nonnull (strstr (p, "#EXT-X-PROGRAM-DATE-TIME:2026-11-28T10:00:04.000000Z\n"
                               "#EXTINF:1.000000,\n#EXT-X-BYTERANGE:1000@4500\n"));
  g_assert_cmpuint (occurrences (p, "#EXTINF"), ==, 1);
  g_array_unref (f.fragments);
}

static void
test_long_gop (void)
{
  gint64 t0 = G_GINT64_CONSTANT (1795860000) * S;
  RviHlsFile f = file_of (4, t0, 20, 10);
  guint chunks = 0;
  g_autofree char *p = rvi_hls_playlist (&f, 1, t0, t0 + 60 * S, 4 * S, &chunks);

  /* a key frame every 10 s: chunks are whole GOPs, the target says so */
  g_assert_cmpuint (chunks, ==, 2);
  g_assert_nonnull (strstr (p, "#EXT-X-TARGETDURATION:10\n"));
  g_assert_nonnull (strstr (p, "#EXTINF:10.000000,\n#EXT-X-BYTERANGE:10000@500\n"));
  g_array_unref (f.fragments);
}

static void
test_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) a = rvi_hls_fragments_parse ("[[48,1000,0,1000000,true],"
                                                  "[1048,900,1000000,999000,false]]", &error);
  static const char *const bad[] = { "{}", "[[1,2,3]]", "[[1,2,3,4,5]]", "[[-1,2,3,4,true]]",
                                     "[[1,2.5,3,4,true]]", "not json", "[1]", "",
                                     "[[1,2,3,4,true]", "[[1,2,3,4,true]] x",
                                     "[[1,2,3,4,true],]", "[[1e3,2,3,4,true]]",
                                     "[[1,2,3,4,truth]]", "[[99999999999999999999,2,3,4,true]]" };
  g_autoptr (GArray) spaced = rvi_hls_fragments_parse (" [ [48, 1000, 0, 1000000, true] ,\n"
                                                       " [1048, 900, 1000000, 999000, false] ] ",
                                                       &error);
  g_autoptr (GArray) empty = rvi_hls_fragments_parse ("[]", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 2);
  g_assert_cmpuint (g_array_index (a, RviFragment, 1).offset, ==, 1048);
  g_assert_cmpint (g_array_index (a, RviFragment, 1).duration_us, ==, 999000);
  g_assert_true (g_array_index (a, RviFragment, 0).key);
  g_assert_false (g_array_index (a, RviFragment, 1).key);
  /* PostgreSQL writes jsonb with spaces */
  g_assert_nonnull (spaced);
  g_assert_cmpuint (spaced->len, ==, 2);
  g_assert_cmpuint (g_array_index (spaced, RviFragment, 1).size, ==, 900);
  g_assert_cmpint (g_array_index (spaced, RviFragment, 1).start_us, ==, 1000000);
  g_assert_nonnull (empty);
  g_assert_cmpuint (empty->len, ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) e = NULL;
    g_assert_null (rvi_hls_fragments_parse (bad[i], &e));
    g_assert_nonnull (e);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hls-playlist/chunks", test_chunks);
  g_test_add_func ("/hls-playlist/range-cut", test_range_cut);
  g_test_add_func ("/hls-playlist/undecodable", test_undecodable);
  g_test_add_func ("/hls-playlist/long-gop", test_long_gop);
  g_test_add_func ("/hls-playlist/parse", test_parse);
  return g_test_run ();
}
