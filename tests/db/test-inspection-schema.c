/* test-inspection-schema: the rules of sql/003_inspection.sql, each shown
 * to refuse what it must (by SQLSTATE and message or constraint name),
 * against a real PostgreSQL started in a temporary directory. The harness
 * connects as the cluster's superuser, so every refusal shown here holds
 * for a superuser too. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>

#include "db.h"
#include "embedded-postgres.h"
#include "migrations.h"
#include "rvi-test.h"

static RviTestDb *db;
static PGconn *conn;

/* The seed: two officers, a camera, a declaration with one lot of two
 * wagons, inspector A's open inspection with one mark, a HOLD decision by
 * A approved by B, a sample with one lab result. */
static char *user_a, *user_b, *camera, *lot, *wagon1, *wagon2, *inspection, *mark, *decision;

/* Runs @sql with the text parameters that follow (NULL-terminated).
 * (transfer full) */
static PGresult *
run_va (const char *sql, va_list ap)
{
  const char *params[8];
  int n = 0;
  const char *p;

  while ((p = va_arg (ap, const char *)) != NULL) {
    g_assert_cmpint (n, <, (int)G_N_ELEMENTS (params));
    params[n++] = p;
  }
  return PQexecParams (conn, sql, n, NULL, params, NULL, NULL, 0);
}

static void
assert_ok (PGresult *res, const char *sql)
{
  ExecStatusType st = PQresultStatus (res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (res));
}

/* Runs @sql, which must succeed. */
G_GNUC_NULL_TERMINATED static void
ok (const char *sql, ...)
{
  va_list ap;
  g_autoptr (PGresult) res = NULL;

  va_start (ap, sql);
  res = run_va (sql, ap);
  va_end (ap);
  assert_ok (res, sql);
}

/* Runs @sql, which must succeed with a row; returns its first value
 * (transfer full). */
G_GNUC_NULL_TERMINATED static char *
value (const char *sql, ...)
{
  va_list ap;
  g_autoptr (PGresult) res = NULL;

  va_start (ap, sql);
  res = run_va (sql, ap);
  va_end (ap);
  assert_ok (res, sql);
  g_assert_cmpint (PQntuples (res), >=, 1);
  return g_strdup (PQgetvalue (res, 0, 0));
}

/* Runs @sql, which must fail with @sqlstate; returns the result. */
static PGresult *
failing (const char *sqlstate, const char *sql, va_list ap)
{
  PGresult *res = run_va (sql, ap);

  if (PQresultStatus (res) != PGRES_FATAL_ERROR)
    g_error ("%s: succeeded, expected SQLSTATE %s", sql, sqlstate);
  g_assert_cmpstr (PQresultErrorField (res, PG_DIAG_SQLSTATE), ==, sqlstate);
  return res;
}

/* @sql must fail with @sqlstate and the primary message @message. */
G_GNUC_NULL_TERMINATED static void
refused (const char *sqlstate, const char *message, const char *sql, ...)
{
  va_list ap;
  g_autoptr (PGresult) res = NULL;

  va_start (ap, sql);
  res = failing (sqlstate, sql, ap);
  va_end (ap);
  g_assert_cmpstr (PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY), ==, message);
}

/* @sql must fail with @sqlstate on the constraint named @constraint. */
G_GNUC_NULL_TERMINATED static void
violates (const char *sqlstate, const char *constraint, const char *sql, ...)
{
  va_list ap;
  g_autoptr (PGresult) res = NULL;

  va_start (ap, sql);
  res = failing (sqlstate, sql, ap);
  va_end (ap);
  g_assert_cmpstr (PQresultErrorField (res, PG_DIAG_CONSTRAINT_NAME), ==, constraint);
}

static char *
make_user (const char *name)
{
  return value ("INSERT INTO users (username, role, password_hash) VALUES ($1, 'inspector', 'x')"
                " RETURNING id",
                name, NULL);
}

/* A decision on @lot_id by @by (@supersedes may be NULL). (transfer full) */
static char *
decide (const char *lot_id, const char *category, const char *by, const char *supersedes)
{
  return value ("INSERT INTO decisions (lot_id, category, reasons, cameras, window_start,"
                " window_end, decided_by, supersedes_id) VALUES ($1, $2, '{FOREIGN_MATTER}',"
                " ARRAY[$3::uuid], now() - interval '10 minutes', now(), $4, NULLIF($5, '')::uuid)"
                " RETURNING id",
                lot_id, category, camera, by, supersedes ? supersedes : "", NULL);
}

static char *
make_lot (const char *lot_no)
{
  g_autofree char *decl = value ("SELECT id FROM declarations LIMIT 1", NULL);
  return value ("INSERT INTO lots (declaration_id, lot_no, hs_code, declared_mass_kg,"
                " origin_country, arrival_at, site, track, created_by) VALUES ($1, $2,"
                " '2603000010', 3200000, 'MN', now(), 'Erenhot', '7', $3) RETURNING id",
                decl, lot_no, user_a, NULL);
}

static void
seed (void)
{
  g_autofree char *decl = NULL;
  g_autofree char *sample = NULL;

  user_a = make_user ("inspector.a");
  user_b = make_user ("inspector.b");
  camera = value ("INSERT INTO cameras (name, url, site, track) VALUES ('top-1',"
                  " 'rtsp://10.0.0.5/stream1', 'Erenhot', '7') RETURNING id",
                  NULL);
  decl = value ("INSERT INTO declarations (number, customs_code, import, declared_at,"
                " created_by) VALUES ('020120261000000123', '0201', true, now(), $1)"
                " RETURNING id",
                user_a, NULL);
  lot = make_lot ("L1");
  wagon1 = value ("INSERT INTO wagons (lot_id, seq, number, number_kind, number_check, seals,"
                  " declared_mass_kg) VALUES ($1, 1, '218124712173', 'uic', 'valid',"
                  " '{S-1001,S-1002}', 64000) RETURNING id",
                  lot, NULL);
  wagon2 = value ("INSERT INTO wagons (lot_id, seq, number, number_kind, number_check)"
                  " VALUES ($1, 2, '518008430010', 'uic', 'valid') RETURNING id",
                  lot, NULL);
  inspection = value ("INSERT INTO inspections (lot_id, inspector_id, cameras)"
                      " VALUES ($1, $2, ARRAY[$3::uuid]) RETURNING id",
                      lot, user_a, camera, NULL);
  mark = value ("INSERT INTO marks (inspection_id, lot_id, wagon_id, camera_id, at, region,"
                " reason_code, note, created_by) VALUES ($1, $2, $3, $4, now(),"
                " '{\"x\": 0.1, \"y\": 0.2, \"w\": 0.3, \"h\": 0.4}', 'FOREIGN_MATTER',"
                " 'gravel at the north end', $5) RETURNING id",
                inspection, lot, wagon1, camera, user_a, NULL);
  decision = value ("INSERT INTO decisions (lot_id, inspection_id, category, reasons, cameras,"
                    " window_start, window_end, decided_by) VALUES ($1, $2, 'HOLD_SOLID_WASTE',"
                    " '{FOREIGN_MATTER,SINTERED_GLASSY}', ARRAY[$3::uuid],"
                    " now() - interval '1 hour', now(), $4) RETURNING id",
                    lot, inspection, camera, user_a, NULL);
  ok ("INSERT INTO decision_approvals (decision_id, approved_by, approved) VALUES ($1, $2, true)",
      decision, user_b, NULL);
  sample = value ("INSERT INTO samples (lot_id, number, seal, wagon_ids, drawn_by, witnessed_by,"
                  " drawn_at, created_by) VALUES ($1, 'S-2026-0001', 'LS-77', ARRAY[$2::uuid],"
                  " 'Batbayar (railyard)', $3, now(), $3) RETURNING id",
                  lot, wagon1, user_a, NULL);
  ok ("INSERT INTO lab_results (sample_id, rule_version, element, value_pct, entered_by)"
      " VALUES ($1, 1, 'Pb', 1.2, $2)",
      sample, user_a, NULL);
}

static void
test_migrations (void)
{
  g_autofree char *name = value ("SELECT name FROM schema_migrations WHERE version = 3", NULL);
  g_autofree char *rules = value ("SELECT string_agg(element || '=' || max_mass_fraction_pct,"
                                  " ',' ORDER BY max_mass_fraction_pct DESC) FROM lab_rules"
                                  " WHERE version = 1 AND source LIKE '%2017 No. 106%'"
                                  " AND source LIKE '%2603000010%'",
                                  NULL);
  g_autofree char *approval = value ("SELECT string_agg(code, ',' ORDER BY code)"
                                     " FROM decision_categories WHERE needs_approval",
                                     NULL);
  g_autofree char *categories = value ("SELECT count(*) FROM decision_categories", NULL);
  g_autofree char *reasons = value ("SELECT count(*) FROM reason_codes", NULL);

  g_assert_cmpstr (name, ==, "003_inspection.sql");
  g_assert_cmpstr (rules, ==, "Pb=6.00,As=0.50,F=0.10,Cd=0.05,Hg=0.01");
  g_assert_cmpstr (approval, ==, "CASE_TRANSFER,DESTROY,HOLD_RADIATION,HOLD_SOLID_WASTE,RETURN");
  g_assert_cmpstr (categories, ==, "10");
  g_assert_cmpstr (reasons, ==, "16");
}

static void
assert_append_only (void)
{
  g_autofree char *category = NULL;

  refused ("42501", "decisions are append-only", "UPDATE decisions SET category = 'RELEASE_ONWARD'",
           NULL);
  refused ("42501", "decisions are append-only", "DELETE FROM decisions", NULL);
  refused ("42501", "decisions are append-only", "TRUNCATE decisions CASCADE", NULL);
  refused ("42501", "decision approvals are append-only",
           "UPDATE decision_approvals SET approved = false", NULL);
  refused ("42501", "decision approvals are append-only", "DELETE FROM decision_approvals", NULL);
  refused ("42501", "decision approvals are append-only", "TRUNCATE decision_approvals", NULL);
  refused ("42501", "marks are append-only", "UPDATE marks SET note = 'x'", NULL);
  refused ("42501", "marks are append-only", "DELETE FROM marks", NULL);
  refused ("42501", "lab results are append-only", "UPDATE lab_results SET value_pct = 0", NULL);
  refused ("42501", "lab results are append-only", "DELETE FROM lab_results", NULL);
  refused ("42501", "lab rules are append-only",
           "UPDATE lab_rules SET max_mass_fraction_pct = 1 WHERE element = 'As'", NULL);
  refused ("42501", "inspections cannot be deleted", "DELETE FROM inspections", NULL);
  refused ("42501", "inspections cannot be deleted", "TRUNCATE inspections CASCADE", NULL);
  /* CASCADE: the stills of marks (sql/010) refer to them */
  refused ("42501", "marks are append-only", "TRUNCATE marks CASCADE", NULL);
  refused ("42501", "mark stills are append-only", "TRUNCATE mark_stills", NULL);
  refused ("42501", "lab results are append-only", "TRUNCATE lab_results", NULL);
  category = value ("SELECT category FROM decisions WHERE id = $1", decision, NULL);
  g_assert_cmpstr (category, ==, "HOLD_SOLID_WASTE");
}

static void
test_append_only (void)
{
  g_autofree char *super
      = value ("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", NULL);
  g_autofree char *owner = value ("SELECT quote_ident(pg_get_userbyid(datdba)) FROM pg_database"
                                  " WHERE datname = current_database()",
                                  NULL);
  g_autofree char *set_role = g_strdup_printf ("SET ROLE %s", owner);

  g_test_message ("session user is %sa superuser", g_str_equal (super, "t") ? "" : "not ");
  assert_append_only ();
  ok (set_role, NULL);
  assert_append_only ();
  ok ("RESET ROLE", NULL);
}

static void
test_approval (void)
{
  g_autofree char *hold = NULL;
  g_autofree char *release = NULL;

  /* one answer per decision */
  violates ("23505", "decision_approvals_pkey",
            "INSERT INTO decision_approvals (decision_id,"
            " approved_by, approved) VALUES ($1, $2, false)",
            decision, user_b, NULL);
  hold = decide (lot, "HOLD_RADIATION", user_a, decision);
  refused ("42501", "approver must not be the decision's author",
           "INSERT INTO decision_approvals (decision_id, approved_by, approved)"
           " VALUES ($1, $2, true)",
           hold, user_a, NULL);
  release = decide (lot, "RELEASE_ONWARD", user_a, hold);
  refused ("55000", "decision does not need approval",
           "INSERT INTO decision_approvals (decision_id, approved_by, approved)"
           " VALUES ($1, $2, true)",
           release, user_b, NULL);
  refused ("55000", "decision is superseded",
           "INSERT INTO decision_approvals (decision_id, approved_by, approved)"
           " VALUES ($1, $2, true)",
           hold, user_b, NULL);
}

static void
test_references (void)
{
  refused ("23503", "unknown reason code",
           "INSERT INTO decisions (lot_id, category, reasons, window_start, window_end,"
           " decided_by) VALUES ($1, 'SAMPLE_HOLD', '{FOREIGN_MATTER,NO_SUCH_CODE}',"
           " now() - interval '1 minute', now(), $2)",
           lot, user_a, NULL);
  refused ("23503", "unknown camera",
           "INSERT INTO decisions (lot_id, category, cameras, window_start, window_end,"
           " decided_by) VALUES ($1, 'SAMPLE_HOLD', ARRAY[gen_random_uuid()],"
           " now() - interval '1 minute', now(), $2)",
           lot, user_a, NULL);
  violates ("23503", "marks_reason_code_fkey",
            "INSERT INTO marks (inspection_id, lot_id, at, reason_code, created_by)"
            " VALUES ($1, $2, now(), 'NO_SUCH_CODE', $3)",
            inspection, lot, user_a, NULL);
  violates ("23514", "decisions_window_order",
            "INSERT INTO decisions (lot_id, category, window_start, window_end, decided_by)"
            " VALUES ($1, 'SAMPLE_HOLD', now(), now(), $2)",
            lot, user_a, NULL);
  violates ("23514", "declarations_customs_code_matches",
            "INSERT INTO declarations (number, customs_code, import, declared_at, created_by)"
            " VALUES ('020120261000000124', '0202', true, now(), $1)",
            user_a, NULL);
  violates ("23514", "lots_hs_code_copper_concentrate",
            "INSERT INTO lots (declaration_id, lot_no, hs_code, declared_mass_kg, origin_country,"
            " created_by) SELECT id, 'X', '2603000000', 1, 'MN', $1 FROM declarations LIMIT 1",
            user_a, NULL);
}

static void
test_regions (void)
{
  const char *bad[] = { "{\"x\": 0.9, \"y\": 0, \"w\": 0.2, \"h\": 0.1}",
                        "{\"x\": 0, \"y\": 0, \"w\": 0.2}",
                        "{\"x\": 0, \"y\": 0, \"w\": 0.2, \"h\": 0.1, \"z\": 1}",
                        "{\"x\": \"0\", \"y\": 0, \"w\": 0.2, \"h\": 0.1}",
                        "{\"x\": -0.1, \"y\": 0, \"w\": 0.2, \"h\": 0.1}",
                        "[0, 0, 1, 1]" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    violates ("23514", "marks_region_valid",
              "INSERT INTO marks (inspection_id, lot_id, at, region, created_by)"
              " VALUES ($1, $2, now(), $3, $4)",
              inspection, lot, bad[i], user_a, NULL);
  ok ("INSERT INTO marks (inspection_id, lot_id, at, region, created_by)"
      " VALUES ($1, $2, now(), '{\"x\": 0, \"y\": 0, \"w\": 1, \"h\": 1}', $3)",
      inspection, lot, user_a, NULL);
  /* a wagon of another lot */
  {
    g_autofree char *other = make_lot ("L-region");
    g_autofree char *w = value ("INSERT INTO wagons (lot_id, seq, number) VALUES ($1, 1, 'x')"
                                " RETURNING id",
                                other, NULL);
    violates ("23503", "marks_wagon_of_lot",
              "INSERT INTO marks (inspection_id, lot_id, wagon_id, at, created_by)"
              " VALUES ($1, $2, $3, now(), $4)",
              inspection, lot, w, user_a, NULL);
  }
}

static void
test_signed_inspection (void)
{
  g_autofree char *insp = value ("INSERT INTO inspections (lot_id, inspector_id) VALUES ($1, $2)"
                                 " RETURNING id",
                                 lot, user_b, NULL);
  g_autofree char *m = value ("INSERT INTO marks (inspection_id, lot_id, wagon_id, at, reason_code,"
                              " created_by) VALUES ($1, $2, $3, now(), 'SEAL_BROKEN', $4)"
                              " RETURNING id",
                              insp, lot, wagon2, user_b, NULL);
  g_autofree char *fix = NULL;

  ok ("UPDATE inspections SET signed_at = now() WHERE id = $1", insp, NULL);
  refused ("55000", "inspection is signed",
           "INSERT INTO marks (inspection_id, lot_id, at, created_by) VALUES ($1, $2, now(), $3)",
           insp, lot, user_b, NULL);
  fix = value ("INSERT INTO marks (inspection_id, lot_id, wagon_id, at, reason_code, note,"
               " supersedes_id, created_by) VALUES ($1, $2, $3, now(), 'SEAL_MISMATCH',"
               " 'seal present, number differs', $4, $5) RETURNING id",
               insp, lot, wagon2, m, user_b, NULL);
  g_assert_nonnull (fix);
  violates ("23505", "marks_supersedes_once",
            "INSERT INTO marks (inspection_id, lot_id, at, supersedes_id, created_by)"
            " VALUES ($1, $2, now(), $3, $4)",
            insp, lot, m, user_b, NULL);
  /* a correction supersedes a mark of the same inspection */
  violates ("23503", "marks_supersedes_same_inspection",
            "INSERT INTO marks (inspection_id, lot_id, at, supersedes_id, created_by)"
            " VALUES ($1, $2, now(), $3, $4)",
            insp, lot, mark, user_b, NULL);
  refused ("55000", "inspection is signed", "UPDATE inspections SET cameras = '{}' WHERE id = $1",
           insp, NULL);
  refused ("55000", "inspection is signed", "UPDATE inspections SET signed_at = NULL WHERE id = $1",
           insp, NULL);
  refused ("42501", "inspections cannot be deleted", "DELETE FROM inspections WHERE id = $1", insp,
           NULL);
}

static void
test_one_open_inspection (void)
{
  violates ("23505", "inspections_one_open_per_inspector",
            "INSERT INTO inspections (lot_id, inspector_id) VALUES ($1, $2)", lot, user_a, NULL);
  refused ("42501", "an inspection's lot, inspector and opening time cannot change",
           "UPDATE inspections SET inspector_id = $2 WHERE id = $1", inspection, user_b, NULL);
  /* another inspector on the same lot may open one */
  ok ("INSERT INTO inspections (lot_id, inspector_id) VALUES ($1, $2)", lot, user_b, NULL);
}

static void
test_lab_results (void)
{
  g_autofree char *sample = value ("SELECT id FROM samples WHERE number = 'S-2026-0001'", NULL);
  g_autofree char *low = value ("INSERT INTO lab_results (sample_id, element, value_pct,"
                                " entered_by) VALUES ($1, 'As', 0.49, $2)"
                                " RETURNING pass::text || '/v' || rule_version",
                                sample, user_a, NULL);
  g_autofree char *high = value ("INSERT INTO lab_results (sample_id, rule_version, element,"
                                 " value_pct, pass, entered_by) VALUES ($1, 1, 'As', 6.72, true,"
                                 " $2) RETURNING pass",
                                 sample, user_a, NULL);
  g_autofree char *limit = value ("INSERT INTO lab_results (sample_id, element, value_pct,"
                                  " entered_by) VALUES ($1, 'Hg', 0.01, $2) RETURNING pass",
                                  sample, user_a, NULL);

  g_assert_cmpstr (low, ==, "true/v1");
  g_assert_cmpstr (high, ==, "f");  /* the client's pass is ignored */
  g_assert_cmpstr (limit, ==, "t"); /* at the limit passes */
  refused ("23503", "no lab rule for element",
           "INSERT INTO lab_results (sample_id, element, value_pct, entered_by)"
           " VALUES ($1, 'Zn', 1, $2)",
           sample, user_a, NULL);
  violates ("23514", "lab_results_value_nonnegative",
            "INSERT INTO lab_results (sample_id, element, value_pct, entered_by)"
            " VALUES ($1, 'As', -0.1, $2)",
            sample, user_a, NULL);
  refused ("23503", "wagon not in the lot",
           "INSERT INTO samples (lot_id, number, wagon_ids, drawn_by, drawn_at, created_by)"
           " VALUES ($1, 'S-X', ARRAY[gen_random_uuid()], 'someone', now(), $2)",
           lot, user_a, NULL);
}

/* The current decision of @lot_id must be @decision_id in @state. */
static void
assert_current (const char *lot_id, const char *decision_id, const char *state)
{
  g_autofree char *got = value ("SELECT decision_id || ' ' || state FROM lot_current_decision"
                                " WHERE lot_id = $1",
                                lot_id, NULL);
  g_autofree char *expect = g_strdup_printf ("%s %s", decision_id, state);

  g_assert_cmpstr (got, ==, expect);
}

static void
test_current_decision (void)
{
  g_autofree char *l2 = make_lot ("L2");
  g_autofree char *d1 = decide (l2, "RELEASE_ONWARD", user_a, NULL);
  g_autofree char *d2 = NULL;
  g_autofree char *d3 = NULL;

  assert_current (l2, d1, "effective");
  d2 = decide (l2, "HOLD_SOLID_WASTE", user_a, d1);
  assert_current (l2, d2, "pending_approval");
  ok ("INSERT INTO decision_approvals (decision_id, approved_by, approved) VALUES ($1, $2, true)",
      d2, user_b, NULL);
  assert_current (l2, d2, "effective");
  d3 = decide (l2, "RETURN", user_b, d2);
  assert_current (l2, d3, "pending_approval");
  ok ("INSERT INTO decision_approvals (decision_id, approved_by, approved, note)"
      " VALUES ($1, $2, false, 'not enough evidence')",
      d3, user_a, NULL);
  assert_current (l2, d3, "rejected");

  /* supersession, not time, decides: a correction dated earlier still wins */
  {
    g_autofree char *l3 = make_lot ("L3");
    g_autofree char *first = decide (l3, "SAMPLE_HOLD", user_a, NULL);
    g_autofree char *fix = value ("INSERT INTO decisions (lot_id, category, window_start,"
                                  " window_end, decided_by, decided_at, supersedes_id)"
                                  " VALUES ($1, 'ONSITE_INSPECTION', now() - interval '2 hours',"
                                  " now(), $2, now() - interval '1 hour', $3) RETURNING id",
                                  l3, user_a, first, NULL);
    assert_current (l3, fix, "effective");
  }

  /* supersession stays within the lot and happens once */
  violates ("23503", "decisions_supersedes_same_lot",
            "INSERT INTO decisions (lot_id, category, window_start, window_end, decided_by,"
            " supersedes_id) VALUES ($1, 'SAMPLE_HOLD', now() - interval '1 minute', now(), $2,"
            " $3)",
            lot, user_a, d3, NULL);
  violates ("23505", "decisions_supersedes_once",
            "INSERT INTO decisions (lot_id, category, window_start, window_end, decided_by,"
            " supersedes_id) VALUES ($1, 'SAMPLE_HOLD', now() - interval '1 minute', now(), $2,"
            " $3)",
            l2, user_a, d1, NULL);
}

static void
test_idempotency (void)
{
  const char *sql = "INSERT INTO decisions (lot_id, category, window_start, window_end,"
                    " decided_by, idempotency_key) VALUES ($1, 'SAMPLE_HOLD',"
                    " now() - interval '1 minute', now(), $2, 'req-42')";

  ok (sql, lot, user_a, NULL);
  violates ("23505", "decisions_idempotency_key", sql, lot, user_a, NULL);
  ok (sql, lot, user_b, NULL); /* the key is per user */
}

static void
test_notify (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PGconn) listener = rvi_db_connect (rvi_embedded_pg_get_conninfo (db->pg), 5, &error);
  g_autoptr (PGresult) res = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *payload = NULL;
  g_autofree char *id = NULL;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  JsonObject *o;

  g_assert_no_error (error);
  res = PQexec (listener, "LISTEN rvi_events");
  assert_ok (res, "LISTEN");
  id = decide (lot, "SAMPLE_RELEASE", user_b, NULL);

  while (!payload && g_get_monotonic_time () < deadline) {
    struct pollfd pfd = { .fd = PQsocket (listener), .events = POLLIN };
    PGnotify *n;

    poll (&pfd, 1, 100);
    g_assert_cmpint (PQconsumeInput (listener), ==, 1);
    while ((n = PQnotifies (listener)) != NULL) {
      g_assert_cmpstr (n->relname, ==, "rvi_events");
      g_assert_cmpuint (strlen (n->extra), <, 8000);
      if (!payload && strstr (n->extra, id))
        payload = g_strdup (n->extra);
      PQfreemem (n);
    }
  }
  g_assert_nonnull (payload);
  g_assert_true (json_parser_load_from_data (parser, payload, -1, &error));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "decision");
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (o, "lot_id"), ==, lot);
  g_assert_cmpuint (json_object_get_size (o), ==, 3);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  rvi_test_watchdog (120);
  db = rvi_test_db_start ("rvi-test-inspection");
  conn = db->conn;
  seed ();

  g_test_add_func ("/inspection/migrations", test_migrations);
  g_test_add_func ("/inspection/append-only", test_append_only);
  g_test_add_func ("/inspection/approval", test_approval);
  g_test_add_func ("/inspection/references", test_references);
  g_test_add_func ("/inspection/regions", test_regions);
  g_test_add_func ("/inspection/signed-inspection", test_signed_inspection);
  g_test_add_func ("/inspection/one-open-inspection", test_one_open_inspection);
  g_test_add_func ("/inspection/lab-results", test_lab_results);
  g_test_add_func ("/inspection/current-decision", test_current_decision);
  g_test_add_func ("/inspection/idempotency", test_idempotency);
  g_test_add_func ("/inspection/notify", test_notify);
  status = g_test_run ();

  rvi_test_db_stop (db);
  return status;
}
