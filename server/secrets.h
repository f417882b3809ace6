/* secrets.h: passwords (argon2id) and random tokens (sessions, CSRF, API
 * tokens), on libsodium. Secrets never reach a log line. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Initializes libsodium; call once before anything else here. */
gboolean rvi_secrets_init (GError **error);

/* Returns (transfer full) an argon2id hash string of @password, or NULL
 * (out of memory). Slow by design: call it on a worker thread. */
char *rvi_password_hash (const char *password);

/* TRUE when @password matches @hash. A NULL @hash checks against a dummy
 * hash, so an unknown user costs the same time as a wrong password. */
gboolean rvi_password_verify (const char *hash, const char *password);

/* Returns (transfer full) @n_bytes of randomness as unpadded base64url,
 * prefixed by @prefix (may be NULL). */
char *rvi_token_new (const char *prefix, gsize n_bytes);

/* Returns (transfer full) the SHA-256 of @token as a bytea literal
 * ("\\x..."), the form in which tokens are stored. */
char *rvi_token_hash_param (const char *token);

/* Constant-time string comparison. */
gboolean rvi_secret_equal (const char *a, const char *b);

G_END_DECLS
