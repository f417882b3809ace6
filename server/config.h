/* config.h: RviConfig, the settings of one rvi process.
 *
 * Values come from built-in defaults, then the config file (GKeyFile, group
 * [rvi], every key shown in deploy/rvi.conf.example), then command-line
 * flags; the last one wins. */
#pragma once

#include <glib.h>

#include "tamper-detect.h"

G_BEGIN_DECLS

typedef struct {
  char *config_file;        /* NULL when none was given */
  char *data_dir;
  char *listen;             /* HOST:PORT; port 0 picks a free one */
  char *database_url;       /* NULL: embedded PostgreSQL under data_dir/pg */
  char *node;               /* node name; default the host name */
  char *web_dir;            /* static UI files */
  char *embedded_pg_user;   /* unprivileged user for the private cluster when root */
  int db_pool_size;         /* worker threads, one PGconn each */
  int db_queue_max;         /* jobs waiting for a worker before BUSY */
  int db_connect_timeout_s;
  gint64 max_body_bytes;
  int session_ttl_s;        /* absolute lifetime of a browser session */
  int session_idle_s;       /* a session unused this long expires */
  int login_free_attempts;  /* failures before logins slow down */
  int login_max_delay_s;    /* cap of the slow-down */
  gboolean metrics_public;  /* FALSE: /metrics needs an admin or operator */
  char *display_timezone;   /* shown in the UI; storage is always UTC */
  char *credentials_key;    /* camera password key; default DATA-DIR/keys/credentials.key */
  char *signing_key;        /* evidence signing key; default DATA-DIR/keys/signing.key */
  int export_max_hours;     /* longest camera range one export may take */
  gboolean export_hold;     /* exported ranges stay held after the export (default) */
  gboolean recording;       /* FALSE: this node records nothing (API only) */
  int lease_s;              /* a camera's lease; a dead node's cameras move after it */
  char *advertise_url;      /* where other nodes reach this one; default from listen */
  char *tls_certificate;    /* PEM file: HTTPS when set (with tls_key); NULL: plain HTTP */
  char *tls_key;            /* PEM file of tls_certificate's private key */
  char *tls_ca;             /* PEM file of the CAs other nodes' certificates chain to;
                             * NULL: the system's CAs */
  char *trusted_proxies;    /* addresses/masks whose X-Forwarded-For is believed
                             * (client-address.h); NULL: none */
  int backoff_cap_s;        /* reconnect back-off cap */
  int auth_backoff_cap_s;   /* back-off cap after an authentication failure */
  int stall_timeout_ms;     /* no data this long counts as a failure */
  int connect_timeout_ms;
  int fragment_ms;          /* fMP4 fragment length */
  gint64 min_free_mb;       /* retention keeps at least this much disk free */
  gint64 media_quota_mb;    /* 0: no quota; else recordings of this node use at most this */
  int retention_interval_s; /* how often retention runs */
  int index_queue_max;      /* index operations held while the database is away */
  int sample_interval_ms;   /* one key-frame sample per camera this often; 0: no sampling */
  int sample_width;         /* JPEG stills at most this wide */
  int sample_quality;       /* their MJPEG quantizer scale, 2 (best) .. 31 */
  RviTamperThresholds tamper; /* alert thresholds (tamper-detect.h) */
} RviConfig;

/* A node name: 1 to 63 letters, digits, '.', '_' or '-' (a host name fits). */
gboolean rvi_node_name_valid (const char *name);

/* Fills @config with the defaults. */
void rvi_config_init (RviConfig *config);
void rvi_config_clear (RviConfig *config);

/* Reads @path (GKeyFile, group [rvi]) over the current values. Unknown keys
 * are an error, so a typo never silently falls back to a default.
 * Returns FALSE and sets @error (RVI_ERROR_CONFIG) on failure. */
gboolean rvi_config_load_file (RviConfig *config, const char *path, GError **error);

/* Checks values that must hold before anything starts. */
gboolean rvi_config_validate (const RviConfig *config, GError **error);

/* Splits "HOST:PORT" ("[::1]:PORT" for IPv6). Returns FALSE on a bad value. */
gboolean rvi_config_parse_listen (const char *listen, char **host, guint16 *port, GError **error);

G_END_DECLS
