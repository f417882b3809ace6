/* cli-options.h: the flags every command shares (--config, --data-dir,
 * --database-url) on top of a command's own, resolved into an RviConfig. */
#pragma once

#include <glib.h>

#include "config.h"

G_BEGIN_DECLS

/* Parses @argv (argv[0] is the command) with @extra entries (may be NULL)
 * and the shared ones; @with_server adds --listen and --node. Loads the
 * config file first so flags win. Leaves positional arguments in @argv.
 * Returns FALSE with @error set (RVI_ERROR_CONFIG) on bad flags. */
gboolean rvi_cli_parse (int *argc, char ***argv, const char *summary, GOptionEntry *extra,
                        gboolean with_server, RviConfig *config, GError **error);

G_END_DECLS
