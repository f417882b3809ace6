/* live-webrtc-private.h: what the two halves of RviLiveWebrtc share.
 * live-webrtc.c is the viewer itself: its life, its feed side and its
 * events to the caller; live-webrtc-pipeline.c is its GStreamer pipeline
 * and the signalling with webrtcbin. */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "live-webrtc.h"

G_BEGIN_DECLS

/* appsrc's bound: past it frames are dropped to the next key frame */
#define RVI_LIVE_WEBRTC_MAX_BYTES (4u << 20)

struct _RviLiveWebrtc {
  gatomicrefcount ref;
  gint closed; /* atomic; set first by free() */
  char *camera_id;
  RviLiveFeed *feed;
  guint subscription;
  RviLiveWebrtcCallbacks cb;
  gpointer user_data;
  GMainContext *context;

  GstElement *pipeline;
  GstElement *appsrc;      /* borrowed from the pipeline */
  GstElement *webrtcbin;   /* borrowed from the pipeline */
  GWeakRef webrtcbin_weak; /* the same, for webrtcbin's and streaming threads */

  /* the feed callback's (one publisher at a time) */
  gboolean have_caps, refused, dropping;
  guint params_serial;

  /* the context's */
  gboolean offered, answered, final;
  RviLiveWebrtcState reported;
  gboolean reported_any;
  char *local_profile; /* the profile-level-id webrtcbin offered */

  GMutex lock; /* guards the fields below */
  RviLiveWebrtcStats stats;
  GPtrArray *promises; /* every GstPromise given to webrtcbin; NULL once closed */
};

typedef enum {
  RVI_LIVE_WEBRTC_EVENT_OFFER,
  RVI_LIVE_WEBRTC_EVENT_ICE,
  RVI_LIVE_WEBRTC_EVENT_STATE,
} RviLiveWebrtcEventKind;

/* live-webrtc.c */

RviLiveWebrtc *rvi_live_webrtc_ref (RviLiveWebrtc *webrtc);
void rvi_live_webrtc_unref (gpointer webrtc);

/* Queues an event for the callbacks on the context, from any thread.
 * Takes @text (the offer, the candidate or the state's detail) and
 * @profile (with the offer: the profile-level-id webrtcbin offered). */
void rvi_live_webrtc_post (RviLiveWebrtc *webrtc, RviLiveWebrtcEventKind kind, guint mline,
                           RviLiveWebrtcState state, char *text, char *profile);
void rvi_live_webrtc_post_failed (RviLiveWebrtc *webrtc, const char *detail);

/* live-webrtc-pipeline.c */

/* Builds the pipeline and sets it PLAYING. */
gboolean rvi_live_webrtc_pipeline_start (RviLiveWebrtc *webrtc, GError **error);

/* Marks @webrtc closed, interrupts its promises, stops and drops the
 * pipeline (when there is one). */
void rvi_live_webrtc_pipeline_close (RviLiveWebrtc *webrtc);

/* Hands webrtcbin the browser's answer (transfer full). */
void rvi_live_webrtc_pipeline_answer (RviLiveWebrtc *webrtc, GstSDPMessage *answer);

G_END_DECLS
