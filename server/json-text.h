/* json-text.h: JsonNode to JSON text for answers and audit details.
 *
 * json-glib 1.6 prints every double with 17 significant digits, so 6.72
 * becomes 6.7199999999999998 in an answer. This writer prints the
 * shortest form that reads back as the same double (6.72), and otherwise
 * writes what json_to_string() writes: members in insertion order, no
 * whitespace, strings escaped per RFC 8259 (UTF-8 passed through). */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Transfer full; "null" for a NULL node. */
char *rvi_json_text (JsonNode *node);

G_END_DECLS
