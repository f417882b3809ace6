/* camsim.h: `rvi camsim`, simulated railyard cameras over real RTSP.
 *
 * Serves cameras at rtsp://HOST:PORT/cam1..camN (see camsim-settings.h for
 * the flags, camsim-source.h for the media, camsim-scene.h for the
 * picture). Protocol with whoever started it:
 *   stdout  exactly one line once serving,
 *           "camsim: serving rtsp://HOST:PORT/cam1 .. rtsp://HOST:PORT/camN"
 *           with the real port, then one line per applied command,
 *           "camsim: camN scene KIND"
 *   stdin   commands, one per line: "scene all|N KIND"; EOF is ignored
 *   stderr  logs and error messages
 *   exit    0 after SIGINT or SIGTERM, 1 when serving fails, 2 on bad flags */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parses camsim's flags (@argv[0] is "camsim"), serves the cameras until
 * SIGINT or SIGTERM and returns the process exit status. */
int rvi_camsim_main (int argc, char **argv);

G_END_DECLS
