/* cli-audit.c: `rvi audit verify` recomputes the audit hash chain and exits
 * 0 only when it is intact; otherwise it names the first broken event and
 * exits 1 (2 when the check could not run). */
#define G_LOG_DOMAIN "rvi"
#include <glib.h>

#include "audit-log.h"
#include "cli-audit.h"
#include "cli-db.h"
#include "cli-options.h"
#include "rvi-error.h"

int
rvi_cli_audit (int argc, char **argv)
{
  RviConfig config;
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCliDb) db = NULL;
  RviAuditVerifyResult result = { 0 };
  int status = 2;

  rvi_config_init (&config);
  if (!rvi_cli_parse (&argc, &argv, "verify - check the audit log's hash chain", NULL, FALSE,
                      &config, &error))
    goto out;
  if (argc != 2 || !g_str_equal (argv[1], "verify")) {
    g_set_error (&error, RVI_ERROR, RVI_ERROR_CONFIG, "usage: rvi audit verify");
    goto out;
  }
  if (!(db = rvi_cli_db_open (&config, &error))
      || !rvi_audit_verify (rvi_cli_db_conn (db), &result, &error))
    goto out;
  if (result.broken_seq) {
    g_print ("audit chain BROKEN at event seq %" G_GINT64_FORMAT " (id %s): %s\n"
             "%" G_GUINT64_FORMAT " events checked\n", result.broken_seq, result.broken_id,
             result.reason, result.events);
    status = 1;
  } else {
    g_print ("audit chain intact: %" G_GUINT64_FORMAT " events in %u chains\n", result.events,
             result.chains);
    status = 0;
  }
out:
  if (error)
    g_printerr ("rvi audit: %s\n", error->message);
  rvi_audit_verify_result_clear (&result);
  rvi_config_clear (&config);
  return status;
}
