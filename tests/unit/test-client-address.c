/* test-client-address: X-Forwarded-For believed from trusted proxies only
 * (server/client-address.h). */
#include <glib.h>

#include "client-address.h"
#include "rvi-error.h"

static void
expect (const RviTrustedProxies *t, const char *peer, const char *xff, const char *want)
{
  g_autofree char *got = rvi_client_address (t, peer, xff);

  if (g_strcmp0 (got, want) != 0)
    g_error ("peer %s, X-Forwarded-For \"%s\": got %s, want %s", peer, xff ? xff : "(none)",
             got, want);
}

static void
test_nobody_trusted (void)
{
  g_autoptr (GError) error = NULL;
  RviTrustedProxies *none = rvi_trusted_proxies_parse (NULL, &error);

  g_assert_no_error (error);
  g_assert_null (none);
  g_assert_null (rvi_trusted_proxies_parse (" , ", &error));
  g_assert_no_error (error);
  /* without the setting the header is a client's say-so: ignored */
  expect (NULL, "127.0.0.1", "198.51.100.23", "127.0.0.1");
  expect (NULL, "127.0.0.1", NULL, "127.0.0.1");
}

static void
test_trusted_peer (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RviTrustedProxies) t = rvi_trusted_proxies_parse ("127.0.0.1, 10.0.0.0/8 ::1",
                                                               &error);

  g_assert_no_error (error);
  g_assert_nonnull (t);
  expect (t, "127.0.0.1", NULL, "127.0.0.1");
  expect (t, "127.0.0.1", "198.51.100.23", "198.51.100.23");
  expect (t, "10.1.2.3", " 198.51.100.23 ", "198.51.100.23");
  expect (t, "::1", "2001:db8::7", "2001:db8::7");
  /* a balancer (10/8) before the node: the right-most untrusted hop */
  expect (t, "127.0.0.1", "198.51.100.23, 10.0.0.5", "198.51.100.23");
  /* what the client itself put first cannot be believed */
  expect (t, "127.0.0.1", "203.0.113.66, 198.51.100.23", "198.51.100.23");
  /* all hops trusted: the left-most */
  expect (t, "127.0.0.1", "10.9.9.9, 10.0.0.5", "10.9.9.9");
  /* garbage ends the walk at the hop after it */
  expect (t, "127.0.0.1", "198.51.100.23, not-an-address", "127.0.0.1");
  expect (t, "127.0.0.1", "junk, 10.0.0.5", "10.0.0.5");
  expect (t, "127.0.0.1", "", "127.0.0.1");
}

static void
test_untrusted_peer (void)
{
  g_autoptr (RviTrustedProxies) t = rvi_trusted_proxies_parse ("10.0.0.0/8", NULL);

  expect (t, "192.0.2.4", "198.51.100.23", "192.0.2.4");
  expect (t, "127.0.0.1", "198.51.100.23", "127.0.0.1");
}

static void
test_bad_setting (void)
{
  const char *bad[] = { "10.0.0.0/33", "proxy.example", "10.0.0.1, 300.1.1.1", "::1/129" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;

    g_assert_null (rvi_trusted_proxies_parse (bad[i], &error));
    g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFIG);
    g_assert_nonnull (g_strstr_len (error->message, -1, "trusted_proxies"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/client-address/nobody-trusted", test_nobody_trusted);
  g_test_add_func ("/client-address/trusted-peer", test_trusted_peer);
  g_test_add_func ("/client-address/untrusted-peer", test_untrusted_peer);
  g_test_add_func ("/client-address/bad-setting", test_bad_setting);
  return g_test_run ();
}
