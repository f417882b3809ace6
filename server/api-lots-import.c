/* api-lots-import.c: POST /api/lots/import {csv}: lots and their wagons
 * from the CSV a railway or forwarder sends ahead of a train.
 *
 * DESIGN: one row per wagon; the rows of one (declaration_no, lot_no) form
 * one lot, wagons in row order. The first row of a lot sets its lot-level
 * fields; a later row may leave them empty or repeat them, not change them.
 * The whole file is read and checked before anything is stored, and every
 * problem is collected (up to MAX_PROBLEMS, each naming line and column),
 * so the sender fixes the file in one go. Then all lots are stored in one
 * transaction with one audit event per lot: a file is imported whole or
 * not at all. Everything is bounded: body, rows, fields, field length. */
#define G_LOG_DOMAIN "rvi-lots"
#include "api-lots-import.h"
#include "api-lots.h"
#include "db.h"
#include "http-errors.h"
#include "rvi-error.h"

#include <string.h>

#define MAX_PROBLEMS 50

static const RviJsonField import_fields[] = {
  { "csv", RVI_JSON_STRING, RVI_FIELD_REQUIRED, RVI_LOTS_IMPORT_MAX_BYTES },
};
const RviJsonShape rvi_api_lots_import_shape = RVI_JSON_SHAPE (import_fields);

/* ---- CSV ----------------------------------------------------------------- */

void
rvi_csv_record_free (RviCsvRecord *record)
{
  if (!record)
    return;
  g_ptr_array_unref (record->fields);
  g_free (record);
}

static gboolean
is_separator (char c)
{
  return c == ',' || c == '\r' || c == '\n';
}

static gboolean
record_blank (const RviCsvRecord *r)
{
  for (guint i = 0; i < r->fields->len; i++)
    if (*(const char *) r->fields->pdata[i])
      return FALSE;
  return TRUE;
}

GPtrArray *
rvi_csv_split (const char *text, gsize len, guint max_rows, GError **error)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (
      (GDestroyNotify) rvi_csv_record_free);
  g_autoptr (GString) field = g_string_sized_new (64);
  gsize pos = 0;
  guint line = 1;

  if (len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;
  while (pos < len) {
    g_autoptr (RviCsvRecord) rec = g_new0 (RviCsvRecord, 1);
    gboolean end = FALSE;

    rec->line = line;
    rec->fields = g_ptr_array_new_with_free_func (g_free);
    while (!end) {
      g_string_truncate (field, 0);
      if (pos < len && text[pos] == '"') {
        guint start = line;
        for (pos++;; pos++) {
          if (pos >= len) {
            g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                         "line %u: a quoted field is not closed", start);
            return NULL;
          }
          if (text[pos] == '"') {
            if (pos + 1 < len && text[pos + 1] == '"') {
              pos++;
            } else {
              pos++;
              break;
            }
          } else if (text[pos] == '\n' || (text[pos] == '\r' && (pos + 1 >= len
                                                                 || text[pos + 1] != '\n'))) {
            line++;
          }
          g_string_append_c (field, text[pos]);
          if (field->len > RVI_LOTS_IMPORT_MAX_FIELD_BYTES)
            break;
        }
        if (pos < len && !is_separator (text[pos])
            && field->len <= RVI_LOTS_IMPORT_MAX_FIELD_BYTES) {
          g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                       "line %u: text after the closing quote of a field", line);
          return NULL;
        }
      } else {
        for (; pos < len && !is_separator (text[pos]); pos++) {
          if (text[pos] == '"' || text[pos] == '\0') {
            g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, text[pos] == '"'
                         ? "line %u: a quote inside a field that does not start with one"
                         : "line %u: a NUL byte", line);
            return NULL;
          }
          g_string_append_c (field, text[pos]);
          if (field->len > RVI_LOTS_IMPORT_MAX_FIELD_BYTES)
            break;
        }
      }
      if (field->len > RVI_LOTS_IMPORT_MAX_FIELD_BYTES) {
        g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                     "line %u: a field is longer than %d bytes", line,
                     RVI_LOTS_IMPORT_MAX_FIELD_BYTES);
        return NULL;
      }
      if (rec->fields->len >= RVI_LOTS_IMPORT_MAX_FIELDS) {
        g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                     "line %u: more than %d fields", rec->line, RVI_LOTS_IMPORT_MAX_FIELDS);
        return NULL;
      }
      g_ptr_array_add (rec->fields, g_strndup (field->str, field->len));
      if (pos >= len) {
        end = TRUE;
      } else if (text[pos] == ',') {
        pos++;
      } else {   /* CR, LF or CRLF */
        pos += (text[pos] == '\r' && pos + 1 < len && text[pos + 1] == '\n') ? 2 : 1;
        line++;
        end = TRUE;
      }
    }
    if (record_blank (rec))
      continue;
    if (records->len > max_rows) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                   "line %u: the file has more than %u rows after the header", rec->line,
                   max_rows);
      return NULL;
    }
    g_ptr_array_add (records, g_steal_pointer (&rec));
  }
  return g_steal_pointer (&records);
}

/* ---- the import ---------------------------------------------------------- */

enum { C_DECLARATION_NO, C_WAYBILL_NO, C_LOT_NO, C_WAGON_NUMBER, C_SEALS, C_MASS, N_COLUMNS = 12 };

static const struct {
  const char *name;
  gboolean required;
  int lot_field;       /* RviLotField, or -1 for a wagon column */
} columns[N_COLUMNS] = {
  { "declaration_no", TRUE, RVI_LOT_DECLARATION_NO },
  { "waybill_no", TRUE, RVI_LOT_WAYBILL_NO },
  { "lot_no", TRUE, RVI_LOT_LOT_NO },
  { "wagon_number", TRUE, -1 },
  { "seals", TRUE, -1 },
  { "declared_mass_kg", FALSE, -1 },   /* the wagon's */
  { "arrival_at", FALSE, RVI_LOT_ARRIVAL_AT },
  { "site", FALSE, RVI_LOT_SITE },
  { "track", FALSE, RVI_LOT_TRACK },
  { "hs_code", FALSE, RVI_LOT_HS_CODE },
  { "origin_country", FALSE, RVI_LOT_ORIGIN_COUNTRY },
  { "risk_note", FALSE, RVI_LOT_RISK_NOTE },
};

typedef struct {
  RviLotDraft *draft;
  guint line;          /* its first row */
} ImportLot;

typedef struct {
  int at[N_COLUMNS];   /* column -> index in the row, -1 when absent */
  guint n_columns;
  GPtrArray *lots;     /* ImportLot, in order of first row */
  GHashTable *by_key;  /* "declaration\nlot_no" -> ImportLot (transfer none) */
  GPtrArray *problems; /* char *, at most MAX_PROBLEMS */
  guint n_problems;
} Import;

static void
import_lot_free (gpointer p)
{
  ImportLot *lot = p;

  rvi_lot_draft_free (lot->draft);
  g_free (lot);
}

static void
import_clear (Import *im)
{
  g_clear_pointer (&im->lots, g_ptr_array_unref);
  g_clear_pointer (&im->by_key, g_hash_table_unref);
  g_clear_pointer (&im->problems, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Import, import_clear)

static void G_GNUC_PRINTF (4, 5)
problem (Import *im, guint line, const char *column, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  if (im->n_problems++ >= MAX_PROBLEMS)
    return;
  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (!line)
    g_ptr_array_add (im->problems, g_steal_pointer (&text));
  else if (column)
    g_ptr_array_add (im->problems, g_strdup_printf ("line %u, %s: %s", line, column, text));
  else
    g_ptr_array_add (im->problems, g_strdup_printf ("line %u: %s", line, text));
}

/* Maps the header's columns; FALSE (with problems) when it is unusable. */
static gboolean
read_header (Import *im, const RviCsvRecord *rec)
{
  guint before = im->n_problems;

  for (int c = 0; c < N_COLUMNS; c++)
    im->at[c] = -1;
  im->n_columns = rec->fields->len;
  for (guint i = 0; i < rec->fields->len; i++) {
    g_autofree char *name = g_strstrip (g_ascii_strdown (rec->fields->pdata[i], -1));
    int c = 0;

    while (c < N_COLUMNS && !g_str_equal (columns[c].name, name))
      c++;
    if (c == N_COLUMNS)
      problem (im, rec->line, NULL, "unknown column \"%.64s\"", name);
    else if (im->at[c] >= 0)
      problem (im, rec->line, NULL, "column \"%s\" appears twice", name);
    else
      im->at[c] = (int) i;
  }
  for (int c = 0; c < N_COLUMNS; c++)
    if (columns[c].required && im->at[c] < 0)
      problem (im, rec->line, NULL, "missing column \"%s\"", columns[c].name);
  return im->n_problems == before;
}

/* The lot the row belongs to, created on its first row; NULL when the row
 * names no valid lot. Takes the row's lot-level values from @v. */
static ImportLot *
row_lot (Import *im, const RviCsvRecord *rec, char **v)
{
  const char *lot_no = rvi_lot_effective_no (v[RVI_LOT_LOT_NO], v[RVI_LOT_WAYBILL_NO]);
  g_autofree char *key = NULL;
  ImportLot *lot;

  if (!v[RVI_LOT_DECLARATION_NO])
    return NULL;
  key = g_strdup_printf ("%s\n%s", v[RVI_LOT_DECLARATION_NO], lot_no);
  lot = g_hash_table_lookup (im->by_key, key);
  if (!lot) {
    lot = g_new0 (ImportLot, 1);
    lot->draft = rvi_lot_draft_new ();
    lot->line = rec->line;
    for (int f = 0; f < RVI_LOT_N_FIELDS; f++)
      lot->draft->v[f] = g_steal_pointer (&v[f]);
    g_ptr_array_add (im->lots, lot);
    g_hash_table_insert (im->by_key, g_steal_pointer (&key), lot);
    return lot;
  }
  for (int c = 0; c < N_COLUMNS; c++) {
    int f = columns[c].lot_field;
    if (f >= 0 && f != RVI_LOT_LOT_NO && v[f] && g_strcmp0 (v[f], lot->draft->v[f]) != 0)
      problem (im, rec->line, columns[c].name, "differs from line %u of the same lot",
               lot->line);
  }
  return lot;
}

static void
read_row (Import *im, const RviCsvRecord *rec)
{
  g_autoptr (RviLotDraft) scratch = NULL;
  g_auto (GStrv) pieces = NULL;
  g_autoptr (GPtrArray) seals = g_ptr_array_new ();
  g_autoptr (GError) local = NULL;
  char *v[RVI_LOT_N_FIELDS] = { NULL };
  const char *cell[N_COLUMNS];
  const char *bad_field = NULL;
  ImportLot *lot;

  if (rec->fields->len != im->n_columns) {
    problem (im, rec->line, NULL, "%u fields where the header has %u", rec->fields->len,
             im->n_columns);
    return;
  }
  for (int c = 0; c < N_COLUMNS; c++)
    cell[c] = im->at[c] >= 0 ? rec->fields->pdata[im->at[c]] : NULL;
  for (int c = 0; c < N_COLUMNS; c++) {
    int f = columns[c].lot_field;
    if (f >= 0 && !rvi_lot_field_check (f, cell[c], &v[f], &local)) {
      problem (im, rec->line, columns[c].name, "%s", local->message);
      g_clear_error (&local);
    }
  }
  lot = row_lot (im, rec, v);
  for (int f = 0; f < RVI_LOT_N_FIELDS; f++)
    g_free (v[f]);

  /* the wagon is checked even when the row names no valid lot */
  if (!lot)
    scratch = rvi_lot_draft_new ();
  pieces = g_strsplit (cell[C_SEALS], ";", -1);
  for (char **p = pieces; *p; p++)
    if (*g_strstrip (*p))
      g_ptr_array_add (seals, *p);
  g_ptr_array_add (seals, NULL);
  if (!rvi_lot_draft_add_wagon (lot ? lot->draft : scratch, cell[C_WAGON_NUMBER],
                                (const char *const *) seals->pdata,
                                cell[C_MASS] && *cell[C_MASS] ? cell[C_MASS] : NULL, &bad_field,
                                &local))
    problem (im, rec->line, g_str_equal (bad_field, "number") ? "wagon_number" : bad_field, "%s",
             local->message);
}

static void
reply_problems (RviRequest *req, Import *im)
{
  g_autoptr (GError) e = NULL;
  const char *code;
  guint status;
  JsonNode *body;
  JsonArray *details = json_array_new ();

  if (im->n_problems > 1)
    e = g_error_new (RVI_ERROR, RVI_ERROR_INVALID_INPUT, "%s (%u problems in all, see details)",
                     (const char *) im->problems->pdata[0], im->n_problems);
  else
    e = g_error_new_literal (RVI_ERROR, RVI_ERROR_INVALID_INPUT, im->problems->pdata[0]);
  status = rvi_http_error_status (e, &code);
  body = rvi_http_error_body (e);
  for (guint i = 0; i < im->problems->len; i++)
    json_array_add_string_element (details, im->problems->pdata[i]);
  json_object_set_array_member (json_object_get_object_member (json_node_get_object (body),
                                                               "error"), "details", details);
  rvi_request_reply (req, status, body);
}

/* Stores every lot; (transfer full) the answer's list, or NULL with @error. */
static JsonArray *
store (RviRequest *req, PGconn *conn, Import *im, GError **error)
{
  g_autoptr (JsonArray) out = json_array_new ();

  if (!rvi_db_begin (conn, error))
    return NULL;
  for (guint i = 0; i < im->lots->len; i++) {
    ImportLot *lot = im->lots->pdata[i];
    g_autoptr (GError) local = NULL;
    g_autofree char *id = rvi_lot_draft_insert (lot->draft, req, conn, "csv", &local);
    JsonObject *o;

    if (!id) {
      g_set_error (error, local->domain, local->code, "line %u: %s", lot->line, local->message);
      return NULL;
    }
    o = json_object_new ();
    json_object_set_string_member (o, "id", id);
    json_object_set_string_member (o, "declaration_no", lot->draft->v[RVI_LOT_DECLARATION_NO]);
    json_object_set_string_member (o, "lot_no",
                                   rvi_lot_effective_no (lot->draft->v[RVI_LOT_LOT_NO],
                                                         lot->draft->v[RVI_LOT_WAYBILL_NO]));
    json_object_set_int_member (o, "wagons", lot->draft->wagons->len);
    json_object_set_int_member (o, "flagged_wagons", rvi_lot_draft_flagged (lot->draft));
    json_array_add_object_element (out, o);
  }
  if (!rvi_db_commit (conn, error))
    return NULL;
  return g_steal_pointer (&out);
}

gboolean
rvi_api_lots_import (RviRequest *req, PGconn *conn, GError **error)
{
  const char *csv = rvi_json_get_string (req->json, "csv");
  gsize len = strlen (csv);
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) local = NULL;
  g_auto (Import) im = { 0 };
  JsonArray *stored;
  JsonObject *answer;
  JsonNode *node;

  if (len > RVI_LOTS_IMPORT_MAX_BYTES) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_BODY_TOO_LARGE, "csv: larger than %d bytes",
                 RVI_LOTS_IMPORT_MAX_BYTES);
    return FALSE;
  }
  im.lots = g_ptr_array_new_with_free_func (import_lot_free);
  im.by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  im.problems = g_ptr_array_new_with_free_func (g_free);

  records = rvi_csv_split (csv, len, RVI_LOTS_IMPORT_MAX_ROWS, &local);
  if (!records)
    problem (&im, 0, NULL, "%s", local->message);
  else if (records->len == 0)
    problem (&im, 0, NULL, "the file is empty: a header row and one row per wagon are needed");
  else if (records->len == 1)
    problem (&im, 0, NULL, "the file has a header but no rows");
  else if (read_header (&im, records->pdata[0]))
    for (guint i = 1; i < records->len; i++)
      read_row (&im, records->pdata[i]);
  if (im.n_problems) {
    reply_problems (req, &im);
    return TRUE;
  }

  if (!(stored = store (req, conn, &im, error)))
    return FALSE;
  answer = json_object_new ();
  json_object_set_array_member (answer, "lots", stored);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, answer);
  rvi_request_reply (req, 201, node);
  return TRUE;
}
