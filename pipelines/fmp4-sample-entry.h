/* fmp4-sample-entry.h: the visual sample entry of the fMP4 writer's video
 * track (the one entry of stsd): avc1 with its avcC, or hvc1 with its hvcC
 * (ISO/IEC 14496-15 5.3.3 and 8.3.3), built from RviVideoParams. */
#pragma once

#include <glib.h>

#include "video-params.h"

G_BEGIN_DECLS

/* Appends the sample entry box for @params to @out. FALSE with @error
 * (RVI_ERROR_INVALID_INPUT), and @out untouched, when @params cannot be
 * described (no parameter sets, one larger than 64 KiB). */
gboolean rvi_fmp4_sample_entry_write (GByteArray *out, const RviVideoParams *params,
                                      GError **error);

G_END_DECLS
