/* api-replay.c: GET /api/cameras/{id}/replay.m3u8?from=&to=, an HLS
 * playlist of what was recorded of a camera over [from, to), by this node
 * or by a running node whose files this node fetches for the player.
 *
 * from and to are RFC 3339; to defaults to now and from to an hour before
 * it; the range is at most MAX_HOURS. The segments listed get a read lease
 * (segments.read_lease_until, sql/009_replay.sql) of RVI_REPLAY_LEASE (renewed only
 * when less than RENEW_BELOW of it is left): retention
 * leaves them alone while a player is still likely to ask for them, and
 * every byte range served renews it (api-recording.c). Only closed
 * segments are listed: the one being written joins when it closes, so
 * replay reaches to within one segment length of now (live view covers
 * the rest). Each playlist served is the audit event `replay_viewed`
 * (camera, range, segments), which the viewing log shows. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-replay.h"
#include "api-audit.h"
#include "db.h"
#include "node-proxy.h"
#include "hls-playlist.h"
#include "rvi-error.h"

#define MAX_HOURS 24
/* a lease with more than this left is not written again: a day's playlist
 * asked for twice within a minute rewrites no rows */
#define RENEW_BELOW "interval '1 minute'"
#define CHUNK_US (4 * G_USEC_PER_SEC)

static void
hls_file_clear (gpointer p)
{
  RviHlsFile *f = p;

  g_clear_pointer (&f->fragments, g_array_unref);
}

/* The range as the database resolves it: from, to (timestamptz text),
 * their microseconds and rvi_time(); NULL with @error. */
static PGresult *
replay_range (PGconn *conn, RviRequest *req, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *from = rvi_query_time (rvi_request_query (req, "from"), "from", &local);
  g_autofree char *to = local ? NULL : rvi_query_time (rvi_request_query (req, "to"), "to", &local);
  const char *params[] = { from, to };
  g_autoptr (PGresult) range = NULL;

  if (local) {
    g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  range = rvi_db_exec (conn,
      "SELECT f, t, (extract(epoch FROM f) * 1000000)::bigint,"
      " (extract(epoch FROM t) * 1000000)::bigint, rvi_time(f), rvi_time(t),"
      " t <= f OR t - f > make_interval(hours => " G_STRINGIFY (MAX_HOURS) ") FROM ("
      " SELECT coalesce($1::timestamptz, coalesce($2::timestamptz, now()) - interval '1 hour') f,"
      "        coalesce($2::timestamptz, now()) t) r", 2, params, error);
  if (!range)
    return NULL;
  if (rvi_db_bool (range, 0, 6)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "from must be before to, at most %d hours apart", MAX_HOURS);
    return NULL;
  }
  return g_steal_pointer (&range);
}

/* Segments a node can serve: its own, and those of running nodes, which
 * it fetches from them (node-proxy.h, api-recording.c). */
#define SERVABLE(s)                                                                        \
  " AND (" s "node = $4 OR " s "node IN (SELECT name FROM nodes"                         \
  "  WHERE last_seen > now() - interval '" RVI_NODE_RUNNING_S " seconds'))"

/* Why nothing can be served: recordings held by another node, or none. */
static void
set_nothing_error (PGconn *conn, RviRequest *req, PGresult *range, GError **error)
{
  const char *params[] = { req->path_id, PQgetvalue (range, 0, 0), PQgetvalue (range, 0, 1),
                           req->app->config->node };
  g_autoptr (PGresult) other = rvi_db_exec (conn,
      "SELECT string_agg(DISTINCT node, ', ') FROM segments WHERE camera_id = $1::uuid"
      " AND start_at < $3::timestamptz AND coalesce(end_at, now()) > $2::timestamptz"
      " AND (status = 'open' OR NOT (TRUE" SERVABLE ("") "))", 4, params, NULL);

  if (other && !PQgetisnull (other, 0, 0))
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND,
                 "nothing between %s and %s can be replayed now: the recording is "
                 "still being written, or held by a node that is not running (%s)",
                 PQgetvalue (range, 0, 4),
                 PQgetvalue (range, 0, 5), PQgetvalue (other, 0, 0));
  else
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "nothing was recorded between %s and %s",
                 PQgetvalue (range, 0, 4), PQgetvalue (range, 0, 5));
}

/* The closed segments over the range this node can serve, leased, as files. */
static GArray *
leased_files (PGconn *conn, RviRequest *req, PGresult *range, GError **error)
{
  const char *params[] = { req->path_id, PQgetvalue (range, 0, 0), PQgetvalue (range, 0, 1),
                           req->app->config->node };
  g_autoptr (PGresult) res = rvi_db_exec (conn,
      "WITH l AS (UPDATE segments SET read_lease_until = now() + " RVI_REPLAY_LEASE
      " WHERE camera_id = $1::uuid AND status = 'closed'" SERVABLE ("")
      "  AND start_at < $3::timestamptz AND end_at > $2::timestamptz"
      "  AND fragments IS NOT NULL AND init_size IS NOT NULL"
      "  AND (read_lease_until IS NULL OR read_lease_until < now() + " RENEW_BELOW ")"
      " RETURNING id)"
      " SELECT s.id, (extract(epoch FROM s.start_at) * 1000000)::bigint, s.init_size,"
      "  s.fragments::text FROM segments s"
      " WHERE s.camera_id = $1::uuid AND s.status = 'closed'" SERVABLE ("s.")
      "  AND s.start_at < $3::timestamptz AND s.end_at > $2::timestamptz"
      "  AND s.fragments IS NOT NULL AND s.init_size IS NOT NULL"
      "  AND (s.id IN (SELECT id FROM l) OR s.read_lease_until >= now() + " RENEW_BELOW ")"
      " ORDER BY s.start_at", 4, params, error);
  g_autoptr (GArray) files = g_array_new (FALSE, TRUE, sizeof (RviHlsFile));

  g_array_set_clear_func (files, hls_file_clear);
  if (!res)
    return NULL;
  for (int i = 0; i < PQntuples (res); i++) {
    g_autoptr (GError) local = NULL;
    RviHlsFile f = { rvi_db_int64 (res, i, 0), rvi_db_int64 (res, i, 1),
                     (guint64) rvi_db_int64 (res, i, 2), NULL };

    if (!(f.fragments = rvi_hls_fragments_parse (PQgetvalue (res, i, 3), &local))) {
      g_warning ("segment %" G_GINT64_FORMAT ": %s; left out of replay", f.id, local->message);
      continue;
    }
    g_array_append_val (files, f);
  }
  return g_steal_pointer (&files);
}

gboolean
rvi_api_replay_playlist (RviRequest *req, PGconn *conn, GError **error)
{
  const char *params[] = { req->path_id };
  g_autoptr (PGresult) exists = rvi_db_exec (conn, "SELECT 1 FROM cameras WHERE id = $1::uuid",
                                             1, params, error);
  g_autoptr (PGresult) range = NULL;
  g_autoptr (GArray) files = NULL;
  g_autoptr (JsonBuilder) detail = NULL;
  g_autoptr (JsonNode) detail_root = NULL;
  char *playlist;
  guint chunks = 0;

  if (!exists)
    return FALSE;
  if (PQntuples (exists) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
    return FALSE;
  }
  if (!(range = replay_range (conn, req, error))
      || !(files = leased_files (conn, req, range, error)))
    return FALSE;
  playlist = rvi_hls_playlist ((RviHlsFile *) files->data, files->len, rvi_db_int64 (range, 0, 2),
                               rvi_db_int64 (range, 0, 3), CHUNK_US, &chunks);
  if (chunks == 0) {
    g_free (playlist);
    set_nothing_error (conn, req, range, error);
    return FALSE;
  }
  detail = json_builder_new ();
  json_builder_begin_object (detail);
  json_builder_set_member_name (detail, "from");
  json_builder_add_string_value (detail, PQgetvalue (range, 0, 4));
  json_builder_set_member_name (detail, "to");
  json_builder_add_string_value (detail, PQgetvalue (range, 0, 5));
  json_builder_set_member_name (detail, "segments");
  json_builder_add_int_value (detail, files->len);
  json_builder_end_object (detail);
  detail_root = json_builder_get_root (detail);
  if (!rvi_request_audit (req, conn, NULL, "replay_viewed", "camera", req->path_id, detail_root,
                          error)) {
    g_free (playlist);
    return FALSE;
  }
  req->text_body = playlist;
  req->text_type = "application/vnd.apple.mpegurl";
  req->status = 200;
  return TRUE;
}
