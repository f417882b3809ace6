/* segment-repair.h: making the segment index and the files agree at
 * start-up, after whatever happened to the previous process. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef struct {
  guint repaired;       /* open rows whose file was cut at the last complete fragment */
  guint dropped_rows;   /* rows without a usable file, removed */
  guint indexed_files;  /* files without a row, indexed */
  guint deleted_files;  /* files without one complete fragment, removed */
  guint finished_deletes; /* 'deleting' rows whose removal was completed */
} RviRepairReport;

/* Runs on a database worker (file work included): for this @node's rows,
 * finishes interrupted deletions, repairs and closes 'open' segments from
 * their files, and indexes segment files of the last days that have no
 * row. Afterwards no row points at a missing file and no recent file lacks
 * a row. Returns FALSE only when the database failed. */
gboolean rvi_segment_repair_run (PGconn *conn, const char *node, const char *media_dir,
                                 RviRepairReport *report, GError **error);

G_END_DECLS
