/* test-live: the live video WebSocket (GET /api/cameras/{id}/live) end to
 * end. Two camsim processes over real RTSP (one H.264, one H.265 camera)
 * recorded by an in-process server. Checks: refusals (401, 400, 404, no
 * handshake), the MSE transport (hello, mime, an init segment and one
 * fragment per frame that ffprobe decodes from the first frame, which is a
 * key frame: the cached group of pictures), the WebRTC offer (H.264
 * advertised as constrained baseline so Chromium accepts High-profile
 * cameras), H.265 refused over webrtc with 4415 and played as JPEGs, the
 * session closed with 4001 when its token is revoked, the audit events of
 * every session, and the /metrics gauges. */
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "api-fixture.h"
#include "camera-fixture.h"
#include "feed-client.h"
#include "rvi-test.h"
#include "sessions.h"

enum { OPERATOR, INSPECTOR, AUDITOR, N_USERS };

static ApiFixture *fx;
static GSubprocess *camsims[2];
static char *camera_h264;
static char *camera_h265;

/* Starts camsim with one camera of @codec (H.264 in High profile, as
 * real cameras send it); returns its URL. */
static char *
start_camsim (guint i, const char *codec)
{
  const char *args[] = { "--size", "640x360", "--fps", "10", "--codec", codec, "--profile",
                         g_str_equal (codec, "h264") ? "high" : "baseline", NULL };

  return camera_fixture_camsim (args, &camsims[i]);
}

static TestFeed *
open_live (const char *camera, const char *transport, guint user)
{
  g_autofree char *path = g_strdup_printf ("/api/cameras/%s/live?transport=%s", camera, transport);

  return test_feed_open_path (rvi_test_server_url (fx->server), path,
                              user < N_USERS ? fx->tokens[user] : NULL, NULL, NULL, TRUE);
}

/* Waits for a session that says hello with a codec (the camera streams). */
static JsonObject *
wait_hello_with_codec (TestFeed *f)
{
  for (int i = 0; i < 2; i++) {
    JsonObject *hello = test_feed_wait (f, "hello", NULL, 20000);

    g_assert_nonnull (hello);
    if (!json_object_get_null_member (hello, "codec"))
      return hello;
  }
  g_assert_not_reached ();
}

static void
test_refused (void)
{
  g_autofree char *unknown = g_strdup_printf ("/api/cameras/%s/live",
                                              "7c4a1e52-95d3-4f6a-b0c1-2d3e4f5a6b7c");
  g_autoptr (TestFeed) anonymous = open_live (camera_h264, "mse", N_USERS);
  g_autoptr (TestFeed) bad_transport = open_live (camera_h264, "flv", INSPECTOR);
  g_autoptr (TestFeed) missing = test_feed_open_path (rvi_test_server_url (fx->server), unknown,
                                                      fx->tokens[INSPECTOR], NULL, NULL, TRUE);
  g_autoptr (TestFeed) not_uuid = test_feed_open_path (rvi_test_server_url (fx->server),
                                                       "/api/cameras/cam1/live",
                                                       fx->tokens[INSPECTOR], NULL, NULL, TRUE);
  g_autoptr (TestClient) insp = api_fixture_client (fx, INSPECTOR);
  g_autofree char *plain_path = g_strdup_printf ("/api/cameras/%s/live", camera_h264);
  g_autoptr (TestResponse) plain = test_request (insp, "GET", plain_path, NULL, NULL);
  g_autoptr (TestResponse) post = test_request (insp, "POST", plain_path, "{}", NULL);

  g_assert_null (anonymous->ws);
  g_assert_cmpuint (anonymous->status, ==, 401);
  g_assert_null (bad_transport->ws);
  g_assert_cmpuint (bad_transport->status, ==, 400);
  g_assert_null (missing->ws);
  g_assert_cmpuint (missing->status, ==, 404);
  g_assert_null (not_uuid->ws);
  g_assert_cmpuint (not_uuid->status, ==, 404);
  api_fixture_check (plain, 400, NULL, "WebSocket");
  api_fixture_check (post, 405, NULL, NULL);
}

static void
test_mse (void)
{
  g_autoptr (TestFeed) f = open_live (camera_h264, "mse", INSPECTOR);
  JsonObject *hello, *mse;
  g_autofree char *path = g_build_filename (fx->tmpdir, "live.mp4", NULL);
  g_autoptr (GByteArray) all = g_byte_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  guint before, frames = 0;
  int status;
  g_auto (GStrv) lines = NULL;

  g_assert_nonnull (f->ws);
  hello = wait_hello_with_codec (f);
  g_assert_cmpstr (json_object_get_string_member (hello, "codec"), ==, "h264");
  g_assert_cmpstr (json_object_get_string_member (hello, "transport"), ==, "mse");
  g_assert_cmpint (json_object_get_int_member (hello, "width"), ==, 640);
  g_assert_false (json_object_get_boolean_member (hello, "bframes"));
  mse = test_feed_wait (f, "mse", NULL, 5000);
  g_assert_nonnull (mse);
  /* High profile, as the camera sends it: MSE plays High */
  g_assert_true (g_str_has_prefix (json_object_get_string_member (mse, "mime"),
                                   "video/mp4; codecs=\"avc1.64"));
  test_spin (3000);
  before = f->binary->len;
  /* 3 s at 10 fps, plus the cached frames: one fragment per frame */
  g_assert_cmpuint (before, >=, 20);
  test_spin (1000);
  g_assert_cmpuint (f->binary->len, >=, before + 7);
  g_assert_false (f->closed);
  for (guint i = 0; i < f->binary->len; i++) {
    gsize len;
    const guint8 *data = g_bytes_get_data (f->binary->pdata[i], &len);

    g_byte_array_append (all, data, (guint) len);
  }
  g_assert_true (memcmp (all->data + 4, "ftyp", 4) == 0);
  g_assert_true (g_file_set_contents (path, (const char *) all->data, all->len, &error));
  {
    const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                           "frame=key_frame", "-of", "csv=p=0", path, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &out, &err, &status, &error));
  }
  g_assert_no_error (error);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (status, ==, 0);
  /* every fragment a decoded frame, the first a key frame (lines are
   * "key_frame" or, with side data, "key_frame,"; blank lines between) */
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    if (lines[i][0] != '0' && lines[i][0] != '1')
      continue;
    if (frames++ == 0)
      g_assert_cmpint (lines[i][0], ==, '1');
  }
  g_assert_cmpuint (frames, ==, f->binary->len);   /* the first also holds the init segment */
  g_test_message ("mse: %u fragments, %u bytes", f->binary->len, all->len);
}

static void
test_webrtc_offer (void)
{
  g_autoptr (TestFeed) f = open_live (camera_h264, "webrtc", INSPECTOR);
  JsonObject *offer;
  const char *sdp;

  g_assert_nonnull (f->ws);
  wait_hello_with_codec (f);
  offer = test_feed_wait (f, "offer", NULL, 10000);
  g_assert_nonnull (offer);
  sdp = json_object_get_string_member (offer, "sdp");
  g_assert_nonnull (strstr (sdp, "m=video"));
  g_assert_nonnull (strstr (sdp, "H264/90000"));
  g_assert_nonnull (strstr (sdp, "a=sendonly"));
  /* the camera sends High profile; offered as constrained baseline */
  g_assert_nonnull (strstr (sdp, "profile-level-id=42e01f"));
  g_assert_null (strstr (sdp, "profile-level-id=64"));
}

static void
test_h265 (void)
{
  g_autoptr (TestFeed) webrtc = open_live (camera_h265, "webrtc", INSPECTOR);
  g_autoptr (TestFeed) jpeg = NULL;
  JsonObject *hello, *error, *still;
  gint64 at_ms;
  gsize len;
  const guint8 *data;

  g_assert_nonnull (webrtc->ws);
  hello = wait_hello_with_codec (webrtc);
  g_assert_cmpstr (json_object_get_string_member (hello, "codec"), ==, "h265");
  error = test_feed_wait (webrtc, "error", NULL, 5000);
  g_assert_nonnull (error);
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, 4415);
  test_spin (500);
  g_assert_true (webrtc->closed);
  g_assert_cmpuint (webrtc->close_code, ==, 4415);

  jpeg = open_live (camera_h265, "jpeg", INSPECTOR);
  wait_hello_with_codec (jpeg);
  still = test_feed_wait (jpeg, "jpeg", NULL, 5000);
  g_assert_nonnull (still);
  at_ms = json_object_get_int_member (still, "at");
  g_assert_cmpint (ABS (g_get_real_time () / 1000 - at_ms), <, 10000);
  test_spin (300);
  g_assert_cmpuint (jpeg->binary->len, >=, 1);
  data = g_bytes_get_data (jpeg->binary->pdata[0], &len);
  g_assert_cmpuint (len, >, 1000);
  g_assert_true (data[0] == 0xff && data[1] == 0xd8 && data[len - 2] == 0xff && data[len - 1] == 0xd9);
  /* camsim sends a key frame every 2 s: more stills follow */
  g_assert_nonnull (test_feed_wait (jpeg, "jpeg", NULL, 5000));
}

static void
test_revoked (void)
{
  g_autoptr (TestFeed) f = open_live (camera_h264, "mse", AUDITOR);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (f->ws);
  wait_hello_with_codec (f);
  g_assert_true (rvi_api_tokens_revoke_for_user (fx->conn, fx->user_ids[AUDITOR], &error));
  g_assert_no_error (error);
  for (int i = 0; i < 50 && !f->closed; i++)
    test_spin (100);
  g_assert_true (f->closed);
  g_assert_cmpuint (f->close_code, ==, 4001);
}

static void
test_audit_and_metrics (void)
{
  g_autoptr (TestClient) op = api_fixture_client (fx, OPERATOR);
  g_autoptr (TestResponse) metrics = NULL;
  gint64 started, ended = 0;
  g_autofree char *detail = NULL;

  test_spin (1000);   /* the closes of the sessions above are written */
  started = api_fixture_count (fx, "SELECT count(*) FROM audit_events WHERE action ="
                               " 'live_session_started' AND target_id = $1", camera_h264, NULL);
  for (int i = 0; i < 40 && ended < started; i++) {
    ended = api_fixture_count (fx, "SELECT count(*) FROM audit_events WHERE action ="
                               " 'live_session_ended' AND target_id = $1", camera_h264, NULL);
    if (ended < started)
      test_spin (250);
  }
  /* mse, webrtc, revoked (the refused ones never started) */
  g_assert_cmpint (started, ==, 3);
  g_assert_cmpint (ended, ==, 3);
  detail = api_fixture_value (fx, "SELECT detail::text FROM audit_events WHERE action ="
                              " 'live_session_ended' AND target_id = $1 AND actor_id = $2::uuid"
                              " AND detail->>'transport' = 'mse'", camera_h264,
                              fx->user_ids[INSPECTOR]);
  g_assert_nonnull (strstr (detail, "\"from\""));
  g_assert_nonnull (strstr (detail, "\"to\""));
  /* the viewing log shows each session once, with its end */
  {
    g_autoptr (TestClient) aud = NULL;
    g_autofree char *path = g_strdup_printf ("/api/viewing-log?cameras=%s", camera_h264);
    g_autoptr (TestResponse) log = NULL;
    g_autoptr (GError) error = NULL;
    JsonArray *views;
    guint mse = 0;

    /* test_revoked revoked the auditor's token */
    g_free (fx->tokens[AUDITOR]);
    fx->tokens[AUDITOR] = rvi_api_tokens_create (fx->conn, fx->user_ids[AUDITOR], "log", &error);
    g_assert_no_error (error);
    aud = api_fixture_client (fx, AUDITOR);
    log = test_request (aud, "GET", path, NULL, NULL);
    api_fixture_check (log, 200, NULL, NULL);
    views = json_object_get_array_member (json_node_get_object (log->json), "views");
    g_assert_cmpuint (json_array_get_length (views), ==, 3);
    for (guint i = 0; i < 3; i++) {
      JsonObject *v = json_array_get_object_element (views, i);
      g_assert_cmpstr (json_object_get_string_member (v, "action"), ==, "live_viewed");
      g_assert_nonnull (json_object_get_string_member (v, "to"));
      if (g_str_equal (json_object_get_string_member (v, "transport"), "mse")
          && g_str_equal (json_object_get_string_member (v, "actor_name"), "insp")) {
        mse++;
        g_assert_cmpstr (json_object_get_string_member (v, "actor_role"), ==, "inspector");
      }
    }
    g_assert_cmpuint (mse, ==, 1);
  }
  metrics = test_request (op, "GET", "/metrics", NULL, NULL);
  g_assert_cmpuint (metrics->status, ==, 200);
  g_assert_nonnull (strstr (metrics->body, "rvi_live_sessions{transport=\"mse\"} 0"));
  g_assert_nonnull (strstr (metrics->body, "rvi_live_sessions_started_total 5"));
}

int
main (int argc, char **argv)
{
  static const ApiFixtureUser users[N_USERS] = {
    { "op", "operator" }, { "insp", "inspector" }, { "aud", "auditor" },
  };
  g_autofree char *url264 = NULL;
  g_autofree char *url265 = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (api_fixture_log_to_stderr, NULL, NULL);
  rvi_test_watchdog (240);
  url264 = start_camsim (0, "h264");
  url265 = start_camsim (1, "h265");
  fx = api_fixture_new ("rvi-test-live");
  fx->config.recording = TRUE;
  api_fixture_start (fx, users, N_USERS);
  camera_h264 = camera_fixture_add (fx, OPERATOR, "yard 264", url264, NULL);
  camera_h265 = camera_fixture_add (fx, OPERATOR, "yard 265", url265, NULL);

  g_test_add_func ("/live/refused", test_refused);
  g_test_add_func ("/live/mse", test_mse);
  g_test_add_func ("/live/webrtc-offer", test_webrtc_offer);
  g_test_add_func ("/live/h265", test_h265);
  g_test_add_func ("/live/revoked", test_revoked);
  g_test_add_func ("/live/audit-and-metrics", test_audit_and_metrics);
  status = g_test_run ();

  api_fixture_free (fx);
  for (guint i = 0; i < G_N_ELEMENTS (camsims); i++)
    camera_fixture_camsim_stop (camsims[i]);
  g_free (camera_h264);
  g_free (camera_h265);
  return status;
}
