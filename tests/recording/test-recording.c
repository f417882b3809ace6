/* test-recording: rvi serve records camsim cameras over real RTSP, end to
 * end: segments on disk that ffprobe reads, an index whose segments and
 * gaps leave no interval unexplained, recovery after a camera outage,
 * repair after kill -9 of rvi, H.265, and an authentication failure that
 * says so. Credentials never reach the server's log. */
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>

#include "db.h"
#include "embedded-postgres.h"
#include "http-client.h"
#include "rvi-test.h"

#define CAM_PASSWORD "cam-Pa55-word"
#define SEGMENT_S 8

static char *tmpdir;
static char *conf;
static char *serve_log;
static char *url;           /* rvi */
static char *token;
static GSubprocess *serve;
static GSubprocess *camsim_a;
static guint16 port_a, port_b;
static char *cam[4];        /* h264 a1, h264 a2, h265 b1, b1 with a wrong password */
static char *pg_dir;        /* the database runs apart from rvi, so the test can stop it */
static RviEmbeddedPg *pg;

static void
start_serve (void)
{
  const char *argv[] = { rvi_test_bin (), "serve", "--config", conf, "--data-dir", tmpdir,
                         "--listen", "127.0.0.1:0", "--database-url",
                         rvi_embedded_pg_get_conninfo (pg), NULL };
  g_clear_pointer (&url, g_free);
  serve = rvi_test_spawn (argv, serve_log, "rvi: listening on ", &url);
}

static void
start_camsim_a (void)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port_a);
  const char *argv[] = { rvi_test_bin (), "camsim", "--listen", listen, "--cameras", "2",
                         "--size", "640x360", "--fps", "10", NULL };
  camsim_a = rvi_test_spawn (argv, NULL, "camsim: serving ", NULL);
}

static PGconn *
db (void)
{
  g_autoptr (GError) error = NULL;
  PGconn *c = rvi_db_connect (rvi_embedded_pg_get_conninfo (pg), 5, &error);
  g_assert_no_error (error);
  return c;
}

static PGresult *
query (PGconn *c, const char *sql, const char *param)
{
  g_autoptr (GError) error = NULL;
  const char *params[] = { param };
  PGresult *res = rvi_db_exec (c, sql, param ? 1 : 0, params, &error);
  g_assert_no_error (error);
  return res;
}

static TestResponse *
api (const char *method, const char *path, const char *body)
{
  g_autoptr (TestClient) c = test_client_new (url);
  c->bearer = g_strdup (token);
  return test_request (c, method, path, body, NULL);
}

static char *
link_camera (const char *name, const char *rtsp, const char *user, const char *password)
{
  g_autofree char *body = g_strdup_printf ("{\"name\": \"%s\", \"url\": \"%s\", \"segment_seconds\":"
                                           " %d%s%s%s%s%s}", name, rtsp, SEGMENT_S,
                                           user ? ", \"username\": \"" : "", user ? user : "",
                                           user ? "\", \"password\": \"" : "",
                                           password ? password : "", user ? "\"" : "");
  g_autoptr (TestResponse) r = api ("POST", "/api/cameras", body);

  g_assert_cmpuint (r->status, ==, 201);
  return g_strdup (test_json_string (r, "camera.id"));
}

static char *
camera_state (const char *id, char **message)
{
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s", id);
  g_autoptr (TestResponse) r = api ("GET", path, NULL);
  JsonObject *c;

  g_assert_cmpuint (r->status, ==, 200);
  c = json_object_get_object_member (json_node_get_object (r->json), "camera");
  if (message)
    *message = g_strdup (json_object_get_string_member_with_default (
        json_object_get_object_member (c, "health"), "message", ""));
  return g_strdup (json_object_get_string_member (c, "state"));
}

/* Waits up to @seconds for camera @id to be in @state. */
static gboolean
wait_state (const char *id, const char *state, int seconds)
{
  for (int i = 0; i < seconds * 4; i++) {
    g_autofree char *s = camera_state (id, NULL);
    if (g_str_equal (s, state))
      return TRUE;
    g_usleep (250000);
  }
  return FALSE;
}

/* Closed segments of @id that ffprobe reads, with their indexed duration. */
static int
check_segments (PGconn *c, const char *id, const char *codec)
{
  g_autoptr (PGresult) res = query (c, "SELECT path, duration_us, codec, sha256, bytes FROM segments"
                                    " WHERE camera_id = $1::uuid AND status = 'closed'"
                                    " ORDER BY start_at", id);
  for (int i = 0; i < PQntuples (res); i++) {
    g_autofree char *file = g_build_filename (tmpdir, "media", PQgetvalue (res, i, 0), NULL);
    const char *argv[] = { "ffprobe", "-v", "error", "-show_entries",
                           "format=duration:stream=codec_name", "-of", "default=nw=1", file, NULL };
    g_autofree char *out = NULL;
    g_autofree char *sum = NULL;
    g_autofree char *data = NULL;
    gsize len = 0;
    const char *d;
    double probed, indexed = g_ascii_strtod (PQgetvalue (res, i, 1), NULL) / 1e6;

    g_assert_cmpint (rvi_test_run (argv, NULL, &out), ==, 0);
    g_assert_nonnull (strstr (out, codec));
    d = strstr (out, "duration=");
    g_assert_nonnull (d);
    probed = g_ascii_strtod (d + 9, NULL);
    if (ABS (probed - indexed) > 0.25)
      g_error ("%s: ffprobe says %.3f s, the index %.3f s", file, probed, indexed);
    g_assert_true (g_file_get_contents (file, &data, &len, NULL));
    g_assert_cmpuint (len, ==, g_ascii_strtoull (PQgetvalue (res, i, 4), NULL, 10));
    sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
    g_assert_cmpstr (sum, ==, PQgetvalue (res, i, 3));
  }
  return PQntuples (res);
}

/* Segments and gaps of @id, in time order, leave no hole over 1 s and no
 * overlap over 1 s; returns the seconds covered from the first start. */
static double
check_no_silent_gaps (PGconn *c, const char *id)
{
  g_autoptr (PGresult) res = query (c,
      "SELECT extract(epoch FROM start_at), extract(epoch FROM coalesce(end_at, now())), kind, cause"
      " FROM (SELECT start_at, end_at, 'segment' AS kind, '' AS cause FROM segments"
      "       WHERE camera_id = $1::uuid AND status <> 'deleting'"
      "       UNION ALL SELECT start_at, end_at, 'gap', cause FROM gaps WHERE camera_id = $1::uuid) x"
      " ORDER BY 1", id);
  double first = 0, prev_end = 0;

  g_assert_cmpint (PQntuples (res), >, 0);
  for (int i = 0; i < PQntuples (res); i++) {
    double start = g_ascii_strtod (PQgetvalue (res, i, 0), NULL);
    double end = g_ascii_strtod (PQgetvalue (res, i, 1), NULL);
    if (i == 0)
      first = start;
    else if (start - prev_end > 1.0 || prev_end - start > 1.0)
      g_error ("camera %s: %s %s starts %.3f s after the previous item ends", id,
               PQgetvalue (res, i, 2), PQgetvalue (res, i, 3), start - prev_end);
    prev_end = MAX (prev_end, end);
  }
  return prev_end - first;
}

static void
test_recording (void)
{
  g_autoptr (PGconn) c = NULL;
  g_autofree char *message = NULL;
  g_autofree char *state = NULL;
  g_autofree char *rtsp_a1 = g_strdup_printf ("rtsp://127.0.0.1:%u/cam1", port_a);
  g_autofree char *rtsp_a2 = g_strdup_printf ("rtsp://127.0.0.1:%u/cam2", port_a);
  g_autofree char *rtsp_b1 = g_strdup_printf ("rtsp://127.0.0.1:%u/cam1", port_b);
  gint64 t0 = g_get_real_time ();

  cam[0] = link_camera ("A1", rtsp_a1, NULL, NULL);
  cam[1] = link_camera ("A2", rtsp_a2, NULL, NULL);
  cam[2] = link_camera ("B1 h265", rtsp_b1, "cam", CAM_PASSWORD);
  cam[3] = link_camera ("B1 wrong password", rtsp_b1, "cam", "not-the-password");
  for (int i = 0; i < 3; i++)
    g_assert_true (wait_state (cam[i], "streaming", 20));
  g_assert_true (wait_state (cam[3], "auth_failed", 20));
  state = camera_state (cam[3], &message);
  g_assert_nonnull (strstr (message, "authentication failed"));

  g_usleep ((gulong) (3 * SEGMENT_S + 2) * G_USEC_PER_SEC);
  c = db ();
  g_assert_cmpint (check_segments (c, cam[0], "h264"), >=, 2);
  g_assert_cmpint (check_segments (c, cam[1], "h264"), >=, 2);
  g_assert_cmpint (check_segments (c, cam[2], "hevc"), >=, 2);
  /* recorded time matches wall time: everything since linking is covered */
  g_assert_cmpfloat (check_no_silent_gaps (c, cam[1]), >=,
                     (g_get_real_time () - t0) / 1e6 - 8.0);
  {
    g_autoptr (PGresult) auth = query (c, "SELECT count(*) FROM gaps WHERE camera_id = $1::uuid"
                                       " AND cause = 'auth_failed'", cam[3]);
    g_assert_cmpint (atoi (PQgetvalue (auth, 0, 0)), >=, 1);
  }
}

static void
test_camera_outage (void)
{
  g_autoptr (PGconn) c = db ();
  g_autoptr (PGresult) gap = NULL;
  gint64 killed_at, back_at;
  double gap_start, gap_end;

  rvi_test_kill (camsim_a, SIGKILL);
  g_clear_object (&camsim_a);
  killed_at = g_get_real_time ();
  g_usleep (20 * G_USEC_PER_SEC);
  start_camsim_a ();
  back_at = g_get_real_time ();
  /* back within the back-off cap (4 s here) plus connecting */
  g_assert_true (wait_state (cam[0], "streaming", 15));
  g_usleep ((SEGMENT_S + 2) * G_USEC_PER_SEC);

  gap = query (c, "SELECT extract(epoch FROM start_at), extract(epoch FROM end_at), cause"
               " FROM gaps WHERE camera_id = $1::uuid AND end_at IS NOT NULL"
               " AND cause IN ('unreachable', 'timeout', 'stream_ended')"
               " ORDER BY start_at", cam[0]);
  g_assert_cmpint (PQntuples (gap), >=, 1);
  gap_start = g_ascii_strtod (PQgetvalue (gap, 0, 0), NULL);
  gap_end = g_ascii_strtod (PQgetvalue (gap, PQntuples (gap) - 1, 1), NULL);
  /* the gaps cover the outage: from about the kill to after the restart */
  g_assert_cmpfloat (gap_start, <=, killed_at / 1e6 + 1.5);
  g_assert_cmpfloat (gap_start, >=, killed_at / 1e6 - 3.0);
  g_assert_cmpfloat (gap_end, >=, back_at / 1e6 - 1.0);
  g_assert_cmpfloat (gap_end, <=, back_at / 1e6 + 15.0);
  check_no_silent_gaps (c, cam[0]);
  g_assert_cmpint (check_segments (c, cam[0], "h264"), >=, 3);
}

/* Waits up to @seconds for a segment of @id that started after @after_us. */
static gboolean
wait_new_segment (PGconn *c, const char *id, gint64 after_us, int seconds)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM segments WHERE camera_id = $1::uuid"
                                          " AND start_at > rvi_us(%" G_GINT64_FORMAT ")", after_us);
  for (int i = 0; i < seconds * 4; i++) {
    g_autoptr (PGresult) res = query (c, sql, id);
    if (atoi (PQgetvalue (res, 0, 0)) > 0)
      return TRUE;
    g_usleep (250000);
  }
  return FALSE;
}

static void
test_kill9 (void)
{
  g_autoptr (PGconn) c = NULL;
  g_autoptr (PGresult) seg = NULL;
  g_autoptr (PGresult) gap = NULL;
  gint64 killed_at;
  double end;

  /* well into a segment: 3 s after its start, with more than 1 s to go */
  c = db ();
  for (int i = 0;; i++) {
    g_autoptr (PGresult) open = query (c, "SELECT extract(epoch FROM now() - start_at) FROM segments"
                                       " WHERE camera_id = $1::uuid AND status = 'open'", cam[1]);
    double age = PQntuples (open) == 1 ? g_ascii_strtod (PQgetvalue (open, 0, 0), NULL) : 0;

    if (age >= 3.0 && age <= SEGMENT_S - 2.0)
      break;
    g_assert_cmpint (i, <, 20 * 4);
    g_usleep (250000);
  }
  g_clear_pointer (&c, PQfinish);
  rvi_test_kill (serve, SIGKILL);
  g_clear_object (&serve);
  killed_at = g_get_real_time ();
  g_usleep (2 * G_USEC_PER_SEC);
  start_serve ();
  c = db ();
  g_assert_true (wait_new_segment (c, cam[1], killed_at, 30));
  g_usleep ((SEGMENT_S + 3) * G_USEC_PER_SEC);

  seg = query (c, "SELECT extract(epoch FROM end_at), path FROM segments WHERE camera_id = $1::uuid"
               " AND repaired ORDER BY start_at DESC LIMIT 1", cam[1]);
  g_assert_cmpint (PQntuples (seg), ==, 1);
  end = g_ascii_strtod (PQgetvalue (seg, 0, 0), NULL);
  g_test_message ("repaired segment ends %.3f s before the kill", killed_at / 1e6 - end);
  /* the repaired segment plays to within what was not yet on disk at the
   * kill: the fragment being assembled (1 s, written whole when it is
   * complete) and a reader batch (30 ms); measured 0.5-1.1 s
   * (docs/recording.md) */
  if (killed_at / 1e6 - end > 1.5 || end > killed_at / 1e6 + 0.5)
    g_error ("repaired segment ends %.3f s before the kill", killed_at / 1e6 - end);
  gap = query (c, "SELECT count(*) FROM gaps WHERE camera_id = $1::uuid AND cause = 'server_restart'"
               " AND end_at IS NOT NULL", cam[1]);
  g_assert_cmpint (atoi (PQgetvalue (gap, 0, 0)), ==, 1);
  check_segments (c, cam[1], "h264");
  check_no_silent_gaps (c, cam[1]);
  /* no row without a file, no open row left behind */
  {
    g_autoptr (PGresult) rows = query (c, "SELECT path FROM segments WHERE status = 'closed'", NULL);
    g_autoptr (PGresult) open = query (c, "SELECT count(*) FROM segments WHERE status = 'open'"
                                       " AND start_at < now() - interval '30 seconds'", NULL);
    for (int i = 0; i < PQntuples (rows); i++) {
      g_autofree char *file = g_build_filename (tmpdir, "media", PQgetvalue (rows, i, 0), NULL);
      g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
    }
    g_assert_cmpstr (PQgetvalue (open, 0, 0), ==, "0");
  }
}

/* PostgreSQL goes away for 20 s: recording goes on, the index rows wait
 * in the bounded queue and are written when it is back. */
static void
test_db_outage (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGconn) c = NULL;
  g_autoptr (PGresult) during = NULL;
  g_autofree char *sql = NULL;
  gint64 down_at, up_at;

  rvi_embedded_pg_stop (pg);
  down_at = g_get_real_time ();
  g_usleep (20 * G_USEC_PER_SEC);
  pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  up_at = g_get_real_time ();
  g_usleep ((2 + 4) * G_USEC_PER_SEC);   /* a retry interval, and a little */

  c = db ();
  /* segments recorded while the database was down were indexed afterwards */
  sql = g_strdup_printf ("SELECT count(*) FROM segments WHERE camera_id = $1::uuid"
                         " AND status = 'closed' AND start_at > rvi_us(%" G_GINT64_FORMAT ")"
                         " AND end_at < rvi_us(%" G_GINT64_FORMAT ")", down_at, up_at);
  during = query (c, sql, cam[0]);
  g_assert_cmpint (atoi (PQgetvalue (during, 0, 0)), >=, 1);
  /* and no gap claims the camera stopped */
  check_no_silent_gaps (c, cam[0]);
  {
    g_autofree char *gsql = g_strdup_printf ("SELECT count(*) FROM gaps WHERE camera_id = $1::uuid"
                                             " AND start_at > rvi_us(%" G_GINT64_FORMAT ")",
                                             down_at);
    g_autoptr (PGresult) gaps = query (c, gsql, cam[0]);
    g_assert_cmpstr (PQgetvalue (gaps, 0, 0), ==, "0");
  }
}

static void
test_no_credentials_logged (void)
{
  g_autofree char *log = NULL;

  g_assert_true (g_file_get_contents (serve_log, &log, NULL, NULL));
  g_assert_null (strstr (log, CAM_PASSWORD));
  g_assert_null (strstr (log, "not-the-password"));
}

int
main (int argc, char **argv)
{
  const char *add[] = { NULL, "user", "add", "op", "--role", "operator", "--data-dir", NULL,
                        "--database-url", NULL, NULL };
  const char *tok[] = { NULL, "token", "create", "op", "--data-dir", NULL, "--database-url", NULL,
                        NULL };
  g_autofree char *listen_b = NULL;
  GSubprocess *camsim_b;
  int status;

  g_test_init (&argc, &argv, NULL);
  rvi_test_watchdog (420);
  tmpdir = rvi_test_make_tmpdir ("rvi-test-recording");
  conf = g_build_filename (tmpdir, "rvi.conf", NULL);
  serve_log = g_build_filename (tmpdir, "serve.log", NULL);
  g_assert_true (g_file_set_contents (conf, "[rvi]\nbackoff_cap=4\nauth_backoff_cap=60\n"
                                      "stall_timeout_ms=3000\nconnect_timeout_ms=5000\n", -1,
                                      NULL));
  pg_dir = g_build_filename (tmpdir, "db", NULL);
  {
    g_autoptr (GError) error = NULL;
    pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
    g_assert_no_error (error);
  }
  port_a = rvi_test_free_port ();
  port_b = rvi_test_free_port ();
  start_camsim_a ();
  listen_b = g_strdup_printf ("127.0.0.1:%u", port_b);
  {
    const char *argv_b[] = { rvi_test_bin (), "camsim", "--listen", listen_b, "--cameras", "1",
                             "--codec", "h265", "--size", "640x360", "--fps", "10", "--user",
                             "cam", "--password", CAM_PASSWORD, NULL };
    camsim_b = rvi_test_spawn (argv_b, NULL, "camsim: serving ", NULL);
  }
  start_serve ();
  add[0] = tok[0] = rvi_test_bin ();
  add[7] = tok[5] = tmpdir;
  add[9] = tok[7] = rvi_embedded_pg_get_conninfo (pg);
  g_assert_cmpint (rvi_test_run (add, "operator-pass\n", NULL), ==, 0);
  g_assert_cmpint (rvi_test_run (tok, NULL, &token), ==, 0);
  g_strstrip (token);

  g_test_add_func ("/recording/record", test_recording);
  g_test_add_func ("/recording/camera-outage", test_camera_outage);
  g_test_add_func ("/recording/kill9-repair", test_kill9);
  g_test_add_func ("/recording/db-outage", test_db_outage);
  g_test_add_func ("/recording/no-credentials-logged", test_no_credentials_logged);
  status = g_test_run ();

  if (serve)
    rvi_test_kill (serve, SIGTERM);
  if (camsim_a)
    rvi_test_kill (camsim_a, SIGTERM);
  rvi_test_kill (camsim_b, SIGTERM);
  rvi_embedded_pg_stop (pg);
  g_free (pg_dir);
  g_clear_object (&serve);
  g_clear_object (&camsim_a);
  g_object_unref (camsim_b);
  if (status == 0)
    rvi_test_rmtree (tmpdir);
  else
    g_printerr ("test data kept in %s\n", tmpdir);
  for (int i = 0; i < 4; i++)
    g_free (cam[i]);
  g_free (tmpdir);
  g_free (conf);
  g_free (serve_log);
  g_free (url);
  g_free (token);
  return status;
}
