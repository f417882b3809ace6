/* evidence-verify.c: the checks in the order a recipient would make them.
 * Problems are collected, not stopped at, so one run names everything that
 * is wrong; only damage to the tar structure itself ends the check (after
 * it nothing can be located reliably). Paths in messages are relative to
 * the package's top directory. */
#define G_LOG_DOMAIN "rvi-evidence"
#include "evidence-verify.h"
#include "evidence-tar.h"
#include "rvi-error.h"

#include <json-glib/json-glib.h>

static void
problem (RviEvidenceReport *r, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
problem (RviEvidenceReport *r, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (r->problems, g_strdup_vprintf (format, args));
  va_end (args);
}

/* Members of the expected type, or NULL / -1: a changed manifest may hold
 * anything, and json-glib's getters complain about the wrong type. */
static JsonNode *
member (JsonObject *o, const char *name, JsonNodeType type)
{
  JsonNode *n = o && json_object_has_member (o, name) ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_TYPE (n) == type ? n : NULL;
}

static const char *
string_member (JsonObject *o, const char *name)
{
  JsonNode *n = member (o, name, JSON_NODE_VALUE);

  return n && json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n) : NULL;
}

static gint64
size_member (JsonObject *o, const char *name)
{
  JsonNode *n = member (o, name, JSON_NODE_VALUE);

  return n && json_node_get_value_type (n) == G_TYPE_INT64 ? json_node_get_int (n) : -1;
}

static JsonObject *
object_member (JsonObject *o, const char *name)
{
  JsonNode *n = member (o, name, JSON_NODE_OBJECT);

  return n ? json_node_get_object (n) : NULL;
}

void
rvi_evidence_report_clear (RviEvidenceReport *r)
{
  g_clear_pointer (&r->problems, g_ptr_array_unref);
  g_clear_pointer (&r->export_id, g_free);
}

static gboolean
is_hex64 (const char *s)
{
  if (!s || strlen (s) != RVI_SHA256_HEX_LEN)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isxdigit (*s) || g_ascii_isupper (*s))
      return FALSE;
  return TRUE;
}

/* The entries under the top directory by their relative path; entries
 * elsewhere are problems. */
static GHashTable *
index_entries (GPtrArray *entries, RviEvidenceReport *r, char **root_out)
{
  GHashTable *by_path = g_hash_table_new (g_str_hash, g_str_equal);
  const RviTarEntry *first = entries->len ? entries->pdata[0] : NULL;
  g_autofree char *root = first ? g_strndup (first->path, strcspn (first->path, "/")) : NULL;
  gsize root_len = root ? strlen (root) : 0;

  for (guint i = 0; i < entries->len; i++) {
    const RviTarEntry *e = entries->pdata[i];

    if (strncmp (e->path, root, root_len) == 0 && e->path[root_len] == '/')
      g_hash_table_insert (by_path, e->path + root_len + 1, (gpointer) e);
    else if (!g_str_equal (e->path, root))
      problem (r, "%s: outside the package's directory %s (added)", e->path, root);
  }
  *root_out = g_steal_pointer (&root);
  return by_path;
}

/* The signature file: one line of base64, 64 bytes. */
static gboolean
read_signature (const RviTarEntry *e, guint8 out[RVI_EVIDENCE_SIGNATURE_BYTES])
{
  g_autofree char *text = g_strstrip (g_strndup ((const char *) e->data, (gsize) e->size));
  g_autofree guint8 *raw = NULL;
  gsize len = 0;

  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
      return FALSE;
  raw = *text ? g_base64_decode (text, &len) : NULL;
  if (len != RVI_EVIDENCE_SIGNATURE_BYTES)
    return FALSE;
  memcpy (out, raw, len);
  return TRUE;
}

/* The manifest's signer key; FALSE (with a problem) when absent or malformed. */
static gboolean
signer_key (JsonObject *manifest, guint8 out[RVI_EVIDENCE_PUBLIC_KEY_BYTES],
            RviEvidenceReport *r)
{
  JsonObject *signer = object_member (manifest, "signer");
  const char *algorithm = string_member (signer, "algorithm");
  const char *key = string_member (signer, "public_key");
  g_autoptr (GError) error = NULL;

  if (!algorithm || !key || !g_str_equal (algorithm, "ed25519")) {
    problem (r, RVI_EVIDENCE_MANIFEST ": no ed25519 signer");
    return FALSE;
  }
  if (!rvi_evidence_public_key_parse (key, out, &error)) {
    problem (r, RVI_EVIDENCE_MANIFEST ": the signer's key: %s", error->message);
    return FALSE;
  }
  return TRUE;
}

/* Signature and key; sets r->signature_ok and r->key_id. */
static void
check_signature (const RviTarEntry *manifest, const RviTarEntry *sig_entry, JsonObject *obj,
                 const guint8 *pinned, RviEvidenceReport *r)
{
  guint8 named[RVI_EVIDENCE_PUBLIC_KEY_BYTES], sig[RVI_EVIDENCE_SIGNATURE_BYTES];
  gboolean have_named = obj && signer_key (obj, named, r);
  const guint8 *key = pinned ? pinned : have_named ? named : NULL;

  if (!key)
    return;
  rvi_evidence_key_id (key, r->key_id);
  if (pinned && have_named && memcmp (pinned, named, sizeof named) != 0) {
    char named_id[RVI_EVIDENCE_KEY_ID_LEN + 1];
    rvi_evidence_key_id (named, named_id);
    problem (r, RVI_EVIDENCE_MANIFEST ": signed by key %s, not by the pinned key %s", named_id,
             r->key_id);
  }
  if (!sig_entry)
    return;   /* reported with the missing files */
  if (!read_signature (sig_entry, sig)) {
    problem (r, RVI_EVIDENCE_SIGNATURE ": not an Ed25519 signature in base64");
    return;
  }
  r->signature_ok = crypto_sign_verify_detached (sig, manifest->data, (unsigned long long)
                                                 manifest->size, key) == 0;
  if (!r->signature_ok)
    problem (r, RVI_EVIDENCE_SIGNATURE ": the signature does not match "
             RVI_EVIDENCE_MANIFEST " (one of them was changed, or it was signed with another "
             "key)");
}

/* Every listed file: present, same size, same SHA-256. Marks them listed. */
static void
check_files (JsonObject *obj, GHashTable *by_path, GHashTable *listed, RviEvidenceReport *r)
{
  JsonNode *list = member (obj, "files", JSON_NODE_ARRAY);
  JsonArray *files = list ? json_node_get_array (list) : NULL;

  if (!files) {
    problem (r, RVI_EVIDENCE_MANIFEST ": no list of files");
    return;
  }
  for (guint i = 0; i < json_array_get_length (files); i++) {
    JsonNode *n = json_array_get_element (files, i);
    JsonObject *f = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
    const char *path = string_member (f, "path");
    const char *want = string_member (f, "sha256");
    gint64 bytes = size_member (f, "bytes");
    const RviTarEntry *e;
    char got[RVI_SHA256_HEX_LEN + 1];

    if (!path || !is_hex64 (want) || bytes < 0) {
      problem (r, RVI_EVIDENCE_MANIFEST ": file %u of its list is malformed", i + 1);
      continue;
    }
    r->files++;
    g_hash_table_add (listed, (gpointer) path);
    e = g_hash_table_lookup (by_path, path);
    if (!e || e->dir) {
      problem (r, "%s: missing (listed in the manifest)", path);
      continue;
    }
    if (e->size != (guint64) bytes) {
      problem (r, "%s: changed (%" G_GUINT64_FORMAT " bytes, the manifest says %" G_GINT64_FORMAT
               ")", path, e->size, bytes);
      continue;
    }
    rvi_sha256_hex (e->data, (gsize) e->size, got);
    if (!g_str_equal (got, want))
      problem (r, "%s: changed (SHA-256 %s, the manifest says %s)", path, got, want);
  }
}

gboolean
rvi_evidence_verify (const char *path, const guint8 *pinned, RviEvidenceReport *r,
                     GError **error)
{
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, error);
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GHashTable) by_path = NULL;
  g_autoptr (GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *root = NULL;
  const RviTarEntry *manifest, *sig;
  JsonObject *obj = NULL;

  memset (r, 0, sizeof *r);
  r->problems = g_ptr_array_new_with_free_func (g_free);
  if (!file)
    return FALSE;
  entries = rvi_tar_read ((const guint8 *) g_mapped_file_get_contents (file),
                          g_mapped_file_get_length (file), &local);
  if (!entries) {
    problem (r, "%s", local->message);
    return TRUE;
  }
  by_path = index_entries (entries, r, &root);
  manifest = g_hash_table_lookup (by_path, RVI_EVIDENCE_MANIFEST);
  sig = g_hash_table_lookup (by_path, RVI_EVIDENCE_SIGNATURE);
  if (!manifest || manifest->dir) {
    problem (r, RVI_EVIDENCE_MANIFEST ": missing: this is not an rvi evidence package, or its "
             "manifest was removed");
    return TRUE;
  }
  if (!sig || sig->dir)
    problem (r, RVI_EVIDENCE_SIGNATURE ": missing");
  if (!json_parser_load_from_data (parser, (const char *) manifest->data, (gssize) manifest->size,
                                   &local)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    problem (r, RVI_EVIDENCE_MANIFEST ": not a JSON object (%s)",
             local ? local->message : "another JSON value");
  } else {
    obj = json_node_get_object (json_parser_get_root (parser));
    if (g_strcmp0 (string_member (obj, "format"), RVI_EVIDENCE_FORMAT) != 0)
      problem (r, RVI_EVIDENCE_MANIFEST ": not of the format " RVI_EVIDENCE_FORMAT);
    r->export_id = g_strdup (string_member (obj, "export_id"));
  }
  check_signature (manifest, sig, obj, pinned, r);
  if (obj)
    check_files (obj, by_path, listed, r);
  /* files the manifest does not list, in the package's order */
  for (guint i = 0; i < entries->len; i++) {
    const RviTarEntry *e = entries->pdata[i];
    gsize root_len = strlen (root);
    const char *rel = e->path + root_len + 1;

    if (strncmp (e->path, root, root_len) != 0 || e->path[root_len] != '/')
      continue;   /* outside the top directory: reported already */
    if (!e->dir && e != manifest && e != sig && g_hash_table_lookup (by_path, rel) == e
        && !g_hash_table_contains (listed, rel))
      problem (r, "%s: not in the manifest (added)", rel);
  }
  return TRUE;
}
