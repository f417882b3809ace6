/* test-retention: retention by age and by quota, oldest first, never a
 * held segment, disk_full when only held data is left; and the start-up
 * repair finishing interrupted deletions and dropping unusable files. Real
 * PostgreSQL, files in a temporary directory. */
#include <glib.h>
#include <glib/gstdio.h>

#include "db.h"
#include "embedded-postgres.h"
#include "migrations.h"
#include "retention.h"
#include "rvi-test.h"
#include "segment-repair.h"

#define MB (1024 * 1024)

static char *tmpdir;
static char *media;
static PGconn *conn;
static char *camera;

static PGresult *
q (const char *sql, const char *p1, const char *p2)
{
  g_autoptr (GError) error = NULL;
  const char *params[] = { p1, p2 };
  PGresult *res = rvi_db_exec (conn, sql, p2 ? 2 : p1 ? 1 : 0, params, &error);
  g_assert_no_error (error);
  return res;
}

/* A closed segment of @hours_ago (1 minute long, 1 MB) with a file. */
static char *
add_segment (int hours_ago, const char *name)
{
  g_autofree char *rel = g_strdup_printf ("%s/2026-01-01/%s.mp4", camera, name);
  g_autofree char *full = g_build_filename (media, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (full);
  g_autofree char *hours = g_strdup_printf ("%d", hours_ago);
  g_autoptr (PGresult) res = NULL;

  g_mkdir_with_parents (dir, 0700);
  g_assert_true (g_file_set_contents (full, "not really video", -1, NULL));
  {
    const char *params[] = { camera, rel, hours };
    g_autoptr (GError) error = NULL;
    res = rvi_db_exec (conn, "INSERT INTO segments (camera_id, node, path, status, start_at, end_at,"
                       " bytes, duration_us) VALUES ($1::uuid, 'n1', $2, 'closed',"
                       " now() - make_interval(hours => $3::int),"
                       " now() - make_interval(hours => $3::int) + interval '1 minute', 1048576,"
                       " 60000000) RETURNING path", 3, params, &error);
    g_assert_no_error (error);
  }
  return g_strdup (PQgetvalue (res, 0, 0));
}

static gboolean
exists (const char *rel)
{
  g_autofree char *full = g_build_filename (media, rel, NULL);
  g_autoptr (PGresult) res = q ("SELECT count(*) FROM segments WHERE path = $1", rel, NULL);
  gboolean file = g_file_test (full, G_FILE_TEST_EXISTS);
  gboolean row = atoi (PQgetvalue (res, 0, 0)) == 1;

  g_assert_true (file == row);   /* never one without the other */
  return file;
}

static void
test_quota_and_holds (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGresult) h = NULL;
  char *seg[10];
  RviRetentionPolicy policy = { .min_free_bytes = 0, .quota_bytes = 5 * MB };
  RviRetentionReport report;

  for (int i = 0; i < 10; i++) {
    g_autofree char *name = g_strdup_printf ("s%d", i);
    seg[i] = add_segment (20 - i, name);    /* seg[0] is the oldest */
  }
  /* a hold over the two oldest */
  h = q ("INSERT INTO holds (camera_id, start_at, end_at, reason, created_by_name)"
         " VALUES ($1::uuid, now() - interval '21 hours', now() - interval '18 hours 30 minutes',"
         " 'case 17', 'test') RETURNING id", camera, NULL);
  g_assert_true (rvi_retention_run (conn, "n1", media, &policy, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report.deleted_by_pressure, ==, 5);
  g_assert_cmpuint (report.freed_bytes, ==, 5 * MB);
  g_assert_false (report.disk_full);
  g_assert_true (exists (seg[0]));
  g_assert_true (exists (seg[1]));
  for (int i = 2; i < 7; i++)
    g_assert_false (exists (seg[i]));   /* oldest unheld first */
  for (int i = 7; i < 10; i++)
    g_assert_true (exists (seg[i]));

  /* a quota only held data could meet: stop, never delete held evidence */
  policy.quota_bytes = 1 * MB;
  g_assert_true (rvi_retention_run (conn, "n1", media, &policy, &report, &error));
  g_assert_true (report.disk_full);
  g_assert_true (exists (seg[0]));
  g_assert_true (exists (seg[1]));
  for (int i = 7; i < 10; i++)
    g_assert_false (exists (seg[i]));

  /* released, the held ones go too */
  g_clear_pointer (&h, PQclear);
  h = q ("UPDATE holds SET released_at = now() RETURNING id", NULL, NULL);
  policy.quota_bytes = 0;
  policy.min_free_bytes = 0;
  g_assert_true (rvi_retention_run (conn, "n1", media, &policy, &report, &error));
  g_assert_false (report.disk_full);
  g_assert_true (exists (seg[0]));   /* no pressure, and not old enough */
  for (int i = 0; i < 10; i++)
    g_free (seg[i]);
  PQclear (q ("DELETE FROM segments", NULL, NULL));
}

static void
test_age (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *old = add_segment (50, "old");
  g_autofree char *old_held = add_segment (49, "old-held");
  g_autofree char *young = add_segment (2, "young");
  RviRetentionPolicy policy = { 0 };
  RviRetentionReport report;

  PQclear (q ("INSERT INTO holds (camera_id, start_at, end_at, reason, created_by_name)"
              " VALUES ($1::uuid, now() - interval '49 hours', now() - interval '48 hours',"
              " 'export', 'test')", camera, NULL));
  g_assert_true (rvi_retention_run (conn, "n1", media, &policy, &report, &error));
  g_assert_cmpuint (report.deleted_by_age, ==, 1);   /* retention_days = 1 */
  g_assert_false (exists (old));
  g_assert_true (exists (old_held));
  g_assert_true (exists (young));
}

static void
test_repair (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *deleting = add_segment (3, "interrupted-delete");
  g_autofree char *garbage_rel = g_strdup_printf ("%s/2026-01-01/20260101T000000.000000Z.mp4",
                                                  camera);
  g_autofree char *garbage = g_build_filename (media, garbage_rel, NULL);
  g_autofree char *missing_rel = g_strdup_printf ("%s/2026-01-01/gone.mp4", camera);
  RviRepairReport report;

  /* a crash between 'deleting' and the unlink; an open row with a garbage
   * file; an open row whose file is gone */
  PQclear (q ("UPDATE segments SET status = 'deleting' WHERE path = $1", deleting, NULL));
  g_assert_true (g_file_set_contents (garbage, "\0\0\0\x08junk", 8, NULL));
  PQclear (q ("INSERT INTO segments (camera_id, node, path, status, start_at) VALUES"
              " ($1::uuid, 'n1', $2, 'open', now())", camera, garbage_rel));
  PQclear (q ("INSERT INTO segments (camera_id, node, path, status, start_at) VALUES"
              " ($1::uuid, 'n1', $2, 'open', now())", camera, missing_rel));
  g_assert_true (rvi_segment_repair_run (conn, "n1", media, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report.finished_deletes, ==, 1);
  g_assert_cmpuint (report.dropped_rows, ==, 2);
  g_assert_cmpuint (report.deleted_files, ==, 1);
  g_assert_false (exists (deleting));
  g_assert_false (exists (garbage_rel));
  g_assert_false (exists (missing_rel));
  {
    g_autoptr (PGresult) open = q ("SELECT count(*) FROM segments WHERE status <> 'closed'",
                                   NULL, NULL);
    g_assert_cmpstr (PQgetvalue (open, 0, 0), ==, "0");
  }
}

int
main (int argc, char **argv)
{
  g_autoptr (PGresult) cam = NULL;
  RviTestDb *db;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  rvi_test_watchdog (120);
  db = rvi_test_db_start ("rvi-test-retention");
  tmpdir = db->tmpdir;
  conn = db->conn;
  media = g_build_filename (tmpdir, "media", NULL);
  cam = q ("INSERT INTO cameras (name, url, retention_days) VALUES ('c', 'rtsp://h/x', 1)"
           " RETURNING id", NULL, NULL);
  camera = g_strdup (PQgetvalue (cam, 0, 0));

  g_test_add_func ("/retention/quota-and-holds", test_quota_and_holds);
  g_test_add_func ("/retention/age", test_age);
  g_test_add_func ("/retention/repair", test_repair);
  status = g_test_run ();

  g_free (camera);
  g_free (media);
  rvi_test_db_stop (db);
  return status;
}
