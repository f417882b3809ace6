/* tls.h: the TLS material of one rvi process (docs/tls.md): the
 * certificate its HTTPS server presents (tls_certificate + tls_key) and
 * the CAs it trusts when it forwards a request to another node (tls_ca).
 * Both are read once at start-up, so a bad file stops the start with a
 * message naming the file and the key. */
#pragma once

#include <gio/gio.h>

#include "config.h"

G_BEGIN_DECLS

/* TRUE when @config asks for HTTPS (tls_certificate and tls_key set). */
gboolean rvi_tls_enabled (const RviConfig *config);

/* The server certificate with its private key from the PEM files
 * tls_certificate (the certificate, then any intermediates) and tls_key.
 * Returns (transfer full) the certificate, or NULL with @error
 * (RVI_ERROR_CONFIG) naming the file that could not be read or parsed. */
GTlsCertificate *rvi_tls_load_certificate (const RviConfig *config, GError **error);

/* The CAs of the PEM file tls_ca, for verifying other nodes. Returns
 * (transfer full) the database; NULL without @error when tls_ca is unset
 * (the system's CAs apply), NULL with @error (RVI_ERROR_CONFIG) when the
 * file cannot be read or holds no certificate. */
GTlsDatabase *rvi_tls_load_ca (const RviConfig *config, GError **error);

G_END_DECLS
