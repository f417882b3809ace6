/* json-rows.h: query results to JSON at the HTTP edge.
 *
 * Queries select exactly the API's fields under the API's names, with times
 * already formatted as RFC 3339 UTC text; a row becomes an object member by
 * member: booleans, integers, numerics and json/jsonb keep their JSON type,
 * everything else is a string, SQL NULL is null. */
#pragma once

#include <json-glib/json-glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* (transfer full) row @row of @res as an object. */
JsonNode *rvi_json_from_row (const PGresult *res, int row);

/* (transfer full) every row of @res as an array of objects. */
JsonNode *rvi_json_from_rows (const PGresult *res);

/* (transfer full) {"@name": value} */
JsonNode *rvi_json_wrap (const char *name, JsonNode *value);

G_END_DECLS
