/* cli-evidence.c: `rvi evidence verify [--public-key KEY] PACKAGE` checks a
 * package offline (no database, no server) and exits 0 only when it is
 * intact, 1 when it is not (every problem named), 2 when it could not be
 * checked. `rvi evidence public-key` prints the server's signing key
 * (created when missing, as `rvi serve` does). */
#define G_LOG_DOMAIN "rvi"
#include <glib.h>

#include "cli-evidence.h"
#include "cli-options.h"
#include "evidence-key.h"
#include "evidence-verify.h"
#include "rvi-error.h"

static int
verify (int argc, char **argv)
{
  g_autofree char *pinned_text = NULL;
  GOptionEntry entries[] = {
    { "public-key", 0, 0, G_OPTION_ARG_STRING, &pinned_text,
      "check against this key (base64, or a file holding it) instead of the one the package names",
      "KEY" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("PACKAGE - check an evidence package");
  g_autoptr (GError) error = NULL;
  RviEvidenceReport report = { 0 };
  guint8 pinned[RVI_EVIDENCE_PUBLIC_KEY_BYTES];
  int status;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2) {
    g_printerr ("rvi evidence verify: %s\n",
                error ? error->message : "usage: rvi evidence verify [--public-key KEY] PACKAGE");
    return 2;
  }
  if (pinned_text && !rvi_evidence_public_key_parse (pinned_text, pinned, &error)) {
    g_printerr ("rvi evidence verify: --public-key: %s\n", error->message);
    return 2;
  }
  if (!rvi_evidence_verify (argv[1], pinned_text ? pinned : NULL, &report, &error)) {
    g_printerr ("rvi evidence verify: %s\n", error->message);
    rvi_evidence_report_clear (&report);
    return 2;
  }
  g_print ("package %s\n", argv[1]);
  if (report.export_id)
    g_print ("export %s\n", report.export_id);
  if (*report.key_id)
    g_print ("signature by key %s%s: %s\n", report.key_id, pinned_text ? " (pinned)" : "",
             report.signature_ok ? "good" : "BAD");
  for (guint i = 0; i < report.problems->len; i++)
    g_print ("PROBLEM %s\n", (const char *) report.problems->pdata[i]);
  if (report.problems->len) {
    g_print ("NOT INTACT: %u problem%s\n", report.problems->len,
             report.problems->len == 1 ? "" : "s");
    status = 1;
  } else {
    g_print ("intact: %u files, each as listed in the signed manifest\n", report.files);
    status = 0;
  }
  rvi_evidence_report_clear (&report);
  return status;
}

static int
public_key (int argc, char **argv)
{
  RviConfig config;
  g_autoptr (GError) error = NULL;
  g_autoptr (RviSigningKey) key = NULL;
  g_autofree char *path = NULL;
  int status = 2;

  rvi_config_init (&config);
  if (!rvi_cli_parse (&argc, &argv, "- print the public key that signs evidence packages", NULL,
                      FALSE, &config, &error))
    goto out;
  if (argc != 1) {
    g_set_error (&error, RVI_ERROR, RVI_ERROR_CONFIG, "usage: rvi evidence public-key");
    goto out;
  }
  path = config.signing_key ? g_strdup (config.signing_key)
                            : g_build_filename (config.data_dir, "keys", "signing.key", NULL);
  if ((key = rvi_signing_key_open (path, &error))) {
    g_autofree char *b64 = g_base64_encode (rvi_signing_key_public (key),
                                            RVI_EVIDENCE_PUBLIC_KEY_BYTES);
    char id[RVI_EVIDENCE_KEY_ID_LEN + 1];

    rvi_evidence_key_id (rvi_signing_key_public (key), id);
    g_print ("ed25519 %s key_id %s\n", b64, id);
    status = 0;
  }
out:
  if (error)
    g_printerr ("rvi evidence: %s\n", error->message);
  rvi_config_clear (&config);
  return status;
}

int
rvi_cli_evidence (int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "verify"))
    return verify (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "public-key"))
    return public_key (argc - 1, argv + 1);
  g_printerr ("usage: rvi evidence verify [--public-key KEY] PACKAGE\n"
              "       rvi evidence public-key [--data-dir DIR | --config FILE]\n");
  return 2;
}
