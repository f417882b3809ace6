/* nodes-exports.c: exports in the nodes tests (nodes-exports.h). */
#include "nodes-exports.h"
#include "nodes-fixture.h"
#include "rvi-test.h"
#include "sha256-hex.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

static char *
export_status (int node, const char *id, char **error_text)
{
  g_autofree char *path = g_strdup_printf ("/api/exports/%s", id);
  g_autoptr (TestResponse) r = nodes_fixture_api (nf.audit_token, node, "GET", path, NULL);

  g_assert_cmpuint (r->status, ==, 200);
  *error_text = g_strdup (test_json_string (r, "export.error"));
  return g_strdup (test_json_string (r, "export.status"));
}

char *
nodes_export_done (int node, const char *body)
{
  g_autoptr (TestResponse) created = nodes_fixture_api (nf.audit_token, node, "POST",
                                                        "/api/exports", body);
  char *id;

  g_assert_cmpuint (created->status, ==, 202);
  id = g_strdup (test_json_string (created, "export.id"));
  for (int t = 0;; t++) {
    g_autofree char *error_text = NULL;
    g_autofree char *st = export_status (node, id, &error_text);

    if (g_str_equal (st, "failed"))
      g_error ("export failed: %s", error_text);
    if (g_str_equal (st, "done"))
      return id;
    g_assert_cmpint (t, <, 4 * 90);
    g_usleep (G_USEC_PER_SEC / 4);
  }
}

char *
nodes_export_unpack (int node, const char *id)
{
  g_autoptr (SoupSession) s = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *url = g_strdup_printf ("%sapi/exports/%s/package", nf.urls[node], id);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", nf.audit_token);
  g_autofree char *pkg = NULL, *out = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  char *dir = g_build_filename (nf.tmpdir, id, NULL);
  char digest[RVI_SHA256_HEX_LEN + 1];

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  bytes = soup_session_send_and_read (s, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  rvi_sha256_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), digest);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "X-Package-SHA256"), ==, digest);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  pkg = g_build_filename (dir, "package.tar", NULL);
  g_assert_true (g_file_set_contents (pkg, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), NULL));
  {
    const char *argv[] = { rvi_test_bin (), "evidence", "verify", pkg, NULL };
    g_assert_cmpint (rvi_test_run (argv, NULL, &out), ==, 0);
  }
  {
    const char *argv[] = { "tar", "-xf", pkg, "-C", dir, NULL };
    g_assert_cmpint (rvi_test_run (argv, NULL, NULL), ==, 0);
  }
  return dir;
}
