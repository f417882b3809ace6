/* api-inspections.h: remote inspection sessions on a lot, the marks made
 * during them, signing (api-inspections.c); samples and their lab results
 * (api-samples.c). */
#pragma once

#include "http-router.h"

G_BEGIN_DECLS

extern const RviJsonShape rvi_api_inspections_open_shape;
extern const RviJsonShape rvi_api_marks_create_shape;
extern const RviJsonShape rvi_api_samples_create_shape;
extern const RviJsonShape rvi_api_lab_results_create_shape;

gboolean rvi_api_inspections_open (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_inspections_sign (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_marks_create (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_samples_create (RviRequest *req, PGconn *conn, GError **error);
gboolean rvi_api_lab_results_create (RviRequest *req, PGconn *conn, GError **error);

/* @array (a body's field @name) as a PostgreSQL uuid[] literal such as
 * "{id1,id2}" (transfer full), or NULL with RVI_ERROR_INVALID_INPUT when an
 * item is not a UUID string or appears twice. */
char *rvi_api_uuid_array (JsonArray *array, const char *name, GError **error);

/* Writes into @buf the shortest decimal text that reads back as @v, so a
 * typed 6.72 reaches PostgreSQL as 6.72, not 6.7199999999999998. */
void rvi_api_number_text (double v, char buf[G_ASCII_DTOSTR_BUF_SIZE]);

G_END_DECLS
