/* rvi-test-certs.c: throw-away certificates (rvi-test-certs.h). */
#include "rvi-test-certs.h"
#include "rvi-test.h"

#define DAYS "2"
#define EC_KEY "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"

char *
rvi_test_certs_path (const char *dir, const char *name, const char *ext)
{
  g_autofree char *file = g_strdup_printf ("%s.%s", name, ext);
  return g_build_filename (dir, file, NULL);
}

static void
run_openssl (const char *const *argv)
{
  g_assert_cmpint (rvi_test_run (argv, NULL, NULL), ==, 0);
}

void
rvi_test_certs_make_ca (const char *dir, const char *name)
{
  g_autofree char *key = rvi_test_certs_path (dir, name, "key");
  g_autofree char *pem = rvi_test_certs_path (dir, name, "pem");
  g_autofree char *subject = g_strdup_printf ("/CN=rvi test %s", name);
  const char *argv[] = { "openssl", "req", "-x509", "-newkey", EC_KEY, "-nodes",
                         "-keyout", key, "-out", pem, "-days", DAYS, "-subj", subject,
                         "-addext", "basicConstraints=critical,CA:TRUE",
                         "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL };

  run_openssl (argv);
}

void
rvi_test_certs_make_server (const char *dir, const char *ca, const char *name, const char *san)
{
  g_autofree char *ca_key = rvi_test_certs_path (dir, ca, "key");
  g_autofree char *ca_pem = rvi_test_certs_path (dir, ca, "pem");
  g_autofree char *key = rvi_test_certs_path (dir, name, "key");
  g_autofree char *pem = rvi_test_certs_path (dir, name, "pem");
  g_autofree char *csr = rvi_test_certs_path (dir, name, "csr");
  g_autofree char *ext = rvi_test_certs_path (dir, name, "ext");
  g_autofree char *serial = rvi_test_certs_path (dir, ca, "srl");
  g_autofree char *ext_text = g_strdup_printf ("subjectAltName=%s\n"
                                               "basicConstraints=critical,CA:FALSE\n"
                                               "keyUsage=critical,digitalSignature\n"
                                               "extendedKeyUsage=serverAuth\n",
                                               san);
  const char *request[] = { "openssl", "req", "-new", "-newkey", EC_KEY, "-nodes",
                            "-keyout", key, "-out", csr, "-subj", "/CN=rvi test server",
                            NULL };
  const char *sign[] = { "openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key,
                         "-CAserial", serial, "-CAcreateserial", "-out", pem, "-days", DAYS,
                         "-extfile", ext, NULL };

  g_assert_true (g_file_set_contents (ext, ext_text, -1, NULL));
  run_openssl (request);
  run_openssl (sign);
}
