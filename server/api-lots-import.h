/* api-lots-import.h: POST /api/lots/import, lots and wagons from CSV text
 * (the handler is rvi_api_lots_import() in api-lots.h), and the CSV reader
 * it uses, kept apart so it can be tested and fuzzed on its own. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Limits of an import. */
#define RVI_LOTS_IMPORT_MAX_BYTES (1024 * 1024)
#define RVI_LOTS_IMPORT_MAX_ROWS 5000
#define RVI_LOTS_IMPORT_MAX_FIELDS 32
#define RVI_LOTS_IMPORT_MAX_FIELD_BYTES 8192

typedef struct {
  guint line;          /* the 1-based line the record starts on */
  GPtrArray *fields;   /* char *, owned */
} RviCsvRecord;

void rvi_csv_record_free (RviCsvRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviCsvRecord, rvi_csv_record_free)

/* Splits @text (@len bytes) into records, RFC 4180: fields separated by
 * commas, records by CRLF, LF or CR; a field in double quotes may hold
 * commas, line breaks and doubled quotes. A leading UTF-8 byte order mark
 * is skipped, blank lines are skipped. At most @max_records records,
 * RVI_LOTS_IMPORT_MAX_FIELDS fields per record and
 * RVI_LOTS_IMPORT_MAX_FIELD_BYTES bytes per field. Returns (transfer full)
 * an array of RviCsvRecord, or NULL with RVI_ERROR_INVALID_INPUT naming the
 * line ("line 7: a quoted field is not closed"). Never reads past @len. */
GPtrArray *rvi_csv_split (const char *text, gsize len, guint max_records, GError **error);

G_END_DECLS
