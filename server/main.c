/* main.c: the rvi command line; each command lives in its own cli-*.c. */
#include <glib.h>
#include <locale.h>

#include "camsim.h"
#include "cli-audit.h"
#include "cli-db.h"
#include "cli-evidence.h"
#include "cli-serve.h"
#include "cli-users.h"

static const struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *help;
} commands[] = {
  { "serve", rvi_cli_serve, "run the server" },
  { "migrate", rvi_cli_migrate, "apply database migrations and exit" },
  { "user", rvi_cli_user, "user add NAME --role ROLE (password on stdin)" },
  { "token", rvi_cli_token, "token create NAME: print a new API token" },
  { "audit", rvi_cli_audit, "audit verify: check the audit hash chain" },
  { "evidence", rvi_cli_evidence, "evidence verify PACKAGE: check an export offline" },
  { "camsim", rvi_camsim_main, "serve simulated RTSP cameras" },
};

static int
usage (void)
{
  g_printerr ("usage: rvi COMMAND [OPTIONS]\n\ncommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_printerr ("  %-8s %s\n", commands[i].name, commands[i].help);
  g_printerr ("\n`rvi COMMAND --help` lists a command's options.\n");
  return 2;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* every log line to stderr: stdout carries what callers parse ("rvi:
   * listening on URL", "camsim: serving ...", tokens) */
  g_log_writer_default_set_use_stderr (TRUE);
  if (argc < 2)
    return usage ();
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    return usage (), 0;
  g_printerr ("rvi: unknown command \"%s\"\n", argv[1]);
  return usage ();
}
