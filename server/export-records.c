/* export-records.c: the JSON files of an evidence package, straight from
 * the database (docs/evidence.md lists them).
 *
 * DESIGN. Each file is one query that builds its JSON in PostgreSQL
 * (json_agg of whole rows: every column goes out, so nothing recorded is
 * left behind by an oversight), with times as rvi_time() prints them
 * everywhere else. Secrets stay in: a camera's URL, user name and sealed
 * password are never exported; users appear by id and display name only.
 *
 * Audit events. The package carries the events about what it exports: the
 * lot and everything in it (inspections, marks, decisions, samples), the
 * export itself, and the events about each exported camera within its
 * exported ranges (alerts, live sessions, replays). Each event keeps its
 * chain, sequence number and hashes, and audit.json ends with every
 * chain's head (last sequence number and hash) at the time of the export:
 * whoever holds the database later can show the events were in the chain
 * then, and `rvi audit verify` on the database checks the chain itself. */
#define G_LOG_DOMAIN "rvi-evidence"
#include "export-records.h"
#include "db.h"
#include "rvi-error.h"

/* Runs @sql (one text column of JSON) and adds its result as @rel. */
static gboolean
add_query (PGconn *conn, RviEvidencePackage *pkg, const char *rel, const char *sql, int n,
           const char *const *params, GError **error)
{
  g_autoptr (PGresult) res = rvi_db_exec (conn, sql, n, params, error);
  g_autoptr (JsonNode) node = NULL;

  if (!res)
    return FALSE;
  if (!(node = json_from_string (PQgetvalue (res, 0, 0), error)))
    return FALSE;
  return rvi_evidence_package_add_json (pkg, rel, node, error);
}

#define EVENT_JSON \
  "json_build_object('seq', a.seq, 'id', a.id, 'chain', a.chain, 'at', rvi_time(a.at)," \
  " 'actor_id', a.actor_id, 'actor_name', a.actor_name, 'action', a.action," \
  " 'target_type', a.target_type, 'target_id', a.target_id, 'detail', a.detail," \
  " 'address', a.address, 'prev_hash', encode(a.prev_hash, 'hex'), 'hash', encode(a.hash, 'hex'))"

/* A mark's still in marks.json (m: the mark, s: its mark_stills row or
 * NULLs): the row, and from @stills (export-stills.h, a jsonb parameter)
 * the file in the package or why it is not in it. NULL for a mark that
 * names no camera; state 'pending' while the still is not made. */
#define STILL_JSON(stills) \
  "CASE WHEN m.camera_id IS NULL THEN NULL ELSE json_build_object(" \
  " 'state', coalesce(s.state, 'pending'), 'frame_at', rvi_time_us(s.frame_at)," \
  " 'file', " stills "::jsonb -> m.id::text ->> 'file', 'sha256', s.sha256," \
  " 'bytes', s.bytes, 'width', s.width, 'height', s.height, 'node', s.node," \
  " 'cause', s.cause, 'not_exported', " stills "::jsonb -> m.id::text ->> 'not_exported') END"

static gboolean
add_lot (PGconn *conn, RviEvidencePackage *pkg, const char *lot, const char *stills,
         GError **error)
{
  const char *p[] = { lot, stills };

  return add_query (conn, pkg, "lot.json",
           "SELECT json_build_object("
           " 'lot', (SELECT row_to_json(l) FROM lots l WHERE l.id = $1::uuid),"
           " 'declaration', (SELECT row_to_json(d) FROM declarations d JOIN lots l"
           "                  ON l.declaration_id = d.id WHERE l.id = $1::uuid),"
           " 'wagons', (SELECT coalesce(json_agg(w ORDER BY w.seq), '[]') FROM wagons w"
           "             WHERE w.lot_id = $1::uuid))::text", 1, p, error)
    && add_query (conn, pkg, "inspections.json",
           "SELECT coalesce(json_agg(json_build_object('inspection', i, 'inspector',"
           "   u.display_name) ORDER BY i.opened_at), '[]')::text"
           " FROM inspections i JOIN users u ON u.id = i.inspector_id WHERE i.lot_id = $1::uuid",
           1, p, error)
    && add_query (conn, pkg, "decisions.json",
           "SELECT coalesce(json_agg(json_build_object('decision', d, 'decided_by_name',"
           "   u.display_name, 'approvals', (SELECT coalesce(json_agg(a ORDER BY a.at), '[]')"
           "   FROM decision_approvals a WHERE a.decision_id = d.id),"
           "   'superseded', EXISTS (SELECT 1 FROM decisions s WHERE s.supersedes_id = d.id))"
           "   ORDER BY d.decided_at, d.id), '[]')::text"
           " FROM decisions d JOIN users u ON u.id = d.decided_by WHERE d.lot_id = $1::uuid",
           1, p, error)
    && add_query (conn, pkg, "marks.json",
           "SELECT coalesce(json_agg(json_build_object('mark', m, 'created_by_name',"
           "   u.display_name, 'still', " STILL_JSON ("$2") ") ORDER BY m.at, m.id), '[]')::text"
           " FROM marks m JOIN users u ON u.id = m.created_by"
           " LEFT JOIN mark_stills s ON s.mark_id = m.id WHERE m.lot_id = $1::uuid",
           2, p, error)
    && add_query (conn, pkg, "samples.json",
           "SELECT coalesce(json_agg(json_build_object('sample', s, 'lab_results',"
           "   (SELECT coalesce(json_agg(r ORDER BY r.entered_at), '[]') FROM lab_results r"
           "    WHERE r.sample_id = s.id)) ORDER BY s.drawn_at, s.id), '[]')::text"
           " FROM samples s WHERE s.lot_id = $1::uuid", 1, p, error);
}

/* Marks on a camera within its exported ranges (a camera's export). */
static gboolean
add_camera_marks (PGconn *conn, RviEvidencePackage *pkg, const char *export_id,
                  const char *stills, GError **error)
{
  const char *p[] = { export_id, stills };

  return add_query (conn, pkg, "marks.json",
           "SELECT coalesce(json_agg(json_build_object('mark', m, 'created_by_name',"
           "   u.display_name, 'still', " STILL_JSON ("$2") ") ORDER BY m.at, m.id), '[]')::text"
           " FROM marks m JOIN users u ON u.id = m.created_by"
           " LEFT JOIN mark_stills s ON s.mark_id = m.id"
           " WHERE EXISTS (SELECT 1 FROM export_ranges r WHERE r.export_id = $1::uuid"
           "   AND r.camera_id = m.camera_id AND m.at >= r.start_at AND m.at < r.end_at)",
           2, p, error);
}

gboolean
rvi_export_records_add_camera (PGconn *conn, RviEvidencePackage *pkg, const char *export_id,
                               const char *camera_id, const char *dir, GError **error)
{
  const char *p[] = { export_id, camera_id };
  g_autofree char *camera = g_strconcat (dir, "/camera.json", NULL);
  g_autofree char *segments = g_strconcat (dir, "/segments.json", NULL);
  g_autofree char *gaps = g_strconcat (dir, "/gaps.json", NULL);
  g_autofree char *stills = g_strconcat (dir, "/frame-samples.json", NULL);
  g_autofree char *alerts = g_strconcat (dir, "/alerts.json", NULL);
#define IN_RANGES(start, end) \
  " EXISTS (SELECT 1 FROM export_ranges r WHERE r.export_id = $1::uuid" \
  " AND r.camera_id = $2::uuid AND " start " < r.end_at AND coalesce(" end ", 'infinity') > r.start_at)"

  return add_query (conn, pkg, camera,
           "SELECT json_build_object('id', c.id, 'name', c.name, 'site', c.site, 'track', c.track,"
           " 'position', c.position, 'gacc_id', c.gacc_id, 'recording', c.recording,"
           " 'segment_seconds', c.segment_seconds, 'retention_days', c.retention_days,"
           " 'created_at', rvi_time(c.created_at), 'deleted_at', rvi_time(c.deleted_at),"
           " 'ranges', (SELECT json_agg(json_build_object('from', rvi_time(r.start_at),"
           "   'to', rvi_time(r.end_at), 'hold_id', r.hold_id) ORDER BY r.start_at)"
           "   FROM export_ranges r WHERE r.export_id = $1::uuid AND r.camera_id = c.id))::text"
           " FROM cameras c WHERE c.id = $2::uuid", 2, p, error)
    && add_query (conn, pkg, segments,
           "SELECT coalesce(json_agg(json_build_object('id', s.id, 'node', s.node, 'path', s.path,"
           " 'status', s.status, 'repaired', s.repaired, 'from', rvi_time(s.start_at),"
           " 'to', rvi_time(s.end_at), 'duration_us', s.duration_us, 'bytes', s.bytes,"
           " 'sha256', s.sha256, 'codec', s.codec, 'codec_string', s.codec_string,"
           " 'width', s.width, 'height', s.height, 'clock_offset_us', s.clock_offset_us,"
           " 'camera_clock', s.camera_clock, 'closed_at', rvi_time(s.closed_at))"
           " ORDER BY s.start_at), '[]')::text FROM segments s"
           " WHERE s.camera_id = $2::uuid AND" IN_RANGES ("s.start_at", "s.end_at"),
           2, p, error)
    && add_query (conn, pkg, gaps,
           "SELECT coalesce(json_agg(json_build_object('from', rvi_time(g.start_at),"
           " 'to', rvi_time(g.end_at), 'cause', g.cause, 'detail', g.detail, 'node', g.node)"
           " ORDER BY g.start_at), '[]')::text FROM gaps g"
           " WHERE g.camera_id = $2::uuid AND" IN_RANGES ("g.start_at", "g.end_at"),
           2, p, error)
    && add_query (conn, pkg, stills,
           "SELECT coalesce(json_agg(json_build_object('id', f.id, 'at', rvi_time(f.at),"
           " 'sha256', f.sha256, 'width', f.width, 'height', f.height, 'luma', f.luma,"
           " 'contrast', f.contrast, 'sharpness', f.sharpness, 'difference', f.difference,"
           " 'similarity', f.similarity)"
           " ORDER BY f.at), '[]')::text FROM frame_samples f"
           " WHERE f.camera_id = $2::uuid AND" IN_RANGES ("f.at", "f.at"), 2, p, error)
    && add_query (conn, pkg, alerts,
           "SELECT coalesce(json_agg(json_build_object('kind', a.kind,"
           " 'from', rvi_time(a.started_at), 'to', rvi_time(a.ended_at))"
           " ORDER BY a.started_at), '[]')::text FROM camera_alerts a"
           " WHERE a.camera_id = $2::uuid AND" IN_RANGES ("a.started_at", "a.ended_at"),
           2, p, error);
#undef IN_RANGES
}

gboolean
rvi_export_records_add (PGconn *conn, RviEvidencePackage *pkg, const char *export_id,
                        const char *stills, GError **error)
{
  const char *p[] = { export_id };
  g_autoptr (PGresult) res = rvi_db_exec (conn, "SELECT lot_id FROM exports WHERE id = $1::uuid",
                                          1, p, error);
  const char *lot;

  if (!res)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such export");
    return FALSE;
  }
  lot = PQgetisnull (res, 0, 0) ? NULL : PQgetvalue (res, 0, 0);
  if (!add_query (conn, pkg, "export.json",
                  "SELECT json_build_object('id', e.id, 'requested_by', e.requested_by,"
                  " 'requested_by_name', e.requested_by_name, 'reason', e.reason,"
                  " 'recipient', e.recipient, 'lot_id', e.lot_id, 'camera_id', e.camera_id,"
                  " 'from', rvi_time(e.start_at), 'to', rvi_time(e.end_at), 'node', e.node,"
                  " 'requested_at', rvi_time(e.created_at), 'started_at', rvi_time(e.started_at),"
                  " 'ranges', (SELECT coalesce(json_agg(json_build_object('camera_id', r.camera_id,"
                  "   'from', rvi_time(r.start_at), 'to', rvi_time(r.end_at), 'hold_id', r.hold_id)"
                  "   ORDER BY r.camera_id, r.start_at), '[]') FROM export_ranges r"
                  "   WHERE r.export_id = e.id),"
                  " 'server_time', rvi_time(now()))::text FROM exports e WHERE e.id = $1::uuid",
                  1, p, error))
    return FALSE;
  if (lot ? !add_lot (conn, pkg, lot, stills, error)
          : !add_camera_marks (conn, pkg, export_id, stills, error))
    return FALSE;
  {
    const char *q[] = { export_id, lot };
    return add_query (conn, pkg, "audit.json",
        "WITH ids AS ("
        "  SELECT $1::text AS id UNION SELECT $2::text"
        "  UNION SELECT id::text FROM inspections WHERE lot_id = $2::uuid"
        "  UNION SELECT id::text FROM marks WHERE lot_id = $2::uuid"
        "  UNION SELECT id::text FROM decisions WHERE lot_id = $2::uuid"
        "  UNION SELECT id::text FROM samples WHERE lot_id = $2::uuid),"
        " events AS ("
        "  SELECT a.* FROM audit_events a WHERE a.target_id IN (SELECT id FROM ids WHERE id IS NOT NULL)"
        "  UNION"
        "  SELECT a.* FROM audit_events a JOIN export_ranges r ON r.export_id = $1::uuid"
        "   AND a.target_id = r.camera_id::text AND a.at >= r.start_at AND a.at < r.end_at)"
        " SELECT json_build_object("
        "  'events', (SELECT coalesce(json_agg(" EVENT_JSON " ORDER BY a.seq), '[]') FROM events a),"
        "  'chain_heads', (SELECT coalesce(json_agg(json_build_object('chain', h.chain,"
        "     'seq', h.seq, 'hash', encode(h.hash, 'hex')) ORDER BY h.chain), '[]')"
        "     FROM (SELECT DISTINCT ON (chain) chain, seq, hash FROM audit_events"
        "           ORDER BY chain, seq DESC) h),"
        "  'taken_at', rvi_time(now()))::text",
        2, q, error);
  }
}
