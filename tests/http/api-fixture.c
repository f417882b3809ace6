/* api-fixture.c: the shared set-up of the in-process HTTP API tests. */
#include "api-fixture.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "secrets.h"
#include "sessions.h"
#include "users.h"

ApiFixture *
api_fixture_new (const char *prefix)
{
  ApiFixture *fx = g_new0 (ApiFixture, 1);

  g_assert_true (rvi_secrets_init (NULL));
  fx->tmpdir = rvi_test_make_tmpdir (prefix);
  rvi_config_init (&fx->config);
  g_free (fx->config.data_dir);
  fx->config.data_dir = g_strdup (fx->tmpdir);
  g_free (fx->config.listen);
  fx->config.listen = g_strdup ("127.0.0.1:0");
  fx->config.recording = FALSE;
  return fx;
}

void
api_fixture_start (ApiFixture *fx, const ApiFixtureUser *users, guint n_users)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (fx->server);
  fx->server = rvi_test_server_start (&fx->config);
  fx->conn = rvi_db_connect (rvi_server_get_conninfo (rvi_test_server_get (fx->server)), 5, &error);
  g_assert_no_error (error);
  fx->user_ids = g_new0 (char *, n_users + 1);
  fx->tokens = g_new0 (char *, n_users + 1);
  for (guint i = 0; i < n_users; i++) {
    g_autoptr (PGresult) u = rvi_users_insert (fx->conn, users[i].username, users[i].username,
                                               users[i].role, "x", &error);
    g_assert_no_error (error);
    fx->user_ids[i] = g_strdup (PQgetvalue (u, 0, 0));
    fx->tokens[i] = rvi_api_tokens_create (fx->conn, fx->user_ids[i], "test", &error);
    g_assert_no_error (error);
  }
}

void
api_fixture_free (ApiFixture *fx)
{
  if (!fx)
    return;
  g_clear_pointer (&fx->conn, PQfinish);
  g_clear_pointer (&fx->server, rvi_test_server_stop);
  g_strfreev (fx->user_ids);
  g_strfreev (fx->tokens);
  rvi_config_clear (&fx->config);
  rvi_test_rmtree (fx->tmpdir);
  g_free (fx->tmpdir);
  g_free (fx);
}

TestClient *
api_fixture_client (ApiFixture *fx, guint i)
{
  TestClient *c = test_client_new (rvi_test_server_url (fx->server));

  g_assert_nonnull (fx->tokens[i]);
  c->bearer = g_strdup (fx->tokens[i]);
  return c;
}

char *
api_fixture_value (ApiFixture *fx, const char *sql, const char *p1, const char *p2)
{
  const char *params[] = { p1, p2 };
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) res = rvi_db_exec (fx->conn, sql, p2 ? 2 : p1 ? 1 : 0, params, &error);

  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  return rvi_db_dup (res, 0, 0);
}

gint64
api_fixture_count (ApiFixture *fx, const char *sql, const char *p1, const char *p2)
{
  g_autofree char *v = api_fixture_value (fx, sql, p1, p2);

  g_assert_nonnull (v);
  return g_ascii_strtoll (v, NULL, 10);
}

void
api_fixture_check (TestResponse *r, guint status, const char *code, const char *text)
{
  if (r->status != status || (code && g_strcmp0 (test_error_code (r), code) != 0)
      || (text && !strstr (r->body, text)))
    g_error ("expected %u %s \"%s\", got %u %s", status, code ? code : "", text ? text : "",
             r->status, r->body);
}

GLogWriterOutput
api_fixture_log_to_stderr (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                           gpointer user_data)
{
  g_autofree char *line = g_log_writer_format_fields (level, fields, n_fields, FALSE);

  fprintf (stderr, "%s\n", line);
  return G_LOG_WRITER_HANDLED;
}
