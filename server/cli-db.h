/* cli-db.h: RviCliDb, a database connection for one command-line command.
 *
 * With database_url it connects there. Otherwise, if an `rvi serve` holds
 * the data directory, it connects to that server's private PostgreSQL;
 * if none does, it takes the data directory itself, starts the private
 * cluster for the command's duration and stops it afterwards. Either way
 * the migrations are applied first. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"

G_BEGIN_DECLS

typedef struct _RviCliDb RviCliDb;

RviCliDb *rvi_cli_db_open (const RviConfig *config, GError **error);
PGconn *rvi_cli_db_conn (RviCliDb *db);
void rvi_cli_db_close (RviCliDb *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviCliDb, rvi_cli_db_close)

/* `rvi migrate` */
int rvi_cli_migrate (int argc, char **argv);

G_END_DECLS
