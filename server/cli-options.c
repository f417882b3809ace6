/* cli-options.c: shared command-line flags. */
#define G_LOG_DOMAIN "rvi"
#include "cli-options.h"
#include "rvi-error.h"

gboolean
rvi_cli_parse (int *argc, char ***argv, const char *summary, GOptionEntry *extra,
               gboolean with_server, RviConfig *config, GError **error)
{
  g_autofree char *config_file = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *database_url = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *node = NULL;
  g_autofree char *tls_certificate = NULL;
  g_autofree char *tls_key = NULL;
  GOptionEntry common[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, "Config file", "FILE" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory", "DIR" },
    { "database-url", 0, 0, G_OPTION_ARG_STRING, &database_url,
      "PostgreSQL URL (default: private cluster under DATA-DIR/pg)", "URL" },
    { NULL }
  };
  GOptionEntry server[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "HTTP address (port 0 picks one)",
      "HOST:PORT" },
    { "node", 0, 0, G_OPTION_ARG_STRING, &node, "Node name (default: host name)", "NAME" },
    { "tls-certificate", 0, 0, G_OPTION_ARG_FILENAME, &tls_certificate,
      "Serve HTTPS with this PEM certificate (needs --tls-key)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "The certificate's PEM private key",
      "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (summary);
  g_autoptr (GError) local = NULL;

  g_option_context_add_main_entries (ctx, common, NULL);
  if (with_server)
    g_option_context_add_main_entries (ctx, server, NULL);
  if (extra)
    g_option_context_add_main_entries (ctx, extra, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &local)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "%s", local->message);
    return FALSE;
  }
  if (config_file && !rvi_config_load_file (config, config_file, error))
    return FALSE;
  if (data_dir) {
    g_free (config->data_dir);
    config->data_dir = g_canonicalize_filename (data_dir, NULL);
  }
  if (database_url) {
    g_free (config->database_url);
    config->database_url = g_steal_pointer (&database_url);
  }
  if (listen) {
    g_free (config->listen);
    config->listen = g_steal_pointer (&listen);
  }
  if (node) {
    g_free (config->node);
    config->node = g_steal_pointer (&node);
  }
  if (tls_certificate) {
    g_free (config->tls_certificate);
    config->tls_certificate = g_canonicalize_filename (tls_certificate, NULL);
  }
  if (tls_key) {
    g_free (config->tls_key);
    config->tls_key = g_canonicalize_filename (tls_key, NULL);
  }
  return rvi_config_validate (config, error);
}
