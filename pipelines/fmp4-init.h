/* fmp4-init.h: the init segment (ftyp + moov) of the fragmented MP4 files
 * the native recorder writes: one video track, avc1/avcC or hvc1/hvcC, no
 * samples in the moov, mvex/trex announcing fragments. */
#pragma once

#include <glib.h>

#include "video-params.h"

G_BEGIN_DECLS

#define RVI_FMP4_TRACK_ID 1
#define RVI_FMP4_TIMESCALE 90000

/* Appends ftyp + moov for @params to @out. FALSE with @error
 * (RVI_ERROR_INVALID_INPUT), and @out as it was, when @params cannot be
 * described in a sample entry. */
gboolean rvi_fmp4_init_write (GByteArray *out, const RviVideoParams *params, GError **error);

G_END_DECLS
