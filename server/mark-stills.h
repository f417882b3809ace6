/* mark-stills.h: RviMarkStills keeps, for every mark made on a camera, the
 * recorded frame at the mark's time as evidence (a still): a thread with
 * its own database connection and frame decoder that makes the stills of
 * queued marks on the node that holds their recording
 * (mark-still-job.h), woken by the marks' live events and polling as a
 * fallback. Nothing of it runs on the main loop. */
#pragma once

#include <glib.h>

#include "config.h"

G_BEGIN_DECLS

typedef struct _RviMarkStills RviMarkStills;

/* (transfer full) the stills maker of node @config->node, writing under
 * @config->data_dir; starts its thread, which connects to @conninfo (and
 * keeps trying, logging once, while PostgreSQL is away). */
RviMarkStills *rvi_mark_stills_new (const char *conninfo, const RviConfig *config);

/* Stops the thread after the still it is making, closes the connection.
 * NULL is fine. */
void rvi_mark_stills_free (RviMarkStills *stills);

G_END_DECLS
