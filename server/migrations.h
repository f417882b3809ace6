/* migrations.h: applies the numbered migrations of sql/ (compiled into the
 * binary) to a database. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* Applies every migration not yet applied, in order, all in one
 * transaction under an advisory lock (so two nodes starting together apply
 * each migration once). Refuses, changing nothing, when an applied
 * migration's text differs from the binary's or the database knows a
 * migration the binary does not. Sets *@applied (may be NULL) to how many
 * were applied. Returns FALSE with @error set (RVI_ERROR_MIGRATION or a
 * database error). */
gboolean rvi_migrations_apply (PGconn *conn, guint *applied, GError **error);

G_END_DECLS
