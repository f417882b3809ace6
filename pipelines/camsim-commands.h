/* camsim-commands.h: camsim's stdin command channel.
 *
 * Reads lines from stdin on the main loop without blocking it:
 *   scene all|N KIND    switch camera N (or every camera) to scene KIND
 * and answers each applied change on stdout with "camsim: camN scene KIND".
 * Errors go to stderr as "camsim: error: ...". In loop mode a scene change
 * encodes a new clip in a worker thread first; streams switch at their
 * next loop (within RVI_CAMSIM_CLIP_SECONDS), and the answer is printed
 * once the clip is in place. EOF on stdin stops reading, nothing else. */
#pragma once

#include "camsim-source.h"

G_BEGIN_DECLS

typedef struct _RviCamsimCommands RviCamsimCommands;

/* Starts reading stdin for commands on @sources (RviCamsimSource, camera
 * N at index N - 1) served in @mode. Transfer full. */
RviCamsimCommands *rvi_camsim_commands_new (GPtrArray *sources, RviCamsimMode mode);

/* Stops reading and frees; a clip being encoded is dropped when done. */
void rvi_camsim_commands_free (RviCamsimCommands *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviCamsimCommands, rvi_camsim_commands_free)

G_END_DECLS
