/* api-lots.h: /api/lots: declarations, lots and their wagons (created one
 * by one or imported from CSV), and a lot with its wagons, inspections,
 * decisions and current decision.
 *
 * RviLotDraft is a lot checked field by field before anything is stored;
 * the JSON handler and the CSV import (api-lots-import.c) both fill one and
 * store it with rvi_lot_draft_insert(). */
#pragma once

#include "http-router.h"
#include "identifiers.h"

G_BEGIN_DECLS

extern const RviJsonShape rvi_api_lots_create_shape;
extern const RviJsonShape rvi_api_lots_import_shape;

gboolean rvi_api_lots_list (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_lots_create (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_lots_import (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_lots_get (RviRequest *req, PGconn *conn, GError **error);

/* The lot-level fields a request may set (API and CSV column names are
 * rvi_lot_field_names[]). */
typedef enum {
  RVI_LOT_DECLARATION_NO,
  RVI_LOT_WAYBILL_NO,
  RVI_LOT_LOT_NO,
  RVI_LOT_HS_CODE,
  RVI_LOT_DECLARED_MASS_KG,
  RVI_LOT_ORIGIN_COUNTRY,
  RVI_LOT_ARRIVAL_AT,
  RVI_LOT_SITE,
  RVI_LOT_TRACK,
  RVI_LOT_RISK_NOTE,
  RVI_LOT_N_FIELDS
} RviLotField;

extern const char *const rvi_lot_field_names[RVI_LOT_N_FIELDS];

#define RVI_LOT_WAGONS_MAX 200
#define RVI_WAGON_SEALS_MAX 16

typedef struct {
  RviWagonNumber id;     /* parsed; never RVI_WAGON_UNKNOWN */
  char **seals;          /* NULL-terminated, trimmed, non-empty */
  char *declared_mass_kg; /* canonical decimal text, NULL when not declared */
} RviWagonDraft;

typedef struct {
  char *v[RVI_LOT_N_FIELDS];  /* canonical text, NULL = not given */
  GPtrArray *wagons;          /* RviWagonDraft, in seq order */
  GHashTable *numbers;        /* normalized wagon number -> seq (1-based) */
} RviLotDraft;

RviLotDraft *rvi_lot_draft_new (void);
void rvi_lot_draft_free (RviLotDraft *draft);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviLotDraft, rvi_lot_draft_free)

/* Checks @value for @field. NULL or blank means "not given" and sets @out
 * to NULL (for declaration_no it is an error); otherwise @out (transfer
 * full) receives the canonical text (trimmed, upper-cased country, RFC 3339
 * time, decimal mass). On failure returns FALSE with RVI_ERROR_INVALID_INPUT
 * whose message does not name the field (the caller prefixes it). */
gboolean rvi_lot_field_check (RviLotField field, const char *value, char **out,
                              GError **error);

/* The lot_no a lot gets: @lot_no, else @waybill_no, else "1" (transfer none). */
const char *rvi_lot_effective_no (const char *lot_no, const char *waybill_no);

/* Checks a wagon and appends it to @draft. @seals (may be NULL) are taken
 * as given: each is trimmed and must be non-empty. @mass is decimal text or
 * NULL. On failure returns FALSE with RVI_ERROR_INVALID_INPUT, sets
 * @bad_field (transfer none) to "number", "seals" or "declared_mass_kg",
 * and @draft is unchanged. A bad check digit is not a failure. */
gboolean rvi_lot_draft_add_wagon (RviLotDraft *draft, const char *number,
                                  const char *const *seals, const char *mass,
                                  const char **bad_field, GError **error);

/* Wagons of @draft whose check digit is wrong. */
guint rvi_lot_draft_flagged (const RviLotDraft *draft);

/* Stores @draft inside the caller's transaction on @conn: the declaration
 * when it is new, the lot (lot_no defaulted), its wagons, and an audit
 * event lot_created with @source ("api" or "csv"). Returns (transfer full)
 * the lot id, or NULL with @error set (RVI_ERROR_CONFLICT when the
 * declaration already has this lot_no). */
char *rvi_lot_draft_insert (const RviLotDraft *draft, RviRequest *req, PGconn *conn,
                            const char *source, GError **error);

G_END_DECLS
