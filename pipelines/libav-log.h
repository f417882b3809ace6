/* libav-log.h: FFmpeg's log messages into GLib's structured log (domain
 * "rvi-libav", debug level), instead of stderr. FFmpeg reports every
 * damaged slice and deprecated call it sees; the sampler reports its own
 * failures with the camera id, so FFmpeg's lines are detail for debugging. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Installs the log callback once (any thread; idempotent). */
void rvi_libav_log_init (void);

G_END_DECLS
