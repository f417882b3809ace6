/* rtp-depay.h: RTP payloads of H.264 (RFC 6184) and H.265 (RFC 7798) to
 * access units, for the native recorder. Handles single NAL unit packets,
 * STAP-A / aggregation packets and FU-A / fragmentation units (not the
 * interleaved modes: MTAP, FU-B, DONL; PACI packets are dropped). An access
 * unit ends at the RTP marker bit or when the timestamp changes. A gap in
 * sequence numbers drops the NAL unit being reassembled and flags the
 * access unit as damaged.
 *
 * Output NAL units carry a 4-byte big-endian length each (the MP4 sample
 * format); access unit delimiters are dropped, parameter sets and SEI
 * stay. The latest VPS/SPS/PPS seen (in band, or from the SDP's
 * sprop-* parameters) are kept for the sample entry.
 *
 * Memory: two reusable buffers (the access unit being built and the one
 * returned); nothing is allocated per packet once they have grown. An
 * access unit larger than RVI_RTP_DEPAY_MAX_AU bytes is an error. */
#pragma once

#include <glib.h>

#include "video-params.h"

G_BEGIN_DECLS

#define RVI_RTP_DEPAY_MAX_AU (16 * 1024 * 1024)

typedef struct {
  const guint8 *data;   /* length-prefixed NAL units; valid until the next push */
  gsize size;
  guint32 rtp_timestamp;
  gboolean key;         /* holds an IDR (H.264) or IRAP (H.265) slice */
  gboolean damaged;     /* packets were lost while it was built */
  gboolean params_changed; /* a parameter set differing from the one kept (or the first of
                           * its kind) arrived in band: the rvi_rtp_depay_get_*() changed */
} RviAccessUnit;

typedef struct _RviRtpDepay RviRtpDepay;

RviRtpDepay *rvi_rtp_depay_new (RviCodec codec);
void rvi_rtp_depay_free (RviRtpDepay *depay);

/* Reads parameter sets from an SDP fmtp attribute value (for example
 * "packetization-mode=1;profile-level-id=64001f;sprop-parameter-sets=Z2Q...,aO4...",
 * or sprop-vps/sprop-sps/sprop-pps for H.265). Unknown keys are ignored;
 * bad base64 is ignored too (the in-band sets will do). */
void rvi_rtp_depay_set_fmtp (RviRtpDepay *depay, const char *fmtp);

/* Feeds one RTP packet (header included). Returns TRUE when an access unit
 * was completed (by this packet's marker bit, or because this packet starts
 * a new timestamp) and fills @au; the packet itself is always consumed.
 * Malformed packets (short header, bad padding or extension length,
 * unknown NAL types in an aggregate) are counted and skipped. FALSE with
 * @error only when an access unit exceeds RVI_RTP_DEPAY_MAX_AU: that access
 * unit is dropped (with the rest of its packets) and the next one starts
 * cleanly. Late and duplicate packets are skipped.
 *
 * When one packet completes two access units (a new timestamp after a lost
 * marker, and its own marker), the first goes out in @au and the second is
 * held: rvi_rtp_depay_pop() returns it, or else the next push does. */
gboolean rvi_rtp_depay_push (RviRtpDepay *depay, const guint8 *packet, gsize size, RviAccessUnit *au,
                             GError **error);

/* The access unit held by the last push, if any (see above); its data stays
 * valid, like the one the push returned, until the next push. */
gboolean rvi_rtp_depay_pop (RviRtpDepay *depay, RviAccessUnit *au);

/* The latest parameter sets (transfer none; NULL when not seen yet). */
GBytes *rvi_rtp_depay_get_vps (RviRtpDepay *depay);
GBytes *rvi_rtp_depay_get_sps (RviRtpDepay *depay);
GBytes *rvi_rtp_depay_get_pps (RviRtpDepay *depay);

/* Packets skipped as malformed (or unsupported), and packets lost (the sum
 * of the sequence gaps seen). */
guint64 rvi_rtp_depay_get_malformed (RviRtpDepay *depay);
guint64 rvi_rtp_depay_get_lost (RviRtpDepay *depay);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviRtpDepay, rvi_rtp_depay_free)

G_END_DECLS
