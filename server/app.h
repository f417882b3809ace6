/* app.h: RviApp, what request handlers of one server share: the
 * configuration, the database pool, the metrics and the live event feed.
 * Owned by the main loop. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "config.h"
#include "db-pool.h"

G_BEGIN_DECLS

typedef struct _RviMetrics RviMetrics;
typedef struct _RviStaticFiles RviStaticFiles;
typedef struct _RviCameraManager RviCameraManager;
typedef struct _RviCredentialBox RviCredentialBox;
typedef struct _RviSigningKey RviSigningKey;
typedef struct _RviExportRunner RviExportRunner;
typedef struct _RviEventFeed RviEventFeed;
typedef struct _RviLiveHub RviLiveHub;
typedef struct _RviLiveSessions RviLiveSessions;
typedef struct _RviFrameService RviFrameService;
typedef struct _RviLiveRelays RviLiveRelays;

typedef struct {
  const RviConfig *config;   /* transfer none: outlives the app */
  RviDbPool *pool;
  RviMetrics *metrics;
  RviStaticFiles *static_files;
  RviCredentialBox *credentials;  /* seals camera passwords */
  RviSigningKey *signing_key;     /* signs evidence packages */
  RviExportRunner *exports;       /* runs this node's evidence exports */
  RviCameraManager *cameras;   /* NULL when this node records nothing */
  RviEventFeed *events;      /* live events (GET /api/events); NULL once stopped */
  RviLiveHub *live_hub;      /* the cameras' live feeds; NULL when recording nothing */
  RviLiveSessions *live;     /* live video sockets; NULL when recording nothing or stopped */
  RviLiveRelays *live_relays;  /* live video of other nodes' cameras; NULL once stopped */
  RviFrameService *frames;   /* decodes recorded frames (frame.jpg) */
  char *node_url;            /* where other nodes reach this one (set once listening) */
  SoupSession *http_client;  /* forwards requests to other nodes (node-proxy.c); trusts
                              * tls_ca's CAs when set */
  gint64 started_at_us;      /* wall clock */
} RviApp;

G_END_DECLS
