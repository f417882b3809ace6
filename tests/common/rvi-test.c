/* rvi-test.c: shared test helpers. */
#include "rvi-test.h"
#include "db.h"
#include "embedded-postgres.h"
#include "migrations.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

char *
rvi_test_make_tmpdir (const char *prefix)
{
  g_autofree char *tmpl = g_strdup_printf ("%s-XXXXXX", prefix);
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  g_assert_cmpint (chmod (dir, 0755), ==, 0);
  return dir;
}

void
rvi_test_rmtree (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
}

static void
on_alarm (int sig)
{
  static const char msg[] = "test watchdog expired: aborting\n";
  ssize_t n = write (STDERR_FILENO, msg, sizeof msg - 1);
  (void) n;
  abort ();
}

void
rvi_test_watchdog (guint seconds)
{
  signal (SIGALRM, on_alarm);
  alarm (seconds);
}

struct _RviTestServer {
  const RviConfig *config;
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  RviServer *server;
  GError *error;
  GMutex lock;
  GCond cond;
  gboolean ready;
};

static gpointer
server_thread (gpointer data)
{
  RviTestServer *ts = data;

  g_main_context_push_thread_default (ts->context);
  ts->server = rvi_server_start (ts->config, &ts->error);
  g_mutex_lock (&ts->lock);
  ts->ready = TRUE;
  g_cond_signal (&ts->cond);
  g_mutex_unlock (&ts->lock);
  if (ts->server)
    g_main_loop_run (ts->loop);
  g_clear_pointer (&ts->server, rvi_server_stop);
  g_main_context_pop_thread_default (ts->context);
  return NULL;
}

RviTestServer *
rvi_test_server_start (const RviConfig *config)
{
  RviTestServer *ts = g_new0 (RviTestServer, 1);

  ts->config = config;
  ts->context = g_main_context_new ();
  ts->loop = g_main_loop_new (ts->context, FALSE);
  g_mutex_init (&ts->lock);
  g_cond_init (&ts->cond);
  ts->thread = g_thread_new ("test-server", server_thread, ts);
  g_mutex_lock (&ts->lock);
  while (!ts->ready)
    g_cond_wait (&ts->cond, &ts->lock);
  g_mutex_unlock (&ts->lock);
  g_assert_no_error (ts->error);
  return ts;
}

const char *
rvi_test_server_url (RviTestServer *ts)
{
  return rvi_server_get_url (ts->server);
}

RviServer *
rvi_test_server_get (RviTestServer *ts)
{
  return ts->server;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
rvi_test_server_stop (RviTestServer *ts)
{
  if (!ts)
    return;
  g_main_context_invoke (ts->context, quit_cb, ts->loop);
  g_thread_join (ts->thread);
  g_main_loop_unref (ts->loop);
  g_main_context_unref (ts->context);
  g_mutex_clear (&ts->lock);
  g_cond_clear (&ts->cond);
  g_free (ts);
}

const char *
rvi_test_bin (void)
{
  const char *bin = g_getenv ("RVI_BIN");
  g_assert_nonnull (bin);
  return bin;
}

int
rvi_test_run (const char *const *argv, const char *stdin_text, char **out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                    | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_autofree char *stdout_text = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, stdin_text ? stdin_text : "", NULL, &stdout_text, NULL,
                                 &error);
  g_assert_no_error (error);
  if (out)
    *out = g_steal_pointer (&stdout_text);
  return g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

/* In the child: die with the test, so a failed test never leaves servers
 * running that hold its output pipe open. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *
rvi_test_spawn (const char *const *argv, const char *stderr_path, const char *prefix, char **rest)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  GSubprocess *proc;

  if (stderr_path)
    g_subprocess_launcher_set_stderr_file_path (launcher, stderr_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  for (;;) {
    g_autofree char *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
    g_assert_no_error (error);
    if (!line)
      g_error ("%s ended before printing \"%s\"", argv[0], prefix);
    if (g_str_has_prefix (line, prefix)) {
      if (rest)
        *rest = g_strdup (line + strlen (prefix));
      return proc;
    }
  }
}

guint16
rvi_test_free_port (void)
{
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_socket_bind (s, addr, TRUE, &error));
  bound = g_socket_get_local_address (s, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

void
rvi_test_kill (GSubprocess *proc, int signal)
{
  g_subprocess_send_signal (proc, signal);
  g_subprocess_wait (proc, NULL, NULL);
}

RviTestDb *
rvi_test_db_start (const char *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *pg_dir = NULL;
  RviTestDb *db = g_new0 (RviTestDb, 1);

  db->tmpdir = rvi_test_make_tmpdir (prefix);
  pg_dir = g_build_filename (db->tmpdir, "pg", NULL);
  db->pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  db->conn = rvi_db_connect (rvi_embedded_pg_get_conninfo (db->pg), 5, &error);
  g_assert_no_error (error);
  g_assert_true (rvi_migrations_apply (db->conn, NULL, &error));
  g_assert_no_error (error);
  return db;
}

void
rvi_test_db_stop (RviTestDb *db)
{
  if (!db)
    return;
  g_clear_pointer (&db->conn, PQfinish);
  rvi_embedded_pg_stop (db->pg);
  rvi_test_rmtree (db->tmpdir);
  g_free (db->tmpdir);
  g_free (db);
}
