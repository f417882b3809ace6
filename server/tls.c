/* tls.c: reading the TLS files of tls.h. */
#define G_LOG_DOMAIN "rvi"
#include "tls.h"
#include "rvi-error.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

gboolean
rvi_tls_enabled (const RviConfig *config)
{
  return config->tls_certificate != NULL && config->tls_key != NULL;
}

/* The contents of the file that config key @key names, or NULL with @error. */
static char *
read_pem (const char *key, const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, &local)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "%s %s: %s", key, path, local->message);
    return NULL;
  }
  return text;
}

static gpointer
server_handshake (gpointer data)
{
  GError *error = NULL;

  g_tls_connection_handshake (data, NULL, &error);
  return error;
}

static gboolean
accept_any (GTlsConnection *conn, GTlsCertificate *peer, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

/* (transfer full) a stream over the socket @fd (taken), NULL on failure. */
static GIOStream *
stream_new (int fd)
{
  g_autoptr (GSocket) sock = g_socket_new_from_fd (fd, NULL);

  if (!sock) {
    close (fd);
    return NULL;
  }
  g_socket_set_timeout (sock, 10);
  return G_IO_STREAM (g_socket_connection_factory_create_connection (sock));
}

/* A TLS handshake with itself over a socket pair: GIO offers no other way
 * to learn whether a private key belongs to its certificate, and without
 * this check a wrong key would only show as every client failing. */
static gboolean
check_key_matches (GTlsCertificate *cert, GError **error)
{
  g_autoptr (GIOStream) server_base = NULL;
  g_autoptr (GIOStream) client_base = NULL;
  g_autoptr (GIOStream) server = NULL;
  g_autoptr (GIOStream) client = NULL;
  g_autoptr (GError) server_error = NULL;
  g_autoptr (GError) client_error = NULL;
  GThread *thread;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "socketpair: %s", g_strerror (errno));
    return FALSE;
  }
  server_base = stream_new (fds[0]);
  client_base = stream_new (fds[1]);
  if (!server_base || !client_base) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_FAILED, "cannot make a socket for the check");
    return FALSE;
  }
  server = g_tls_server_connection_new (server_base, cert, error);
  if (!server)
    return FALSE;
  client = g_tls_client_connection_new (client_base, NULL, error);
  if (!client)
    return FALSE;
  g_signal_connect (client, "accept-certificate", G_CALLBACK (accept_any), NULL);
  thread = g_thread_new ("rvi-tls-check", server_handshake, server);
  g_tls_connection_handshake (G_TLS_CONNECTION (client), NULL, &client_error);
  if (client_error) /* the server side may still wait for us */
    g_io_stream_close (client_base, NULL, NULL);
  server_error = g_thread_join (thread);
  if (client_error || server_error) {
    g_propagate_error (error, client_error ? g_steal_pointer (&client_error)
                                           : g_steal_pointer (&server_error));
    return FALSE;
  }
  return TRUE;
}

GTlsCertificate *
rvi_tls_load_certificate (const RviConfig *config, GError **error)
{
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autoptr (GTlsCertificate) alone = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (rvi_tls_enabled (config), NULL);
  /* each file readable, then the certificate alone, so that the error
   * below names the file at fault */
  cert_pem = read_pem ("tls_certificate", config->tls_certificate, error);
  if (!cert_pem)
    return NULL;
  key_pem = read_pem ("tls_key", config->tls_key, error);
  if (!key_pem)
    return NULL;
  alone = g_tls_certificate_new_from_pem (cert_pem, -1, &local);
  if (!alone) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "tls_certificate %s: %s",
                 config->tls_certificate, local->message);
    return NULL;
  }
  cert = g_tls_certificate_new_from_files (config->tls_certificate, config->tls_key, &local);
  if (!cert) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "tls_key %s: %s", config->tls_key,
                 local->message);
    return NULL;
  }
  if (!check_key_matches (cert, &local)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                 "tls_key %s does not match tls_certificate %s (a test handshake failed: %s)",
                 config->tls_key, config->tls_certificate, local->message);
    return NULL;
  }
  return g_steal_pointer (&cert);
}

GTlsDatabase *
rvi_tls_load_ca (const RviConfig *config, GError **error)
{
  g_autofree char *pem = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) local = NULL;
  GTlsDatabase *db;

  if (!config->tls_ca)
    return NULL;
  pem = read_pem ("tls_ca", config->tls_ca, error); /* says why it cannot be read */
  if (!pem)
    return NULL;
  path = g_canonicalize_filename (config->tls_ca, NULL); /* the database takes no relative path */
  db = g_tls_file_database_new (path, &local);
  if (!db) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG, "tls_ca %s: %s", config->tls_ca,
                 local->message);
    return NULL;
  }
  return db;
}
