/* test-evidence.c: evidence packages written, read by GNU tar, verified,
 * and tampered with: one flipped byte anywhere (a sweep over the whole
 * file), a file removed or added, a signature swapped or by another key,
 * each named; and `rvi evidence verify` exit codes. No database. */
#include <fcntl.h>
#include <stdio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evidence-key.h"
#include "evidence-package.h"
#include "evidence-tar.h"
#include "evidence-verify.h"

#define EXPORT_ID "5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"
#define CAMERA "0b7c9a52-61d3-4f1e-9a77-1c2d3e4f5a6b"
#define CLIP "cameras/" CAMERA "/clip-001.mp4"
/* over 100 bytes with the top directory: stored with ustar's prefix */
#define LONG_NAME "cameras/" CAMERA "/segments-of-the-recording-between-the-two-gaps.json"

static char *dir;
static char *clip_source;

static char *
make_key (const char *name, guint8 public_key[RVI_EVIDENCE_PUBLIC_KEY_BYTES])
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (RviSigningKey) key = rvi_signing_key_open (path, NULL);

  g_assert_nonnull (key);
  if (public_key)
    memcpy (public_key, rvi_signing_key_public (key), RVI_EVIDENCE_PUBLIC_KEY_BYTES);
  return g_steal_pointer (&path);
}

/* A package of six files signed by the key at @key_path. */
static char *
make_package (const char *name, const char *key_path)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (RviSigningKey) key = rvi_signing_key_open (key_path, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) export = json_from_string ("{\"reason\": \"court request 17/2026\"}", NULL);
  RviEvidencePackage *p = rvi_evidence_package_begin (path, EXPORT_ID,
                                                      G_GINT64_CONSTANT (1795000000123456), &error);
  const char *odd = "seventeen bytes!\n";

  g_assert_no_error (error);
  g_assert_true (rvi_evidence_package_add_json (p, "export.json", export, &error));
  g_assert_true (rvi_evidence_package_add_file (p, CLIP, clip_source, NULL, NULL, NULL, &error));
  g_assert_true (rvi_evidence_package_add_bytes (p, LONG_NAME, (const guint8 *) odd, strlen (odd),
                                                 &error));
  g_assert_true (rvi_evidence_package_add_bytes (p, "empty.txt", NULL, 0, &error));
  g_assert_true (rvi_evidence_package_add_bytes (p, "lot/decisions.json",
                                                 (const guint8 *) "[]\n", 3, &error));
  g_assert_true (rvi_evidence_package_finish (p, key, NULL, NULL, &error));
  g_assert_no_error (error);
  {
    g_autofree char *partial = g_strconcat (path, ".partial", NULL);
    g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  }
  return g_steal_pointer (&path);
}

/* The problems of the package at @path as one text, "" when intact. */
static char *
problems_of (const char *path, const guint8 *pinned)
{
  RviEvidenceReport r;
  g_autoptr (GError) error = NULL;
  GString *all = g_string_new (NULL);

  g_assert_true (rvi_evidence_verify (path, pinned, &r, &error));
  for (guint i = 0; i < r.problems->len; i++)
    g_string_append_printf (all, "%s\n", (const char *) r.problems->pdata[i]);
  rvi_evidence_report_clear (&r);
  return g_string_free (all, FALSE);
}

static GBytes *
read_all (const char *path)
{
  char *data;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

static char *
write_copy (const char *name, const guint8 *data, gsize len)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, NULL));
  return path;
}

/* Replaces @path's bytes without the fsync of g_file_set_contents (the
 * sweep writes thousands of copies). */
static void
overwrite (const char *path, const guint8 *data, gsize len)
{
  FILE *f = fopen (path, "wb");

  g_assert_nonnull (f);
  g_assert_cmpuint (fwrite (data, 1, len, f), ==, len);
  g_assert_cmpint (fclose (f), ==, 0);
}

/* Where the entry @rel (under the top directory) starts in the package. */
static const RviTarEntry *
find_entry (GPtrArray *entries, const char *rel)
{
  g_autofree char *full = g_strconcat ("rvi-evidence-" EXPORT_ID "/", rel, NULL);

  for (guint i = 0; i < entries->len; i++)
    if (g_str_equal (((RviTarEntry *) entries->pdata[i])->path, full))
      return entries->pdata[i];
  g_assert_not_reached ();
}

static void
test_round_trip (void)
{
  g_autofree char *key_path = make_key ("a.key", NULL);
  g_autofree char *pkg = make_package ("round.tar", key_path);
  g_autofree char *problems = problems_of (pkg, NULL);
  g_autofree char *out = g_build_filename (dir, "unpacked", NULL);
  g_autofree char *clip = g_build_filename (out, "rvi-evidence-" EXPORT_ID, CLIP, NULL);
  g_autofree char *long_file = g_build_filename (out, "rvi-evidence-" EXPORT_ID, LONG_NAME, NULL);
  g_autofree char *argv_line = g_strdup_printf ("tar -xf %s -C %s", pkg, out);
  g_autoptr (GBytes) a = read_all (clip_source);
  g_autoptr (GBytes) b = NULL;
  RviEvidenceReport r;
  struct stat st;
  int status;

  g_assert_cmpstr (problems, ==, "");
  g_assert_true (rvi_evidence_verify (pkg, NULL, &r, NULL));
  g_assert_cmpuint (r.files, ==, 6);   /* and README.txt */
  g_assert_true (r.signature_ok);
  g_assert_cmpstr (r.export_id, ==, EXPORT_ID);
  rvi_evidence_report_clear (&r);

  /* a whole number of 10240-byte records, as tar writes them */
  g_assert_cmpint (g_stat (pkg, &st), ==, 0);
  g_assert_cmpint (st.st_size % 10240, ==, 0);
  /* GNU tar unpacks it, long name included, byte for byte */
  g_assert_cmpint (g_mkdir (out, 0700), ==, 0);
  g_assert_true (g_spawn_command_line_sync (argv_line, NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  b = read_all (clip);
  g_assert_true (g_bytes_equal (a, b));
  g_assert_true (g_file_test (long_file, G_FILE_TEST_IS_REGULAR));
}

/* One flipped byte anywhere: every 29th byte of the package (a stride
 * prime to the 512-byte blocks, so every offset within a block is hit)
 * and every byte of one header are flipped in turn; each copy is found damaged, and a
 * flip inside a file's data names that file. */
static void
test_flip_sweep (void)
{
  g_autofree char *key_path = make_key ("a.key", NULL);
  g_autofree char *pkg = make_package ("sweep.tar", key_path);
  g_autoptr (GBytes) bytes = read_all (pkg);
  gsize len;
  const guint8 *orig = g_bytes_get_data (bytes, &len);
  g_autofree guint8 *copy = g_memdup2 (orig, len);
  g_autoptr (GPtrArray) entries = rvi_tar_read (orig, len, NULL);
  const RviTarEntry *clip = find_entry (entries, CLIP);
  g_autofree char *path = g_build_filename (dir, "flipped.tar", NULL);
  guint checked = 0;

  g_assert_nonnull (entries);
  for (gsize at = 0; at < len; at++) {
    gboolean in_header = at >= clip->header_offset && at < clip->header_offset + RVI_TAR_BLOCK;
    g_autofree char *problems = NULL;

    if (at % 29 != 0 && !in_header)
      continue;
    copy[at] ^= 0x20;
    overwrite (path, copy, len);
    problems = problems_of (path, NULL);
    if (!*problems)
      g_error ("a flipped byte at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " went unnoticed", at,
               len);
    if (clip->data && at >= (gsize) (clip->data - orig) && at < (gsize) (clip->data - orig) + clip->size)
      g_assert_nonnull (strstr (problems, CLIP ": changed (SHA-256"));
    copy[at] = orig[at];
    checked++;
  }
  g_test_message ("%u flips checked in a %" G_GSIZE_FORMAT "-byte package", checked, len);
  g_assert_cmpuint (checked, >, 3000);
}

static void
test_named_damage (void)
{
  g_autofree char *key_path = make_key ("a.key", NULL);
  g_autofree char *pkg = make_package ("named.tar", key_path);
  g_autoptr (GBytes) bytes = read_all (pkg);
  gsize len;
  const guint8 *orig = g_bytes_get_data (bytes, &len);
  g_autoptr (GPtrArray) entries = rvi_tar_read (orig, len, NULL);
  const RviTarEntry *clip = find_entry (entries, CLIP);
  const RviTarEntry *manifest = find_entry (entries, "manifest.json");
  const RviTarEntry *odd = find_entry (entries, LONG_NAME);
  struct { gsize at; const char *expect; } cases[] = {
    { (gsize) (clip->data - orig) + 5000, CLIP ": changed (SHA-256" },
    { (gsize) (manifest->data - orig) + 40, "manifest.sig: the signature does not match" },
    { clip->header_offset + 270, "its header's checksum does not match (entry rvi-evidence-" },
    { (gsize) (odd->data - orig) + odd->size + 3, "bytes in the padding after it (entry" },
    { len - 700, "its header's checksum does not match\n" },   /* the first end block */
    { len - 100, "bytes after the end of the archive" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree guint8 *copy = g_memdup2 (orig, len);
    g_autofree char *path = NULL;
    g_autofree char *problems = NULL;

    copy[cases[i].at] ^= 1;
    path = write_copy ("damaged.tar", copy, len);
    problems = problems_of (path, NULL);
    g_test_message ("flip at %" G_GSIZE_FORMAT ": %s", cases[i].at, problems);
    g_assert_nonnull (strstr (problems, cases[i].expect));
  }
}

/* The package rebuilt from its own entries, leaving out @skip (a path
 * under the top directory, may be NULL) and adding @extra (may be NULL). */
static char *
rebuild (const char *pkg, const char *skip, const char *extra, const char *sig_from)
{
  g_autoptr (GBytes) bytes = read_all (pkg);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GPtrArray) entries = rvi_tar_read (data, len, NULL);
  g_autoptr (GBytes) other = sig_from ? read_all (sig_from) : NULL;
  g_autoptr (GPtrArray) other_entries = NULL;
  g_autofree char *skip_full = skip ? g_strconcat ("rvi-evidence-" EXPORT_ID "/", skip, NULL)
                                    : NULL;
  char *path = g_build_filename (dir, "rebuilt.tar", NULL);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_autoptr (RviTarWriter) w = rvi_tar_writer_new (fd, 0);

  if (other) {
    gsize olen;
    const guint8 *odata = g_bytes_get_data (other, &olen);
    other_entries = rvi_tar_read (odata, olen, NULL);
  }
  for (guint i = 0; i < entries->len; i++) {
    const RviTarEntry *e = entries->pdata[i];

    if (skip_full && g_str_equal (e->path, skip_full))
      continue;
    if (e->dir) {
      g_assert_true (rvi_tar_writer_add_dir (w, e->path, NULL));
    } else if (other_entries && g_str_has_suffix (e->path, "/manifest.sig")) {
      const RviTarEntry *s = find_entry (other_entries, "manifest.sig");
      g_assert_true (rvi_tar_writer_add_bytes (w, e->path, s->data, s->size, NULL, NULL));
    } else {
      g_assert_true (rvi_tar_writer_add_bytes (w, e->path, e->data, e->size, NULL, NULL));
    }
  }
  if (extra)
    g_assert_true (rvi_tar_writer_add_bytes (w, extra, (const guint8 *) "x", 1, NULL, NULL));
  g_assert_true (rvi_tar_writer_finish (w, NULL, NULL));
  close (fd);
  return path;
}

static void
test_removed_added_swapped (void)
{
  guint8 pk_a[RVI_EVIDENCE_PUBLIC_KEY_BYTES], pk_b[RVI_EVIDENCE_PUBLIC_KEY_BYTES];
  g_autofree char *key_a = make_key ("a.key", pk_a);
  g_autofree char *key_b = make_key ("b.key", pk_b);
  g_autofree char *pkg = make_package ("base.tar", key_a);
  g_autofree char *pkg_b = make_package ("other-key.tar", key_b);
  g_autofree char *same = rebuild (pkg, NULL, NULL, NULL);
  g_autofree char *p_same = problems_of (same, pk_a);
  g_autofree char *removed = NULL, *p_removed = NULL, *added = NULL, *p_added = NULL;
  g_autofree char *swapped = NULL, *p_swapped = NULL, *p_pinned = NULL, *p_outside = NULL;
  g_autofree char *outside = NULL;

  g_assert_cmpstr (p_same, ==, "");   /* rebuilding alone changes nothing */

  removed = rebuild (pkg, CLIP, NULL, NULL);
  p_removed = problems_of (removed, NULL);
  g_assert_cmpstr (p_removed, ==, CLIP ": missing (listed in the manifest)\n");

  added = rebuild (pkg, NULL, "rvi-evidence-" EXPORT_ID "/cameras/" CAMERA "/clip-002.mp4", NULL);
  p_added = problems_of (added, NULL);
  g_assert_cmpstr (p_added, ==, "cameras/" CAMERA "/clip-002.mp4: not in the manifest (added)\n");

  outside = rebuild (pkg, NULL, "elsewhere/notes.txt", NULL);
  p_outside = problems_of (outside, NULL);
  g_assert_nonnull (strstr (p_outside, "elsewhere/notes.txt: outside the package's directory"));

  /* the signature of another key's package: the same manifest bytes but
   * for its key, so the signature fails */
  swapped = rebuild (pkg, NULL, NULL, pkg_b);
  p_swapped = problems_of (swapped, NULL);
  g_assert_nonnull (strstr (p_swapped, "manifest.sig: the signature does not match"));

  /* a package signed by another key, checked against the pinned one */
  p_pinned = problems_of (pkg_b, pk_a);
  g_assert_nonnull (strstr (p_pinned, "manifest.json: signed by key "));
  g_assert_nonnull (strstr (p_pinned, "not by the pinned key"));
}

static int
run_cli (const char *args, char **out)
{
  g_autofree char *line = g_strdup_printf ("%s evidence %s", g_getenv ("RVI_BIN"), args);
  int status = -1;

  g_assert_true (g_spawn_command_line_sync (line, out, NULL, &status, NULL));
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli (void)
{
  guint8 pk_a[RVI_EVIDENCE_PUBLIC_KEY_BYTES], pk_b[RVI_EVIDENCE_PUBLIC_KEY_BYTES];
  g_autofree char *key_a = make_key ("a.key", pk_a);
  g_autofree char *key_b = make_key ("b.key", pk_b);
  g_autofree char *pkg = make_package ("cli.tar", key_a);
  g_autofree char *b64_a = g_base64_encode (pk_a, sizeof pk_a);
  g_autofree char *b64_b = g_base64_encode (pk_b, sizeof pk_b);
  g_autofree char *key_file = write_copy ("a.pub", (const guint8 *) b64_a, strlen (b64_a));
  g_autoptr (GBytes) bytes = read_all (pkg);
  gsize len = g_bytes_get_size (bytes);
  g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  g_autofree char *bad = NULL;
  g_autofree char *cmd = NULL;
  char *out = NULL;

  if (!g_getenv ("RVI_BIN")) {
    g_test_skip ("RVI_BIN is not set");
    return;
  }
  cmd = g_strdup_printf ("verify %s", pkg);
  g_assert_cmpint (run_cli (cmd, &out), ==, 0);
  g_assert_nonnull (strstr (out, "intact: 6 files"));
  g_clear_pointer (&out, g_free);
  g_free (cmd);
  cmd = g_strdup_printf ("verify --public-key %s %s", key_file, pkg);
  g_assert_cmpint (run_cli (cmd, &out), ==, 0);
  g_assert_nonnull (strstr (out, "(pinned): good"));
  g_clear_pointer (&out, g_free);
  g_free (cmd);
  cmd = g_strdup_printf ("verify --public-key %s %s", b64_b, pkg);
  g_assert_cmpint (run_cli (cmd, &out), ==, 1);
  g_assert_nonnull (strstr (out, "not by the pinned key"));
  g_clear_pointer (&out, g_free);

  copy[len / 2] ^= 0x55;
  bad = write_copy ("cli-bad.tar", copy, len);
  g_free (cmd);
  cmd = g_strdup_printf ("verify %s", bad);
  g_assert_cmpint (run_cli (cmd, &out), ==, 1);
  g_assert_nonnull (strstr (out, "PROBLEM "));
  g_assert_nonnull (strstr (out, "NOT INTACT"));
  g_clear_pointer (&out, g_free);

  g_free (cmd);
  cmd = g_strdup_printf ("verify %s/no-such.tar", dir);
  g_assert_cmpint (run_cli (cmd, &out), ==, 2);
  g_clear_pointer (&out, g_free);
  g_free (cmd);
  cmd = g_strdup_printf ("verify --public-key not-a-key!! %s", pkg);
  g_assert_cmpint (run_cli (cmd, &out), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli ("verify", &out), ==, 2);
  g_clear_pointer (&out, g_free);
}

/* The key file: made once (0600), the same key after; a wrong size refused. */
static void
test_key_file (void)
{
  g_autofree char *path = g_build_filename (dir, "keys", "signing.key", NULL);
  g_autofree char *bad = g_build_filename (dir, "short.key", NULL);
  guint8 first[RVI_EVIDENCE_PUBLIC_KEY_BYTES];
  g_autoptr (RviSigningKey) again = NULL;
  g_autoptr (GError) error = NULL;
  char id[RVI_EVIDENCE_KEY_ID_LEN + 1];
  struct stat st;

  {
    g_autoptr (RviSigningKey) key = rvi_signing_key_open (path, NULL);
    memcpy (first, rvi_signing_key_public (key), sizeof first);
  }
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, 32);
  again = rvi_signing_key_open (path, NULL);
  g_assert_cmpmem (rvi_signing_key_public (again), sizeof first, first, sizeof first);
  rvi_evidence_key_id (first, id);
  g_assert_cmpuint (strlen (id), ==, 16);

  g_assert_true (g_file_set_contents (bad, "short", 5, NULL));
  g_assert_null (rvi_signing_key_open (bad, &error));
  g_assert_nonnull (strstr (error->message, "32 bytes expected"));
}

/* Paths that would escape or shadow the package's own files are refused. */
static void
test_bad_paths (void)
{
  g_autofree char *path = g_build_filename (dir, "paths.tar", NULL);
  g_autoptr (RviEvidencePackage) p = rvi_evidence_package_begin (path, EXPORT_ID, 0, NULL);
  const char *bad[] = { "../x", "a//b", "manifest.json", "manifest.sig", "./x", "" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_assert_false (rvi_evidence_package_add_bytes (p, bad[i], (const guint8 *) "x", 1, &error));
    g_assert_nonnull (error);
  }
}

int
main (int argc, char **argv)
{
  g_autofree guint8 *noise = g_malloc (100003);
  int status;

  g_test_init (&argc, &argv, NULL);
  dir = g_dir_make_tmp ("rvi-evidence-XXXXXX", NULL);
  for (gsize i = 0; i < 100003; i++)
    noise[i] = (guint8) g_test_rand_int ();
  clip_source = g_build_filename (dir, "clip-source.mp4", NULL);
  g_assert_true (g_file_set_contents (clip_source, (const char *) noise, 100003, NULL));
  g_test_add_func ("/evidence/round-trip", test_round_trip);
  g_test_add_func ("/evidence/flip-sweep", test_flip_sweep);
  g_test_add_func ("/evidence/named-damage", test_named_damage);
  g_test_add_func ("/evidence/removed-added-swapped", test_removed_added_swapped);
  g_test_add_func ("/evidence/cli", test_cli);
  g_test_add_func ("/evidence/key-file", test_key_file);
  g_test_add_func ("/evidence/bad-paths", test_bad_paths);
  status = g_test_run ();
  {
    g_autofree char *rm = g_strdup_printf ("rm -rf %s", dir);
    g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
  }
  return status;
}
