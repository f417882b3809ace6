/* api-lots.c: lots, the unit customs sorts, samples and tests: creating one
 * with its wagons (POST /api/lots), the inspectors' work queue (GET
 * /api/lots) and one lot with its wagons, inspections and decisions (GET
 * /api/lots/{id}).
 *
 * Wagon numbers are stored normalized ("218124712173"). A malformed number
 * is refused; a wrong check digit is stored (number_check 'bad_check') and
 * answered with the warning WAGON_CHECKDIGIT_FAIL and the digit expected:
 * the number painted on the wagon is what it is, the inspector judges it.
 * A lot is created in one transaction with its declaration (when new), its
 * wagons and its audit event. */
#define G_LOG_DOMAIN "rvi-lots"
#include "api-lots.h"
#include "json-text.h"
#include "db.h"
#include "json-rows.h"
#include "rvi-error.h"

#include <string.h>

#define LIST_DEFAULT_LIMIT 100
#define LIST_MAX_LIMIT 500
#define MASS_MAX_DIGITS 10

const char *const rvi_lot_field_names[RVI_LOT_N_FIELDS] = {
  "declaration_no", "waybill_no", "lot_no", "hs_code", "declared_mass_kg",
  "origin_country", "arrival_at", "site", "track", "risk_note",
};

#define TEXT(n, max) { n, RVI_JSON_STRING, RVI_FIELD_NULLABLE, max }
static const RviJsonField create_fields[] = {
  { "declaration_no", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 40 },
  { "waybill_no", RVI_JSON_STRING, RVI_FIELD_REQUIRED, 64 },
  TEXT ("lot_no", 64), TEXT ("hs_code", 20),
  { "declared_mass_kg", RVI_JSON_NUMBER, RVI_FIELD_NULLABLE, 0 },
  TEXT ("origin_country", 8), TEXT ("arrival_at", 40), TEXT ("site", 100), TEXT ("track", 100),
  TEXT ("risk_note", 2000),
  { "wagons", RVI_JSON_ARRAY, RVI_FIELD_REQUIRED, RVI_LOT_WAGONS_MAX },
};
#undef TEXT
const RviJsonShape rvi_api_lots_create_shape = RVI_JSON_SHAPE (create_fields);

static const char *const statuses[] = { "awaiting_review", "under_inspection",
                                        "pending_approval", "decided", "closed", NULL };

/* ---- checking input ---------------------------------------------------- */

static gboolean G_GNUC_PRINTF (2, 3)
invalid (GError **error, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  g_propagate_error (error, g_error_new_valist (RVI_ERROR, RVI_ERROR_INVALID_INPUT, format, ap));
  va_end (ap);
  return FALSE;
}

/* Trimmed text of at most @max characters, no control characters (tab and
 * newline allowed when @multiline). (transfer full) or NULL with @error. */
static char *
check_text (const char *value, glong max, gboolean multiline, GError **error)
{
  g_autofree char *s = g_strstrip (g_strdup (value));

  if (g_utf8_strlen (s, -1) > max) {
    invalid (error, "longer than %ld characters", max);
    return NULL;
  }
  for (const char *p = s; *p; p++) {
    if ((guchar) *p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))) {
      invalid (error, "holds a control character");
      return NULL;
    }
  }
  return g_steal_pointer (&s);
}

/* A positive decimal number of kilograms: up to 10 digits and 6 decimals.
 * (transfer full) without trailing zeros, or NULL with @error. */
static char *
check_mass (const char *s, GError **error)
{
  gsize int_digits = strspn (s, "0123456789");
  gsize frac_digits = s[int_digits] == '.' ? strspn (s + int_digits + 1, "0123456789") : 0;
  gsize len = int_digits + (s[int_digits] == '.' ? 1 + frac_digits : 0);
  char *out;

  if (int_digits == 0 || int_digits > MASS_MAX_DIGITS || frac_digits > 6 || s[len] != '\0'
      || strspn (s, "0.") == len) {
    invalid (error, "must be a number of kilograms greater than 0 (at most %d digits and 6"
             " decimals)", MASS_MAX_DIGITS);
    return NULL;
  }
  out = g_strdup (s);
  if (strchr (out, '.')) {
    char *end = out + strlen (out) - 1;
    while (*end == '0')
      *end-- = '\0';
    if (*end == '.')
      *end = '\0';
  }
  return out;
}

gboolean
rvi_lot_field_check (RviLotField field, const char *value, char **out, GError **error)
{
  g_autofree char *s = value ? g_strstrip (g_strdup (value)) : NULL;
  char decl[RVI_DECLARATION_NUMBER_LEN + 1];

  *out = NULL;
  if (!s || !*s) {
    if (field == RVI_LOT_DECLARATION_NO)
      return invalid (error, "a declaration number is required");
    return TRUE;
  }
  switch (field) {
    case RVI_LOT_DECLARATION_NO:
      if (rvi_declaration_number_check (s, decl) != RVI_ID_VALID)
        return invalid (error, "not a customs declaration number (18 digits: customs code,"
                        " year, import flag, sequence)");
      *out = g_strdup (decl);
      return TRUE;
    case RVI_LOT_WAYBILL_NO:
    case RVI_LOT_LOT_NO:
      *out = check_text (s, 64, FALSE, error);
      break;
    case RVI_LOT_HS_CODE:
      if (!g_str_equal (s, "2603000010") && !g_str_equal (s, "2603000090"))
        return invalid (error, "must be 2603000010 or 2603000090 (copper concentrate)");
      *out = g_steal_pointer (&s);
      break;
    case RVI_LOT_DECLARED_MASS_KG:
      *out = check_mass (s, error);
      break;
    case RVI_LOT_ORIGIN_COUNTRY:
      if (strlen (s) != 2 || !g_ascii_isalpha (s[0]) || !g_ascii_isalpha (s[1]))
        return invalid (error, "must be an ISO 3166 alpha-2 country code such as MN");
      *out = g_ascii_strup (s, -1);
      break;
    case RVI_LOT_ARRIVAL_AT: {
      g_autoptr (GDateTime) dt = strlen (s) <= 40 ? g_date_time_new_from_iso8601 (s, NULL) : NULL;
      if (!dt)
        return invalid (error, "must be an RFC 3339 time such as 2026-11-28T03:04:05.250Z");
      *out = g_date_time_format_iso8601 (dt);
      break;
    }
    case RVI_LOT_SITE:
    case RVI_LOT_TRACK:
      *out = check_text (s, 100, FALSE, error);
      break;
    case RVI_LOT_RISK_NOTE:
      *out = check_text (s, 2000, TRUE, error);
      break;
    default:
      g_return_val_if_reached (FALSE);
  }
  return *out != NULL;
}

const char *
rvi_lot_effective_no (const char *lot_no, const char *waybill_no)
{
  if (lot_no && *lot_no)
    return lot_no;
  return waybill_no && *waybill_no ? waybill_no : "1";
}

/* ---- drafts -------------------------------------------------------------- */

static void
wagon_draft_free (gpointer p)
{
  RviWagonDraft *w = p;

  g_strfreev (w->seals);
  g_free (w->declared_mass_kg);
  g_free (w);
}

RviLotDraft *
rvi_lot_draft_new (void)
{
  RviLotDraft *d = g_new0 (RviLotDraft, 1);

  d->wagons = g_ptr_array_new_with_free_func (wagon_draft_free);
  d->numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return d;
}

void
rvi_lot_draft_free (RviLotDraft *draft)
{
  if (!draft)
    return;
  for (int i = 0; i < RVI_LOT_N_FIELDS; i++)
    g_free (draft->v[i]);
  g_ptr_array_unref (draft->wagons);
  g_hash_table_unref (draft->numbers);
  g_free (draft);
}

gboolean
rvi_lot_draft_add_wagon (RviLotDraft *draft, const char *number, const char *const *seals,
                         const char *mass, const char **bad_field, GError **error)
{
  g_autoptr (GPtrArray) checked = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *mass_text = NULL;
  RviWagonNumber id;
  gpointer seq;

  *bad_field = "number";
  if (rvi_wagon_number_parse (number, &id) == RVI_WAGON_UNKNOWN)
    return invalid (error, "not a wagon or container number");
  if (g_hash_table_lookup_extended (draft->numbers, id.normalized, NULL, &seq))
    return invalid (error, "%s repeats wagon %u of the lot", id.normalized, GPOINTER_TO_UINT (seq));
  if (draft->wagons->len >= RVI_LOT_WAGONS_MAX)
    return invalid (error, "a lot has at most %d wagons", RVI_LOT_WAGONS_MAX);
  *bad_field = "seals";
  for (guint i = 0; seals && seals[i]; i++) {
    char *seal;
    if (i >= RVI_WAGON_SEALS_MAX)
      return invalid (error, "a wagon has at most %d seals", RVI_WAGON_SEALS_MAX);
    if (!(seal = check_text (seals[i], 64, FALSE, error)))
      return FALSE;
    g_ptr_array_add (checked, seal);
    if (!*seal)
      return invalid (error, "seal %u is empty", i + 1);
  }
  *bad_field = "declared_mass_kg";
  if (mass && !(mass_text = check_mass (mass, error)))
    return FALSE;
  *bad_field = NULL;

  {
    RviWagonDraft *w = g_new0 (RviWagonDraft, 1);
    w->id = id;
    g_ptr_array_add (checked, NULL);
    w->seals = (char **) g_ptr_array_steal (checked, NULL);
    w->declared_mass_kg = g_steal_pointer (&mass_text);
    g_ptr_array_add (draft->wagons, w);
    g_hash_table_insert (draft->numbers, g_strdup (id.normalized),
                         GUINT_TO_POINTER (draft->wagons->len));
  }
  return TRUE;
}

guint
rvi_lot_draft_flagged (const RviLotDraft *draft)
{
  guint n = 0;

  for (guint i = 0; i < draft->wagons->len; i++)
    if (((RviWagonDraft *) draft->wagons->pdata[i])->id.result == RVI_ID_BAD_CHECK)
      n++;
  return n;
}

/* The wagons as the JSON array the INSERT reads (transfer full). */
static char *
wagons_json (const RviLotDraft *draft)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < draft->wagons->len; i++) {
    RviWagonDraft *w = draft->wagons->pdata[i];
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "number");
    json_builder_add_string_value (b, w->id.normalized);
    json_builder_set_member_name (b, "kind");
    json_builder_add_string_value (b, rvi_wagon_kind_to_string (w->id.kind));
    json_builder_set_member_name (b, "check");
    json_builder_add_string_value (b, rvi_id_result_to_string (w->id.result));
    json_builder_set_member_name (b, "mass");
    json_builder_add_string_value (b, w->declared_mass_kg);
    json_builder_set_member_name (b, "seals");
    json_builder_begin_array (b);
    for (char **s = w->seals; *s; s++)
      json_builder_add_string_value (b, *s);
    json_builder_end_array (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  return rvi_json_text (root);
}

static JsonNode *
audit_detail (const RviLotDraft *draft, const char *lot_no, const char *source)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "declaration_no");
  json_builder_add_string_value (b, draft->v[RVI_LOT_DECLARATION_NO]);
  json_builder_set_member_name (b, "lot_no");
  json_builder_add_string_value (b, lot_no);
  json_builder_set_member_name (b, "wagons");
  json_builder_add_int_value (b, draft->wagons->len);
  json_builder_set_member_name (b, "flagged_wagons");
  json_builder_add_int_value (b, rvi_lot_draft_flagged (draft));
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, source);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
rvi_lot_draft_insert (const RviLotDraft *draft, RviRequest *req, PGconn *conn,
                      const char *source, GError **error)
{
  char *const *v = draft->v;
  const char *lot_no = rvi_lot_effective_no (v[RVI_LOT_LOT_NO], v[RVI_LOT_WAYBILL_NO]);
  g_autofree char *wagons = wagons_json (draft);
  g_autoptr (PGresult) decl = NULL;
  g_autoptr (PGresult) lot = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local = NULL;

  {
    const char *params[] = { v[RVI_LOT_DECLARATION_NO], req->user->id };
    if (!rvi_db_run (conn, "INSERT INTO declarations (number, customs_code, import, created_by)"
                     " SELECT n, substr(n, 1, 4), substr(n, 9, 1) = '1', $2::uuid"
                     " FROM (SELECT $1::char(18) AS n) AS v"
                     " ON CONFLICT (number) DO NOTHING", 2, params, error)
        || !(decl = rvi_db_exec (conn, "SELECT id FROM declarations WHERE number = $1::char(18)",
                                 1, params, error)))
      return NULL;
  }
  {
    const char *params[] = {
      PQgetvalue (decl, 0, 0), lot_no, v[RVI_LOT_WAYBILL_NO], v[RVI_LOT_HS_CODE],
      v[RVI_LOT_DECLARED_MASS_KG], v[RVI_LOT_ORIGIN_COUNTRY], v[RVI_LOT_ARRIVAL_AT],
      v[RVI_LOT_SITE], v[RVI_LOT_TRACK], v[RVI_LOT_RISK_NOTE], req->user->id,
    };
    lot = rvi_db_exec (conn,
        "INSERT INTO lots (declaration_id, lot_no, waybill_no, hs_code, declared_mass_kg,"
        " origin_country, arrival_at, site, track, risk_note, created_by)"
        " VALUES ($1::uuid, $2, coalesce($3, ''), coalesce($4, '2603000090'), $5::numeric, $6,"
        " $7::timestamptz, coalesce($8, ''), coalesce($9, ''), coalesce($10, ''), $11::uuid)"
        " RETURNING id", 11, params, &local);
  }
  if (!lot) {
    if (g_error_matches (local, RVI_ERROR, RVI_ERROR_CONFLICT))
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFLICT, "declaration %s already has lot \"%s\"",
                   v[RVI_LOT_DECLARATION_NO], lot_no);
    else
      g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  {
    const char *params[] = { PQgetvalue (lot, 0, 0), wagons };
    if (!rvi_db_run (conn, "INSERT INTO wagons (lot_id, seq, number, number_kind, number_check,"
                     " seals, declared_mass_kg)"
                     " SELECT $1::uuid, w.seq, w.v->>'number', w.v->>'kind', w.v->>'check',"
                     " ARRAY(SELECT jsonb_array_elements_text(w.v->'seals')),"
                     " (w.v->>'mass')::numeric"
                     " FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS w (v, seq)",
                     2, params, error))
      return NULL;
  }
  detail = audit_detail (draft, lot_no, source);
  if (!rvi_request_audit (req, conn, NULL, "lot_created", "lot", PQgetvalue (lot, 0, 0), detail,
                          error))
    return NULL;
  return rvi_db_dup (lot, 0, 0);
}

/* ---- answers ------------------------------------------------------------- */

/* One lot as the API shows it, (transfer full), or NULL with @error
 * (RVI_ERROR_NOT_FOUND). */
static JsonNode *
lot_json (PGconn *conn, const char *id, GError **error)
{
  const char *params[] = { id };
  g_autoptr (PGresult) lot = NULL;
  g_autoptr (PGresult) wagons = NULL;
  JsonNode *node;
  JsonArray *array;

  lot = rvi_db_exec (conn,
      "SELECT l.id, d.number AS declaration_no, l.waybill_no, l.lot_no, l.hs_code,"
      " l.declared_mass_kg, l.origin_country, rvi_time(l.arrival_at) AS arrival_at, l.site,"
      " l.track, l.risk_note, l.status, rvi_time(l.created_at) AS created_at,"
      " (SELECT coalesce(json_agg(json_build_object('id', i.id, 'inspector', u.username,"
      "    'opened_at', rvi_time(i.opened_at), 'signed_at', rvi_time(i.signed_at))"
      "    ORDER BY i.opened_at, i.id), '[]')"
      "  FROM inspections i JOIN users u ON u.id = i.inspector_id WHERE i.lot_id = l.id)"
      "  AS inspections,"
      " (SELECT coalesce(json_agg(json_build_object('id', x.id, 'category', x.category,"
      "    'reasons', x.reasons, 'note', x.note, 'decided_by', u.username,"
      "    'decided_at', rvi_time(x.decided_at), 'supersedes_id', x.supersedes_id,"
      "    'state', CASE WHEN cd.decision_id IS NOT NULL THEN cd.state"
      "      WHEN EXISTS (SELECT 1 FROM decisions s WHERE s.supersedes_id = x.id) THEN 'superseded'"
      "      WHEN NOT c.needs_approval OR a.approved THEN 'effective'"
      "      WHEN a.approved IS NULL THEN 'pending_approval' ELSE 'rejected' END)"
      "    ORDER BY x.decided_at, x.id), '[]')"
      "  FROM decisions x JOIN decision_categories c ON c.code = x.category"
      "  JOIN users u ON u.id = x.decided_by"
      "  LEFT JOIN decision_approvals a ON a.decision_id = x.id"
      "  LEFT JOIN lot_current_decision cd ON cd.decision_id = x.id AND cd.lot_id = l.id"
      "  WHERE x.lot_id = l.id) AS decisions,"
      " (SELECT json_build_object('id', cd.decision_id, 'category', cd.category,"
      "    'reasons', cd.reasons, 'decided_by', u.username,"
      "    'decided_at', rvi_time(cd.decided_at), 'supersedes_id', cd.supersedes_id,"
      "    'needs_approval', cd.needs_approval, 'approved_by', au.username,"
      "    'approval_at', rvi_time(cd.approval_at), 'state', cd.state)"
      "  FROM lot_current_decision cd JOIN users u ON u.id = cd.decided_by"
      "  LEFT JOIN users au ON au.id = cd.approved_by WHERE cd.lot_id = l.id) AS current_decision,"
      " (SELECT coalesce(json_agg(json_build_object('id', m.id, 'inspection_id', m.inspection_id,"
      "    'wagon_id', m.wagon_id, 'camera_id', m.camera_id, 'at', rvi_time(m.at),"
      "    'region', m.region, 'reason_code', m.reason_code, 'note', m.note,"
      "    'supersedes', m.supersedes_id,"
      "    'superseded', EXISTS (SELECT 1 FROM marks s WHERE s.supersedes_id = m.id),"
      "    'created_by', u.username, 'created_at', rvi_time(m.created_at),"
      "    'still', rvi_mark_still_json(m.id, m.camera_id))"
      "    ORDER BY m.at, m.id), '[]')"
      "  FROM marks m JOIN users u ON u.id = m.created_by WHERE m.lot_id = l.id) AS marks,"
      " (SELECT coalesce(json_agg(json_build_object('id', s.id, 'number', s.number,"
      "    'seal', s.seal, 'wagon_ids', s.wagon_ids, 'drawn_by', s.drawn_by,"
      "    'witnessed', s.witnessed_by IS NOT NULL, 'witnessed_by', wu.username,"
      "    'drawn_at', rvi_time(s.drawn_at),"
      "    'results', (SELECT coalesce(json_agg(json_build_object('id', r.id,"
      "       'element', r.element, 'value_pct', r.value_pct,"
      "       'limit_pct', lr.max_mass_fraction_pct, 'rule_version', r.rule_version,"
      "       'pass', r.pass, 'entered_at', rvi_time(r.entered_at))"
      "       ORDER BY r.entered_at, r.id), '[]')"
      "     FROM lab_results r JOIN lab_rules lr"
      "       ON lr.version = r.rule_version AND lr.element = r.element"
      "     WHERE r.sample_id = s.id))"
      "    ORDER BY s.drawn_at, s.id), '[]')"
      "  FROM samples s LEFT JOIN users wu ON wu.id = s.witnessed_by WHERE s.lot_id = l.id)"
      "  AS samples"
      " FROM lots l JOIN declarations d ON d.id = l.declaration_id WHERE l.id = $1::uuid",
      1, params, error);
  if (!lot)
    return NULL;
  if (PQntuples (lot) != 1) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NOT_FOUND, "no such lot");
    return NULL;
  }
  wagons = rvi_db_exec (conn,
      "SELECT id, seq, number, number_kind AS scheme,"
      " CASE number_check WHEN 'valid' THEN true WHEN 'bad_check' THEN false END"
      "  AS check_digit_valid, to_json(seals) AS seals, declared_mass_kg"
      " FROM wagons WHERE lot_id = $1::uuid ORDER BY seq", 1, params, error);
  if (!wagons)
    return NULL;

  /* what SQL cannot say: the digit the number implies, and the warning */
  array = json_array_sized_new ((guint) PQntuples (wagons));
  for (int row = 0; row < PQntuples (wagons); row++) {
    JsonNode *w = rvi_json_from_row (wagons, row);
    JsonObject *o = json_node_get_object (w);
    JsonArray *warnings = json_array_new ();
    gboolean bad = !PQgetisnull (wagons, row, 4) && PQgetvalue (wagons, row, 4)[0] == 'f';
    RviWagonNumber number;

    rvi_wagon_number_parse (PQgetvalue (wagons, row, 2), &number);
    if (bad && number.expected_check >= 0) {
      json_object_set_int_member (o, "expected_check_digit", number.expected_check);
      json_array_add_string_element (warnings, "WAGON_CHECKDIGIT_FAIL");
    } else {
      json_object_set_null_member (o, "expected_check_digit");
    }
    json_object_set_array_member (o, "warnings", warnings);
    json_array_add_element (array, w);
  }
  node = rvi_json_from_row (lot, 0);
  json_object_set_array_member (json_node_get_object (node), "wagons", array);
  return node;
}

gboolean
rvi_api_lots_get (RviRequest *req, PGconn *conn, GError **error)
{
  JsonNode *lot = lot_json (conn, req->path_id, error);

  if (!lot)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("lot", lot));
  return TRUE;
}

/* The text of JSON member @name of @obj for rvi_lot_field_check: strings
 * as they are, numbers printed (transfer full); NULL when absent or null. */
static char *
member_text (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!node || JSON_NODE_HOLDS_NULL (node) || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node)) {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      /* "%.6f" of a huge or negative number fails the mass check, as it should */
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6f", json_node_get_double (node)));
    default:
      return NULL;
  }
}

/* wagons[@i] of the request into @draft. */
static gboolean
read_wagon (RviLotDraft *draft, JsonNode *node, guint i, GError **error)
{
  static const char *const known[] = { "number", "seals", "declared_mass_kg", NULL };
  g_autoptr (GList) members = NULL;
  g_autoptr (GPtrArray) seals = g_ptr_array_new ();
  g_autofree char *mass = NULL;
  g_autoptr (GError) local = NULL;
  const char *bad_field = NULL;
  JsonObject *o;
  JsonNode *s;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_WRONG_TYPE, "wagons[%u] must be an object", i);
    return FALSE;
  }
  o = json_node_get_object (node);
  members = json_object_get_members (o);
  for (GList *l = members; l; l = l->next) {
    if (!g_strv_contains (known, l->data)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_UNKNOWN_FIELD, "unknown field \"wagons[%u].%s\"",
                   i, (const char *) l->data);
      return FALSE;
    }
  }
  if (!json_object_has_member (o, "number")) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_MISSING_FIELD, "missing field \"wagons[%u].number\"",
                 i);
    return FALSE;
  }
  if (!rvi_json_get_string (o, "number")) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_WRONG_TYPE, "wagons[%u].number must be a string", i);
    return FALSE;
  }
  s = json_object_get_member (o, "seals");
  if (s && !JSON_NODE_HOLDS_NULL (s)) {
    JsonArray *a = JSON_NODE_HOLDS_ARRAY (s) ? json_node_get_array (s) : NULL;
    for (guint k = 0; a && k < json_array_get_length (a) && k <= RVI_WAGON_SEALS_MAX; k++) {
      JsonNode *e = json_array_get_element (a, k);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        a = NULL;
      else
        g_ptr_array_add (seals, (gpointer) json_node_get_string (e));
    }
    if (!a) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_WRONG_TYPE,
                   "wagons[%u].seals must be an array of strings", i);
      return FALSE;
    }
  }
  g_ptr_array_add (seals, NULL);
  s = json_object_get_member (o, "declared_mass_kg");
  if (s && !JSON_NODE_HOLDS_NULL (s)
      && (!JSON_NODE_HOLDS_VALUE (s) || json_node_get_value_type (s) == G_TYPE_STRING
          || json_node_get_value_type (s) == G_TYPE_BOOLEAN)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_WRONG_TYPE,
                 "wagons[%u].declared_mass_kg must be a number", i);
    return FALSE;
  }
  mass = member_text (o, "declared_mass_kg");
  if (!rvi_lot_draft_add_wagon (draft, rvi_json_get_string (o, "number"),
                                (const char *const *) seals->pdata, mass, &bad_field, &local)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "wagons[%u].%s: %s", i, bad_field,
                 local->message);
    return FALSE;
  }
  return TRUE;
}

gboolean
rvi_api_lots_create (RviRequest *req, PGconn *conn, GError **error)
{
  g_autoptr (RviLotDraft) draft = rvi_lot_draft_new ();
  JsonArray *wagons = json_object_get_array_member (req->json, "wagons");
  g_autofree char *id = NULL;
  JsonNode *lot;

  for (int f = 0; f < RVI_LOT_N_FIELDS; f++) {
    g_autofree char *text = member_text (req->json, rvi_lot_field_names[f]);
    g_autoptr (GError) local = NULL;
    if (!rvi_lot_field_check (f, text, &draft->v[f], &local)) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s: %s", rvi_lot_field_names[f],
                   local->message);
      return FALSE;
    }
  }
  if (json_array_get_length (wagons) == 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "wagons: a lot needs a wagon");
    return FALSE;
  }
  for (guint i = 0; i < json_array_get_length (wagons); i++)
    if (!read_wagon (draft, json_array_get_element (wagons, i), i, error))
      return FALSE;

  if (!rvi_db_begin (conn, error) || !(id = rvi_lot_draft_insert (draft, req, conn, "api", error))
      || !(lot = lot_json (conn, id, error)))
    return FALSE;
  if (!rvi_db_commit (conn, error)) {
    json_node_unref (lot);
    return FALSE;
  }
  rvi_request_reply (req, 201, rvi_json_wrap ("lot", lot));
  return TRUE;
}

/* ---- the work queue ------------------------------------------------------ */

gboolean
rvi_api_lots_list (RviRequest *req, PGconn *conn, GError **error)
{
  static const char *const known[] = { "status", "site", "q", "limit", NULL };
  const char *status = rvi_request_query (req, "status");
  const char *site = rvi_request_query (req, "site");
  const char *q = rvi_request_query (req, "q");
  const char *limit_s = rvi_request_query (req, "limit");
  g_autofree char *limit = NULL;
  g_autofree char *wagon_q = NULL;
  g_autoptr (PGresult) res = NULL;
  GHashTableIter it;
  gpointer key;
  gint64 n = LIST_DEFAULT_LIMIT;
  RviWagonNumber id;

  g_hash_table_iter_init (&it, req->query);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (!g_strv_contains (known, key))
      return invalid (error, "unknown query parameter \"%s\" (status, site, q, limit)",
                      (const char *) key);
  if (status && !g_strv_contains (statuses, status))
    return invalid (error, "status must be one of awaiting_review, under_inspection,"
                    " pending_approval, decided, closed");
  if (site && g_utf8_strlen (site, -1) > 100)
    return invalid (error, "site is longer than 100 characters");
  if (q && (!*q || g_utf8_strlen (q, -1) > 64))
    return invalid (error, "q must be 1 to 64 characters");
  if (limit_s && !g_ascii_string_to_signed (limit_s, 10, 1, LIST_MAX_LIMIT, &n, NULL))
    return invalid (error, "limit must be an integer between 1 and %d", LIST_MAX_LIMIT);
  limit = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  /* a wagon number matches however it was typed ("21 81 2471 217-3") */
  if (q)
    wagon_q = g_strdup (rvi_wagon_number_parse (q, &id) != RVI_WAGON_UNKNOWN ? id.normalized : q);
  {
    const char *params[] = { status, site, q, wagon_q, limit };
    res = rvi_db_exec (conn,
        "SELECT l.id, d.number AS declaration_no, l.waybill_no, l.lot_no, l.status,"
        " rvi_time(l.arrival_at) AS arrival_at, l.site, l.track, l.risk_note,"
        " (SELECT count(*) FROM wagons w WHERE w.lot_id = l.id) AS wagons,"
        " (SELECT count(*) FROM wagons w WHERE w.lot_id = l.id AND w.number_check = 'bad_check')"
        "  AS flagged_wagons,"
        " (SELECT json_build_object('category', cd.category, 'state', cd.state)"
        "  FROM lot_current_decision cd WHERE cd.lot_id = l.id) AS current_decision"
        " FROM lots l JOIN declarations d ON d.id = l.declaration_id"
        " WHERE ($1::text IS NULL OR l.status = $1) AND ($2::text IS NULL OR l.site = $2)"
        " AND ($3::text IS NULL OR strpos(d.number, $3) > 0"
        "  OR strpos(lower(l.waybill_no), lower($3)) > 0 OR strpos(lower(l.lot_no), lower($3)) > 0"
        "  OR EXISTS (SELECT 1 FROM wagons w WHERE w.lot_id = l.id"
        "   AND strpos(w.number, upper($4)) > 0))"
        " ORDER BY l.arrival_at ASC NULLS LAST, l.created_at, l.id LIMIT $5::int",
        5, params, error);
  }
  if (!res)
    return FALSE;
  rvi_request_reply (req, 200, rvi_json_wrap ("lots", rvi_json_from_rows (res)));
  return TRUE;
}
