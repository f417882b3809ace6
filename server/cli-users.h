/* cli-users.h: `rvi user add` and `rvi token create`. */
#pragma once

G_BEGIN_DECLS

int rvi_cli_user (int argc, char **argv);
int rvi_cli_token (int argc, char **argv);

G_END_DECLS
