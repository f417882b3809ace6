/* test-secrets: passwords and tokens. */
#include <glib.h>

#include "secrets.h"

static void
test_password (void)
{
  g_autofree char *hash = rvi_password_hash ("correct horse");
  g_autofree char *hash2 = rvi_password_hash ("correct horse");

  g_assert_true (g_str_has_prefix (hash, "$argon2id$"));
  g_assert_cmpstr (hash, !=, hash2);                 /* salted */
  g_assert_true (rvi_password_verify (hash, "correct horse"));
  g_assert_false (rvi_password_verify (hash, "correct horsE"));
  g_assert_false (rvi_password_verify (hash, ""));
  g_assert_false (rvi_password_verify (NULL, "correct horse"));
  g_assert_false (rvi_password_verify ("plain", "plain"));
}

static void
test_tokens (void)
{
  g_autofree char *a = rvi_token_new (NULL, 32);
  g_autofree char *b = rvi_token_new ("rvi_", 32);
  g_autofree char *ha = rvi_token_hash_param (a);
  g_autofree char *ha2 = rvi_token_hash_param (a);

  g_assert_cmpuint (strlen (a), ==, 43);             /* 256 bits, base64url without padding */
  g_assert_true (g_str_has_prefix (b, "rvi_"));
  g_assert_cmpstr (a, !=, b + 4);
  g_assert_true (g_str_has_prefix (ha, "\\x"));
  g_assert_cmpuint (strlen (ha), ==, 2 + 64);
  g_assert_cmpstr (ha, ==, ha2);
  for (const char *p = a; *p; p++)
    g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
  g_assert_true (rvi_secret_equal ("abc", "abc"));
  g_assert_false (rvi_secret_equal ("abc", "abd"));
  g_assert_false (rvi_secret_equal ("abc", "abcd"));
  g_assert_false (rvi_secret_equal (NULL, "abc"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_true (rvi_secrets_init (NULL));
  g_test_add_func ("/secrets/password", test_password);
  g_test_add_func ("/secrets/tokens", test_tokens);
  return g_test_run ();
}
