/* http-errors.h: the one table from errors to HTTP status and JSON
 * error.code. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The status and error.code for @error (any domain; foreign errors and
 * RVI_ERROR_FAILED are 500 internal_error). */
guint rvi_http_error_status (const GError *error, const char **code);

/* (transfer full) {"error": {"code", "message"}}. Internal errors say only
 * "internal error"; the caller logs the real message. */
JsonNode *rvi_http_error_body (const GError *error);

G_END_DECLS
