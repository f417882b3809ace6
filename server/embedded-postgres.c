/* embedded-postgres.c: the private PostgreSQL cluster.
 *
 * DESIGN
 * Layout: DATA-DIR/pg/ (mode 0700, owned by the cluster's user) holds
 * data/ (the cluster, from initdb), pg.log (postgres's output) and the
 * unix socket .s.PGSQL.5432. listen_addresses is empty, so there is no TCP
 * port, and the socket is reachable only through the 0700 directory.
 *
 * Privileges: initdb and postgres refuse to run as root. When rvi is root,
 * the child drops to @run_as_user (setgid/initgroups/setuid) after fork and
 * before exec. When rvi is not root, everything runs as rvi's own user.
 *
 * Lifetime: postgres is our child in its own process group, so a Ctrl-C on
 * the terminal reaches rvi only and rvi stops the cluster after its own
 * shutdown work. The child asks the kernel for SIGINT (fast shutdown) when
 * its parent dies (PR_SET_PDEATHSIG, set after the uid change, which would
 * clear it). If rvi was killed with SIGKILL and a postmaster is somehow
 * still running at the next start, the start finds it through
 * postmaster.pid and shuts it down before starting its own. */
#define G_LOG_DOMAIN "rvi-pg"
#include "embedded-postgres.h"
#include "loop-timer.h"
#include "rvi-error.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>


#define SOCKET_NAME ".s.PGSQL.5432"
#define START_TIMEOUT_US (60 * G_USEC_PER_SEC)
#define STOP_TIMEOUT_US (30 * G_USEC_PER_SEC)

struct _RviEmbeddedPg {
  char *pg_dir;
  char *data_dir;
  char *log_path;
  char *bin_dir;
  char *conninfo;
  char *admin_conninfo;
  gboolean drop_privileges;
  uid_t uid;
  gid_t gid;
  char *user;
  pid_t pid;
  GSource *watch;          /* loop-timer.h */
  GSource *restart;
  int restarts;
};

char *
rvi_embedded_pg_conninfo_for (const char *pg_dir)
{
  return g_strdup_printf ("host=%s dbname=rvi user=postgres", pg_dir);
}

/* The newest /usr/lib/postgresql/N/bin holding postgres, else PATH. */
static char *
find_bin_dir (GError **error)
{
  g_autoptr (GDir) dir = g_dir_open ("/usr/lib/postgresql", 0, NULL);
  g_autofree char *best = NULL;
  g_autofree char *in_path = NULL;
  long best_version = -1;
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *bin = g_build_filename ("/usr/lib/postgresql", name, "bin", NULL);
    g_autofree char *postgres = g_build_filename (bin, "postgres", NULL);
    long version = strtol (name, NULL, 10);

    if (version > best_version && g_file_test (postgres, G_FILE_TEST_IS_EXECUTABLE)) {
      best_version = version;
      g_free (best);
      best = g_steal_pointer (&bin);
    }
  }
  if (best)
    return g_steal_pointer (&best);
  in_path = g_find_program_in_path ("postgres");
  if (in_path)
    return g_path_get_dirname (in_path);
  g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG,
               "no PostgreSQL server binaries found (install the postgresql package "
               "or set database_url)");
  return NULL;
}

/* Runs in the forked child before exec: only async-signal-safe calls. */
static void
become_cluster_user (RviEmbeddedPg *pg, pid_t parent)
{
  if (pg->drop_privileges) {
    if (setgid (pg->gid) != 0 || initgroups (pg->user, pg->gid) != 0 || setuid (pg->uid) != 0)
      _exit (126);
  }
  prctl (PR_SET_PDEATHSIG, SIGINT);
  if (getppid () != parent)
    _exit (125);
  if (chdir (pg->pg_dir) != 0) {
    static const char msg[] = "rvi: the cluster user cannot enter the pg directory; every "
                              "parent directory needs search (x) permission for it\n";
    ssize_t n = write (STDERR_FILENO, msg, sizeof msg - 1);
    (void) n;
    _exit (124);
  }
}

/* Forks and execs @argv as the cluster user with output appended to the
 * log. Returns the pid, or -1 with @error set. */
static pid_t
spawn_as_cluster_user (RviEmbeddedPg *pg, char **argv, GError **error)
{
  pid_t parent = getpid ();
  int log_fd = open (pg->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  pid_t pid;

  if (log_fd < 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG, "cannot open %s: %s", pg->log_path,
                 g_strerror (errno));
    return -1;
  }
  if (pg->drop_privileges && fchown (log_fd, pg->uid, pg->gid) != 0)
    g_warning ("cannot chown %s: %s", pg->log_path, g_strerror (errno));
  pid = fork ();
  if (pid < 0) {
    int e = errno;
    close (log_fd);
    g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG, "fork: %s", g_strerror (e));
    return -1;
  }
  if (pid == 0) {
    int null_fd = open ("/dev/null", O_RDONLY);
    setpgid (0, 0);
    if (null_fd >= 0)
      dup2 (null_fd, STDIN_FILENO);
    dup2 (log_fd, STDOUT_FILENO);
    dup2 (log_fd, STDERR_FILENO);
    become_cluster_user (pg, parent);
    execv (argv[0], argv);
    _exit (127);
  }
  close (log_fd);
  return pid;
}

/* The last lines of pg.log, to put in an error message. */
static char *
log_tail (RviEmbeddedPg *pg)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  const char *start;
  int lines = 0;

  if (!g_file_get_contents (pg->log_path, &text, &len, NULL) || len == 0)
    return g_strdup ("(pg.log is empty)");
  start = text + len;
  while (start > text && lines < 6)
    if (*--start == '\n' && start != text + len - 1)
      lines++;
  return g_strstrip (g_strdup (start));
}

static gboolean
run_initdb (RviEmbeddedPg *pg, GError **error)
{
  g_autofree char *initdb = g_build_filename (pg->bin_dir, "initdb", NULL);
  char *argv[] = { initdb, (char *) "-D", pg->data_dir, (char *) "-U", (char *) "postgres",
                   (char *) "-A", (char *) "trust", (char *) "-E", (char *) "UTF8",
                   (char *) "--locale=C.UTF-8", NULL };
  int status = 0;
  pid_t pid;

  g_message ("creating the private PostgreSQL cluster in %s", pg->data_dir);
  pid = spawn_as_cluster_user (pg, argv, error);
  if (pid < 0)
    return FALSE;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
    g_autofree char *tail = log_tail (pg);
    g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG, "initdb failed (status %d): %s",
                 WIFEXITED (status) ? WEXITSTATUS (status) : -1, tail);
    return FALSE;
  }
  return TRUE;
}

static gboolean
process_alive (pid_t pid)
{
  if (pid <= 0)
    return FALSE;
  /* an exited child of ours stays a zombie until reaped */
  if (waitpid (pid, NULL, WNOHANG) == pid)
    return FALSE;
  return kill (pid, 0) == 0 || errno == EPERM;
}

/* Waits for a process that is not our child to disappear. */
static gboolean
wait_gone (pid_t pid, gint64 timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  while (process_alive (pid)) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_usleep (50 * 1000);
  }
  return TRUE;
}

/* A postmaster.pid naming a live postgres means a previous rvi died without
 * stopping its cluster (we hold the data dir lock, so nobody else runs it). */
static void
stop_orphaned_postmaster (RviEmbeddedPg *pg)
{
  g_autofree char *pid_file = g_build_filename (pg->data_dir, "postmaster.pid", NULL);
  g_autofree char *text = NULL;
  g_autofree char *cmdline_path = NULL;
  g_autofree char *cmdline = NULL;
  pid_t pid;

  if (!g_file_get_contents (pid_file, &text, NULL, NULL))
    return;
  pid = (pid_t) strtol (text, NULL, 10);
  if (pid <= 1 || !process_alive (pid))
    return;
  cmdline_path = g_strdup_printf ("/proc/%d/cmdline", pid);
  if (!g_file_get_contents (cmdline_path, &cmdline, NULL, NULL) || !strstr (cmdline, "postgres"))
    return;
  g_warning ("stopping orphaned postmaster %d left by a previous rvi", pid);
  kill (pid, SIGINT);
  if (wait_gone (pid, 15 * G_USEC_PER_SEC))
    return;
  kill (pid, SIGQUIT);
  if (!wait_gone (pid, 5 * G_USEC_PER_SEC))
    kill (pid, SIGKILL);
  wait_gone (pid, 5 * G_USEC_PER_SEC);
}

static gboolean
wait_ready (RviEmbeddedPg *pg, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_US;

  for (;;) {
    int status;
    if (PQping (pg->admin_conninfo) == PQPING_OK)
      return TRUE;
    if (waitpid (pg->pid, &status, WNOHANG) == pg->pid) {
      g_autofree char *tail = log_tail (pg);
      pg->pid = 0;
      g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG, "postgres exited at start-up: %s",
                   tail);
      return FALSE;
    }
    if (g_get_monotonic_time () > deadline) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG,
                   "postgres did not accept connections within %d s",
                   (int) (START_TIMEOUT_US / G_USEC_PER_SEC));
      return FALSE;
    }
    g_usleep (50 * 1000);
  }
}

static gboolean
ensure_database (RviEmbeddedPg *pg, GError **error)
{
  PGconn *conn = PQconnectdb (pg->admin_conninfo);
  PGresult *res = NULL;
  gboolean ok = FALSE;

  if (PQstatus (conn) != CONNECTION_OK)
    goto out;
  res = PQexec (conn, "SELECT 1 FROM pg_database WHERE datname = 'rvi'");
  if (PQresultStatus (res) != PGRES_TUPLES_OK)
    goto out;
  if (PQntuples (res) == 0) {
    PQclear (res);
    res = PQexec (conn, "CREATE DATABASE rvi");
    if (PQresultStatus (res) != PGRES_COMMAND_OK)
      goto out;
  }
  ok = TRUE;
out:
  if (!ok)
    g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG, "cannot create database rvi: %s",
                 PQerrorMessage (conn));
  PQclear (res);
  PQfinish (conn);
  return ok;
}

static gboolean
launch_postgres (RviEmbeddedPg *pg, GError **error)
{
  g_autofree char *postgres = g_build_filename (pg->bin_dir, "postgres", NULL);
  char *argv[] = { postgres, (char *) "-D", pg->data_dir, (char *) "-k", pg->pg_dir,
                   (char *) "-c", (char *) "listen_addresses=",
                   (char *) "-c", (char *) "unix_socket_permissions=0700",
                   (char *) "-c", (char *) "max_connections=200",
                   NULL };

  pg->pid = spawn_as_cluster_user (pg, argv, error);
  if (pg->pid < 0) {
    pg->pid = 0;
    return FALSE;
  }
  return wait_ready (pg, error);
}

static gboolean
prepare_pg_dir (RviEmbeddedPg *pg, GError **error)
{
  if (g_mkdir_with_parents (pg->pg_dir, 0700) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG, "cannot create %s: %s", pg->pg_dir,
                 g_strerror (errno));
    return FALSE;
  }
  if (pg->drop_privileges && chown (pg->pg_dir, pg->uid, pg->gid) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG, "cannot chown %s to %s: %s",
                 pg->pg_dir, pg->user, g_strerror (errno));
    return FALSE;
  }
  chmod (pg->pg_dir, 0700);
  return TRUE;
}

RviEmbeddedPg *
rvi_embedded_pg_start (const char *pg_dir, const char *run_as_user, GError **error)
{
  g_autoptr (RviEmbeddedPg) pg = g_new0 (RviEmbeddedPg, 1);
  g_autofree char *version_file = NULL;
  g_autofree char *socket_path = NULL;

  pg->pg_dir = g_canonicalize_filename (pg_dir, NULL);
  pg->data_dir = g_build_filename (pg->pg_dir, "data", NULL);
  pg->log_path = g_build_filename (pg->pg_dir, "pg.log", NULL);
  pg->conninfo = rvi_embedded_pg_conninfo_for (pg->pg_dir);
  pg->admin_conninfo = g_strdup_printf ("host=%s dbname=postgres user=postgres "
                                        "connect_timeout=5", pg->pg_dir);
  socket_path = g_build_filename (pg->pg_dir, SOCKET_NAME, NULL);
  if (strlen (socket_path) >= 107) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG,
                 "data directory path too long for a unix socket (%s); use a shorter data_dir",
                 socket_path);
    return NULL;
  }
  pg->bin_dir = find_bin_dir (error);
  if (!pg->bin_dir)
    return NULL;

  if (geteuid () == 0) {
    struct passwd *pw = getpwnam (run_as_user ? run_as_user : "postgres");
    if (!pw || pw->pw_uid == 0) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_EMBEDDED_PG,
                   "running as root: the private cluster needs an unprivileged user "
                   "(embedded_pg_user \"%s\" does not exist or is root)",
                   run_as_user ? run_as_user : "postgres");
      return NULL;
    }
    pg->drop_privileges = TRUE;
    pg->uid = pw->pw_uid;
    pg->gid = pw->pw_gid;
    pg->user = g_strdup (pw->pw_name);
  }

  if (!prepare_pg_dir (pg, error))
    return NULL;
  version_file = g_build_filename (pg->data_dir, "PG_VERSION", NULL);
  if (!g_file_test (version_file, G_FILE_TEST_EXISTS)) {
    if (!run_initdb (pg, error))
      return NULL;
  } else {
    stop_orphaned_postmaster (pg);
  }
  if (!launch_postgres (pg, error) || !ensure_database (pg, error))
    return NULL;
  g_info ("private PostgreSQL running (pid %d, socket in %s)", pg->pid, pg->pg_dir);
  return g_steal_pointer (&pg);
}

const char *
rvi_embedded_pg_get_conninfo (RviEmbeddedPg *pg)
{
  return pg->conninfo;
}

int
rvi_embedded_pg_get_pid (RviEmbeddedPg *pg)
{
  return pg->pid;
}

static void on_child_exit (GPid pid, int status, gpointer user_data);

/* Watches the postmaster on the caller's thread-default context. */
static void
watch_child (RviEmbeddedPg *pg)
{
  pg->watch = g_child_watch_source_new (pg->pid);
  g_source_set_callback (pg->watch, (GSourceFunc) (void (*) (void)) on_child_exit, pg, NULL);
  g_source_attach (pg->watch, g_main_context_get_thread_default ());
}

static gboolean
restart_cb (gpointer user_data)
{
  RviEmbeddedPg *pg = user_data;
  g_autoptr (GError) error = NULL;

  rvi_timer_drop (&pg->restart);
  stop_orphaned_postmaster (pg);
  if (!launch_postgres (pg, &error)) {
    guint delay = MIN (30u, 1u << MIN (pg->restarts, 5));
    g_warning ("private PostgreSQL did not restart: %s; retrying in %u s", error->message,
               delay);
    if (pg->pid > 0) {
      kill (pg->pid, SIGQUIT);
      waitpid (pg->pid, NULL, 0);
      pg->pid = 0;
    }
    pg->restarts++;
    pg->restart = rvi_timer_new (delay * 1000, restart_cb, pg);
    return G_SOURCE_REMOVE;
  }
  g_message ("private PostgreSQL restarted (pid %d)", pg->pid);
  watch_child (pg);
  return G_SOURCE_REMOVE;
}

static void
on_child_exit (GPid pid, int status, gpointer user_data)
{
  RviEmbeddedPg *pg = user_data;

  g_clear_pointer (&pg->watch, g_source_unref);   /* a child watch runs once */
  pg->pid = 0;
  g_spawn_close_pid (pid);
  g_warning ("private PostgreSQL exited unexpectedly (wait status %d); restarting", status);
  pg->restarts++;
  pg->restart = rvi_timer_new (1000, restart_cb, pg);
}

void
rvi_embedded_pg_supervise (RviEmbeddedPg *pg)
{
  g_return_if_fail (pg->watch == NULL && pg->pid > 0);
  watch_child (pg);
}

void
rvi_embedded_pg_stop (RviEmbeddedPg *pg)
{
  if (!pg)
    return;
  rvi_timer_drop (&pg->watch);
  rvi_timer_drop (&pg->restart);
  if (pg->pid > 0) {
    gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_US;
    gboolean escalated = FALSE;

    kill (pg->pid, SIGINT);
    for (;;) {
      pid_t r = waitpid (pg->pid, NULL, WNOHANG);
      if (r == pg->pid || (r < 0 && errno == ECHILD))
        break;
      if (!escalated && g_get_monotonic_time () > deadline) {
        g_warning ("private PostgreSQL did not stop in time; sending SIGQUIT");
        kill (pg->pid, SIGQUIT);
        escalated = TRUE;
      }
      g_usleep (20 * 1000);
    }
  }
  g_free (pg->pg_dir);
  g_free (pg->data_dir);
  g_free (pg->log_path);
  g_free (pg->bin_dir);
  g_free (pg->conninfo);
  g_free (pg->admin_conninfo);
  g_free (pg->user);
  g_free (pg);
}
