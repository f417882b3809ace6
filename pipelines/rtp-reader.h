/* rtp-reader.h: the one thread that reads every native camera's RTSP
 * connection (RTP and RTCP interleaved in the TCP stream, RFC 2326 10.12).
 *
 * DESIGN. One epoll loop for all cameras instead of threads and queues per
 * camera: the loop wakes, drains every readable socket into the camera's
 * buffer with as few recv() calls as the kernel allows, splits the
 * "$ channel length" frames and hands each packet to the camera's
 * callback, then sleeps the rest of a short batch interval
 * (RVI_RTP_READER_BATCH_MS) so that the next wake finds several packets
 * per socket. Recording does not need lower latency; the cost per packet
 * is then a few hundred nanoseconds of parsing instead of a wake-up.
 * RTSP answers (to keep-alives) and requests from the camera inside the
 * stream are skipped.
 *
 * A stream's callbacks run on the reader thread only. A camera can ask to
 * pause its socket (its writer is backed up): the socket is then not read,
 * and TCP flow control holds the camera back. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RVI_RTP_READER_BATCH_MS 30

typedef struct {
  /* One interleaved packet; @now_real_us: wall clock when it was read. */
  void (*packet) (gpointer data, guint channel, const guint8 *packet, gsize size, gint64 now_real_us);
  /* Once per loop (every RVI_RTP_READER_BATCH_MS or so): keep-alives.
   * Returns TRUE to pause reading the socket for now. */
  gboolean (*tick) (gpointer data, gint64 now_mono_us);
  /* The stream left the reader: @error is NULL after rvi_rtp_reader_remove(),
   * or why the connection ended. Called exactly once; no callback follows. */
  void (*finish) (gpointer data, const char *error);
} RviRtpStreamFuncs;

/* Adds a non-blocking socket (any thread). @funcs must outlive the stream. */
void rvi_rtp_reader_add (int fd, const RviRtpStreamFuncs *funcs, gpointer data);

/* Asks the reader to let go of the stream of @data (any thread); its
 * finish callback follows on the reader thread. */
void rvi_rtp_reader_remove (gpointer data);

G_END_DECLS
