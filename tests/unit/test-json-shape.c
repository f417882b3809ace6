/* test-json-shape: request body validation. */
#include <glib.h>

#include "json-shape.h"
#include "rvi-error.h"

static const RviJsonField fields[] = {
  { "name", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 5 },
  { "count", RVI_JSON_INT, RVI_FIELD_OPTIONAL, 0 },
  { "ratio", RVI_JSON_NUMBER, RVI_FIELD_OPTIONAL, 0 },
  { "on", RVI_JSON_BOOL, RVI_FIELD_OPTIONAL, 0 },
  { "tags", RVI_JSON_ARRAY, RVI_FIELD_OPTIONAL, 2 },
  { "note", RVI_JSON_STRING, RVI_FIELD_NULLABLE, 0 },
};
static const RviJsonShape shape = RVI_JSON_SHAPE (fields);

static void
expect (const char *body, int code)
{
  g_autoptr (GError) error = NULL;
  JsonObject *obj = rvi_json_shape_parse (&shape, body, strlen (body), &error);

  if (code < 0) {
    g_assert_no_error (error);
    g_assert_nonnull (obj);
    json_object_unref (obj);
  } else {
    g_assert_null (obj);
    g_assert_error (error, RVI_ERROR, code);
  }
}

static void
test_valid (void)
{
  expect ("{\"name\": \"ab\"}", -1);
  expect ("{\"name\": \"abcde\", \"count\": 3, \"ratio\": 1.5, \"on\": true, \"tags\": [1,2],"
          " \"note\": null}", -1);
  expect ("{\"name\": \"\u4e2d\u6587\u5b57\u7b26\u4e32\"}", -1);  /* 5 characters, 15 bytes */
  expect ("{\"name\": \"x\", \"ratio\": 2}", -1);                   /* an integer is a number */
}

static void
test_invalid (void)
{
  expect ("", RVI_ERROR_INVALID_JSON);
  expect ("{", RVI_ERROR_INVALID_JSON);
  expect ("[1]", RVI_ERROR_INVALID_JSON);
  expect ("\"name\"", RVI_ERROR_INVALID_JSON);
  expect ("{}", RVI_ERROR_MISSING_FIELD);
  expect ("{\"name\": \"a\", \"extra\": 1}", RVI_ERROR_UNKNOWN_FIELD);
  expect ("{\"name\": 5}", RVI_ERROR_WRONG_TYPE);
  expect ("{\"name\": null}", RVI_ERROR_WRONG_TYPE);
  expect ("{\"name\": \"a\", \"count\": 1.5}", RVI_ERROR_WRONG_TYPE);
  expect ("{\"name\": \"a\", \"count\": \"1\"}", RVI_ERROR_WRONG_TYPE);
  expect ("{\"name\": \"a\", \"on\": 1}", RVI_ERROR_WRONG_TYPE);
  expect ("{\"name\": \"a\", \"tags\": {}}", RVI_ERROR_WRONG_TYPE);
  expect ("{\"name\": \"abcdef\"}", RVI_ERROR_INVALID_INPUT);
  expect ("{\"name\": \"a\", \"tags\": [1,2,3]}", RVI_ERROR_INVALID_INPUT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-shape/valid", test_valid);
  g_test_add_func ("/json-shape/invalid", test_invalid);
  return g_test_run ();
}
