/* http-request.c: RviRequest. */
#define G_LOG_DOMAIN "rvi-http"
#include "http-request.h"
#include "json-text.h"

void
rvi_request_free (RviRequest *req)
{
  if (!req)
    return;
  g_clear_object (&req->msg);
  g_free (req->method);
  g_free (req->path);
  g_free (req->path_id);
  g_clear_pointer (&req->query, g_hash_table_unref);
  g_clear_pointer (&req->bytes_body, g_bytes_unref);
  g_clear_object (&req->stream_body);
  g_clear_object (&req->stream_keep);
  g_free (req->session_token);
  g_free (req->bearer_token);
  g_free (req->csrf_header);
  g_free (req->idempotency_key);
  g_free (req->address);
  g_free (req->user_agent);
  g_free (req->range);
  g_free (req->forwarded_by);
  g_free (req->forward_node);
  g_free (req->forward_url);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_clear_pointer (&req->json, json_object_unref);
  rvi_user_free (req->user);
  g_free (req->session_csrf);
  g_clear_pointer (&req->response, json_node_unref);
  g_free (req->text_body);
  g_clear_pointer (&req->headers, g_ptr_array_unref);
  g_clear_error (&req->error);
  if (req->handler_data_free)
    req->handler_data_free (req->handler_data);
  g_free (req);
}

void
rvi_request_reply (RviRequest *req, guint status, JsonNode *body)
{
  req->status = status;
  g_clear_pointer (&req->response, json_node_unref);
  req->response = body;
}

void
rvi_request_add_header (RviRequest *req, const char *name, const char *value)
{
  if (!req->headers)
    req->headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (req->headers, g_strdup (name));
  g_ptr_array_add (req->headers, g_strdup (value));
}

const char *
rvi_request_query (RviRequest *req, const char *name)
{
  return g_hash_table_lookup (req->query, name);
}

gboolean
rvi_request_audit (RviRequest *req, PGconn *conn, const char *actor_name, const char *action,
                   const char *target_type, const char *target_id, JsonNode *detail,
                   GError **error)
{
  g_autofree char *detail_text = detail ? rvi_json_text (detail) : NULL;
  RviAuditEntry e = {
    .actor_id = req->user ? req->user->id : NULL,
    .actor_name = req->user ? req->user->username : actor_name,
    .action = action,
    .target_type = target_type,
    .target_id = target_id,
    .detail_json = detail_text,
    .address = req->address,
  };

  return rvi_audit_append (conn, &e, error);
}

void
rvi_request_defer (RviRequest *req)
{
  req->deferred = TRUE;
}
