/* test-json-text.c: rvi_json_text writes what json_to_string writes, except
 * that doubles come out in their shortest exact form. */
#include "json-text.h"

#include <math.h>

static void
assert_same_as_json_glib (const char *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_from_string (json, &error);
  g_autofree char *ours = NULL, *theirs = NULL;

  g_assert_no_error (error);
  ours = rvi_json_text (node);
  theirs = json_to_string (node, FALSE);
  g_assert_cmpstr (ours, ==, theirs);
}

static void
test_like_json_glib (void)
{
  assert_same_as_json_glib ("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}");
  assert_same_as_json_glib ("{\"z\":1,\"a\":2,\"m\":3}");   /* member order kept */
  assert_same_as_json_glib ("[\"quote \\\" back \\\\ slash\",\"tab\\t nl\\n cr\\r\"]");
  assert_same_as_json_glib ("[\"\\u0001\",\"b\\bf\\f\"]");
  {
    /* json-glib 1.6 writes 0x1f raw (invalid JSON); RFC 8259 wants it escaped */
    g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
    g_autofree char *text = NULL;

    json_node_set_string (node, "\x1f\x7f");
    text = rvi_json_text (node);
    g_assert_cmpstr (text, ==, "\"\\u001f\x7f\"");
  }
  assert_same_as_json_glib ("[\"\xe9\x93\x9c\xe7\xb2\xbe\xe7\x9f\xbf\",\"/ slash\"]");  /* UTF-8 through */
  assert_same_as_json_glib ("[-9007199254740993,0,[],{}]");
  assert_same_as_json_glib ("{\"nested\":[[[{\"x\":[]}]]]}");
}

static void
assert_double (double d, const char *expected)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
  g_autofree char *text = NULL;

  json_node_set_double (node, d);
  text = rvi_json_text (node);
  g_assert_cmpstr (text, ==, expected);
  g_assert_cmpfloat (g_ascii_strtod (text, NULL), ==, d);
}

static void
test_doubles (void)
{
  assert_double (6.72, "6.72");
  assert_double (0.1, "0.1");
  assert_double (6.0, "6.0");
  assert_double (0.05, "0.05");
  assert_double (-2.5e-7, "-2.5e-07");
  assert_double (1e300, "1e+300");
  assert_double (1.0 / 3.0, "0.3333333333333333");    /* 16 digits read back exactly */
  assert_double (0.1 + 0.2, "0.30000000000000004");
  {
    g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
    g_autofree char *text = NULL;

    json_node_set_double (node, NAN);
    text = rvi_json_text (node);
    g_assert_cmpstr (text, ==, "null");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-text/like-json-glib", test_like_json_glib);
  g_test_add_func ("/json-text/doubles", test_doubles);
  return g_test_run ();
}
