/* cameras.h: queries of the cameras and camera_status tables.
 *
 * API results name their columns as the API does; credentials never leave
 * these queries except through rvi_cameras_get_config(), which the
 * recording node uses to connect. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "ingest.h"

G_BEGIN_DECLS

/* What a camera's supervisor needs (the password is sealed). */
typedef struct {
  char *id;
  char *name;
  char *url;
  char *username;
  char *password_box;
  RviTransport transport;
  RviTransport transport_learned;  /* AUTO when nothing was learned yet */
  gboolean recording;
  guint segment_seconds;
  guint retention_days;
} RviCameraConfig;

void rvi_camera_config_free (RviCameraConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviCameraConfig, rvi_camera_config_free)

/* The API's camera objects: one (@id) or all live cameras. */
PGresult *rvi_cameras_list (PGconn *conn, const char *id, GError **error);

/* Inserts a camera from the text parameters @values (NULL = default), in
 * the order of RVI_CAMERA_FIELDS (pinned_nodes as a text[] literal).
 * Answers the new id. */
PGresult *rvi_cameras_insert (PGconn *conn, const char *const *values, GError **error);

/* Updates the fields whose @set flag is TRUE. Zero rows: no such camera. */
PGresult *rvi_cameras_update (PGconn *conn, const char *id, const char *const *values,
                              const gboolean *set, GError **error);

/* Marks the camera deleted (its recordings and gaps stay, for the record). */
PGresult *rvi_cameras_delete (PGconn *conn, const char *id, GError **error);

/* Every live camera's config (transfer full, array of RviCameraConfig *). */
GPtrArray *rvi_cameras_configs (PGconn *conn, GError **error);

gboolean rvi_cameras_learn_transport (PGconn *conn, const char *id, RviTransport transport,
                                      GError **error);

/* The writable fields, in the order of the values arrays above. */
#define RVI_CAMERA_FIELDS(X) \
  X (name) X (url) X (username) X (password_box) X (site) X (track) X (position) X (gacc_id) \
  X (transport) X (recording) X (segment_seconds) X (retention_days) X (pinned_nodes)

enum {
#define RVI_CAMERA_ENUM(f) RVI_CAMERA_FIELD_##f,
  RVI_CAMERA_FIELDS (RVI_CAMERA_ENUM)
#undef RVI_CAMERA_ENUM
  RVI_CAMERA_N_FIELDS
};

const char *rvi_transport_to_string (RviTransport transport);
RviTransport rvi_transport_from_string (const char *s);

G_END_DECLS
