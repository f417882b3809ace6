/* camera-fixture.c: camsim processes and linked cameras for the recording
 * tests. */
#include "camera-fixture.h"

#include <signal.h>
#include <string.h>

#define MAX_ARGS 32

char *
camera_fixture_camsim (const char *const *args, GSubprocess **proc)
{
  const char *argv[MAX_ARGS] = { rvi_test_bin (), "camsim", "--listen", "127.0.0.1:0",
                                 "--cameras", "1" };
  guint n = 6;
  g_autofree char *rest = NULL;

  for (; args && *args; args++) {
    g_assert_cmpuint (n, <, MAX_ARGS - 1);
    argv[n++] = *args;
  }
  argv[n] = NULL;
  *proc = rvi_test_spawn (argv, NULL, "camsim: serving ", &rest);
  *strchrnul (rest, ' ') = '\0';
  return g_steal_pointer (&rest);
}

void
camera_fixture_camsim_stop (GSubprocess *proc)
{
  if (!proc)
    return;
  rvi_test_kill (proc, SIGTERM);
  g_object_unref (proc);
}

char *
camera_fixture_add (ApiFixture *fx, guint op, const char *name, const char *url,
                    const char *extra)
{
  g_autoptr (TestClient) c = api_fixture_client (fx, op);
  g_autofree char *body = g_strdup_printf ("{\"name\": \"%s\", \"url\": \"%s\"%s%s}", name, url,
                                           extra ? ", " : "", extra ? extra : "");
  g_autoptr (TestResponse) r = test_request (c, "POST", "/api/cameras", body, NULL);

  api_fixture_check (r, 201, NULL, NULL);
  return g_strdup (test_json_string (r, "camera.id"));
}

void
camera_fixture_wait_segments (ApiFixture *fx, const char *camera, gint64 n, guint seconds)
{
  static const char sql[] = "SELECT count(*) FROM segments WHERE camera_id = $1::uuid"
                            " AND status = 'closed'";

  for (guint i = 0; i < seconds * 4 && api_fixture_count (fx, sql, camera, NULL) < n; i++)
    g_usleep (G_USEC_PER_SEC / 4);
  g_assert_cmpint (api_fixture_count (fx, sql, camera, NULL), >=, n);
}
