/* test-config: the config file, listen addresses and validation. */
#include <glib.h>
#include <glib/gstdio.h>

#include "config.h"
#include "node-proxy.h"
#include "rvi-error.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/listen", test_listen);
  g_test_add_func ("/config/file", test_file);
  g_test_add_func ("/config/node-url", test_node_url);
  return g_test_run ();
}
