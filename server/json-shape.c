/* json-shape.c: request body validation against declared shapes. */
#define G_LOG_DOMAIN "rvi-http"
#include "json-shape.h"
#include "rvi-error.h"

static const char *
type_name (RviJsonType type)
{
  static const char *names[] = { "a string", "an integer", "a number", "a boolean", "an array",
                                 "an object" };
  return names[type];
}

static gboolean
type_matches (RviJsonType type, JsonNode *node)
{
  GType vt;

  switch (type) {
    case RVI_JSON_ARRAY:
      return JSON_NODE_HOLDS_ARRAY (node);
    case RVI_JSON_OBJECT:
      return JSON_NODE_HOLDS_OBJECT (node);
    default:
      break;
  }
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  vt = json_node_get_value_type (node);
  switch (type) {
    case RVI_JSON_STRING:
      return vt == G_TYPE_STRING;
    case RVI_JSON_INT:
      return vt == G_TYPE_INT64;
    case RVI_JSON_NUMBER:
      return vt == G_TYPE_INT64 || vt == G_TYPE_DOUBLE;
    case RVI_JSON_BOOL:
      return vt == G_TYPE_BOOLEAN;
    default:
      return FALSE;
  }
}

static const RviJsonField *
find_field (const RviJsonShape *shape, const char *name)
{
  for (gsize i = 0; i < shape->n_fields; i++)
    if (g_str_equal (shape->fields[i].name, name))
      return &shape->fields[i];
  return NULL;
}

static gboolean
check_member (const RviJsonField *f, JsonNode *node, GError **error)
{
  if (JSON_NODE_HOLDS_NULL (node)) {
    if (f->flags & RVI_FIELD_NULLABLE)
      return TRUE;
    g_set_error (error, RVI_ERROR, RVI_ERROR_WRONG_TYPE, "field \"%s\" must be %s, not null",
                 f->name, type_name (f->type));
    return FALSE;
  }
  if (!type_matches (f->type, node)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_WRONG_TYPE, "field \"%s\" must be %s", f->name,
                 type_name (f->type));
    return FALSE;
  }
  if (f->max && f->type == RVI_JSON_STRING) {
    const char *s = json_node_get_string (node);
    if (g_utf8_strlen (s, -1) > (glong) f->max) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                   "field \"%s\" is longer than %zu characters", f->name, f->max);
      return FALSE;
    }
  }
  if (f->max && f->type == RVI_JSON_ARRAY && json_array_get_length (json_node_get_array (node)) > f->max) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "field \"%s\" has more than %zu items", f->name, f->max);
    return FALSE;
  }
  return TRUE;
}

JsonObject *
rvi_json_shape_parse (const RviJsonShape *shape, const char *body, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  g_autoptr (GList) members = NULL;
  JsonNode *root;
  JsonObject *obj;

  if (len == 0 || !json_parser_load_from_data (parser, body, (gssize) len, &local)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_JSON, "the body is not valid JSON%s%s",
                 local ? ": " : "", local ? local->message : "");
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_JSON, "the body must be a JSON object");
    return NULL;
  }
  obj = json_node_get_object (root);
  members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next) {
    const RviJsonField *f = find_field (shape, l->data);
    if (!f) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_UNKNOWN_FIELD, "unknown field \"%s\"",
                   (const char *) l->data);
      return NULL;
    }
    if (!check_member (f, json_object_get_member (obj, l->data), error))
      return NULL;
  }
  for (gsize i = 0; i < shape->n_fields; i++) {
    const RviJsonField *f = &shape->fields[i];
    if ((f->flags & RVI_FIELD_REQUIRED) && !json_object_has_member (obj, f->name)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_MISSING_FIELD, "missing field \"%s\"", f->name);
      return NULL;
    }
  }
  return json_object_ref (obj);
}

const char *
rvi_json_get_string (JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;
  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}
