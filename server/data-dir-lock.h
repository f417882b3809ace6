/* data-dir-lock.h: RviDataDirLock, the exclusive claim one rvi process has
 * on a data directory (an flock on DATA-DIR/rvi.lock).
 *
 * `rvi serve` holds it for its lifetime. A command such as `rvi migrate`
 * takes it only when no server runs; when it is taken, the command talks to
 * the running server's private PostgreSQL instead of starting its own. The
 * kernel drops the lock when the holder dies, even by SIGKILL. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RviDataDirLock RviDataDirLock;

/* Creates @data_dir (mode 0711) if missing and tries to lock it without
 * waiting. Returns (transfer full) the lock, or NULL: with *@busy TRUE when
 * another process holds it, else with @error set. */
RviDataDirLock *rvi_data_dir_lock_try (const char *data_dir, gboolean *busy, GError **error);
void rvi_data_dir_lock_release (RviDataDirLock *lock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviDataDirLock, rvi_data_dir_lock_release)

G_END_DECLS
