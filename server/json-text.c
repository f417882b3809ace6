/* json-text.c: JsonNode to JSON text (see json-text.h). */
#include "json-text.h"

#include <math.h>
#include <string.h>
#include <stdlib.h>

static void write_node (GString *out, JsonNode *node);

static void
write_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++) {
    switch (*p) {
      case '"': g_string_append (out, "\\\""); break;
      case '\\': g_string_append (out, "\\\\"); break;
      case '\b': g_string_append (out, "\\b"); break;
      case '\f': g_string_append (out, "\\f"); break;
      case '\n': g_string_append (out, "\\n"); break;
      case '\r': g_string_append (out, "\\r"); break;
      case '\t': g_string_append (out, "\\t"); break;
      default:
        if (*p < 0x20)
          g_string_append_printf (out, "\\u%04x", *p);
        else
          g_string_append_c (out, (char) *p);
    }
  }
  g_string_append_c (out, '"');
}

/* The shortest of %.15g, %.16g, %.17g that reads back as @d. */
static void
write_double (GString *out, double d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (d)) {
    g_string_append (out, "null");   /* JSON has no NaN or infinity */
    return;
  }
  for (int digits = 15; digits <= 17; digits++) {
    g_ascii_formatd (buf, sizeof buf, digits == 15 ? "%.15g" : digits == 16 ? "%.16g" : "%.17g", d);
    if (g_ascii_strtod (buf, NULL) == d)
      break;
  }
  g_string_append (out, buf);
  /* keep a double recognisable as one, as json-glib does (6.0, not 6) */
  if (strpbrk (buf, ".eEn") == NULL)
    g_string_append (out, ".0");
}

static void
write_value (GString *out, JsonNode *node)
{
  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      write_double (out, json_node_get_double (node));
      break;
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      break;
    case G_TYPE_STRING:
      write_string (out, json_node_get_string (node));
      break;
    default:
      g_string_append (out, "null");
      break;
  }
}

static void
write_node (GString *out, JsonNode *node)
{
  if (node == NULL) {
    g_string_append (out, "null");
    return;
  }
  switch (json_node_get_node_type (node)) {
    case JSON_NODE_OBJECT: {
      JsonObject *object = json_node_get_object (node);
      g_autoptr (GList) members = json_object_get_members (object);
      gboolean first = TRUE;

      g_string_append_c (out, '{');
      for (GList *m = members; m != NULL; m = m->next) {
        if (!first)
          g_string_append_c (out, ',');
        first = FALSE;
        write_string (out, m->data);
        g_string_append_c (out, ':');
        write_node (out, json_object_get_member (object, m->data));
      }
      g_string_append_c (out, '}');
      break;
    }
    case JSON_NODE_ARRAY: {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      g_string_append_c (out, '[');
      for (guint i = 0; i < n; i++) {
        if (i > 0)
          g_string_append_c (out, ',');
        write_node (out, json_array_get_element (array, i));
      }
      g_string_append_c (out, ']');
      break;
    }
    case JSON_NODE_VALUE:
      write_value (out, node);
      break;
    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
  }
}

char *
rvi_json_text (JsonNode *node)
{
  GString *out = g_string_sized_new (256);

  write_node (out, node);
  return g_string_free (out, FALSE);
}
