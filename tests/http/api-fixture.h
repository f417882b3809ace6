/* api-fixture.h: what every in-process HTTP API test sets up: a
 * temporary data directory, a server listening on 127.0.0.1:0, a libpq
 * connection to its database, and a table of users with one API token
 * each. A test binary keeps one fixture for all its subtests, which run in
 * order and build on each other's rows. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"
#include "http-client.h"
#include "rvi-test.h"

G_BEGIN_DECLS

/* One user of the table given to api_fixture_start: the user name is also
 * the display name; there is no password to log in with, only the token. */
typedef struct {
  const char *username;
  const char *role;        /* "inspector", "operator", "auditor" or "admin" */
} ApiFixtureUser;

typedef struct {
  char *tmpdir;            /* the server's data_dir */
  RviConfig config;        /* a test may change it before api_fixture_start */
  RviTestServer *server;   /* a test that stops it itself sets this to NULL */
  PGconn *conn;            /* to the server's database; a test may replace it */
  char **user_ids;         /* one per user of the table, in its order */
  char **tokens;           /* the users' bearer tokens, likewise */
} ApiFixture;

/* A fixture with a fresh directory named after @prefix and a config for
 * it: listen on 127.0.0.1:0, no recording, defaults otherwise. Nothing
 * runs yet. (transfer full) */
ApiFixture *api_fixture_new (const char *prefix);

/* Starts the server with fx->config, connects to its database and creates
 * the @n_users users of @users, each with an API token. Fails the test on
 * error. */
void api_fixture_start (ApiFixture *fx, const ApiFixtureUser *users, guint n_users);

/* Closes the connection and stops the server (those still set), removes
 * the directory and frees @fx. */
void api_fixture_free (ApiFixture *fx);

/* A client that sends the token of user @i (an index into the table).
 * (transfer full) */
TestClient *api_fixture_client (ApiFixture *fx, guint i);

/* The first cell of the one row @sql returns, NULL for SQL NULL; @p1 and
 * @p2 are $1 and $2 (NULL when the query has fewer). Fails the test on an
 * error or any other number of rows. (transfer full) */
char *api_fixture_value (ApiFixture *fx, const char *sql, const char *p1, const char *p2);

/* api_fixture_value() read as a number, for count(*) queries. */
gint64 api_fixture_count (ApiFixture *fx, const char *sql, const char *p1, const char *p2);

/* Fails the test unless @r has @status, error.code @code (when not NULL)
 * and a body containing @text (when not NULL). */
void api_fixture_check (TestResponse *r, guint status, const char *code, const char *text);

/* A GLogWriterFunc that writes each message to stderr (stdout carries
 * TAP); for g_log_set_writer_func. */
GLogWriterOutput api_fixture_log_to_stderr (GLogLevelFlags level, const GLogField *fields,
                                            gsize n_fields, gpointer user_data);

G_END_DECLS
