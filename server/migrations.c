/* migrations.c: forward-only schema migrations from the sql/ GResource.
 *
 * A migration is "NNN_name.sql"; NNN orders them. schema_migrations keeps
 * each applied migration's number, name and SHA-256, so editing a migration
 * after it was applied is caught instead of silently diverging. */
#define G_LOG_DOMAIN "rvi-db"
#include "migrations.h"
#include "db.h"
#include "rvi-error.h"
#include "rvi-sql-resources.h"

#include <gio/gio.h>
#include <stdlib.h>

#define RESOURCE_DIR "/rvi/sql"
#define MIGRATION_LOCK "7283000"

typedef struct {
  int version;
  char *name;
  GBytes *text;
  char *sha256;
} Migration;

static void
migration_free (gpointer p)
{
  Migration *m = p;
  g_free (m->name);
  g_bytes_unref (m->text);
  g_free (m->sha256);
  g_free (m);
}

static int
migration_cmp (gconstpointer a, gconstpointer b)
{
  const Migration *ma = *(Migration *const *) a;
  const Migration *mb = *(Migration *const *) b;
  return (ma->version > mb->version) - (ma->version < mb->version);
}

/* The binary's migrations, ordered by number. */
static GPtrArray *
load_migrations (GError **error)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (migration_free);
  g_auto (GStrv) names = g_resource_enumerate_children (rvi_sql_get_resource (), RESOURCE_DIR, 0, error);

  if (!names)
    return NULL;
  for (gsize i = 0; names[i]; i++) {
    g_autofree char *path = NULL;
    char *end = NULL;
    Migration *m;
    long version;

    if (!g_str_has_suffix (names[i], ".sql"))
      continue;
    version = strtol (names[i], &end, 10);
    if (end == names[i] || *end != '_' || version <= 0) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_MIGRATION,
                   "migration file %s does not start with NNN_", names[i]);
      return NULL;
    }
    path = g_build_path ("/", RESOURCE_DIR, names[i], NULL);
    m = g_new0 (Migration, 1);
    m->version = (int) version;
    m->name = g_strdup (names[i]);
    m->text = g_resource_lookup_data (rvi_sql_get_resource (), path, 0, error);
    if (!m->text) {
      migration_free (m);
      return NULL;
    }
    m->sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, m->text);
    g_ptr_array_add (list, m);
  }
  g_ptr_array_sort (list, migration_cmp);
  for (guint i = 1; i < list->len; i++) {
    Migration *a = list->pdata[i - 1], *b = list->pdata[i];
    if (a->version == b->version) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_MIGRATION, "two migrations numbered %d: %s, %s",
                   a->version, a->name, b->name);
      return NULL;
    }
  }
  return g_steal_pointer (&list);
}

static Migration *
find_migration (GPtrArray *list, int version)
{
  for (guint i = 0; i < list->len; i++) {
    Migration *m = list->pdata[i];
    if (m->version == version)
      return m;
  }
  return NULL;
}

static gboolean
apply_one (PGconn *conn, Migration *m, GError **error)
{
  g_autofree char *sql = g_strndup (g_bytes_get_data (m->text, NULL), g_bytes_get_size (m->text));
  g_autofree char *version = g_strdup_printf ("%d", m->version);
  const char *params[] = { version, m->name, m->sha256 };
  g_autoptr (PGresult) res = PQexec (conn, sql);

  if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK) {
    g_autofree char *msg = g_strstrip (g_strdup (PQresultErrorMessage (res)));
    g_set_error (error, RVI_ERROR, RVI_ERROR_MIGRATION, "migration %s failed: %s", m->name, msg);
    return FALSE;
  }
  g_message ("applied migration %s", m->name);
  return rvi_db_run (conn, "INSERT INTO schema_migrations (version, name, sha256) "
                     "VALUES ($1::int, $2, $3)", 3, params, error);
}

static gboolean
apply_locked (PGconn *conn, GPtrArray *list, guint *applied, GError **error)
{
  g_autoptr (PGresult) done = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);

  if (!rvi_db_run (conn, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", 0, NULL, error)
      || !rvi_db_run (conn, "SET LOCAL client_min_messages = warning", 0, NULL, error)
      || !rvi_db_run (conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version integer PRIMARY KEY, name text NOT NULL,"
                      " sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                      0, NULL, error))
    return FALSE;
  done = rvi_db_exec (conn, "SELECT version, name, sha256 FROM schema_migrations ORDER BY 1",
                      0, NULL, error);
  if (!done)
    return FALSE;
  for (int i = 0; i < PQntuples (done); i++) {
    int version = atoi (PQgetvalue (done, i, 0));
    Migration *m = find_migration (list, version);

    if (!m) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_MIGRATION,
                   "the database has migration %s, which this rvi does not know "
                   "(the database is newer than this binary)", PQgetvalue (done, i, 1));
      return FALSE;
    }
    if (!g_str_equal (m->sha256, PQgetvalue (done, i, 2))) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_MIGRATION,
                   "migration %s was changed after it was applied (sha256 %s in the database, "
                   "%s in this binary); add a new migration instead of editing an applied one",
                   m->name, PQgetvalue (done, i, 2), m->sha256);
      return FALSE;
    }
    g_hash_table_add (seen, GINT_TO_POINTER (version));
  }
  for (guint i = 0; i < list->len; i++) {
    Migration *m = list->pdata[i];
    if (g_hash_table_contains (seen, GINT_TO_POINTER (m->version)))
      continue;
    if (!apply_one (conn, m, error))
      return FALSE;
    (*applied)++;
  }
  return TRUE;
}

gboolean
rvi_migrations_apply (PGconn *conn, guint *applied, GError **error)
{
  g_autoptr (GPtrArray) list = load_migrations (error);
  guint count = 0;

  if (applied)
    *applied = 0;
  if (!list || !rvi_db_begin (conn, error))
    return FALSE;
  if (!apply_locked (conn, list, &count, error)) {
    rvi_db_rollback (conn);
    return FALSE;
  }
  if (!rvi_db_commit (conn, error))
    return FALSE;
  if (applied)
    *applied = count;
  return TRUE;
}
