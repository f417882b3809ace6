/* api-evidence.c: the public half of the signing key, for recipients to
 * pin: {algorithm, public_key (base64), key_id}. Main loop, no database. */
#define G_LOG_DOMAIN "rvi-http"
#include "api-evidence.h"
#include "app.h"
#include "evidence-key.h"

void
rvi_api_evidence_public_key (RviRequest *req)
{
  const guint8 *pk = rvi_signing_key_public (req->app->signing_key);
  g_autofree char *b64 = g_base64_encode (pk, RVI_EVIDENCE_PUBLIC_KEY_BYTES);
  char id[RVI_EVIDENCE_KEY_ID_LEN + 1];
  g_autoptr (JsonBuilder) b = json_builder_new ();

  rvi_evidence_key_id (pk, id);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "algorithm");
  json_builder_add_string_value (b, "ed25519");
  json_builder_set_member_name (b, "public_key");
  json_builder_add_string_value (b, b64);
  json_builder_set_member_name (b, "key_id");
  json_builder_add_string_value (b, id);
  json_builder_end_object (b);
  rvi_request_reply (req, 200, json_builder_get_root (b));
}
