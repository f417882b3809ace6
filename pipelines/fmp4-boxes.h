/* fmp4-boxes.h: parsing the two kinds of ISO-BMFF boxes a fragmented MP4
 * segment needs to be indexed: the init segment's moov (track timescale,
 * codec, size, trex defaults) and each fragment's moof (base decode time,
 * sample durations, first sample's sync flag). Works on a box already read
 * into memory; every length is checked against the buffer, so a hostile or
 * truncated box is an error, never a read out of bounds. Private to
 * fmp4-index.c and its tests. */
#pragma once

#include <glib.h>

#include "rvi-error.h"

G_BEGIN_DECLS

typedef struct {
  guint32 track_id;
  guint32 timescale;
  guint32 default_duration;  /* trex */
  guint32 default_flags;     /* trex */
  char sample_entry[5];      /* "avc1", "avc3", "hvc1", "hev1" */
  char *codec;               /* "h264" or "h265" (transfer full) */
  char *codec_string;        /* RFC 6381 (transfer full) */
  int width;
  int height;
} RviFmp4Track;

void rvi_fmp4_track_clear (RviFmp4Track *track);

/* Reads the video track of the moov box body (@data, @size: without the
 * 8-byte header). FALSE with @error when there is no H.264/H.265 track. */
gboolean rvi_fmp4_parse_moov (const guint8 *data, gsize size, RviFmp4Track *track,
                              GError **error);

typedef struct {
  guint64 base_decode_time;  /* tfdt, in track timescale */
  guint64 duration;          /* sum of sample durations, track timescale */
  guint32 samples;
  gboolean key;              /* the first sample is a sync sample */
} RviFmp4Run;

/* Reads the video track's run of the moof box body. FALSE with @error when
 * the moof is malformed or lacks the track. */
gboolean rvi_fmp4_parse_moof (const guint8 *data, gsize size, const RviFmp4Track *track,
                              RviFmp4Run *run, GError **error);

G_END_DECLS
