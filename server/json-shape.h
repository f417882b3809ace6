/* json-shape.h: declarative validation of JSON request bodies.
 *
 * Each route that takes a body declares its shape as a table of fields;
 * the body must be an object, every required field present, every present
 * field of its declared type and size, and no other field present. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  RVI_JSON_STRING,
  RVI_JSON_INT,
  RVI_JSON_NUMBER,
  RVI_JSON_BOOL,
  RVI_JSON_ARRAY,
  RVI_JSON_OBJECT,
} RviJsonType;

typedef enum {
  RVI_FIELD_OPTIONAL = 0,
  RVI_FIELD_REQUIRED = 1 << 0,
  RVI_FIELD_NULLABLE = 1 << 1,   /* null is accepted as "no value" */
} RviFieldFlags;

typedef struct {
  const char *name;
  RviJsonType type;
  RviFieldFlags flags;
  gsize max;          /* strings: characters; arrays: items; 0 = no limit */
} RviJsonField;

typedef struct {
  const RviJsonField *fields;
  gsize n_fields;
} RviJsonShape;

#define RVI_JSON_SHAPE(array) { array, G_N_ELEMENTS (array) }

/* Parses @body and checks it against @shape. Returns (transfer full) the
 * object, or NULL with @error set: RVI_ERROR_INVALID_JSON,
 * RVI_ERROR_UNKNOWN_FIELD, RVI_ERROR_MISSING_FIELD, RVI_ERROR_WRONG_TYPE or
 * RVI_ERROR_INVALID_INPUT (too long), naming the field. */
JsonObject *rvi_json_shape_parse (const RviJsonShape *shape, const char *body, gsize len,
                                  GError **error);

/* A string member of @obj, or NULL when absent or null (transfer none). */
const char *rvi_json_get_string (JsonObject *obj, const char *name);

G_END_DECLS
