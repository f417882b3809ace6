/* camsim.h: `rvi camsim`, simulated railyard cameras over real RTSP. */
#pragma once

G_BEGIN_DECLS

/* Parses camsim's flags (@argv[0] is "camsim"), serves the cameras until
 * SIGINT or SIGTERM and returns the process exit status. */
int rvi_camsim_main (int argc, char **argv);

G_END_DECLS
