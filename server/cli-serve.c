/* cli-serve.c: `rvi serve`: an RviServer (server.c) until SIGINT or
 * SIGTERM. The line "rvi: listening on URL" on stdout tells scripts and
 * tests that the server is ready. */
#define G_LOG_DOMAIN "rvi"
#include <glib.h>
#include <glib-unix.h>
#include <stdio.h>

#include "cli-options.h"
#include "cli-serve.h"
#include "server.h"

static gboolean
on_signal (gpointer user_data)
{
  GMainLoop *loop = user_data;
  g_message ("stopping");
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

int
rvi_cli_serve (int argc, char **argv)
{
  RviConfig config;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  RviServer *server = NULL;
  guint sigint, sigterm;
  int status = 0;

  rvi_config_init (&config);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);
  if (rvi_cli_parse (&argc, &argv, "- run the rvi server", NULL, TRUE, &config, &error)
      && (server = rvi_server_start (&config, &error))) {
    printf ("rvi: listening on %s\n", rvi_server_get_url (server));
    fflush (stdout);
    g_main_loop_run (loop);
  } else {
    g_printerr ("rvi serve: %s\n", error->message);
    status = 1;
  }
  g_source_remove (sigint);
  g_source_remove (sigterm);
  rvi_server_stop (server);
  rvi_config_clear (&config);
  return status;
}
