/* test-restart: `rvi serve` as a process. kill -9 of the server leaves no
 * postgres running and the next start recovers by itself, with the data
 * intact; a second server on the same data directory is refused; SIGTERM
 * stops everything cleanly. */
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>

#include "http-client.h"
#include "rvi-test.h"

static char *tmpdir;

typedef struct {
  GSubprocess *proc;
  char *url;
} Serve;

static Serve *
serve_start (void)
{
  const char *argv[] = { rvi_test_bin (), "serve", "--data-dir", tmpdir, "--listen",
                         "127.0.0.1:0", NULL };
  Serve *s = g_new0 (Serve, 1);

  s->proc = rvi_test_spawn (argv, NULL, "rvi: listening on ", &s->url);
  return s;
}

static void
serve_free (Serve *s)
{
  g_object_unref (s->proc);
  g_free (s->url);
  g_free (s);
}

static int
postmaster_pid (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "pg", "data", "postmaster.pid", NULL);
  g_autofree char *text = NULL;
  return g_file_get_contents (path, &text, NULL, NULL) ? atoi (text) : 0;
}

static gboolean
wait_gone (int pid, int seconds)
{
  for (int i = 0; i < seconds * 20; i++) {
    if (kill (pid, 0) != 0)
      return TRUE;
    g_usleep (50000);
  }
  return FALSE;
}

static void
assert_login (const char *url)
{
  g_autoptr (TestClient) c = test_client_new (url);
  g_autoptr (TestResponse) r = test_request (c, "POST", "/api/session",
                                             "{\"username\": \"ada\", \"password\": \"ada-pass-1\"}",
                                             NULL);
  g_assert_cmpuint (r->status, ==, 200);
}

static void
test_kill9_recovery (void)
{
  const char *add[] = { rvi_test_bin (), "user", "add", "ada", "--role", "admin",
                        "--data-dir", tmpdir, NULL };
  const char *verify[] = { rvi_test_bin (), "audit", "verify", "--data-dir", tmpdir, NULL };
  const char *second[] = { rvi_test_bin (), "serve", "--data-dir", tmpdir, "--listen",
                           "127.0.0.1:0", NULL };
  g_autoptr (GError) error = NULL;
  Serve *s = serve_start ();
  int pg_pid;

  /* a command-line tool works next to the running server */
  g_assert_cmpint (rvi_test_run (add, "ada-pass-1\n", NULL), ==, 0);
  assert_login (s->url);
  /* a second server on the same data directory is refused */
  g_assert_cmpint (rvi_test_run (second, NULL, NULL), ==, 1);

  pg_pid = postmaster_pid ();
  g_assert_cmpint (pg_pid, >, 0);
  g_subprocess_send_signal (s->proc, SIGKILL);
  g_subprocess_wait (s->proc, NULL, &error);
  serve_free (s);
  /* the private PostgreSQL does not outlive its server */
  g_assert_true (wait_gone (pg_pid, 20));

  s = serve_start ();
  assert_login (s->url);

  /* killed again and restarted at once, racing the old cluster's shutdown */
  pg_pid = postmaster_pid ();
  g_subprocess_send_signal (s->proc, SIGKILL);
  g_subprocess_wait (s->proc, NULL, &error);
  serve_free (s);
  s = serve_start ();
  assert_login (s->url);
  g_assert_cmpint (postmaster_pid (), !=, pg_pid);

  /* SIGTERM: a clean stop, exit 0, no postgres left */
  pg_pid = postmaster_pid ();
  g_subprocess_send_signal (s->proc, SIGTERM);
  g_subprocess_wait (s->proc, NULL, &error);
  g_assert_true (g_subprocess_get_if_exited (s->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (s->proc), ==, 0);
  g_assert_true (wait_gone (pg_pid, 1));
  serve_free (s);

  /* and the audit chain (logins, the user creation) is intact */
  g_assert_cmpint (rvi_test_run (verify, NULL, NULL), ==, 0);
}

static guint
readyz (const char *url)
{
  g_autoptr (TestClient) c = test_client_new (url);
  g_autoptr (TestResponse) r = test_request (c, "GET", "/readyz", NULL, NULL);
  return r->status;
}

/* PostgreSQL dies under a running server: /readyz says 503 at once, the
 * server restarts its cluster, and readiness and logins come back. */
static void
test_postgres_dies (void)
{
  g_autoptr (GError) error = NULL;
  Serve *s = serve_start ();
  int pg_pid = postmaster_pid ();
  guint status = 0;

  g_assert_cmpuint (readyz (s->url), ==, 200);
  g_assert_cmpint (kill (pg_pid, SIGKILL), ==, 0);
  g_assert_true (wait_gone (pg_pid, 5));
  g_assert_cmpuint (readyz (s->url), ==, 503);
  for (int i = 0; i < 100 && status != 200; i++) {
    g_usleep (200000);
    status = readyz (s->url);
  }
  g_assert_cmpuint (status, ==, 200);
  assert_login (s->url);
  g_subprocess_send_signal (s->proc, SIGTERM);
  g_subprocess_wait (s->proc, NULL, &error);
  serve_free (s);
}

/* --database-url: a second server with its own data directory uses the
 * first one's database through the same code path. */
static void
test_database_url (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other = rvi_test_make_tmpdir ("rvi-test-url");
  g_autofree char *url = g_strdup_printf ("postgresql:///rvi?host=%s/pg&user=postgres", tmpdir);
  const char *argv[] = { rvi_test_bin (), "serve", "--data-dir", other, "--listen",
                         "127.0.0.1:0", "--database-url", url, NULL };
  Serve *first = serve_start ();
  g_autofree char *second_url = NULL;
  g_autoptr (GSubprocess) second = rvi_test_spawn (argv, NULL, "rvi: listening on ", &second_url);
  g_autofree char *pg_dir = g_build_filename (other, "pg", NULL);

  assert_login (second_url);
  g_assert_false (g_file_test (pg_dir, G_FILE_TEST_EXISTS));   /* no private cluster */
  g_subprocess_send_signal (second, SIGTERM);
  g_subprocess_wait (second, NULL, &error);
  g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 0);
  g_subprocess_send_signal (first->proc, SIGTERM);
  g_subprocess_wait (first->proc, NULL, &error);
  serve_free (first);
  rvi_test_rmtree (other);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  rvi_test_watchdog (240);
  tmpdir = rvi_test_make_tmpdir ("rvi-test-restart");
  g_test_add_func ("/restart/kill9-recovery", test_kill9_recovery);
  g_test_add_func ("/restart/postgres-dies", test_postgres_dies);
  g_test_add_func ("/restart/database-url", test_database_url);
  status = g_test_run ();
  rvi_test_rmtree (tmpdir);
  g_free (tmpdir);
  return status;
}
