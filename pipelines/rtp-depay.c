/* rtp-depay.c: RTP payloads of H.264 and H.265 to access units (see
 * rtp-depay.h).
 *
 * DESIGN. A push runs in three steps. The RTP header is bounds-checked; a bad
 * one skips the packet without touching any state. The sequence number is
 * tracked as in RFC 3550 A.1: a jump forward below MAX_DROPOUT is a loss, a
 * packet up to MAX_MISORDER behind is late or a duplicate and is skipped,
 * anything else (or a new SSRC) is a discontinuity (damage, not counted as
 * lost). Then the timestamp: a new one completes the access unit in progress,
 * and the payload's NAL units are appended to it, each behind a 4-byte length.
 *
 * A fragmented NAL unit is reassembled in place: the start fragment appends
 * its length prefix and rebuilt NAL header, later fragments their bytes, and
 * the end fragment patches the length. Losing a fragment truncates the buffer
 * back to where that NAL unit began. Every completed NAL unit is looked at
 * once (finish_nal): key types, parameter sets, delimiters (dropped).
 *
 * Two buffers: building, and done (what the last push returned). A completed
 * access unit swaps them, so the caller's view stays valid until the next push
 * and neither buffer is reallocated once it is big enough. A packet that
 * completes two access units (the previous one by its new timestamp, its own
 * by its marker) leaves the second one held in building, for
 * rvi_rtp_depay_pop() or else for the next push.
 *
 * Packets of payload-level trouble (unsupported or malformed) are counted and
 * their content is treated as lost: the access unit is marked damaged. */
#define G_LOG_DOMAIN "rvi-depay"

#include "rtp-depay.h"

#include <string.h>

#include "rvi-error.h"

#define RTP_HEADER_SIZE 12
#define MAX_PACKET 65536 /* no RTP packet over UDP or interleaved TCP is larger */
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100

typedef enum {
  PAYLOAD_OK,
  PAYLOAD_MALFORMED,
  PAYLOAD_OVERSIZE,
} PayloadResult;

typedef struct {
  gboolean marker;
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
  const guint8 *payload;
  gsize payload_size;
} RtpPacket;

struct _RviRtpDepay {
  RviCodec codec;
  GByteArray *building;
  GByteArray *done;

  /* the access unit in building */
  gboolean open;   /* in progress; timestamp is valid */
  gboolean held;   /* complete, not returned yet */
  gboolean popped; /* complete, returned by pop(); cleared by the next push */
  guint32 timestamp;
  gboolean key;
  gboolean damaged;
  gboolean params_changed;

  /* the fragmented NAL unit in progress: its length prefix is at building[fu_start] */
  gboolean in_fu;
  gsize fu_start;

  /* after an oversize access unit, the rest of its packets are skipped */
  gboolean skipping;
  guint32 skip_timestamp;

  gboolean have_seq;
  guint16 seq;
  guint32 ssrc;

  GBytes *vps;
  GBytes *sps;
  GBytes *pps;
  guint64 malformed;
  guint64 lost;
};

static gsize
nal_header_size (RviRtpDepay *depay)
{
  return depay->codec == RVI_CODEC_H264 ? 1 : 2;
}

static guint
nal_type (RviRtpDepay *depay, const guint8 *nal)
{
  return depay->codec == RVI_CODEC_H264 ? nal[0] & 0x1f : (nal[0] >> 1) & 0x3f;
}

/* Whether a NAL unit of @type may stand alone (single NAL unit packet, or
 * inside an aggregation or fragmentation unit). */
static gboolean
nal_type_is_plain (RviRtpDepay *depay, guint type)
{
  return depay->codec == RVI_CODEC_H264 ? type >= 1 && type <= 23 : type <= 47;
}

/* Where a parameter set of @type is kept, or NULL for other NAL units. */
static GBytes **
param_slot (RviRtpDepay *depay, guint type)
{
  if (depay->codec == RVI_CODEC_H264)
    return type == 7 ? &depay->sps : type == 8 ? &depay->pps : NULL;
  return type == 32 ? &depay->vps : type == 33 ? &depay->sps : type == 34 ? &depay->pps : NULL;
}

/* Keeps @nal when it is a parameter set differing from the one kept. TRUE
 * when it replaced (or was the first of) its kind. */
static gboolean
keep_param (RviRtpDepay *depay, const guint8 *nal, gsize size)
{
  GBytes **slot = param_slot (depay, nal_type (depay, nal));
  gsize kept_size = 0;
  const guint8 *kept;

  if (slot == NULL)
    return FALSE;
  if (*slot != NULL) {
    kept = g_bytes_get_data (*slot, &kept_size);
    if (kept_size == size && memcmp (kept, nal, size) == 0)
      return FALSE;
    g_bytes_unref (*slot);
  }
  *slot = g_bytes_new (nal, size);
  return TRUE;
}

static gboolean
rtp_parse (RtpPacket *rtp, const guint8 *p, gsize size)
{
  gsize header, padding = 0;

  if (size < RTP_HEADER_SIZE || size > MAX_PACKET || (p[0] >> 6) != 2)
    return FALSE;
  header = RTP_HEADER_SIZE + 4 * (gsize) (p[0] & 0x0f);
  if (header > size)
    return FALSE;
  if (p[0] & 0x10) {
    if (size - header < 4)
      return FALSE;
    header += 4 + 4 * (gsize) ((p[header + 2] << 8) | p[header + 3]);
    if (header > size)
      return FALSE;
  }
  if (p[0] & 0x20) {
    padding = p[size - 1];
    if (padding == 0 || padding > size - header)
      return FALSE;
  }
  rtp->marker = (p[1] & 0x80) != 0;
  rtp->seq = (guint16) ((p[2] << 8) | p[3]);
  rtp->timestamp = ((guint32) p[4] << 24) | ((guint32) p[5] << 16) | ((guint32) p[6] << 8) | p[7];
  rtp->ssrc = ((guint32) p[8] << 24) | ((guint32) p[9] << 16) | ((guint32) p[10] << 8) | p[11];
  rtp->payload = p + header;
  rtp->payload_size = size - header - padding;
  return TRUE;
}

/* FALSE for a late or duplicate packet (to be skipped). Sets @gap when the
 * stream lost packets or jumped. */
static gboolean
track_sequence (RviRtpDepay *depay, const RtpPacket *rtp, gboolean *gap)
{
  guint16 ahead = (guint16) (rtp->seq - (guint16) (depay->seq + 1));
  guint16 behind = (guint16) ((guint16) (depay->seq + 1) - rtp->seq);

  *gap = FALSE;
  if (!depay->have_seq || rtp->ssrc != depay->ssrc) {
    *gap = depay->have_seq;
  } else if (ahead == 0) {
    /* in order */
  } else if (ahead < MAX_DROPOUT) {
    depay->lost += ahead;
    *gap = TRUE;
  } else if (behind <= MAX_MISORDER) {
    return FALSE;
  } else {
    *gap = TRUE;
  }
  depay->have_seq = TRUE;
  depay->seq = rtp->seq;
  depay->ssrc = rtp->ssrc;
  return TRUE;
}

static gboolean
append (RviRtpDepay *depay, const guint8 *data, gsize size)
{
  if (size > RVI_RTP_DEPAY_MAX_AU - depay->building->len)
    return FALSE;
  g_byte_array_append (depay->building, data, (guint) size);
  return TRUE;
}

/* Drops the fragmented NAL unit in progress, if any: part of it was lost. */
static void
drop_fragment (RviRtpDepay *depay)
{
  if (!depay->in_fu)
    return;
  g_byte_array_set_size (depay->building, (guint) depay->fu_start);
  depay->in_fu = FALSE;
  depay->damaged = TRUE;
}

/* The NAL unit from building[start] to the end is complete: writes its
 * length and looks at its type. */
static void
finish_nal (RviRtpDepay *depay, gsize start)
{
  guint8 *prefix = depay->building->data + start;
  guint8 *nal = prefix + 4;
  gsize size = depay->building->len - start - 4;
  guint type = nal_type (depay, nal);

  if ((depay->codec == RVI_CODEC_H264 && type == 9) ||
      (depay->codec == RVI_CODEC_H265 && type == 35)) {
    g_byte_array_set_size (depay->building, (guint) start); /* access unit delimiter */
    return;
  }
  prefix[0] = (guint8) (size >> 24);
  prefix[1] = (guint8) (size >> 16);
  prefix[2] = (guint8) (size >> 8);
  prefix[3] = (guint8) size;
  if (depay->codec == RVI_CODEC_H264 ? type == 5 : type >= 16 && type <= 21)
    depay->key = TRUE;
  if (keep_param (depay, nal, size))
    depay->params_changed = TRUE;
}

static PayloadResult
push_nal (RviRtpDepay *depay, const guint8 *nal, gsize size)
{
  static const guint8 prefix[4];
  gsize start = depay->building->len;

  if (!append (depay, prefix, 4) || !append (depay, nal, size))
    return PAYLOAD_OVERSIZE;
  finish_nal (depay, start);
  return PAYLOAD_OK;
}

/* An aggregation packet's NAL units (after its payload header), each behind
 * a 16-bit size. All are checked before any is taken. */
static PayloadResult
push_aggregate (RviRtpDepay *depay, const guint8 *p, gsize size)
{
  gsize pos = 0, n;

  if (size == 0)
    return PAYLOAD_MALFORMED;
  while (pos < size) {
    if (size - pos < 2)
      return PAYLOAD_MALFORMED;
    n = (gsize) ((p[pos] << 8) | p[pos + 1]);
    pos += 2;
    if (n < nal_header_size (depay) || n > size - pos ||
        !nal_type_is_plain (depay, nal_type (depay, p + pos)))
      return PAYLOAD_MALFORMED;
    pos += n;
  }
  for (pos = 0; pos < size; pos += n) {
    n = (gsize) ((p[pos] << 8) | p[pos + 1]);
    pos += 2;
    if (push_nal (depay, p + pos, n) != PAYLOAD_OK)
      return PAYLOAD_OVERSIZE;
  }
  return PAYLOAD_OK;
}

/* A fragmentation unit: @header is the NAL header rebuilt from the FU
 * headers, @data the fragment (at least one byte). */
static PayloadResult
push_fragment (RviRtpDepay *depay, gboolean start, gboolean end, const guint8 *header,
               const guint8 *data, gsize size)
{
  static const guint8 prefix[4];
  gsize header_size = nal_header_size (depay);

  if (!nal_type_is_plain (depay, nal_type (depay, header)))
    return PAYLOAD_MALFORMED;
  if (start) {
    drop_fragment (depay); /* an unfinished one: its end was lost */
    depay->fu_start = depay->building->len;
    depay->in_fu = TRUE;
    if (!append (depay, prefix, 4) || !append (depay, header, header_size))
      return PAYLOAD_OVERSIZE;
  } else if (!depay->in_fu) {
    depay->damaged = TRUE; /* its start was lost */
    return PAYLOAD_OK;
  } else if (memcmp (depay->building->data + depay->fu_start + 4, header, header_size) != 0) {
    return PAYLOAD_MALFORMED;
  }
  if (!append (depay, data, size))
    return PAYLOAD_OVERSIZE;
  if (end) {
    depay->in_fu = FALSE;
    finish_nal (depay, depay->fu_start);
  }
  return PAYLOAD_OK;
}

/* RFC 6184: single NAL unit (1-23), STAP-A (24), FU-A (28). */
static PayloadResult
push_h264 (RviRtpDepay *depay, const guint8 *p, gsize size)
{
  guint type;
  guint8 header;

  if (size < 1)
    return PAYLOAD_MALFORMED;
  type = p[0] & 0x1f;
  if (nal_type_is_plain (depay, type))
    return push_nal (depay, p, size);
  if (type == 24)
    return push_aggregate (depay, p + 1, size - 1);
  if (type == 28 && size > 2) {
    header = (guint8) ((p[0] & 0xe0) | (p[1] & 0x1f));
    return push_fragment (depay, p[1] & 0x80, p[1] & 0x40, &header, p + 2, size - 2);
  }
  return PAYLOAD_MALFORMED; /* STAP-B, MTAP, FU-B, reserved, or an empty FU */
}

/* RFC 7798: single NAL unit (0-47), AP (48), FU (49); no DONL. */
static PayloadResult
push_h265 (RviRtpDepay *depay, const guint8 *p, gsize size)
{
  guint type;
  guint8 header[2];

  if (size < 2)
    return PAYLOAD_MALFORMED;
  type = nal_type (depay, p);
  if (nal_type_is_plain (depay, type))
    return push_nal (depay, p, size);
  if (type == 48)
    return push_aggregate (depay, p + 2, size - 2);
  if (type == 49 && size > 3) {
    header[0] = (guint8) ((p[0] & 0x81) | ((p[2] & 0x3f) << 1));
    header[1] = p[1];
    return push_fragment (depay, p[2] & 0x80, p[2] & 0x40, header, p + 3, size - 3);
  }
  return PAYLOAD_MALFORMED; /* PACI, reserved, or an empty FU */
}

static void
fill_au (RviRtpDepay *depay, GByteArray *buffer, RviAccessUnit *au)
{
  au->data = buffer->data;
  au->size = buffer->len;
  au->rtp_timestamp = depay->timestamp;
  au->key = depay->key;
  au->damaged = depay->damaged;
  au->params_changed = depay->params_changed;
}

/* Returns the complete access unit in building through @au: building
 * becomes done. */
static void
hand_over (RviRtpDepay *depay, RviAccessUnit *au)
{
  GByteArray *tmp = depay->done;

  depay->done = depay->building;
  depay->building = tmp;
  g_byte_array_set_size (depay->building, 0);
  fill_au (depay, depay->done, au);
}

/* Ends the access unit in building. It goes out through @au unless this push
 * returned one already (@returned): then it is held. An empty one is
 * dropped. */
static void
complete_au (RviRtpDepay *depay, RviAccessUnit *au, gboolean *returned)
{
  drop_fragment (depay);
  depay->open = FALSE;
  if (depay->building->len == 0)
    return;
  if (*returned) {
    depay->held = TRUE;
  } else {
    hand_over (depay, au);
    *returned = TRUE;
  }
}

static void
start_au (RviRtpDepay *depay, guint32 timestamp, gboolean damaged)
{
  depay->open = TRUE;
  depay->timestamp = timestamp;
  depay->key = FALSE;
  depay->damaged = damaged;
  depay->params_changed = FALSE;
}

RviRtpDepay *
rvi_rtp_depay_new (RviCodec codec)
{
  RviRtpDepay *depay;

  g_return_val_if_fail (codec == RVI_CODEC_H264 || codec == RVI_CODEC_H265, NULL);
  depay = g_new0 (RviRtpDepay, 1);
  depay->codec = codec;
  depay->building = g_byte_array_sized_new (256 * 1024);
  depay->done = g_byte_array_sized_new (256 * 1024);
  return depay;
}

void
rvi_rtp_depay_free (RviRtpDepay *depay)
{
  if (depay == NULL)
    return;
  g_byte_array_unref (depay->building);
  g_byte_array_unref (depay->done);
  g_clear_pointer (&depay->vps, g_bytes_unref);
  g_clear_pointer (&depay->sps, g_bytes_unref);
  g_clear_pointer (&depay->pps, g_bytes_unref);
  g_free (depay);
}

gboolean
rvi_rtp_depay_push (RviRtpDepay *depay, const guint8 *packet, gsize size, RviAccessUnit *au,
                    GError **error)
{
  RtpPacket rtp;
  gboolean returned = FALSE, gap;
  PayloadResult result;

  g_return_val_if_fail (depay != NULL && au != NULL, FALSE);
  g_return_val_if_fail (packet != NULL || size == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (depay->popped) {
    g_byte_array_set_size (depay->building, 0);
    depay->popped = FALSE;
  } else if (depay->held) {
    depay->held = FALSE;
    hand_over (depay, au);
    returned = TRUE;
  }

  if (!rtp_parse (&rtp, packet, size)) {
    depay->malformed++;
    return returned;
  }
  if (!track_sequence (depay, &rtp, &gap))
    return returned;
  if (gap && depay->open) {
    drop_fragment (depay);
    depay->damaged = TRUE;
  }
  if (depay->skipping) {
    if (rtp.timestamp == depay->skip_timestamp) {
      depay->skipping = !rtp.marker;
      return returned;
    }
    depay->skipping = FALSE;
  }

  if (depay->open && rtp.timestamp != depay->timestamp)
    complete_au (depay, au, &returned);
  if (!depay->open)
    start_au (depay, rtp.timestamp, gap);

  if (depay->codec == RVI_CODEC_H264)
    result = push_h264 (depay, rtp.payload, rtp.payload_size);
  else
    result = push_h265 (depay, rtp.payload, rtp.payload_size);
  if (result == PAYLOAD_MALFORMED) {
    depay->malformed++;
    drop_fragment (depay);
    depay->damaged = TRUE;
  } else if (result == PAYLOAD_OVERSIZE) {
    /* A fresh access unit holds one packet at most, so this one returned nothing. */
    g_byte_array_set_size (depay->building, 0);
    depay->open = FALSE;
    depay->in_fu = FALSE;
    depay->skipping = !rtp.marker;
    depay->skip_timestamp = rtp.timestamp;
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "access unit larger than %d bytes", RVI_RTP_DEPAY_MAX_AU);
    return FALSE;
  }

  if (rtp.marker)
    complete_au (depay, au, &returned);
  return returned;
}

gboolean
rvi_rtp_depay_pop (RviRtpDepay *depay, RviAccessUnit *au)
{
  g_return_val_if_fail (depay != NULL && au != NULL, FALSE);

  if (!depay->held)
    return FALSE;
  depay->held = FALSE;
  depay->popped = TRUE;
  fill_au (depay, depay->building, au);
  return TRUE;
}

/* Standard base64 with its alphabet checked (g_base64_decode() skips what
 * it does not know); padding may be left out. NULL when invalid or empty.
 * (transfer full) */
static guint8 *
base64_decode (const char *text, gsize *size)
{
  gsize length = strlen (text), padding = 0, data;
  g_autofree char *padded = NULL;
  guint8 *decoded;

  for (gsize i = 0; i < length; i++) {
    if (text[i] == '=')
      padding++;
    else if (padding > 0 || !(g_ascii_isalnum (text[i]) || text[i] == '+' || text[i] == '/'))
      return NULL;
  }
  data = length - padding;
  if (data % 4 == 1 || padding > 2 || (padding > 0 && length % 4 != 0) || data == 0)
    return NULL;
  padded = g_strnfill (data + (4 - data % 4) % 4, '=');
  memcpy (padded, text, data);
  decoded = g_base64_decode (padded, size);
  if (*size == 0)
    g_clear_pointer (&decoded, g_free);
  return decoded;
}

/* A comma-separated list of base64 NAL units; parameter sets are kept. */
static void
read_sprop (RviRtpDepay *depay, const char *value)
{
  g_auto (GStrv) units = g_strsplit (value, ",", -1);

  for (guint i = 0; units[i] != NULL; i++) {
    g_autofree guint8 *nal = NULL;
    gsize size = 0;

    nal = base64_decode (g_strstrip (units[i]), &size);
    if (nal != NULL && size >= nal_header_size (depay))
      keep_param (depay, nal, size);
  }
}

void
rvi_rtp_depay_set_fmtp (RviRtpDepay *depay, const char *fmtp)
{
  g_auto (GStrv) params = NULL;

  g_return_if_fail (depay != NULL);

  if (fmtp == NULL)
    return;
  params = g_strsplit (fmtp, ";", -1);
  for (guint i = 0; params[i] != NULL; i++) {
    char *key = params[i], *value = strchr (params[i], '=');

    if (value == NULL)
      continue;
    *value++ = '\0';
    g_strstrip (key);
    if (depay->codec == RVI_CODEC_H264 ? g_ascii_strcasecmp (key, "sprop-parameter-sets") == 0
                                       : (g_ascii_strcasecmp (key, "sprop-vps") == 0 ||
                                          g_ascii_strcasecmp (key, "sprop-sps") == 0 ||
                                          g_ascii_strcasecmp (key, "sprop-pps") == 0))
      read_sprop (depay, value);
  }
}

GBytes *
rvi_rtp_depay_get_vps (RviRtpDepay *depay)
{
  g_return_val_if_fail (depay != NULL, NULL);
  return depay->vps;
}

GBytes *
rvi_rtp_depay_get_sps (RviRtpDepay *depay)
{
  g_return_val_if_fail (depay != NULL, NULL);
  return depay->sps;
}

GBytes *
rvi_rtp_depay_get_pps (RviRtpDepay *depay)
{
  g_return_val_if_fail (depay != NULL, NULL);
  return depay->pps;
}

guint64
rvi_rtp_depay_get_malformed (RviRtpDepay *depay)
{
  g_return_val_if_fail (depay != NULL, 0);
  return depay->malformed;
}

guint64
rvi_rtp_depay_get_lost (RviRtpDepay *depay)
{
  g_return_val_if_fail (depay != NULL, 0);
  return depay->lost;
}
