/* routes.c: the route table. */
#define G_LOG_DOMAIN "rvi-http"
#include "routes.h"
#include "api-audit.h"
#include "api-camera-probe.h"
#include "api-cameras.h"
#include "api-camera-view.h"
#include "api-decisions.h"
#include "api-evidence.h"
#include "api-exports.h"
#include "api-holds.h"
#include "api-inspections.h"
#include "api-lots.h"
#include "api-marks.h"
#include "api-nodes.h"
#include "api-replay.h"
#include "api-timeline.h"
#include "api-frame-samples.h"
#include "api-frame.h"
#include "api-health.h"
#include "api-session.h"
#include "api-users.h"

#define ADMIN RVI_ROLE_ADMIN
#define OPERATOR RVI_ROLE_OPERATOR
#define INSPECTOR RVI_ROLE_INSPECTOR
#define AUDITOR RVI_ROLE_AUDITOR
#define ANY RVI_ROLES_ANY
#define PUBLIC RVI_ROLES_PUBLIC

static const RviRoute routes[] = {
  /* method, pattern, roles, body shape, db handler, main handler */
  { "GET", "/healthz", PUBLIC, NULL, NULL, rvi_api_healthz },
  { "GET", "/readyz", PUBLIC, NULL, rvi_api_readyz, NULL },
  { "GET", "/metrics", PUBLIC, NULL, NULL, rvi_api_metrics },

  { "POST", "/api/session", PUBLIC, &rvi_api_session_login_shape, rvi_api_session_login, NULL },
  { "GET", "/api/session", ANY, NULL, rvi_api_session_get, NULL },
  { "DELETE", "/api/session", ANY, NULL, rvi_api_session_logout, NULL },

  { "GET", "/api/users", ADMIN, NULL, rvi_api_users_list, NULL },
  { "POST", "/api/users", ADMIN, &rvi_api_users_create_shape, rvi_api_users_create, NULL },
  { "PATCH", "/api/users/{id}", ADMIN, &rvi_api_users_update_shape, rvi_api_users_update, NULL },
  { "DELETE", "/api/users/{id}", ADMIN, NULL, rvi_api_users_delete, NULL },

  { "GET", "/api/audit", AUDITOR, NULL, rvi_api_audit_list, NULL },

  { "GET", "/api/cameras", ANY, NULL, rvi_api_cameras_list, NULL },
  { "POST", "/api/cameras", OPERATOR, &rvi_api_cameras_create_shape, rvi_api_cameras_create,
    rvi_api_cameras_changed },
  { "POST", "/api/cameras/probe", OPERATOR, &rvi_api_camera_probe_shape,
    rvi_api_camera_probe_prepare, rvi_api_camera_probe_run },
  { "GET", "/api/cameras/{id}", ANY, NULL, rvi_api_cameras_get, NULL },
  { "PATCH", "/api/cameras/{id}", OPERATOR, &rvi_api_cameras_update_shape,
    rvi_api_cameras_update, rvi_api_cameras_changed },
  { "DELETE", "/api/cameras/{id}", OPERATOR, NULL, rvi_api_cameras_delete,
    rvi_api_cameras_changed },
  { "POST", "/api/cameras/{id}/accept-view", OPERATOR, &rvi_api_camera_view_accept_shape,
    rvi_api_camera_view_accept, rvi_api_camera_view_accepted },
  { "GET", "/api/cameras/{id}/timeline", INSPECTOR | AUDITOR | OPERATOR, NULL,
    rvi_api_timeline_get, NULL },
  { "GET", "/api/timeline", INSPECTOR | AUDITOR | OPERATOR, NULL, rvi_api_timeline_many, NULL },
  { "GET", "/api/cameras/{id}/replay.m3u8", INSPECTOR | AUDITOR, NULL, rvi_api_replay_playlist,
    NULL },
  { "GET", "/api/cameras/{id}/recording.mp4", INSPECTOR | AUDITOR, NULL,
    rvi_api_replay_recording, NULL },
  { "GET", "/api/viewing-log", AUDITOR, NULL, rvi_api_viewing_log, NULL },
  { "GET", "/api/frame-samples/{id}", INSPECTOR | AUDITOR | OPERATOR, NULL,
    rvi_api_frame_samples_get, NULL },
  { "GET", "/api/cameras/{id}/frame.jpg", INSPECTOR | AUDITOR, NULL, rvi_api_frame_lookup,
    rvi_api_frame_decode },

  { "GET", "/api/holds", INSPECTOR | AUDITOR | OPERATOR, NULL, rvi_api_holds_list, NULL },
  { "GET", "/api/evidence/public-key", ANY, NULL, NULL, rvi_api_evidence_public_key },
  { "POST", "/api/exports", AUDITOR, &rvi_api_exports_create_shape, rvi_api_exports_create,
    rvi_api_exports_created },
  { "GET", "/api/exports", AUDITOR, NULL, rvi_api_exports_list, NULL },
  { "GET", "/api/exports/{id}", AUDITOR, NULL, rvi_api_exports_get, NULL },
  { "GET", "/api/exports/{id}/package", AUDITOR, NULL, rvi_api_exports_package, NULL },
  { "POST", "/api/holds", INSPECTOR | AUDITOR, &rvi_api_holds_create_shape, rvi_api_holds_create,
    NULL },
  { "DELETE", "/api/holds/{id}", AUDITOR, NULL, rvi_api_holds_release, NULL },

  { "GET", "/api/nodes", ANY, NULL, rvi_api_nodes_list, NULL },

  { "GET", "/api/lots", INSPECTOR | AUDITOR | OPERATOR, NULL, rvi_api_lots_list, NULL },
  { "POST", "/api/lots", INSPECTOR | OPERATOR, &rvi_api_lots_create_shape, rvi_api_lots_create,
    NULL },
  { "POST", "/api/lots/import", INSPECTOR | OPERATOR, &rvi_api_lots_import_shape,
    rvi_api_lots_import, NULL },
  { "GET", "/api/lots/{id}", INSPECTOR | AUDITOR | OPERATOR, NULL, rvi_api_lots_get, NULL },
  { "POST", "/api/lots/{id}/inspections", INSPECTOR, &rvi_api_inspections_open_shape,
    rvi_api_inspections_open, NULL },
  { "POST", "/api/lots/{id}/decisions", INSPECTOR, &rvi_api_decisions_create_shape,
    rvi_api_decisions_create, NULL },
  { "POST", "/api/lots/{id}/samples", INSPECTOR, &rvi_api_samples_create_shape,
    rvi_api_samples_create, NULL },
  { "POST", "/api/inspections/{id}/marks", INSPECTOR, &rvi_api_marks_create_shape,
    rvi_api_marks_create, NULL },
  { "GET", "/api/marks/{id}/still.jpg", INSPECTOR | AUDITOR, NULL, rvi_api_marks_still, NULL },
  { "POST", "/api/inspections/{id}/sign", INSPECTOR, NULL, rvi_api_inspections_sign, NULL },
  { "GET", "/api/decisions", INSPECTOR | AUDITOR, NULL, rvi_api_decisions_list, NULL },
  { "GET", "/api/decisions/{id}", INSPECTOR | AUDITOR, NULL, rvi_api_decisions_get, NULL },
  { "POST", "/api/decisions/{id}/approve", INSPECTOR, &rvi_api_decisions_approve_shape,
    rvi_api_decisions_approve, NULL },
  { "POST", "/api/samples/{id}/results", INSPECTOR, &rvi_api_lab_results_create_shape,
    rvi_api_lab_results_create, NULL },
};

GArray *
rvi_routes_new (const RviConfig *config)
{
  GArray *table = g_array_sized_new (FALSE, FALSE, sizeof (RviRoute), G_N_ELEMENTS (routes));

  g_array_append_vals (table, routes, G_N_ELEMENTS (routes));
  for (guint i = 0; i < table->len; i++) {
    RviRoute *r = &g_array_index (table, RviRoute, i);
    if (g_str_equal (r->pattern, "/metrics") && !config->metrics_public)
      r->roles = RVI_ROLE_ADMIN | RVI_ROLE_OPERATOR;
  }
  return table;
}
