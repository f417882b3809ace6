/* rtp-depay-helpers.h: what the rtp-depay tests share. Builders of RTP
 * packets and payloads (a plain header, aggregation units, FU-A / FU
 * fragments, NAL units of any size), pushers that expect no error, readers
 * of the length-prefixed NAL units of an access unit, and a few small H.264
 * and H.265 NAL units. Linked into test-rtp-depay and test-rtp-depay-real. */
#pragma once

#include <glib.h>

#include "rtp-depay.h"

G_BEGIN_DECLS

/* Writes a 12-byte RTP header (version 2, payload type 96) to @out. */
void test_rtp_header (guint8 *out, guint16 seq, guint32 ts, gboolean marker);

/* Pushes @payload in a plain RTP packet; fails the test on an error.
 * Returns what rvi_rtp_depay_push () returns. */
gboolean test_push (RviRtpDepay *depay, guint16 seq, guint32 ts, gboolean marker,
                    const guint8 *payload, gsize size, RviAccessUnit *au);

/* test_push () of a payload in a byte array. */
gboolean test_push_array (RviRtpDepay *depay, guint16 seq, guint32 ts, gboolean marker,
                          GByteArray *payload, RviAccessUnit *au);

/* test_push () of a fixed-size array into an `au` in scope. */
#define PUSH(depay, seq, ts, marker, array) \
  test_push (depay, seq, ts, marker, array, sizeof (array), &au)

/* The @index-th NAL unit of @au, @size set (NULL past the end); fails the
 * test if the length prefixes do not add up. (transfer none) */
const guint8 *test_au_nal (const RviAccessUnit *au, guint index, gsize *size);

/* The number of NAL units in @au. */
guint test_au_nal_count (const RviAccessUnit *au);

/* Fails the test unless the @index-th NAL unit of @au is @expected. */
void test_assert_nal (const RviAccessUnit *au, guint index, const guint8 *expected,
                      gsize expected_size);

/* Fails the test unless @bytes is non-NULL and holds @expected. */
void test_assert_bytes (GBytes *bytes, const guint8 *expected, gsize expected_size);

/* Appends @nal behind a 16-bit size (an aggregation packet's unit). */
void test_add_sized (GByteArray *payload, const guint8 *nal, gsize size);

#define ADD_SIZED(payload, array) test_add_sized (payload, array, sizeof (array))

/* FU-A (H.264) or FU (H.265) payloads carrying @nal in pieces of @piece
 * bytes. (element-type GByteArray) (transfer full) */
GPtrArray *test_fragment (RviCodec codec, const guint8 *nal, gsize size, gsize piece);

/* A NAL unit of @size bytes starting with @header, the rest a fixed
 * pattern. (transfer full) */
guint8 *test_make_nal (const guint8 *header, gsize header_size, gsize size);

/* H.264 NAL units */
extern const guint8 h264_sps[6];
extern const guint8 h264_sps2[5];
extern const guint8 h264_pps[4];
extern const guint8 h264_idr[5];
extern const guint8 h264_slice[4];
extern const guint8 h264_aud[2];
extern const guint8 h264_sei[4];

/* H.265 NAL units */
extern const guint8 h265_vps[5];
extern const guint8 h265_sps[5];
extern const guint8 h265_pps[4];
extern const guint8 h265_idr[5];   /* IDR_W_RADL */
extern const guint8 h265_cra[4];   /* CRA */
extern const guint8 h265_trail[5]; /* TRAIL_R */
extern const guint8 h265_aud[3];
extern const guint8 h265_sei[5];

G_END_DECLS
