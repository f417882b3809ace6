/* rvi-test-certs.h: throw-away certificates for the TLS tests, made with
 * the openssl command at test time (EC P-256, valid for two days). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes a CA in @dir: @name.pem (its certificate) and @name.key. Fails the
 * test on error. */
void rvi_test_certs_make_ca (const char *dir, const char *name);

/* Makes @name.pem and @name.key in @dir: a server certificate for @san
 * (an openssl subjectAltName value, e.g. "DNS:localhost" or
 * "IP:127.0.0.1") signed by the CA @ca that rvi_test_certs_make_ca made in
 * @dir. Fails the test on error. */
void rvi_test_certs_make_server (const char *dir, const char *ca, const char *name,
                                 const char *san);

/* (transfer full) @dir/@name.@ext: the path of a file made above. */
char *rvi_test_certs_path (const char *dir, const char *name, const char *ext);

G_END_DECLS
