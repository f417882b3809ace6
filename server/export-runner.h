/* export-runner.h: RviExportRunner runs this node's queued evidence
 * exports one at a time on its own thread with its own database
 * connection (an export reads and writes for minutes; it must hold
 * neither the main loop nor a pool connection). */
#pragma once

#include <glib.h>

#include "config.h"
#include "evidence-key.h"

G_BEGIN_DECLS

typedef struct _RviExportRunner RviExportRunner;

/* (transfer full) a runner for node @config->node; starts its thread.
 * Exports this node left running when it stopped are marked failed. */
RviExportRunner *rvi_export_runner_new (const char *conninfo, const RviConfig *config,
                                        RviSigningKey *key);

/* A new export was queued: look now rather than at the next poll. */
void rvi_export_runner_wake (RviExportRunner *runner);

/* Cancels a running export (marked failed: "the server stopped"), joins
 * the thread. NULL is fine. */
void rvi_export_runner_free (RviExportRunner *runner);

G_END_DECLS
