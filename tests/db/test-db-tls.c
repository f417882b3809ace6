/* test-db-tls: `rvi serve --database-url` on a PostgreSQL it can reach
 * only over TLS, the certificate checked (sslmode=verify-full):
 *
 * - a private cluster listens on 127.0.0.1 with ssl=on, a certificate for
 *   "localhost" signed by a throw-away CA, and pg_hba rules that take
 *   hostssl connections and reject hostnossl ones (checked first: a
 *   connection with sslmode=disable is refused);
 * - rvi with sslmode=verify-full and sslrootcert=that CA becomes ready
 *   (/readyz), and every connection it holds is TLS (pg_stat_ssl);
 * - with another CA as sslrootcert, or a host name the certificate does
 *   not name, rvi never listens and says why, as it does for any database
 *   it cannot reach at start-up ("database unavailable: ...; retrying",
 *   for 30 s, then it exits 1: the test does not wait for that). */
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "db.h"
#include "rvi-error.h"
#include "rvi-test.h"
#include "rvi-test-certs.h"

#define CLUSTER_USER "postgres"

static char *tmp;     /* everything of this test */
static char *certs;   /* tmp/certs: the CAs and the server's certificate */
static char *pg_dir;  /* tmp/pg: the cluster's socket, key and data/ */
static char *bin_dir; /* PostgreSQL's programs */
static guint16 port;
static GSubprocess *postgres;
static PGconn *admin; /* superuser, over the unix socket */

/* The newest /usr/lib/postgresql/N/bin, else the directory of postgres in PATH. */
static char *
find_bin_dir (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/usr/lib/postgresql", 0, NULL);
  g_autofree char *in_path = NULL;
  char *best = NULL;
  long best_version = -1;
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *bin = g_build_filename ("/usr/lib/postgresql", name, "bin", NULL);
    g_autofree char *prog = g_build_filename (bin, "postgres", NULL);
    long version = strtol (name, NULL, 10);

    if (version > best_version && g_file_test (prog, G_FILE_TEST_IS_EXECUTABLE)) {
      best_version = version;
      g_free (best);
      best = g_steal_pointer (&bin);
    }
  }
  if (best)
    return best;
  in_path = g_find_program_in_path ("postgres");
  g_assert_nonnull (in_path);
  return g_path_get_dirname (in_path);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGINT);
}

/* @args (a PostgreSQL program first, by name) as the cluster's user, its
 * output appended to tmp/pg.log: initdb and postgres refuse root, so as
 * root through setpriv, which also asks for SIGINT (fast shutdown) when
 * this test dies. With @wait, waits for a successful exit. (transfer full) */
static const char *const setpriv[] = { "setpriv", "--reuid=" CLUSTER_USER,
                                       "--regid=" CLUSTER_USER, "--init-groups",
                                       "--pdeathsig=INT", "--", NULL };

static GSubprocess *
spawn_as_cluster_user (const char *const *args, gboolean wait)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *log = g_build_filename (tmp, "pg.log", NULL);
  g_autoptr (GError) error = NULL;
  GSubprocess *proc;

  for (guint i = 0; geteuid () == 0 && setpriv[i]; i++)
    g_ptr_array_add (argv, g_strdup (setpriv[i]));
  g_ptr_array_add (argv, g_build_filename (bin_dir, args[0], NULL));
  for (guint i = 1; args[i]; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, log); /* stdout carries TAP */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  if (wait) {
    g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
    g_assert_no_error (error);
  }
  return proc;
}

/* Writes @text to @path, owned by the cluster's user when root, mode @mode. */
static void
write_cluster_file (const char *path, const char *text, int mode)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  if (geteuid () == 0) {
    struct passwd *pw = getpwnam (CLUSTER_USER);
    g_assert_nonnull (pw);
    g_assert_cmpint (chown (path, pw->pw_uid, pw->pw_gid), ==, 0);
  }
}

/* initdb, TLS and TCP settings, pg_hba, then postgres until it answers. */
static void
start_cluster (void)
{
  g_autofree char *data = g_build_filename (pg_dir, "data", NULL);
  g_autofree char *conf_path = g_build_filename (data, "postgresql.conf", NULL);
  g_autofree char *hba_path = g_build_filename (data, "pg_hba.conf", NULL);
  g_autofree char *key_path = g_build_filename (pg_dir, "db.key", NULL);
  g_autofree char *cert_path = rvi_test_certs_path (certs, "db", "pem");
  g_autofree char *key_made = rvi_test_certs_path (certs, "db", "key");
  g_autofree char *key = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *more = NULL;
  g_autofree char *socket_conninfo = NULL;
  const char *initdb[]
      = { "initdb",           "-D",        data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
          "--locale=C.UTF-8", "--no-sync", NULL };
  const char *run[] = { "postgres", "-D", data, NULL };
  g_autoptr (GError) error = NULL;
  gint64 deadline;

  g_assert_cmpint (g_mkdir (pg_dir, 0700), ==, 0);
  if (geteuid () == 0) {
    struct passwd *pw = getpwnam (CLUSTER_USER);
    g_assert_nonnull (pw);
    g_assert_cmpint (chown (pg_dir, pw->pw_uid, pw->pw_gid), ==, 0);
  }
  g_object_unref (spawn_as_cluster_user (initdb, TRUE));

  /* the key must belong to the cluster's user, mode 0600 */
  g_assert_true (g_file_get_contents (key_made, &key, NULL, &error));
  write_cluster_file (key_path, key, 0600);
  g_assert_true (g_file_get_contents (conf_path, &conf, NULL, &error));
  more = g_strdup_printf ("%s\n"
                          "listen_addresses = '127.0.0.1'\n"
                          "port = %u\n"
                          "unix_socket_directories = '%s'\n"
                          "ssl = on\n"
                          "ssl_cert_file = '%s'\n"
                          "ssl_key_file = '%s'\n"
                          "fsync = off\n",
                          conf, port, pg_dir, cert_path, key_path);
  write_cluster_file (conf_path, more, 0600);
  write_cluster_file (hba_path,
                      "local     all all               trust\n"
                      "hostnossl all all 0.0.0.0/0     reject\n"
                      "hostnossl all all ::/0          reject\n"
                      "hostssl   all all 127.0.0.1/32  trust\n"
                      "hostssl   all all ::1/128       trust\n",
                      0600);

  postgres = spawn_as_cluster_user (run, FALSE);
  socket_conninfo = g_strdup_printf ("host=%s port=%u dbname=postgres user=postgres"
                                     " connect_timeout=5",
                                     pg_dir, port);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (PQping (socket_conninfo) != PQPING_OK) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (50000);
  }
  admin = rvi_db_connect (socket_conninfo, 5, &error);
  g_assert_no_error (error);
  g_assert_true (rvi_db_run (admin, "CREATE ROLE rvi LOGIN", 0, NULL, &error));
  g_assert_true (rvi_db_run (admin, "CREATE DATABASE rvi OWNER rvi", 0, NULL, &error));
  g_assert_no_error (error);
}

static void
stop_cluster (void)
{
  g_clear_pointer (&admin, PQfinish);
  if (postgres) {
    g_subprocess_send_signal (postgres, SIGINT); /* fast shutdown */
    g_subprocess_wait (postgres, NULL, NULL);
    g_clear_object (&postgres);
  }
}

/* rvi's database URL: localhost (the name on the certificate) unless
 * @host, checked against the CA @ca. (transfer full) */
static char *
database_url (const char *host, const char *ca, const char *sslmode)
{
  g_autofree char *ca_path = rvi_test_certs_path (certs, ca, "pem");

  return g_strdup_printf ("postgresql://rvi@%s:%u/rvi?sslmode=%s&sslrootcert=%s", host, port,
                          sslmode, ca_path);
}

/* The argv of `rvi serve` on @url with its own data directory @name. */
static GStrv
serve_argv (const char *name, const char *url)
{
  g_autofree char *data_dir = g_build_filename (tmp, name, NULL);
  g_autofree char *conf = g_build_filename (tmp, "rvi.conf", NULL);
  const char *argv[] = { rvi_test_bin (), "serve", "--config", conf, "--data-dir", data_dir,
                         "--listen", "127.0.0.1:0", "--node", name, "--database-url", url,
                         NULL };

  return g_strdupv ((char **) argv);
}

/* Without TLS, the cluster refuses TCP connections: what follows shows
 * rvi's TLS, not a lenient server. */
static void
test_cluster_refuses_plain (void)
{
  g_autofree char *url = database_url ("localhost", "ca", "disable");
  g_autoptr (GError) error = NULL;
  g_autoptr (PGconn) conn = rvi_db_connect (url, 5, &error);

  g_assert_null (conn);
  g_assert_error (error, RVI_ERROR, RVI_ERROR_DB_UNAVAILABLE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "no encryption"));
}

static void
test_verify_full (void)
{
  g_autofree char *url = database_url ("localhost", "ca", "verify-full");
  g_auto (GStrv) argv = serve_argv ("node-tls", url);
  g_autofree char *log = g_build_filename (tmp, "node-tls.log", NULL);
  g_autofree char *base = NULL;
  g_autofree char *readyz = NULL;
  g_autoptr (GSubprocess) rvi = NULL;
  g_autoptr (SoupSession) http = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) res = NULL;

  rvi = rvi_test_spawn ((const char *const *) argv, log, "rvi: listening on ", &base);
  readyz = g_strconcat (base, g_str_has_suffix (base, "/") ? "" : "/", "readyz", NULL);
  msg = soup_message_new ("GET", readyz);
  body = soup_session_send_and_read (http, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (body, NULL), "\"ready\""));

  /* every connection of rvi (its pool, its LISTEN connection) is TLS over TCP */
  res = rvi_db_exec (admin,
                     "SELECT count(*) FILTER (WHERE s.ssl),"
                     " count(*) FILTER (WHERE NOT s.ssl OR a.client_addr IS NULL),"
                     " min(s.version)"
                     " FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)"
                     " WHERE a.usename = 'rvi'",
                     0, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("rvi's connections: %s over TLS (%s), %s not", PQgetvalue (res, 0, 0),
                  PQgetvalue (res, 0, 2), PQgetvalue (res, 0, 1));
  g_assert_cmpint (rvi_db_int64 (res, 0, 0), >=, 2);
  g_assert_cmpint (rvi_db_int64 (res, 0, 1), ==, 0);
  g_assert_true (g_str_has_prefix (PQgetvalue (res, 0, 2), "TLSv1."));
  rvi_test_kill (rvi, SIGTERM);
  if (!g_subprocess_get_if_exited (rvi) || g_subprocess_get_exit_status (rvi) != 0) {
    g_autofree char *text = NULL;

    g_file_get_contents (log, &text, NULL, NULL);
    g_printerr ("rvi did not stop cleanly; its log:\n%s\n", text ? text : "");
  }
  g_assert_true (g_subprocess_get_if_exited (rvi));
  g_assert_cmpint (g_subprocess_get_exit_status (rvi), ==, 0);
}

typedef struct {
  const char *name;
  char *log;
  GSubprocess *proc;
  const char *want; /* in the error line */
} Refused;

/* Starts rvi on @url, which it must not accept; stdout piped, stderr to a file. */
static void
refused_start (Refused *r, const char *name, const char *url, const char *want)
{
  g_auto (GStrv) argv = serve_argv (name, url);
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;

  r->name = name;
  r->want = want;
  r->log = g_strdup_printf ("%s/%s.log", tmp, name);
  g_subprocess_launcher_set_stderr_file_path (launcher, r->log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  r->proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv, &error);
  g_assert_no_error (error);
}

/* Waits up to 15 s for rvi to log why it cannot use the database, checks
 * that it is still trying and has not listened, then kills it. */
static void
refused_check (Refused *r)
{
  gint64 deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  g_autofree char *line = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;

  for (;;) {
    g_autofree char *text = NULL;
    char *hit;

    if (g_file_get_contents (r->log, &text, NULL, NULL)
        && (hit = strstr (text, "database unavailable: ")) && strstr (hit, "; retrying")) {
      line = g_strndup (hit, strcspn (hit, "\n"));
      break;
    }
    if (g_get_monotonic_time () > deadline)
      g_error ("%s: no database error logged; its log:\n%s", r->name, text ? text : "");
    g_usleep (100000);
  }
  g_test_message ("%s: %s", r->name, line);
  g_assert_nonnull (strstr (line, r->want));
  /* still trying at start-up (SIGTERM would wait for it to give up), and
   * it never said it listens */
  g_subprocess_force_exit (r->proc);
  g_subprocess_communicate_utf8 (r->proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (r->proc));
  g_assert_cmpint (g_subprocess_get_term_sig (r->proc), ==, SIGKILL);
  g_assert_null (strstr (out ? out : "", "rvi: listening"));
  g_clear_object (&r->proc);
  g_free (r->log);
}

static void
test_refused (void)
{
  g_autofree char *wrong_ca = database_url ("localhost", "other-ca", "verify-full");
  g_autofree char *wrong_name = database_url ("127.0.0.1", "ca", "verify-full");
  Refused by_ca, by_name;

  /* both at once: each logs its first failure within a second */
  refused_start (&by_ca, "node-wrong-ca", wrong_ca, "certificate verify failed");
  refused_start (&by_name, "node-wrong-name", wrong_name, "does not match host name \"127.0.0.1\"");
  refused_check (&by_ca);
  refused_check (&by_name);
}

int
main (int argc, char **argv)
{
  g_autofree char *conf = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  rvi_test_watchdog (90);
  tmp = rvi_test_make_tmpdir ("rvi-db-tls");
  certs = g_build_filename (tmp, "certs", NULL);
  pg_dir = g_build_filename (tmp, "pg", NULL);
  bin_dir = find_bin_dir ();
  port = rvi_test_free_port ();
  g_assert_cmpint (g_mkdir (certs, 0755), ==, 0);
  rvi_test_certs_make_ca (certs, "ca");
  rvi_test_certs_make_ca (certs, "other-ca");
  rvi_test_certs_make_server (certs, "ca", "db", "DNS:localhost");
  conf = g_build_filename (tmp, "rvi.conf", NULL);
  g_assert_true (g_file_set_contents (conf, "[rvi]\nrecording=false\n", -1, NULL));
  start_cluster ();

  g_test_add_func ("/db-tls/cluster-refuses-plain", test_cluster_refuses_plain);
  g_test_add_func ("/db-tls/verify-full", test_verify_full);
  g_test_add_func ("/db-tls/refused", test_refused);
  status = g_test_run ();

  stop_cluster ();
  rvi_test_rmtree (tmp);
  g_free (tmp);
  g_free (certs);
  g_free (pg_dir);
  g_free (bin_dir);
  return status;
}
