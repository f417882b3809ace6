/* http-client.c: a blocking JSON client for the HTTP tests. */
#include "http-client.h"

void
test_response_free (TestResponse *r)
{
  if (!r)
    return;
  g_clear_pointer (&r->json, json_node_unref);
  g_free (r->body);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_free (r);
}

TestClient *
test_client_new (const char *url)
{
  TestClient *c = g_new0 (TestClient, 1);
  g_autoptr (SoupCookieJar) jar = soup_cookie_jar_new ();

  c->session = soup_session_new_with_options ("timeout", 30, NULL);
  soup_session_add_feature (c->session, SOUP_SESSION_FEATURE (jar));
  c->base = g_strdup (url);
  if (g_str_has_suffix (c->base, "/"))
    c->base[strlen (c->base) - 1] = '\0';
  return c;
}

void
test_client_free (TestClient *c)
{
  if (!c)
    return;
  g_object_unref (c->session);
  g_free (c->base);
  g_free (c->bearer);
  g_free (c->csrf);
  g_free (c->forwarded_for);
  g_free (c);
}

TestResponse *
test_request (TestClient *c, const char *method, const char *path, const char *body,
              const char *content_type)
{
  g_autofree char *url = g_strconcat (c->base, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = NULL;
  SoupMessageHeaders *h;
  TestResponse *r = g_new0 (TestResponse, 1);

  g_assert_nonnull (msg);
  h = soup_message_get_request_headers (msg);
  if (c->bearer) {
    g_autofree char *auth = g_strconcat ("Bearer ", c->bearer, NULL);
    soup_message_headers_replace (h, "Authorization", auth);
  }
  if (c->csrf)
    soup_message_headers_replace (h, "X-CSRF-Token", c->csrf);
  if (c->forwarded_for)
    soup_message_headers_replace (h, "X-Forwarded-For", c->forwarded_for);
  if (body) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));
    soup_message_set_request_body_from_bytes (msg, content_type ? content_type
                                              : "application/json", bytes);
  }
  reply = soup_session_send_and_read (c->session, msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  r->body = reply && g_bytes_get_size (reply) ? g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply)) : g_strdup ("");
  r->json = *r->body ? json_from_string (r->body, NULL) : NULL;
  return r;
}

const char *
test_error_code (TestResponse *r)
{
  JsonObject *o;

  if (!r->json || !JSON_NODE_HOLDS_OBJECT (r->json))
    return "";
  o = json_node_get_object (r->json);
  if (!json_object_has_member (o, "error"))
    return "";
  o = json_object_get_object_member (o, "error");
  return json_object_get_string_member_with_default (o, "code", "");
}

const char *
test_json_string (TestResponse *r, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, ".", 2);
  JsonObject *o;

  if (!r->json || !JSON_NODE_HOLDS_OBJECT (r->json))
    return NULL;
  o = json_node_get_object (r->json);
  if (parts[1]) {
    if (!json_object_has_member (o, parts[0]))
      return NULL;
    o = json_object_get_object_member (o, parts[0]);
    return o ? json_object_get_string_member_with_default (o, parts[1], NULL) : NULL;
  }
  return json_object_get_string_member_with_default (o, parts[0], NULL);
}
