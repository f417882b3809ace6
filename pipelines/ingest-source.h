/* ingest-source.h: the camera end of a pipeline, shared by RviIngest and
 * the camera probe: rtspsrc, then, once the camera's video pad appears,
 * depay ! parse ! capsfilter (avc / hvc1, alignment au) linked to a
 * downstream element the owner chose. Private to pipelines/.
 *
 * THREADS. rvi_ingest_source_new() and rvi_ingest_source_classify() run on
 * the owner's main context. rtspsrc's signals (select-stream, pad-added,
 * new-manager) run on its own threads and only touch the atomics below and
 * the pipeline (adding and linking elements is thread-safe). */
#pragma once

#include <gst/gst.h>
#include <stdatomic.h>

#include "ingest.h"

G_BEGIN_DECLS

typedef enum {
  RVI_SOURCE_CODEC_NONE = 0,
  RVI_SOURCE_CODEC_H264,
  RVI_SOURCE_CODEC_H265,
} RviSourceCodec;

typedef struct {
  /* set by the owner before rvi_ingest_source_new(), read-only after */
  const char *camera_id;
  GstElement *pipeline;      /* depay and parse are added here */
  GstElement *downstream;    /* the capsfilter links to its "sink" pad */
  GstPadProbeCallback probe; /* buffer probe on the capsfilter's src pad */
  gpointer probe_data;
  GstElement *element;       /* the rtspsrc, set by rvi_ingest_source_new() */
  /* written by rtspsrc's threads */
  atomic_int codec;          /* RviSourceCodec of the selected video stream */
  atomic_int streams;        /* streams the camera offered */
  atomic_int unsupported;    /* video streams refused for their codec */
  atomic_int linked;         /* the video pad is linked downstream */
} RviIngestSource;

/* Creates and configures rtspsrc for @url with @transport (TCP or UDP;
 * AUTO is the caller's business) and adds it to source->pipeline. The
 * credentials go to rtspsrc's user-id/user-pw, never into the URL.
 * @timeout_ms bounds the TCP connect and the wait for UDP data. Transfer
 * none (the pipeline owns it); NULL with @error when rtspsrc is missing. */
GstElement *rvi_ingest_source_new (RviIngestSource *source, const char *url, const char *username,
                                   const char *password, RviTransport transport, guint timeout_ms,
                                   GError **error);

/* Maps an ERROR message of the pipeline to a failure; @message (transfer
 * full) is short, lower case and free of credentials. */
RviIngestFailure rvi_ingest_source_classify (RviIngestSource *source, GstMessage *error_message,
                                             char **message);

/* TRUE when @error_message says the camera refused the transport (RTSP 461
 * or no protocol left), so AUTO mode should retry with UDP. */
gboolean rvi_ingest_source_transport_refused (RviIngestSource *source, GstMessage *error_message);

/* Fills @info's codec, codec_string, width, height and fps from the
 * caps of the capsfilter's src pad (avc/hvc1). FALSE when not negotiated. */
gboolean rvi_ingest_source_read_caps (GstCaps *caps, RviStreamInfo *info);

/* TRUE for rtsp:// and rtsps:// URLs (case-insensitive scheme). */
gboolean rvi_ingest_url_allowed (const char *url);

G_END_DECLS
