/* api-replay.h: replaying recordings (docs/replay.md).
 *
 * GET /api/cameras/{id}/replay.m3u8?from=&to=   an HLS playlist of a range
 * GET /api/cameras/{id}/recording.mp4?segment=N      a segment file's bytes
 * GET /api/viewing-log?cameras=a,b              who watched what, when */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

/* A segment's read lease (SQL): a playlist leases what it lists for this
 * long, and every byte range served renews its segment's to it. */
#define RVI_REPLAY_LEASE "interval '2 minutes'"

gboolean rvi_api_replay_playlist (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_replay_recording (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_viewing_log (RviRequest *req, PGconn *conn, GError **error);

G_END_DECLS
