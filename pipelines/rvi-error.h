/* rvi-error.h: the one GError domain of rvi and its codes. It lives in
 * pipelines/, the lowest layer, so both planes use the same domain.
 *
 * Every failure that can reach a user carries one of these codes; the HTTP
 * edge maps each to a status and a JSON error.code in http-errors.c, so a
 * new code needs a row there too. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RVI_ERROR (rvi_error_quark ())
GQuark rvi_error_quark (void);

typedef enum {
  RVI_ERROR_FAILED,               /* internal: a bug or an unexpected state */
  RVI_ERROR_INVALID_INPUT,        /* a value is malformed or out of range */
  RVI_ERROR_INVALID_JSON,         /* the body is not JSON or not an object */
  RVI_ERROR_UNKNOWN_FIELD,        /* the body holds a field the shape lacks */
  RVI_ERROR_MISSING_FIELD,        /* a required field is absent */
  RVI_ERROR_WRONG_TYPE,           /* a field has the wrong JSON type */
  RVI_ERROR_BODY_TOO_LARGE,
  RVI_ERROR_UNSUPPORTED_MEDIA,    /* a body that is not application/json */
  RVI_ERROR_NOT_FOUND,
  RVI_ERROR_METHOD_NOT_ALLOWED,
  RVI_ERROR_UNAUTHENTICATED,      /* no valid session or token */
  RVI_ERROR_FORBIDDEN,            /* authenticated, but the role may not */
  RVI_ERROR_CSRF,                 /* cookie request without a valid CSRF token */
  RVI_ERROR_INVALID_CREDENTIALS,  /* login failed; never says why */
  RVI_ERROR_TOO_MANY_ATTEMPTS,    /* login throttled */
  RVI_ERROR_CONFLICT,             /* e.g. a user name already taken */
  RVI_ERROR_DB_UNAVAILABLE,       /* PostgreSQL cannot be reached */
  RVI_ERROR_BUSY,                 /* a bounded queue is full */
  RVI_ERROR_CONFIG,               /* bad configuration or command line */
  RVI_ERROR_MIGRATION,            /* a migration failed or was changed */
  RVI_ERROR_EMBEDDED_PG,          /* the private PostgreSQL would not run */
  RVI_ERROR_INTEGRITY,            /* a hash chain or signature does not verify */
  RVI_ERROR_NODE_UNAVAILABLE,     /* the node holding a file cannot be reached */
} RviErrorCode;

G_END_DECLS
