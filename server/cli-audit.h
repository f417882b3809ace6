/* cli-audit.h: `rvi audit verify`. */
#pragma once

G_BEGIN_DECLS

int rvi_cli_audit (int argc, char **argv);

G_END_DECLS
