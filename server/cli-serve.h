/* cli-serve.h: `rvi serve`, the server process. */
#pragma once

G_BEGIN_DECLS

int rvi_cli_serve (int argc, char **argv);

G_END_DECLS
