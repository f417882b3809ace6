/* test-events-session: the live event feed lets go of clients whose
 * credential ends: a session deleted (logout), a token revoked, a user's
 * role changed, and a session due its check after session_idle; a client
 * of another session stays; a closed session cannot reconnect. Against an
 * in-process server and a real PostgreSQL (the triggers of sql/006). */
#include <glib.h>

#include "api-fixture.h"
#include "event-feed.h"
#include "feed-client.h"
#include "sessions.h"

enum { INSPECTOR, AUDITOR, OTHER, N_USERS };

#define IDLE_S 3

static ApiFixture *fx;
static char *base;                /* http://127.0.0.1:PORT */

/* Waits up to @ms for @f to be closed; returns its close code, or -1. */
static int
wait_closed (TestFeed *f, guint ms)
{
  gboolean expired = FALSE;
  guint timer = g_timeout_add (ms, test_flag_expire, &expired);

  while (!f->closed && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timer);
  return f->closed ? f->close_code : -1;
}

static char *
new_session (int who, char **csrf)
{
  g_autoptr (GError) error = NULL;
  char *token = NULL;

  g_assert_true (rvi_sessions_create (fx->conn, fx->user_ids[who], 3600, "127.0.0.1", "test",
                                      &token, csrf, &error));
  g_assert_no_error (error);
  return token;
}

static TestFeed *
open_cookie (const char *session)
{
  TestFeed *f = test_feed_open (base, NULL, session, base);

  g_assert_nonnull (f->ws);
  g_assert_nonnull (test_feed_wait (f, "hello", NULL, 2000));
  return f;
}

static void
test_logout (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *csrf1 = NULL, *csrf2 = NULL;
  g_autofree char *mine = new_session (INSPECTOR, &csrf1);
  g_autofree char *other = new_session (OTHER, &csrf2);
  g_autoptr (TestFeed) a = open_cookie (mine);
  g_autoptr (TestFeed) b = open_cookie (other);
  g_autoptr (TestFeed) again = NULL;

  /* logout deletes the session row, as DELETE /api/session does */
  g_assert_true (rvi_sessions_delete (fx->conn, mine, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wait_closed (a, 2000), ==, RVI_EVENT_FEED_CLOSE_SESSION);
  /* the other user's client is left alone */
  test_spin (500);
  g_assert_false (b->closed);
  /* and the ended session cannot come back */
  again = test_feed_open (base, NULL, mine, base);
  g_assert_null (again->ws);
  g_assert_cmpuint (again->status, ==, 401);
}

static void
test_token_revoked (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = rvi_api_tokens_create (fx->conn, fx->user_ids[AUDITOR], "feed",
                                                  &error);
  g_autoptr (TestFeed) f = NULL;
  g_autoptr (TestFeed) other = test_feed_open_hello (base, fx->tokens[INSPECTOR]);

  g_assert_no_error (error);
  f = test_feed_open_hello (base, token);
  g_assert_true (rvi_api_tokens_revoke_for_user (fx->conn, fx->user_ids[AUDITOR], &error));
  g_assert_no_error (error);
  g_assert_cmpint (wait_closed (f, 2000), ==, RVI_EVENT_FEED_CLOSE_SESSION);
  test_spin (300);
  g_assert_false (other->closed);
}

static void
test_role_changed (void)
{
  g_autofree char *csrf = NULL;
  g_autofree char *session = new_session (OTHER, &csrf);
  g_autoptr (TestFeed) f = open_cookie (session);
  g_autoptr (TestFeed) again = NULL;

  g_free (api_fixture_value (fx, "UPDATE users SET role = 'operator' WHERE id = $1::uuid"
                                 " RETURNING role", fx->user_ids[OTHER], NULL));
  g_assert_cmpint (wait_closed (f, 2000), ==, RVI_EVENT_FEED_CLOSE_SESSION);
  /* a reconnection is accepted (the session lives) under the new role */
  again = open_cookie (session);
  g_assert_false (again->closed);
}

static void
test_idle_check (void)
{
  g_autofree char *csrf = NULL;
  g_autofree char *session = new_session (INSPECTOR, &csrf);
  g_autoptr (TestFeed) f = open_cookie (session);
  g_autoptr (TestFeed) bearer = test_feed_open_hello (base, fx->tokens[INSPECTOR]);
  gint64 t0 = g_get_monotonic_time ();
  int code = wait_closed (f, (IDLE_S + 8) * 1000);
  gint64 waited_ms = (g_get_monotonic_time () - t0) / 1000;

  /* closed for a check once session_idle passed (the sweep runs every 5 s) */
  g_assert_cmpint (code, ==, RVI_EVENT_FEED_CLOSE_SESSION);
  g_assert_cmpint (waited_ms, >=, IDLE_S * 1000 - 200);
  /* a bearer token has no idle timer: that client stays */
  g_assert_false (bearer->closed);
  /* nothing used the session meanwhile, so it expired: no way back */
  {
    g_autoptr (TestFeed) again = test_feed_open (base, NULL, session, base);
    g_assert_null (again->ws);
    g_assert_cmpuint (again->status, ==, 401);
  }
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = {
    { "insp", "inspector" }, { "aud", "auditor" }, { "other", "inspector" },
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (api_fixture_log_to_stderr, NULL, NULL);
  rvi_test_watchdog (120);
  fx = api_fixture_new ("rvi-test-events-session");
  fx->config.session_idle_s = IDLE_S;
  api_fixture_start (fx, users, N_USERS);
  base = g_strdup (rvi_test_server_url (fx->server));
  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';

  g_test_add_func ("/events-session/logout", test_logout);
  g_test_add_func ("/events-session/token-revoked", test_token_revoked);
  g_test_add_func ("/events-session/role-changed", test_role_changed);
  g_test_add_func ("/events-session/idle-check", test_idle_check);
  status = g_test_run ();

  g_free (base);
  api_fixture_free (fx);
  return status;
}
