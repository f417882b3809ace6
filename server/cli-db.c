/* cli-db.c: database access for command-line commands, and `rvi migrate`. */
#define G_LOG_DOMAIN "rvi"
#include "cli-db.h"
#include "cli-options.h"
#include "data-dir-lock.h"
#include "db.h"
#include "embedded-postgres.h"
#include "migrations.h"
#include "rvi-error.h"

struct _RviCliDb {
  RviDataDirLock *lock;
  RviEmbeddedPg *pg;
  PGconn *conn;
};

RviCliDb *
rvi_cli_db_open (const RviConfig *config, GError **error)
{
  g_autoptr (RviCliDb) db = g_new0 (RviCliDb, 1);
  g_autofree char *conninfo = NULL;
  g_autofree char *pg_dir = g_build_filename (config->data_dir, "pg", NULL);
  gboolean busy = FALSE;

  if (config->database_url) {
    conninfo = g_strdup (config->database_url);
  } else {
    db->lock = rvi_data_dir_lock_try (config->data_dir, &busy, error);
    if (!db->lock && !busy)
      return NULL;
    if (busy) {
      conninfo = rvi_embedded_pg_conninfo_for (pg_dir);
    } else {
      db->pg = rvi_embedded_pg_start (pg_dir, config->embedded_pg_user, error);
      if (!db->pg)
        return NULL;
      conninfo = g_strdup (rvi_embedded_pg_get_conninfo (db->pg));
    }
  }
  db->conn = rvi_db_connect (conninfo, config->db_connect_timeout_s, error);
  if (!db->conn || !rvi_migrations_apply (db->conn, NULL, error))
    return NULL;
  return g_steal_pointer (&db);
}

PGconn *
rvi_cli_db_conn (RviCliDb *db)
{
  return db->conn;
}

void
rvi_cli_db_close (RviCliDb *db)
{
  if (!db)
    return;
  if (db->conn)
    PQfinish (db->conn);
  rvi_embedded_pg_stop (db->pg);
  rvi_data_dir_lock_release (db->lock);
  g_free (db);
}

int
rvi_cli_migrate (int argc, char **argv)
{
  RviConfig config;
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCliDb) db = NULL;
  int status = 0;

  rvi_config_init (&config);
  if (!rvi_cli_parse (&argc, &argv, "- apply database migrations", NULL, FALSE, &config, &error)
      || !(db = rvi_cli_db_open (&config, &error))) {
    g_printerr ("rvi migrate: %s\n", error->message);
    status = 1;
  } else {
    g_print ("rvi migrate: database schema is up to date\n");
  }
  rvi_config_clear (&config);
  return status;
}
