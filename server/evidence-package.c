/* evidence-package.c: the tar and the manifest built side by side. */
#define G_LOG_DOMAIN "rvi-evidence"
#include "evidence-package.h"
#include "evidence-tar.h"
#include "evidence-verify.h"
#include "json-text.h"
#include "rvi-error.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

typedef struct {
  char *path;
  guint64 bytes;
  char sha256[RVI_SHA256_HEX_LEN + 1];
} Listed;

struct _RviEvidencePackage {
  char *path, *partial;
  char *export_id, *root, *created_at;
  int fd;
  RviTarWriter *tar;
  GHashTable *dirs;     /* relative directories already in the tar */
  GArray *files;        /* Listed, in the order added */
};

char *
rvi_evidence_package_name (const char *export_id)
{
  return g_strconcat ("rvi-evidence-", export_id, NULL);
}

static void
listed_clear (gpointer p)
{
  g_free (((Listed *) p)->path);
}

static char *
iso_time (gint64 us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autofree char *base = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%06dZ", base, (int) (us % G_USEC_PER_SEC));
}

RviEvidencePackage *
rvi_evidence_package_begin (const char *path, const char *export_id, gint64 created_us,
                            GError **error)
{
  RviEvidencePackage *p = g_new0 (RviEvidencePackage, 1);

  p->path = g_strdup (path);
  p->partial = g_strconcat (path, ".partial", NULL);
  p->export_id = g_strdup (export_id);
  p->root = rvi_evidence_package_name (export_id);
  p->created_at = iso_time (created_us);
  p->dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p->files = g_array_new (FALSE, TRUE, sizeof (Listed));
  g_array_set_clear_func (p->files, listed_clear);
  p->fd = open (p->partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (p->fd < 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot create %s: %s", p->partial,
                 g_strerror (errno));
    rvi_evidence_package_abort (p);
    return NULL;
  }
  p->tar = rvi_tar_writer_new (p->fd, created_us / G_USEC_PER_SEC);
  if (!rvi_tar_writer_add_dir (p->tar, p->root, error)) {
    rvi_evidence_package_abort (p);
    return NULL;
  }
  return p;
}

static void
package_free (RviEvidencePackage *p)
{
  if (p->fd >= 0)
    close (p->fd);
  rvi_tar_writer_free (p->tar);
  g_hash_table_unref (p->dirs);
  g_array_unref (p->files);
  g_free (p->path);
  g_free (p->partial);
  g_free (p->export_id);
  g_free (p->root);
  g_free (p->created_at);
  g_free (p);
}

void
rvi_evidence_package_abort (RviEvidencePackage *p)
{
  if (!p)
    return;
  unlink (p->partial);
  package_free (p);
}

/* Checks @rel and adds its parent directories; the full path in @full. */
static gboolean
prepare (RviEvidencePackage *p, const char *rel, char **full, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (rel, "/", -1);
  g_autoptr (GString) dir = g_string_new (NULL);

  for (guint i = 0; !*rel || parts[i]; i++)
    if (!*rel || !*parts[i] || g_str_equal (parts[i], ".") || g_str_equal (parts[i], "..")
        || g_str_equal (rel, RVI_EVIDENCE_MANIFEST) || g_str_equal (rel, RVI_EVIDENCE_SIGNATURE)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "%s cannot be a file of a package", rel);
      return FALSE;
    }
  for (guint i = 0; parts[i] && parts[i + 1]; i++) {
    g_autofree char *path = NULL;

    g_string_append_printf (dir, "%s%s", i ? "/" : "", parts[i]);
    if (g_hash_table_contains (p->dirs, dir->str))
      continue;
    path = g_strconcat (p->root, "/", dir->str, NULL);
    if (!rvi_tar_writer_add_dir (p->tar, path, error))
      return FALSE;
    g_hash_table_add (p->dirs, g_strdup (dir->str));
  }
  *full = g_strconcat (p->root, "/", rel, NULL);
  return TRUE;
}

static void
list (RviEvidencePackage *p, const char *rel, guint64 bytes, const char *sha256)
{
  Listed l = { g_strdup (rel), bytes, "" };

  memcpy (l.sha256, sha256, sizeof l.sha256);
  g_array_append_val (p->files, l);
}

gboolean
rvi_evidence_package_add_bytes (RviEvidencePackage *p, const char *rel, const guint8 *data,
                                gsize size, GError **error)
{
  g_autofree char *full = NULL;
  char sha[RVI_SHA256_HEX_LEN + 1];

  if (!prepare (p, rel, &full, error)
      || !rvi_tar_writer_add_bytes (p->tar, full, data, size, sha, error))
    return FALSE;
  list (p, rel, size, sha);
  return TRUE;
}

gboolean
rvi_evidence_package_add_json (RviEvidencePackage *p, const char *rel, JsonNode *node,
                               GError **error)
{
  g_autofree char *text = rvi_json_text (node);   /* doubles as written (6.72, not 6.7199…) */
  g_autofree char *line = g_strconcat (text, "\n", NULL);

  return rvi_evidence_package_add_bytes (p, rel, (const guint8 *) line, strlen (line), error);
}

gboolean
rvi_evidence_package_add_file (RviEvidencePackage *p, const char *rel, const char *source,
                               void (*progress) (guint64 copied, gpointer data), gpointer data,
                               GCancellable *cancel, GError **error)
{
  g_autofree char *full = NULL;
  char sha[RVI_SHA256_HEX_LEN + 1];
  guint64 bytes;

  if (!prepare (p, rel, &full, error)
      || !rvi_tar_writer_add_file (p->tar, full, source, progress, data, cancel, sha, &bytes,
                                   error))
    return FALSE;
  list (p, rel, bytes, sha);
  return TRUE;
}

static char *
readme (RviEvidencePackage *p, const char *key_b64, const char *key_id)
{
  return g_strdup_printf (
    "rvi evidence package %s\n"
    "Export %s, made %s by the rvi remote video inspection server.\n"
    "\n"
    "What is here: export.json says who exported what, when, why and for whom.\n"
    "cameras/ holds each camera's recording as MP4 clips (the camera's own\n"
    "stream, not re-encoded) with the segments they came from, the gaps in the\n"
    "recording and clock information; the other JSON files hold the records\n"
    "(decisions, marks, samples, audit events) of what was exported; marks/,\n"
    "when present, holds the marks' stills (the recorded frame at each mark's\n"
    "time), named in marks.json with their SHA-256.\n"
    "\n"
    "How to check it: manifest.json lists every other file with its size and\n"
    "SHA-256; manifest.sig is the Ed25519 signature of manifest.json by the\n"
    "server's key %s (public key, base64: %s).\n"
    "With rvi:  rvi evidence verify --public-key KEY %s.tar\n"
    "By hand:   check manifest.sig against manifest.json with any Ed25519 tool\n"
    "           and the public key you trust (obtained from the server's owner,\n"
    "           not from this package), then compare `sha256sum` of every file\n"
    "           with the manifest and look for files it does not list.\n",
    p->root, p->export_id, p->created_at, key_id, key_b64, p->root);
}

static gint
by_path (gconstpointer a, gconstpointer b)
{
  return strcmp (((const Listed *) a)->path, ((const Listed *) b)->path);
}

static JsonNode *
manifest (RviEvidencePackage *p, const char *key_b64, const char *key_id)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  g_array_sort (p->files, by_path);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, RVI_EVIDENCE_FORMAT);
  json_builder_set_member_name (b, "export_id");
  json_builder_add_string_value (b, p->export_id);
  json_builder_set_member_name (b, "created_at");
  json_builder_add_string_value (b, p->created_at);
  json_builder_set_member_name (b, "signer");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "algorithm");
  json_builder_add_string_value (b, "ed25519");
  json_builder_set_member_name (b, "public_key");
  json_builder_add_string_value (b, key_b64);
  json_builder_set_member_name (b, "key_id");
  json_builder_add_string_value (b, key_id);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->files->len; i++) {
    const Listed *l = &g_array_index (p->files, Listed, i);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "path");
    json_builder_add_string_value (b, l->path);
    json_builder_set_member_name (b, "bytes");
    json_builder_add_int_value (b, (gint64) l->bytes);
    json_builder_set_member_name (b, "sha256");
    json_builder_add_string_value (b, l->sha256);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
rvi_evidence_package_finish (RviEvidencePackage *p, RviSigningKey *key, guint64 *bytes,
                             char sha256[65], GError **error)
{
  const guint8 *pk = rvi_signing_key_public (key);
  g_autofree char *key_b64 = g_base64_encode (pk, RVI_EVIDENCE_PUBLIC_KEY_BYTES);
  char key_id[RVI_EVIDENCE_KEY_ID_LEN + 1];
  g_autofree char *text = NULL;
  g_autofree char *manifest_text = NULL;
  g_autofree char *manifest_path = g_strconcat (p->root, "/" RVI_EVIDENCE_MANIFEST, NULL);
  g_autofree char *sig_path = g_strconcat (p->root, "/" RVI_EVIDENCE_SIGNATURE, NULL);
  g_autofree char *sig_line = NULL;
  g_autoptr (JsonNode) m = NULL;
  guint8 sig[RVI_EVIDENCE_SIGNATURE_BYTES];
  gboolean ok;

  rvi_evidence_key_id (pk, key_id);
  text = readme (p, key_b64, key_id);
  ok = rvi_evidence_package_add_bytes (p, "README.txt", (const guint8 *) text, strlen (text),
                                       error);
  if (ok) {
    g_autofree char *body = NULL;
    m = manifest (p, key_b64, key_id);
    body = json_to_string (m, TRUE);
    manifest_text = g_strconcat (body, "\n", NULL);
    rvi_signing_key_sign (key, (const guint8 *) manifest_text, strlen (manifest_text), sig);
    {
      g_autofree char *b64 = g_base64_encode (sig, sizeof sig);
      sig_line = g_strconcat (b64, "\n", NULL);
    }
    ok = rvi_tar_writer_add_bytes (p->tar, manifest_path, (const guint8 *) manifest_text,
                                   strlen (manifest_text), NULL, error)
         && rvi_tar_writer_add_bytes (p->tar, sig_path, (const guint8 *) sig_line,
                                      strlen (sig_line), NULL, error)
         && rvi_tar_writer_finish (p->tar, sha256, error);
  }
  if (ok && (fsync (p->fd) != 0 || rename (p->partial, p->path) != 0)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot store %s: %s", p->path,
                 g_strerror (errno));
    ok = FALSE;
  }
  if (ok && bytes)
    *bytes = rvi_tar_writer_get_offset (p->tar);
  if (ok) {
    g_autofree char *dir = g_path_get_dirname (p->path);
    int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync (dfd);   /* the rename itself survives a crash */
      close (dfd);
    }
    package_free (p);
  } else {
    rvi_evidence_package_abort (p);
  }
  return ok;
}
