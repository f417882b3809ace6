/* http-stream.h: an answer body passed on from a GInputStream as it is
 * read (a recording another node holds, however large).
 *
 * DESIGN. The status and headers are written first; then one chunk at a
 * time is read from the stream and handed to libsoup, and the next is read
 * only once libsoup has written it ("wrote-chunk"), so a slow client holds
 * at most one chunk in memory, never the whole body. When the client goes
 * away the read is cancelled. A stream that fails half-way cannot change
 * the status any more: the connection is shut, so the client sees a short
 * body rather than a complete-looking one. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define RVI_HTTP_STREAM_CHUNK (256 * 1024)

/* Starts passing @in on as the body of @msg (whose status and headers are
 * set; it may be paused). @length: the body's length, or -1 when unknown
 * (chunked). @keep: an object kept alive until the end (the upstream
 * message), may be NULL. */
void rvi_http_stream_start (SoupServerMessage *msg, GInputStream *in, goffset length,
                            GObject *keep);

G_END_DECLS
