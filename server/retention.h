/* retention.h: deleting old recordings: by age (per camera) and by disk
 * pressure (free space below min_free or a node quota exceeded), oldest
 * first, never anything under a hold. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef struct {
  guint64 min_free_bytes;
  guint64 quota_bytes;      /* 0: none */
} RviRetentionPolicy;

typedef struct {
  guint deleted_by_age;
  guint deleted_by_pressure;
  guint64 freed_bytes;
  guint64 disk_free_bytes;
  guint64 disk_total_bytes;
  gboolean disk_full;       /* pressure remains and only held recordings are left */
} RviRetentionReport;

/* One pass, on a database worker (it unlinks files). Each deletion marks
 * the row 'deleting', removes the file, then removes the row, so a crash at
 * any point leaves the index consistent (segment-repair.c finishes it).
 * Returns FALSE only when the database failed. */
gboolean rvi_retention_run (PGconn *conn, const char *node, const char *media_dir,
                            const RviRetentionPolicy *policy, RviRetentionReport *report,
                            GError **error);

/* Free and total bytes of the file system holding @path. */
gboolean rvi_disk_space (const char *path, guint64 *free_bytes, guint64 *total_bytes);

G_END_DECLS
