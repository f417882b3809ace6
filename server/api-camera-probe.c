/* api-camera-probe.c: "test connection" before or after linking a camera.
 *
 * Body {url, username?, password?, transport?, camera_id?}: with camera_id
 * and no password the stored credentials are used, so an operator can test
 * a linked camera without typing its password again. The answer is 200 in
 * both cases: {ok: true, codec, codec_string, width, height, fps,
 * transport} or {ok: false, reason, message}; reason is unreachable,
 * auth_failed, timeout, no_video, unsupported, ... The probe runs on the
 * main loop's GStreamer pipeline with a timeout; nothing blocks. */
#define G_LOG_DOMAIN "rvi-cameras"
#include "api-camera-probe.h"
#include "camera-probe.h"
#include "camera-url.h"
#include "cameras.h"
#include "credential-box.h"
#include "db.h"
#include "identifiers.h"
#include "rvi-error.h"

#define PROBE_TIMEOUT_MS 8000

static const RviJsonField probe_fields[] = {
  { "url", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 1000 },
  { "username", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 200 },
  { "password", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 200 },
  { "transport", RVI_JSON_STRING, RVI_FIELD_OPTIONAL, 8 },
  { "camera_id", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 36 },
};
const RviJsonShape rvi_api_camera_probe_shape = RVI_JSON_SHAPE (probe_fields);

/* What the main loop needs, kept on the request between the two steps. */
typedef struct {
  char *url;
  char *username;
  char *password;
  RviTransport transport;
} ProbeTarget;

static void
probe_target_free (gpointer p)
{
  ProbeTarget *t = p;
  g_free (t->url);
  g_free (t->username);
  if (t->password)
    memset (t->password, 0, strlen (t->password));
  g_free (t->password);
  g_free (t);
}

/* Worker: validate, and fetch stored credentials when asked. */
gboolean
rvi_api_camera_probe_prepare (RviRequest *req, PGconn *conn, GError **error)
{
  const char *camera_id = rvi_json_get_string (req->json, "camera_id");
  const char *transport = rvi_json_get_string (req->json, "transport");
  g_autofree char *url_user = NULL;
  g_autofree char *url_password = NULL;
  ProbeTarget *t;
  char *url;

  url = rvi_camera_url_normalize (rvi_json_get_string (req->json, "url"), &url_user,
                                  &url_password, error);
  if (!url)
    return FALSE;
  if (transport && !g_strv_contains ((const char *const[]) { "auto", "tcp", "udp", NULL },
                                     transport)) {
    g_free (url);
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "transport must be auto, tcp or udp");
    return FALSE;
  }
  t = g_new0 (ProbeTarget, 1);
  t->url = url;
  t->transport = rvi_transport_from_string (transport);
  t->username = g_strdup (rvi_json_get_string (req->json, "username"));
  t->password = g_strdup (rvi_json_get_string (req->json, "password"));
  if (!t->username)
    t->username = g_steal_pointer (&url_user);
  if (!t->password)
    t->password = g_steal_pointer (&url_password);
  req->handler_data = t;
  req->handler_data_free = probe_target_free;

  if (camera_id && !t->password) {
    const char *params[] = { camera_id };
    g_autoptr (PGresult) res = NULL;

    if (!rvi_is_uuid (camera_id)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "camera_id must be a UUID");
      return FALSE;
    }
    res = rvi_db_exec (conn, "SELECT username, password_box FROM cameras WHERE id = $1::uuid"
                       " AND deleted_at IS NULL", 1, params, error);
    if (!res)
      return FALSE;
    if (PQntuples (res) != 1) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such camera");
      return FALSE;
    }
    if (!t->username)
      t->username = rvi_db_dup (res, 0, 0);
    if (!PQgetisnull (res, 0, 1)) {
      t->password = rvi_credential_box_open_sealed (req->app->credentials, PQgetvalue (res, 0, 1),
                                                    error);
      if (!t->password)
        return FALSE;
    }
  }
  return TRUE;
}

static void
probe_done (gpointer data, const RviStreamInfo *info, RviIngestFailure failure,
            const char *message)
{
  RviRequest *req = data;
  JsonObject *o = json_object_new ();
  JsonNode *root = json_node_new (JSON_NODE_OBJECT);

  json_object_set_boolean_member (o, "ok", info != NULL);
  if (info) {
    json_object_set_string_member (o, "codec", info->codec);
    json_object_set_string_member (o, "codec_string", info->codec_string);
    json_object_set_int_member (o, "width", info->width);
    json_object_set_int_member (o, "height", info->height);
    json_object_set_double_member (o, "fps", info->fps);
    json_object_set_string_member (o, "transport", rvi_transport_to_string (info->transport));
  } else {
    json_object_set_string_member (o, "reason", rvi_ingest_failure_to_string (failure));
    json_object_set_string_member (o, "message", message ? message : "");
  }
  json_node_take_object (root, o);
  rvi_request_reply (req, 200, root);
  rvi_request_finish (req);
}

/* Main loop: start the probe and answer when it ends. */
void
rvi_api_camera_probe_run (RviRequest *req)
{
  ProbeTarget *t = req->handler_data;

  rvi_request_defer (req);
  rvi_camera_probe (t->url, t->username, t->password, t->transport, PROBE_TIMEOUT_MS, probe_done,
                    req);
}
