/* config.c: defaults, the config file and validation of RviConfig. */
#include "config.h"
#include "client-address.h"
#include "rvi-error.h"
#include "rvi-config.h"

#include <stdlib.h>
#include <unistd.h>

#define GROUP "rvi"

void
rvi_config_init (RviConfig *config)
{
  memset (config, 0, sizeof *config);
  if (geteuid () == 0)
    config->data_dir = g_strdup ("/var/lib/rvi");
  else
    config->data_dir = g_build_filename (g_get_user_data_dir (), "rvi", NULL);
  config->listen = g_strdup ("127.0.0.1:8080");
  config->node = g_strdup (g_get_host_name ());
  config->web_dir = g_strdup (RVI_SOURCE_WEB_DIR);
  config->embedded_pg_user = g_strdup ("postgres");
  config->db_pool_size = 4;
  config->db_queue_max = 256;
  config->db_connect_timeout_s = 3;
  config->max_body_bytes = 1024 * 1024;
  config->session_ttl_s = 12 * 3600;
  config->session_idle_s = 30 * 60;
  config->login_free_attempts = 5;
  config->login_max_delay_s = 300;
  config->metrics_public = TRUE;
  config->display_timezone = g_strdup ("Asia/Shanghai");
  config->recording = TRUE;
  config->lease_s = 10;
  config->export_max_hours = 24;
  config->export_hold = TRUE;
  config->backoff_cap_s = 30;
  config->auth_backoff_cap_s = 300;
  config->stall_timeout_ms = 5000;
  config->connect_timeout_ms = 10000;
  config->fragment_ms = 1000;
  config->min_free_mb = 1024;
  config->media_quota_mb = 0;
  config->retention_interval_s = 60;
  config->index_queue_max = 20000;
  config->sample_interval_ms = 2000;
  config->sample_width = 640;
  config->sample_quality = 8;
  rvi_tamper_thresholds_init (&config->tamper);
}

gboolean
rvi_node_name_valid (const char *name)
{
  gsize n = name ? strlen (name) : 0;

  if (n < 1 || n > 63)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

void
rvi_config_clear (RviConfig *config)
{
  g_free (config->config_file);
  g_free (config->data_dir);
  g_free (config->listen);
  g_free (config->database_url);
  g_free (config->node);
  g_free (config->advertise_url);
  g_free (config->tls_certificate);
  g_free (config->tls_key);
  g_free (config->tls_ca);
  g_free (config->trusted_proxies);
  g_free (config->web_dir);
  g_free (config->embedded_pg_user);
  g_free (config->display_timezone);
  g_free (config->credentials_key);
  g_free (config->signing_key);
  memset (config, 0, sizeof *config);
}

typedef enum { KEY_STRING, KEY_INT, KEY_INT64, KEY_BOOL, KEY_DOUBLE } KeyType;

typedef struct {
  const char *name;
  KeyType type;
  gsize offset;
} KeySpec;

#define K(name, type, field) { name, type, G_STRUCT_OFFSET (RviConfig, field) }
static const KeySpec keys[] = {
  K ("data_dir", KEY_STRING, data_dir),
  K ("listen", KEY_STRING, listen),
  K ("database_url", KEY_STRING, database_url),
  K ("node", KEY_STRING, node),
  K ("web_dir", KEY_STRING, web_dir),
  K ("embedded_pg_user", KEY_STRING, embedded_pg_user),
  K ("db_pool_size", KEY_INT, db_pool_size),
  K ("db_queue_max", KEY_INT, db_queue_max),
  K ("db_connect_timeout", KEY_INT, db_connect_timeout_s),
  K ("max_body_bytes", KEY_INT64, max_body_bytes),
  K ("session_ttl", KEY_INT, session_ttl_s),
  K ("session_idle", KEY_INT, session_idle_s),
  K ("login_free_attempts", KEY_INT, login_free_attempts),
  K ("login_max_delay", KEY_INT, login_max_delay_s),
  K ("metrics_public", KEY_BOOL, metrics_public),
  K ("display_timezone", KEY_STRING, display_timezone),
  K ("credentials_key", KEY_STRING, credentials_key),
  K ("signing_key", KEY_STRING, signing_key),
  K ("export_max_hours", KEY_INT, export_max_hours),
  K ("export_hold", KEY_BOOL, export_hold),
  K ("recording", KEY_BOOL, recording),
  K ("lease", KEY_INT, lease_s),
  K ("advertise_url", KEY_STRING, advertise_url),
  K ("tls_certificate", KEY_STRING, tls_certificate),
  K ("tls_key", KEY_STRING, tls_key),
  K ("tls_ca", KEY_STRING, tls_ca),
  K ("trusted_proxies", KEY_STRING, trusted_proxies),
  K ("backoff_cap", KEY_INT, backoff_cap_s),
  K ("auth_backoff_cap", KEY_INT, auth_backoff_cap_s),
  K ("stall_timeout_ms", KEY_INT, stall_timeout_ms),
  K ("connect_timeout_ms", KEY_INT, connect_timeout_ms),
  K ("fragment_ms", KEY_INT, fragment_ms),
  K ("min_free_mb", KEY_INT64, min_free_mb),
  K ("media_quota_mb", KEY_INT64, media_quota_mb),
  K ("retention_interval", KEY_INT, retention_interval_s),
  K ("index_queue_max", KEY_INT, index_queue_max),
  K ("sample_interval_ms", KEY_INT, sample_interval_ms),
  K ("sample_width", KEY_INT, sample_width),
  K ("sample_quality", KEY_INT, sample_quality),
  K ("tamper_dark_luma", KEY_DOUBLE, tamper.dark_luma),
  K ("tamper_dark_contrast", KEY_DOUBLE, tamper.dark_contrast),
  K ("tamper_defocus_ratio", KEY_DOUBLE, tamper.defocus_ratio),
  K ("tamper_moved_similarity", KEY_DOUBLE, tamper.moved_similarity),
  K ("tamper_frozen_difference", KEY_DOUBLE, tamper.frozen_difference),
  K ("tamper_raise_after", KEY_INT, tamper.raise_after),
  K ("tamper_clear_after", KEY_INT, tamper.clear_after),
  K ("tamper_baseline_samples", KEY_INT, tamper.baseline_samples),
};
#undef K

static const KeySpec *
find_key (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].name, name))
      return &keys[i];
  return NULL;
}

gboolean
rvi_config_load_file (RviConfig *config, const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) names = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "cannot read config file %s: %s", path,
                 local->message);
    return FALSE;
  }
  names = g_key_file_get_keys (kf, GROUP, NULL, NULL);
  for (gsize i = 0; names && names[i]; i++) {
    const KeySpec *spec = find_key (names[i]);
    char *base = (char *) config + (spec ? spec->offset : 0);

    if (!spec) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "%s: unknown key \"%s\" in [%s]", path,
                   names[i], GROUP);
      return FALSE;
    }
    switch (spec->type) {
      case KEY_STRING: {
        char **field = (char **) base;
        g_free (*field);
        *field = g_key_file_get_string (kf, GROUP, names[i], &local);
        if (*field && **field == '\0')
          g_clear_pointer (field, g_free);
        break;
      }
      case KEY_INT:
        *(int *) base = g_key_file_get_integer (kf, GROUP, names[i], &local);
        break;
      case KEY_INT64:
        *(gint64 *) base = g_key_file_get_int64 (kf, GROUP, names[i], &local);
        break;
      case KEY_BOOL:
        *(gboolean *) base = g_key_file_get_boolean (kf, GROUP, names[i], &local);
        break;
      case KEY_DOUBLE:
        *(double *) base = g_key_file_get_double (kf, GROUP, names[i], &local);
        break;
    }
    if (local) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "%s: key \"%s\": %s", path, names[i],
                   local->message);
      return FALSE;
    }
  }
  g_free (config->config_file);
  config->config_file = g_strdup (path);
  return TRUE;
}

gboolean
rvi_config_parse_listen (const char *listen, char **host, guint16 *port, GError **error)
{
  const char *colon = listen ? strrchr (listen, ':') : NULL;
  const char *h_start = listen;
  gsize h_len;
  char *end = NULL;
  gint64 p;

  if (!colon || colon == listen)
    goto bad;
  h_len = (gsize) (colon - listen);
  if (listen[0] == '[') {
    if (h_len < 3 || listen[h_len - 1] != ']')
      goto bad;
    h_start++;
    h_len -= 2;
  }
  p = g_ascii_strtoll (colon + 1, &end, 10);
  if (end == colon + 1 || *end != '\0' || p < 0 || p > 65535)
    goto bad;
  *host = g_strndup (h_start, h_len);
  *port = (guint16) p;
  return TRUE;

bad:
  g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "listen address \"%s\" is not HOST:PORT",
               listen ? listen : "");
  return FALSE;
}

gboolean
rvi_config_validate (const RviConfig *config, GError **error)
{
  g_autofree char *host = NULL;
  guint16 port;

  if (!config->data_dir || !g_path_is_absolute (config->data_dir)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "data_dir must be an absolute path");
    return FALSE;
  }
  if (!rvi_config_parse_listen (config->listen, &host, &port, error))
    return FALSE;
  if (!config->node || !*config->node || strlen (config->node) > 63
      || strspn (config->node, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
         != strlen (config->node)) {
    /* it names rows, audit details and (later) metric labels verbatim */
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "node name must be 1 to 63 letters, digits, '.', '_' or '-'");
    return FALSE;
  }
  if (config->db_pool_size < 1 || config->db_pool_size > 64) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "db_pool_size must be between 1 and 64");
    return FALSE;
  }
  if (config->db_queue_max < 1) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "db_queue_max must be positive");
    return FALSE;
  }
  if (config->max_body_bytes < 1024) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "max_body_bytes must be at least 1024");
    return FALSE;
  }
  if (config->session_ttl_s < 60 || config->session_idle_s < 60) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "session_ttl and session_idle must be at least 60 seconds");
    return FALSE;
  }
  if (config->backoff_cap_s < 1 || config->auth_backoff_cap_s < 1 || config->stall_timeout_ms < 500
      || config->connect_timeout_ms < 500 || config->fragment_ms < 100
      || config->retention_interval_s < 1 || config->index_queue_max < 100
      || config->min_free_mb < 0 || config->media_quota_mb < 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "recording settings out of range (see deploy/rvi.conf.example)");
    return FALSE;
  }
  if (!rvi_node_name_valid (config->node)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "node must be 1 to 63 letters, digits, '.', '_' or '-'");
    return FALSE;
  }
  if (config->advertise_url && !g_str_has_prefix (config->advertise_url, "http://")
      && !g_str_has_prefix (config->advertise_url, "https://")) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "advertise_url must be an http:// or https:// URL");
    return FALSE;
  }
  if (!config->tls_certificate != !config->tls_key) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "tls_certificate and tls_key must be set together (or neither)");
    return FALSE;
  }
  if (config->tls_certificate && config->advertise_url
      && !g_str_has_prefix (config->advertise_url, "https://")) {
    /* the port speaks TLS only: other nodes could not reach an http:// URL */
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "advertise_url must be an https:// URL when tls_certificate is set");
    return FALSE;
  }
  {
    g_autoptr (GError) local = NULL;
    g_autoptr (RviTrustedProxies) t = rvi_trusted_proxies_parse (config->trusted_proxies, &local);

    if (local) {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  }
  if (config->lease_s < 4 || config->lease_s > 300) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "lease must be 4 to 300 seconds");
    return FALSE;
  }
  if (config->export_max_hours < 1 || config->export_max_hours > 24 * 31) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "export_max_hours must be 1 to 744");
    return FALSE;
  }
  if ((config->sample_interval_ms != 0 && config->sample_interval_ms < 200)
      || config->sample_width < 64 || config->sample_width > 3840
      || config->sample_quality < 2 || config->sample_quality > 31) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "sample_interval_ms must be 0 or at least 200, sample_width 64 to 3840,"
                 " sample_quality 2 to 31");
    return FALSE;
  }
  if (config->tamper.dark_luma < 0 || config->tamper.dark_contrast < 0
      || config->tamper.defocus_ratio <= 0 || config->tamper.defocus_ratio >= 1
      || config->tamper.moved_similarity <= -1 || config->tamper.moved_similarity >= 1
      || config->tamper.frozen_difference < 0
      || (int) config->tamper.raise_after < 1 || config->tamper.raise_after > 100
      || (int) config->tamper.clear_after < 1 || config->tamper.clear_after > 100
      || (int) config->tamper.baseline_samples < 1 || config->tamper.baseline_samples > 1000) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "tamper settings out of range (see deploy/rvi.conf.example)");
    return FALSE;
  }
  if (config->login_free_attempts < 1 || config->login_max_delay_s < 1) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "login_free_attempts and login_max_delay must be positive");
    return FALSE;
  }
  return TRUE;
}
