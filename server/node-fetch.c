/* node-fetch.c: a copy of a file another node holds (node-fetch.h). */
#define G_LOG_DOMAIN "rvi-nodes"
#include "node-fetch.h"
#include "node-proxy.h"
#include "rvi-error.h"
#include "sessions.h"
#include "sha256-hex.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#define CHUNK (256 * 1024)

struct _RviNodeFetcher {
  char *user_id, *label;
  GTlsDatabase *cas;
  char *token, *token_id;     /* made on first use */
  SoupSession *session;
  guint8 *buf;
};

RviNodeFetcher *
rvi_node_fetcher_new (const char *user_id, const char *label, GTlsDatabase *cas)
{
  RviNodeFetcher *f = g_new0 (RviNodeFetcher, 1);

  f->cas = cas ? g_object_ref (cas) : NULL;
  f->user_id = g_strdup (user_id);
  f->label = g_strdup (label);
  return f;
}

void
rvi_node_fetcher_free (RviNodeFetcher *f, PGconn *conn)
{
  g_autoptr (GError) error = NULL;

  if (!f)
    return;
  if (f->token_id && !rvi_api_tokens_revoke (conn, f->token_id, &error))
    g_warning ("the token for %s was not revoked (it expires by itself): %s", f->label,
               error->message);
  g_clear_object (&f->session);
  g_clear_object (&f->cas);
  g_free (f->buf);
  if (f->token)
    memset (f->token, 0, strlen (f->token));
  g_free (f->token);
  g_free (f->token_id);
  g_free (f->user_id);
  g_free (f->label);
  g_free (f);
}

/* Copies @in to @dest, hashing it; checks the digest against @sha256. */
static gboolean
copy_checked (RviNodeFetcher *f, GInputStream *in, const char *dest, const char *sha256,
              const char *what, GCancellable *cancel, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (dest);
  g_autoptr (GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                                      cancel, error);
  struct sha256_ctx ctx;
  char hex[RVI_SHA256_HEX_LEN + 1];
  gssize n;

  if (!out)
    return FALSE;
  sha256_init (&ctx);
  while ((n = g_input_stream_read (in, f->buf, CHUNK, cancel, error)) > 0) {
    sha256_update (&ctx, (size_t) n, f->buf);
    if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), f->buf, (gsize) n, NULL, cancel,
                                    error))
      return FALSE;
  }
  if (n < 0 || !g_output_stream_close (G_OUTPUT_STREAM (out), cancel, error))
    return FALSE;
  rvi_sha256_hex_finish (&ctx, hex);
  if (g_ascii_strcasecmp (hex, sha256) != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INTEGRITY,
                 "%s arrived with SHA-256 %s, its index says %s", what, hex, sha256);
    return FALSE;
  }
  return TRUE;
}

gboolean
rvi_node_fetch (RviNodeFetcher *f, PGconn *conn, const char *node, const char *path,
                const char *sha256, const char *dest, GCancellable *cancel, GError **error)
{
  g_autofree char *what = g_strdup_printf ("%s from node %s", path, node);
  g_autofree char *base = rvi_node_running_url (conn, node, error);
  g_autofree char *url = NULL;
  g_autofree char *auth = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GError) local = NULL;
  guint status;

  if (!base)
    return FALSE;
  if (!f->token && !(f->token = rvi_api_tokens_create_expiring (conn, f->user_id, f->label,
                                                                RVI_NODE_FETCH_TOKEN_S,
                                                                &f->token_id, error)))
    return FALSE;
  if (!f->session) {
    f->session = soup_session_new_with_options ("timeout", 30, "user-agent", "rvi-node", NULL);
    if (f->cas)
      soup_session_set_tls_database (f->session, f->cas);
    f->buf = g_malloc (CHUNK);
  }
  g_strchomp (base);
  url = g_strdup_printf ("%s%s%s", base, g_str_has_suffix (base, "/") ? "" : "/", path);
  if (!(msg = soup_message_new ("GET", url))) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NODE_UNAVAILABLE,
                 "node %s has an unusable address: %s", node, base);
    return FALSE;
  }
  auth = g_strconcat ("Bearer ", f->token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  if (!(in = soup_session_send (f->session, msg, cancel, &local))) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NODE_UNAVAILABLE, "%s: %s", what, local->message);
    return FALSE;
  }
  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_NODE_UNAVAILABLE, "%s: the node answered %u", what,
                 status);
    return FALSE;
  }
  if (!copy_checked (f, in, dest, sha256, what, cancel, error)) {
    g_unlink (dest);
    return FALSE;
  }
  return TRUE;
}

gboolean
rvi_node_fetch_segment (RviNodeFetcher *f, PGconn *conn, const char *camera_id,
                        const char *segment_id, const char *node, const char *sha256,
                        const char *dest, GCancellable *cancel, GError **error)
{
  g_autofree char *path = g_strdup_printf ("api/cameras/%s/recording.mp4?segment=%s", camera_id,
                                           segment_id);

  return rvi_node_fetch (f, conn, node, path, sha256, dest, cancel, error);
}
