/* cli-users.c: creating users and API tokens from the command line.
 * Both are audit events with the actor "cli". */
#define G_LOG_DOMAIN "rvi"
#include <glib.h>
#include <stdio.h>

#include "api-users.h"
#include "audit-log.h"
#include "cli-db.h"
#include "cli-options.h"
#include "cli-users.h"
#include "db.h"
#include "rvi-error.h"
#include "secrets.h"
#include "sessions.h"
#include "users.h"

/* The first line of stdin without its line ending (transfer full). */
static char *
read_password (GError **error)
{
  char buf[1100];
  gsize len;

  if (!fgets (buf, sizeof buf, stdin)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "no password on stdin");
    return NULL;
  }
  len = strlen (buf);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    buf[--len] = '\0';
  return g_strdup (buf);
}

static gboolean
user_add (const RviConfig *config, const char *username, const char *role,
          const char *display_name, GError **error)
{
  g_autofree char *password = NULL;
  g_autofree char *hash = NULL;
  g_autoptr (RviCliDb) db = NULL;
  g_autoptr (PGresult) res = NULL;
  g_autofree char *detail = NULL;
  PGconn *conn;
  RviAuditEntry e = { .actor_name = "cli", .action = "user_created", .target_type = "user" };

  if (!rvi_users_check_username (username, error))
    return FALSE;
  if (!role || !rvi_role_from_string (role)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "--role must be inspector, operator, auditor or admin");
    return FALSE;
  }
  if (!(password = read_password (error)) || !rvi_users_check_password (password, error))
    return FALSE;
  hash = rvi_password_hash (password);
  if (!hash || !(db = rvi_cli_db_open (config, error)))
    return FALSE;
  conn = rvi_cli_db_conn (db);
  if (!rvi_db_begin (conn, error))
    return FALSE;
  res = rvi_users_insert (conn, username, display_name, role, hash, error);
  if (!res)
    return FALSE;
  detail = g_strdup_printf ("{\"username\": \"%s\", \"role\": \"%s\"}", username, role);
  e.target_id = PQgetvalue (res, 0, 0);
  e.detail_json = detail;
  if (!rvi_audit_append (conn, &e, error) || !rvi_db_commit (conn, error))
    return FALSE;
  g_print ("created %s user %s (%s)\n", role, username, PQgetvalue (res, 0, 0));
  return TRUE;
}

int
rvi_cli_user (int argc, char **argv)
{
  RviConfig config;
  g_autofree char *role = NULL;
  g_autofree char *display_name = NULL;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "role", 'r', 0, G_OPTION_ARG_STRING, &role, "inspector, operator, auditor or admin", "ROLE" },
    { "display-name", 0, 0, G_OPTION_ARG_STRING, &display_name, "Full name shown in the UI",
      "NAME" },
    { NULL }
  };
  gboolean ok;

  rvi_config_init (&config);
  ok = rvi_cli_parse (&argc, &argv, "add NAME --role ROLE - create a user (password on stdin)",
                      entries, FALSE, &config, &error);
  if (ok && (argc != 3 || !g_str_equal (argv[1], "add"))) {
    g_set_error (&error, RVI_ERROR, RVI_ERROR_CONFIG, "usage: rvi user add NAME --role ROLE");
    ok = FALSE;
  }
  ok = ok && user_add (&config, argv[2], role, display_name, &error);
  if (!ok)
    g_printerr ("rvi user: %s\n", error->message);
  rvi_config_clear (&config);
  return ok ? 0 : 1;
}

static gboolean
token_create (const RviConfig *config, const char *username, const char *label, GError **error)
{
  g_autoptr (RviCliDb) db = rvi_cli_db_open (config, error);
  g_autoptr (RviUser) user = NULL;
  g_autofree char *token = NULL;
  g_autofree char *detail = NULL;
  PGconn *conn;
  RviAuditEntry e = { .actor_name = "cli", .action = "token_created", .target_type = "user" };

  if (!db)
    return FALSE;
  conn = rvi_cli_db_conn (db);
  if (!(user = rvi_users_get_by_name (conn, username, error)) || !rvi_db_begin (conn, error)
      || !(token = rvi_api_tokens_create (conn, user->id, label, error)))
    return FALSE;
  detail = g_strdup_printf ("{\"username\": \"%s\"}", user->username);
  e.target_id = user->id;
  e.detail_json = detail;
  if (!rvi_audit_append (conn, &e, error) || !rvi_db_commit (conn, error))
    return FALSE;
  g_print ("%s\n", token);
  return TRUE;
}

int
rvi_cli_token (int argc, char **argv)
{
  RviConfig config;
  g_autofree char *label = NULL;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, "What the token is for", "TEXT" },
    { NULL }
  };
  gboolean ok;

  rvi_config_init (&config);
  ok = rvi_cli_parse (&argc, &argv, "create NAME - print a new API token for user NAME", entries,
                      FALSE, &config, &error);
  if (ok && (argc != 3 || !g_str_equal (argv[1], "create"))) {
    g_set_error (&error, RVI_ERROR, RVI_ERROR_CONFIG, "usage: rvi token create NAME");
    ok = FALSE;
  }
  ok = ok && token_create (&config, argv[2], label, &error);
  if (!ok)
    g_printerr ("rvi token: %s\n", error->message);
  rvi_config_clear (&config);
  return ok ? 0 : 1;
}
