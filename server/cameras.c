/* cameras.c: the cameras and camera_status tables. */
#define G_LOG_DOMAIN "rvi-cameras"
#include "cameras.h"
#include "db.h"
#include "rvi-error.h"

#define CAMERA_COLUMNS \
  "c.id, c.name, c.url, c.site, c.track, c.position, c.gacc_id, c.transport, c.recording," \
  " c.segment_seconds, c.retention_days, (c.username IS NOT NULL) AS credentials," \
  " rvi_time(c.created_at) AS created_at, rvi_time(c.updated_at) AS updated_at," \
  " CASE WHEN NOT c.recording THEN 'disabled' ELSE coalesce(s.state, 'connecting') END AS state," \
  " (SELECT l.node FROM camera_leases l WHERE l.camera_id = c.id AND l.node <> ''" \
  "  AND NOT l.released AND l.expires_at > now()) AS node," \
  " to_json (c.pinned_nodes) AS pinned_nodes," \
  " json_build_object('since', rvi_time(s.since), 'message', s.message, 'fps', s.fps," \
  "   'bitrate_bps', s.bitrate_bps, 'last_frame_at', rvi_time(s.last_frame_at)," \
  "   'codec', s.codec, 'codec_string', s.codec_string, 'width', s.width, 'height', s.height," \
  "   'transport', s.transport, 'reconnects', coalesce(s.reconnects, 0)," \
  "   'retry_at', rvi_time(s.retry_at), 'updated_at', rvi_time(s.updated_at)," \
  "   'stale', s.updated_at IS NOT NULL AND s.updated_at < now() - interval '30 seconds')" \
  "   AS health," \
  " (SELECT coalesce(json_agg(json_build_object('id', a.id, 'kind', a.kind," \
  "    'since', rvi_time(a.started_at)) ORDER BY a.started_at), '[]')" \
  "  FROM camera_alerts a WHERE a.camera_id = c.id AND a.ended_at IS NULL) AS alerts," \
  " (SELECT json_build_object('id', f.id, 'at', rvi_time(f.at)," \
  "    'url', '/api/frame-samples/' || f.id, 'width', f.width, 'height', f.height)" \
  "  FROM frame_samples f WHERE f.camera_id = c.id ORDER BY f.at DESC LIMIT 1) AS latest_sample"

void
rvi_camera_config_free (RviCameraConfig *config)
{
  if (!config)
    return;
  g_free (config->id);
  g_free (config->name);
  g_free (config->url);
  g_free (config->username);
  g_free (config->password_box);
  g_free (config);
}

const char *
rvi_transport_to_string (RviTransport transport)
{
  switch (transport) {
    case RVI_TRANSPORT_TCP:
      return "tcp";
    case RVI_TRANSPORT_UDP:
      return "udp";
    default:
      return "auto";
  }
}

RviTransport
rvi_transport_from_string (const char *s)
{
  if (g_strcmp0 (s, "tcp") == 0)
    return RVI_TRANSPORT_TCP;
  if (g_strcmp0 (s, "udp") == 0)
    return RVI_TRANSPORT_UDP;
  return RVI_TRANSPORT_AUTO;
}

PGresult *
rvi_cameras_list (PGconn *conn, const char *id, GError **error)
{
  const char *params[] = { id };
  return rvi_db_exec (conn, "SELECT " CAMERA_COLUMNS " FROM cameras c"
                      " LEFT JOIN camera_status s ON s.camera_id = c.id"
                      " WHERE c.deleted_at IS NULL AND ($1::uuid IS NULL OR c.id = $1::uuid)"
                      " ORDER BY c.site, c.track, lower(c.name)", 1, params, error);
}

PGresult *
rvi_cameras_insert (PGconn *conn, const char *const *v, GError **error)
{
  return rvi_db_exec (conn,
      "INSERT INTO cameras (name, url, username, password_box, site, track, position, gacc_id,"
      " transport, recording, segment_seconds, retention_days, pinned_nodes)"
      " VALUES ($1, $2, $3, $4, coalesce($5, ''), coalesce($6, ''), coalesce($7, ''), $8,"
      " coalesce($9, 'auto'), coalesce($10::boolean, true), coalesce($11::int, 60),"
      " coalesce($12::int, 90), $13::text[]) RETURNING id", RVI_CAMERA_N_FIELDS, v, error);
}

PGresult *
rvi_cameras_update (PGconn *conn, const char *id, const char *const *v, const gboolean *set,
                    GError **error)
{
  const char *params[1 + 2 * RVI_CAMERA_N_FIELDS];

  params[0] = id;
  for (int i = 0; i < RVI_CAMERA_N_FIELDS; i++) {
    params[1 + 2 * i] = set[i] ? "t" : "f";
    params[2 + 2 * i] = v[i];
  }
  /* $2k: whether field k is set, $2k+1: its value; a changed URL or
   * transport forgets what was learned about the transport */
  return rvi_db_exec (conn,
      "UPDATE cameras SET"
      " name = CASE WHEN $2::boolean THEN $3 ELSE name END,"
      " url = CASE WHEN $4::boolean THEN $5 ELSE url END,"
      " username = CASE WHEN $6::boolean THEN $7 ELSE username END,"
      " password_box = CASE WHEN $8::boolean THEN $9 ELSE password_box END,"
      " site = CASE WHEN $10::boolean THEN coalesce($11, '') ELSE site END,"
      " track = CASE WHEN $12::boolean THEN coalesce($13, '') ELSE track END,"
      " position = CASE WHEN $14::boolean THEN coalesce($15, '') ELSE position END,"
      " gacc_id = CASE WHEN $16::boolean THEN $17 ELSE gacc_id END,"
      " transport = CASE WHEN $18::boolean THEN $19 ELSE transport END,"
      " recording = CASE WHEN $20::boolean THEN $21::boolean ELSE recording END,"
      " segment_seconds = CASE WHEN $22::boolean THEN $23::int ELSE segment_seconds END,"
      " retention_days = CASE WHEN $24::boolean THEN $25::int ELSE retention_days END,"
      " pinned_nodes = CASE WHEN $26::boolean THEN $27::text[] ELSE pinned_nodes END,"
      " transport_learned = CASE WHEN $4::boolean OR $18::boolean THEN NULL"
      "   ELSE transport_learned END,"
      " updated_at = now()"
      " WHERE id = $1::uuid AND deleted_at IS NULL RETURNING id",
      1 + 2 * RVI_CAMERA_N_FIELDS, params, error);
}

PGresult *
rvi_cameras_delete (PGconn *conn, const char *id, GError **error)
{
  const char *params[] = { id };
  return rvi_db_exec (conn, "UPDATE cameras SET deleted_at = now(), recording = false"
                      " WHERE id = $1::uuid AND deleted_at IS NULL RETURNING id, name",
                      1, params, error);
}

GPtrArray *
rvi_cameras_configs (PGconn *conn, GError **error)
{
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "SELECT id, name, url, username, password_box, transport, transport_learned, recording,"
      " segment_seconds, retention_days FROM cameras WHERE deleted_at IS NULL", 0, NULL, error);
  GPtrArray *list;

  if (!res)
    return NULL;
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) rvi_camera_config_free);
  for (int i = 0; i < PQntuples (res); i++) {
    RviCameraConfig *c = g_new0 (RviCameraConfig, 1);
    c->id = rvi_db_dup (res, i, 0);
    c->name = rvi_db_dup (res, i, 1);
    c->url = rvi_db_dup (res, i, 2);
    c->username = rvi_db_dup (res, i, 3);
    c->password_box = rvi_db_dup (res, i, 4);
    c->transport = rvi_transport_from_string (PQgetvalue (res, i, 5));
    c->transport_learned = rvi_transport_from_string (PQgetvalue (res, i, 6));
    c->recording = rvi_db_bool (res, i, 7);
    c->segment_seconds = (guint) rvi_db_int64 (res, i, 8);
    c->retention_days = (guint) rvi_db_int64 (res, i, 9);
    g_ptr_array_add (list, c);
  }
  return list;
}

gboolean
rvi_cameras_learn_transport (PGconn *conn, const char *id, RviTransport transport,
                             GError **error)
{
  const char *params[] = { id, rvi_transport_to_string (transport) };
  return rvi_db_run (conn, "UPDATE cameras SET transport_learned = $2 WHERE id = $1::uuid"
                     " AND transport = 'auto'", 2, params, error);
}
