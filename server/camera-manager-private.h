/* camera-manager-private.h: what the camera manager's files share
 * (camera-manager.c: start-up, refresh, who records what, lifecycle;
 * camera-manager-leases.c: the lease ticks; camera-housekeeping.c:
 * heartbeat and retention; camera-manager-figures.c: figures for
 * /metrics). Main context only. */
#pragma once

#include "camera-manager.h"
#include "camera-supervisor.h"
#include "db.h"
#include "disk-watch.h"
#include "index-writer.h"
#include "sample-recorder.h"

G_BEGIN_DECLS

struct _RviCameraManager {
  RviApp *app;
  char *node;
  char *media_dir;
  RviSupervisorContext ctx;
  RviIndexWriter *writer;
  RviSampleRecorder *samples;  /* NULL when sampling is off */
  GHashTable *supervisors;     /* camera id -> RviCameraSupervisor */
  GHashTable *stats;           /* camera id -> RviCameraStats: cameras recorded since start */
  RviDiskWatch *disk;          /* the media directory's free space, for /metrics */
  GPtrArray *configs;          /* the cameras, as last read */
  GHashTable *held;            /* camera id set: leases held at the last tick */
  GHashTable *claims;          /* camera id -> RviLeaseClaim *, until its supervisor starts */
  GHashTable *startup_end;     /* camera id -> gint64 * (us): last recordings at start-up */
  GHashTable *releasing;       /* camera id set: stopping, to be released */
  GSource *lease_timer;        /* timers run on the context the manager was made on */
  gboolean ticking;
  gboolean tick_again;         /* a tick was asked for while one ran */
  gboolean lease_failing;      /* the last tick did not reach the database */
  gboolean started;
  gboolean refreshing;
  gboolean refresh_again;
  gboolean disk_full;
  GSource *refresh_timer;
  GSource *heartbeat_timer;
  GSource *retention_timer;
  gint jobs;                   /* database jobs in flight that point at us */
  gint stopping;               /* supervisors still stopping */
  gboolean closed;
};

/* A camera being stopped to let its lease go (or "*": all of them). */
typedef struct {
  RviCameraManager *m;
  char *camera_id;
  RviCameraSupervisor *sup;
} RviReleaseJob;

/* Runs @work on the pool; @done is always called, with m->jobs counted. */
void rvi_camera_manager_submit (RviCameraManager *m, RviDbWorkFunc work, RviDbDoneFunc done,
                                gpointer job);
/* Supervisors for the cameras this node holds, none for the others. */
void rvi_camera_manager_reconcile (RviCameraManager *m);
/* Stops camera @id's recording; with @release, lets its lease go after. */
void rvi_camera_manager_stop_camera (RviCameraManager *m, const char *id, gboolean release);

/* camera-manager-leases.c */
void rvi_camera_manager_lease_tick (RviCameraManager *m);
gboolean rvi_camera_manager_lease_cb (gpointer m);
/* rvi_camera_supervisor_stop()'s done for a RviReleaseJob (counted in m->jobs). */
void rvi_camera_manager_release_stopped (gpointer job);
/* Submits the release of every lease of the node (counted in m->jobs). */
void rvi_camera_manager_release_all (RviCameraManager *m);

/* camera-manager-figures.c: the figures of camera @id, made on first use
 * (transfer none). */
RviCameraStats *rvi_camera_manager_stats (RviCameraManager *m, const char *id);
/* Drops the figures of cameras not in m->configs (deleted). */
void rvi_camera_manager_forget_stats (RviCameraManager *m);
/* rvi_sample_recorder_set_alert_func()'s function; @m is the manager. */
void rvi_camera_manager_alert_cb (const char *camera_id, RviAlertKind kind, gboolean raised,
                                  gpointer m);

/* camera-housekeeping.c */
gboolean rvi_camera_manager_heartbeat_cb (gpointer m);
gboolean rvi_camera_manager_retention_cb (gpointer m);

G_END_DECLS
