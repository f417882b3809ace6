/* camera-probe.h: "test connection" for a camera: connect with a timeout,
 * read the video track's caps, disconnect. */
#pragma once

#include <glib.h>

#include "ingest.h"

G_BEGIN_DECLS

/* @info is NULL on failure, then @failure and @message say why. Runs on the
 * main context that called rvi_camera_probe(). */
typedef void (*RviProbeDone) (gpointer user_data, const RviStreamInfo *info,
                              RviIngestFailure failure, const char *message);

/* Starts a probe; @done is called exactly once, within @timeout_ms (plus
 * teardown). */
void rvi_camera_probe (const char *url, const char *username, const char *password,
                       RviTransport transport, guint timeout_ms, RviProbeDone done,
                       gpointer user_data);

G_END_DECLS
