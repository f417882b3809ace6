/* http-client.h: a small blocking JSON client for the HTTP tests. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

typedef struct {
  guint status;
  JsonNode *json;          /* NULL when the body is empty or not JSON */
  char *body;
  SoupMessageHeaders *headers;
} TestResponse;

void test_response_free (TestResponse *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestResponse, test_response_free)

typedef struct {
  SoupSession *session;    /* keeps cookies */
  char *base;              /* "http://127.0.0.1:PORT" without the trailing slash */
  char *bearer;            /* sent as Authorization when set */
  char *csrf;              /* sent as X-CSRF-Token when set */
  char *forwarded_for;     /* sent as X-Forwarded-For when set */
} TestClient;

TestClient *test_client_new (const char *url);
void test_client_free (TestClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

/* Sends @method @path with @body (JSON text or NULL; @content_type defaults
 * to application/json). */
TestResponse *test_request (TestClient *c, const char *method, const char *path,
                            const char *body, const char *content_type);

/* error.code of a JSON error answer, or "" */
const char *test_error_code (TestResponse *r);
/* A string member at the top level or one level down ("user.role") */
const char *test_json_string (TestResponse *r, const char *path);
