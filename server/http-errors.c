/* http-errors.c: errors to status codes and JSON bodies. */
#define G_LOG_DOMAIN "rvi-http"
#include "http-errors.h"
#include "rvi-error.h"

#include <libsoup/soup.h>

static const struct {
  RviErrorCode code;
  guint status;
  const char *name;
} table[] = {
  { RVI_ERROR_FAILED, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error" },
  { RVI_ERROR_INVALID_INPUT, SOUP_STATUS_BAD_REQUEST, "invalid_input" },
  { RVI_ERROR_INVALID_JSON, SOUP_STATUS_BAD_REQUEST, "invalid_json" },
  { RVI_ERROR_UNKNOWN_FIELD, SOUP_STATUS_BAD_REQUEST, "unknown_field" },
  { RVI_ERROR_MISSING_FIELD, SOUP_STATUS_BAD_REQUEST, "missing_field" },
  { RVI_ERROR_WRONG_TYPE, SOUP_STATUS_BAD_REQUEST, "wrong_type" },
  { RVI_ERROR_BODY_TOO_LARGE, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "body_too_large" },
  { RVI_ERROR_UNSUPPORTED_MEDIA, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type" },
  { RVI_ERROR_NOT_FOUND, SOUP_STATUS_NOT_FOUND, "not_found" },
  { RVI_ERROR_METHOD_NOT_ALLOWED, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed" },
  { RVI_ERROR_UNAUTHENTICATED, SOUP_STATUS_UNAUTHORIZED, "unauthenticated" },
  { RVI_ERROR_FORBIDDEN, SOUP_STATUS_FORBIDDEN, "forbidden" },
  { RVI_ERROR_CSRF, SOUP_STATUS_FORBIDDEN, "csrf_failed" },
  { RVI_ERROR_INVALID_CREDENTIALS, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials" },
  { RVI_ERROR_TOO_MANY_ATTEMPTS, 429, "too_many_attempts" },
  { RVI_ERROR_CONFLICT, SOUP_STATUS_CONFLICT, "conflict" },
  { RVI_ERROR_DB_UNAVAILABLE, SOUP_STATUS_SERVICE_UNAVAILABLE, "db_unavailable" },
  { RVI_ERROR_BUSY, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy" },
  { RVI_ERROR_NODE_UNAVAILABLE, SOUP_STATUS_SERVICE_UNAVAILABLE, "node_unavailable" },
  { RVI_ERROR_CONFIG, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error" },
  { RVI_ERROR_MIGRATION, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error" },
  { RVI_ERROR_EMBEDDED_PG, SOUP_STATUS_SERVICE_UNAVAILABLE, "db_unavailable" },
  { RVI_ERROR_INTEGRITY, SOUP_STATUS_INTERNAL_SERVER_ERROR, "integrity_error" },
};

guint
rvi_http_error_status (const GError *error, const char **code)
{
  if (error && error->domain == RVI_ERROR) {
    for (gsize i = 0; i < G_N_ELEMENTS (table); i++) {
      if (table[i].code == (RviErrorCode) error->code) {
        *code = table[i].name;
        return table[i].status;
      }
    }
  }
  *code = "internal_error";
  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

JsonNode *
rvi_http_error_body (const GError *error)
{
  const char *code;
  guint status = rvi_http_error_status (error, &code);
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  /* 5xx messages are fixed: they may hold paths or SQL the client must not see */
  if (status < 500)
    json_builder_add_string_value (b, error->message);
  else if (g_str_equal (code, "db_unavailable"))
    json_builder_add_string_value (b, "database unavailable");
  else if (g_str_equal (code, "busy"))
    json_builder_add_string_value (b, "server busy; retry shortly");
  else if (g_str_equal (code, "node_unavailable"))   /* node-proxy.c's own words: a node's name */
    json_builder_add_string_value (b, error->message);
  else
    json_builder_add_string_value (b, "internal error");
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
