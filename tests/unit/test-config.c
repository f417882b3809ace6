/* test-config: the config file, listen addresses and validation, and the
 * TLS files (tls_certificate, tls_key, tls_ca: read at start-up, a bad one
 * named in the error). */
#include <glib.h>
#include <glib/gstdio.h>

#include "config.h"
#include "node-proxy.h"
#include "rvi-error.h"
#include "rvi-test.h"
#include "rvi-test-certs.h"
#include "tls.h"

static void
test_listen (void)
{
  g_autofree char *host = NULL;
  g_autoptr (GError) error = NULL;
  guint16 port = 1;

  g_assert_true (rvi_config_parse_listen ("127.0.0.1:0", &host, &port, &error));
  g_assert_cmpstr (host, ==, "127.0.0.1");
  g_assert_cmpuint (port, ==, 0);
  g_clear_pointer (&host, g_free);
  g_assert_true (rvi_config_parse_listen ("[::1]:8080", &host, &port, &error));
  g_assert_cmpstr (host, ==, "::1");
  g_assert_cmpuint (port, ==, 8080);
  for (const char *const *bad = (const char *const[]) { "", "8080", ":80", "host:", "h:70000",
                                                        "h:-1", "h:8x", NULL }; *bad; bad++) {
    g_autofree char *h = NULL;
    g_assert_false (rvi_config_parse_listen (*bad, &h, &port, &error));
    g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFIG);
    g_clear_error (&error);
  }
}

static char *
write_conf (const char *text)
{
  char *path = NULL;
  int fd = g_file_open_tmp ("rvi-conf-XXXXXX", &path, NULL);

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_file (void)
{
  RviConfig config;
  g_autoptr (GError) error = NULL;
  g_autofree char *good = write_conf ("[rvi]\ndata_dir=/srv/rvi\nlisten=0.0.0.0:9000\n"
                                      "db_pool_size=8\nmetrics_public=false\n");
  g_autofree char *unknown = write_conf ("[rvi]\ndata_dri=/srv/rvi\n");
  g_autofree char *badint = write_conf ("[rvi]\ndb_pool_size=many\n");
  g_autofree char *example = g_build_filename (g_getenv ("RVI_SOURCE_ROOT"), "deploy",
                                               "rvi.conf.example", NULL);

  rvi_config_init (&config);
  g_assert_true (rvi_config_load_file (&config, good, &error));
  g_assert_cmpstr (config.data_dir, ==, "/srv/rvi");
  g_assert_cmpstr (config.listen, ==, "0.0.0.0:9000");
  g_assert_cmpint (config.db_pool_size, ==, 8);
  g_assert_false (config.metrics_public);
  g_assert_true (rvi_config_validate (&config, &error));

  g_assert_false (rvi_config_load_file (&config, unknown, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "data_dri"));
  g_clear_error (&error);
  g_assert_false (rvi_config_load_file (&config, badint, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFIG);
  g_clear_error (&error);

  /* the shipped example holds only known keys */
  rvi_config_clear (&config);
  rvi_config_init (&config);
  g_assert_true (rvi_config_load_file (&config, example, &error));
  g_assert_no_error (error);

  g_free (config.node);
  config.node = g_strdup ("yard\"1");
  g_assert_false (rvi_config_validate (&config, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFIG);
  g_clear_error (&error);
  g_free (config.node);
  config.node = g_strdup ("erenhot-yard.2");
  g_assert_true (rvi_config_validate (&config, &error));
  g_free (config.node);
  config.node = g_strdup ("");   /* a node needs a name */
  g_assert_false (rvi_config_validate (&config, &error));
  g_clear_error (&error);
  g_free (config.node);
  config.node = g_strdup ("erenhot-yard.2");

  /* leases: 4 to 300 s; other nodes reach this one over http(s) */
  config.lease_s = 3;
  g_assert_false (rvi_config_validate (&config, &error));
  g_assert_nonnull (strstr (error->message, "lease"));
  g_clear_error (&error);
  config.lease_s = 10;
  config.advertise_url = g_strdup ("yard-a:8080");
  g_assert_false (rvi_config_validate (&config, &error));
  g_assert_nonnull (strstr (error->message, "advertise_url"));
  g_clear_error (&error);
  g_free (config.advertise_url);
  config.advertise_url = g_strdup ("https://yard-a.example:8443/");
  g_assert_true (rvi_config_validate (&config, &error));

  /* trusted proxies: addresses and masks, each checked */
  config.trusted_proxies = g_strdup ("10.0.0.0/8, lb.example");
  g_assert_false (rvi_config_validate (&config, &error));
  g_assert_nonnull (strstr (error->message, "\"lb.example\""));
  g_clear_error (&error);
  g_free (config.trusted_proxies);
  config.trusted_proxies = g_strdup ("10.0.0.0/8, 192.0.2.7 2001:db8::/32");
  g_assert_true (rvi_config_validate (&config, &error));

  config.db_pool_size = 0;
  g_assert_false (rvi_config_validate (&config, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFIG);
  rvi_config_clear (&config);
  g_unlink (good);
  g_unlink (unknown);
  g_unlink (badint);
}

/* Where other nodes reach this one (node-proxy.h). */
static void
test_node_url (void)
{
  g_autofree char *given = rvi_node_url ("https://yard-a.example/", "http://0.0.0.0:8080/");
  g_autofree char *loopback = rvi_node_url (NULL, "http://127.0.0.1:5000/");
  g_autofree char *any = rvi_node_url (NULL, "http://0.0.0.0:8080/");
  g_autofree char *want = g_strdup_printf ("http://%s:8080/", g_get_host_name ());

  g_assert_cmpstr (given, ==, "https://yard-a.example/");
  g_assert_cmpstr (loopback, ==, "http://127.0.0.1:5000/");
  g_assert_cmpstr (any, ==, want);
}

/* tls_certificate and tls_key together or not at all; https:// advertised. */
static void
test_tls_keys (void)
{
  RviConfig config;
  g_autoptr (GError) error = NULL;
  g_autofree char *conf = write_conf ("[rvi]\ndata_dir=/srv/rvi\ntls_certificate=/etc/rvi/cert.pem\n"
                                      "tls_key=/etc/rvi/key.pem\ntls_ca=/etc/rvi/nodes-ca.pem\n");

  rvi_config_init (&config);
  g_assert_false (rvi_tls_enabled (&config));
  g_assert_true (rvi_config_load_file (&config, conf, &error));
  g_assert_cmpstr (config.tls_certificate, ==, "/etc/rvi/cert.pem");
  g_assert_cmpstr (config.tls_key, ==, "/etc/rvi/key.pem");
  g_assert_cmpstr (config.tls_ca, ==, "/etc/rvi/nodes-ca.pem");
  g_assert_true (rvi_tls_enabled (&config));
  g_assert_true (rvi_config_validate (&config, &error));

  g_clear_pointer (&config.tls_key, g_free);   /* a certificate without its key */
  g_assert_false (rvi_config_validate (&config, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFIG);
  g_assert_cmpstr (error->message, ==,
                   "tls_certificate and tls_key must be set together (or neither)");
  g_clear_error (&error);
  g_assert_false (rvi_tls_enabled (&config));
  config.tls_key = g_steal_pointer (&config.tls_certificate);   /* a key alone */
  g_assert_false (rvi_config_validate (&config, &error));
  g_assert_nonnull (strstr (error->message, "tls_certificate and tls_key"));
  g_clear_error (&error);

  config.tls_certificate = g_strdup ("/etc/rvi/cert.pem");
  config.advertise_url = g_strdup ("http://yard-a.example:8080/");   /* the port speaks TLS */
  g_assert_false (rvi_config_validate (&config, &error));
  g_assert_cmpstr (error->message, ==,
                   "advertise_url must be an https:// URL when tls_certificate is set");
  g_clear_error (&error);
  g_free (config.advertise_url);
  config.advertise_url = g_strdup ("https://yard-a.example:8443/");
  g_assert_true (rvi_config_validate (&config, &error));
  rvi_config_clear (&config);
  g_unlink (conf);
}

/* Fails the test unless loading @config's certificate fails naming @want. */
static void
expect_certificate_error (RviConfig *config, const char *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) cert = rvi_tls_load_certificate (config, &error);

  g_assert_null (cert);
  g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, want));
}

/* The files themselves: unreadable, not PEM, a key of another
 * certificate; each error names the key and the file. */
static void
test_tls_files (void)
{
  g_autofree char *dir = rvi_test_make_tmpdir ("rvi-tls-files");
  g_autofree char *cert = rvi_test_certs_path (dir, "server", "pem");
  g_autofree char *key = rvi_test_certs_path (dir, "server", "key");
  g_autofree char *other_key = rvi_test_certs_path (dir, "other", "key");
  g_autofree char *ca = rvi_test_certs_path (dir, "ca", "pem");
  g_autofree char *missing = g_build_filename (dir, "missing.pem", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.pem", NULL);
  g_autofree char *want = NULL;
  g_autoptr (GTlsCertificate) loaded = NULL;
  g_autoptr (GTlsDatabase) db = NULL;
  g_autoptr (GError) error = NULL;
  RviConfig config;

  rvi_test_certs_make_ca (dir, "ca");
  rvi_test_certs_make_server (dir, "ca", "server", "IP:127.0.0.1");
  rvi_test_certs_make_server (dir, "ca", "other", "IP:127.0.0.1");
  g_assert_true (g_file_set_contents (garbage, "not a certificate\n", -1, NULL));
  rvi_config_init (&config);

  config.tls_certificate = g_strdup (cert);
  config.tls_key = g_strdup (key);
  loaded = rvi_tls_load_certificate (&config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);

  g_free (config.tls_certificate);
  config.tls_certificate = g_strdup (missing);
  want = g_strdup_printf ("tls_certificate %s: ", missing);
  expect_certificate_error (&config, want);
  g_free (want);
  g_free (config.tls_certificate);
  config.tls_certificate = g_strdup (garbage);
  want = g_strdup_printf ("tls_certificate %s: ", garbage);
  expect_certificate_error (&config, want);
  g_free (want);

  g_free (config.tls_certificate);
  config.tls_certificate = g_strdup (cert);
  g_free (config.tls_key);
  config.tls_key = g_strdup (missing);
  want = g_strdup_printf ("tls_key %s: ", missing);
  expect_certificate_error (&config, want);
  g_free (want);
  g_free (config.tls_key);
  config.tls_key = g_strdup (cert);   /* the certificate where the key should be */
  want = g_strdup_printf ("tls_key %s: ", cert);
  expect_certificate_error (&config, want);
  g_free (want);
  g_free (config.tls_key);
  config.tls_key = g_strdup (other_key);
  want = g_strdup_printf ("tls_key %s does not match tls_certificate %s", other_key, cert);
  expect_certificate_error (&config, want);
  g_free (want);

  /* tls_ca: unset is the system's CAs */
  g_assert_null (rvi_tls_load_ca (&config, &error));
  g_assert_no_error (error);
  config.tls_ca = g_strdup (ca);
  db = rvi_tls_load_ca (&config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (db);
  g_free (config.tls_ca);
  config.tls_ca = g_strdup (missing);
  g_assert_null (rvi_tls_load_ca (&config, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFIG);
  want = g_strdup_printf ("tls_ca %s: ", missing);
  g_assert_true (g_str_has_prefix (error->message, want));
  g_clear_error (&error);
  g_free (want);
  g_free (config.tls_ca);
  config.tls_ca = g_strdup (garbage);
  g_assert_null (rvi_tls_load_ca (&config, &error));
  g_assert_error (error, RVI_ERROR, RVI_ERROR_CONFIG);
  want = g_strdup_printf ("tls_ca %s: ", garbage);
  g_assert_true (g_str_has_prefix (error->message, want));
  g_clear_error (&error);

  rvi_config_clear (&config);
  rvi_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/listen", test_listen);
  g_test_add_func ("/config/file", test_file);
  g_test_add_func ("/config/node-url", test_node_url);
  g_test_add_func ("/config/tls-keys", test_tls_keys);
  g_test_add_func ("/config/tls-files", test_tls_files);
  return g_test_run ();
}
