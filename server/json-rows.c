/* json-rows.c: PGresult rows as JSON objects. */
#define G_LOG_DOMAIN "rvi-http"
#include "json-rows.h"

/* Type OIDs from pg_type (stable across PostgreSQL versions). */
#define BOOLOID 16
#define INT8OID 20
#define INT2OID 21
#define INT4OID 23
#define JSONOID 114
#define FLOAT4OID 700
#define FLOAT8OID 701
#define NUMERICOID 1700
#define JSONBOID 3802

static JsonNode *
value_node (const PGresult *res, int row, int col)
{
  const char *v = PQgetvalue (res, row, col);
  JsonNode *node;

  if (PQgetisnull (res, row, col))
    return json_node_new (JSON_NODE_NULL);
  switch (PQftype (res, col)) {
    case BOOLOID:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, v[0] == 't');
      return node;
    case INT2OID:
    case INT4OID:
    case INT8OID:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (node, g_ascii_strtoll (v, NULL, 10));
      return node;
    case FLOAT4OID:
    case FLOAT8OID:
    case NUMERICOID:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_double (node, g_ascii_strtod (v, NULL));
      return node;
    case JSONOID:
    case JSONBOID:
      node = json_from_string (v, NULL);
      return node ? node : json_node_new (JSON_NODE_NULL);
    default:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (node, v);
      return node;
  }
}

JsonNode *
rvi_json_from_row (const PGresult *res, int row)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (int col = 0; col < PQnfields (res); col++)
    json_object_set_member (obj, PQfname (res, col), value_node (res, row, col));
  json_node_take_object (node, obj);
  return node;
}

JsonNode *
rvi_json_from_rows (const PGresult *res)
{
  JsonArray *array = json_array_sized_new ((guint) PQntuples (res));
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (int row = 0; row < PQntuples (res); row++)
    json_array_add_element (array, rvi_json_from_row (res, row));
  json_node_take_array (node, array);
  return node;
}

JsonNode *
rvi_json_wrap (const char *name, JsonNode *value)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_member (obj, name, value);
  json_node_take_object (node, obj);
  return node;
}
