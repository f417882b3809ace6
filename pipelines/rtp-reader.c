/* rtp-reader.c: the reader thread of the native cameras (see rtp-reader.h).
 *
 * Commands (add, remove) reach the thread through a locked queue and an
 * eventfd. Each stream owns a fixed receive buffer of RVI_RTP_READ_BUFFER
 * bytes, allocated once: an interleaved frame is at most 4 + 65535 bytes,
 * so a whole frame always fits, and what is left of a partial frame is
 * moved to the front after each parse. */
#define G_LOG_DOMAIN "rvi-ingest"

#include "rtp-reader.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define RVI_RTP_READ_BUFFER (128 * 1024)
#define RVI_RTP_MAX_EVENTS 64
#define RVI_RTSP_MAX_HEADER 8192

typedef struct {
  int fd;
  const RviRtpStreamFuncs *funcs;
  gpointer data;
  guint8 *buffer;
  gsize len;
  gboolean paused;
} RviRtpStream;

typedef struct {
  gboolean add;
  RviRtpStream *stream;  /* add */
  gpointer data;         /* remove */
} RviRtpCommand;

static struct {
  GMutex lock;
  GQueue commands;
  GThread *thread;
  int epoll_fd;
  int wake_fd;
  GPtrArray *streams;   /* reader thread only */
} reader;

static void
stream_free (RviRtpStream *stream)
{
  g_free (stream->buffer);
  g_free (stream);
}

static void
stream_finish (RviRtpStream *stream, const char *error)
{
  epoll_ctl (reader.epoll_fd, EPOLL_CTL_DEL, stream->fd, NULL);
  g_ptr_array_remove_fast (reader.streams, stream);
  stream->funcs->finish (stream->data, error);
  stream_free (stream);
}

/* Skips an RTSP message (a keep-alive answer, or a request from the
 * camera) at @p; returns its length, 0 when incomplete, -1 when it is not
 * one. */
static gssize
rtsp_message_length (const guint8 *p, gsize available)
{
  gsize limit = MIN (available, RVI_RTSP_MAX_HEADER);
  const char *text = (const char *) p;
  gsize header = 0, body = 0;

  for (gsize i = 0; i + 3 < limit; i++)
    if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
      header = i + 4;
      break;
    }
  if (header == 0)
    return available >= RVI_RTSP_MAX_HEADER ? -1 : 0;
  for (gsize i = 0; i + 15 < header; i++)
    if ((text[i] == '\n') && g_ascii_strncasecmp (text + i + 1, "content-length:", 15) == 0) {
      body = (gsize) g_ascii_strtoull (text + i + 16, NULL, 10);
      break;
    }
  if (body > 65536)
    return -1;
  return header + body <= available ? (gssize) (header + body) : 0;
}

static void
stream_parse (RviRtpStream *stream, gint64 now_real)
{
  guint8 *p = stream->buffer;
  gsize off = 0, len = stream->len;

  while (len - off >= 4) {
    if (p[off] == '$') {
      gsize size = ((gsize) p[off + 2] << 8) | p[off + 3];

      if (len - off < 4 + size)
        break;
      stream->funcs->packet (stream->data, p[off + 1], p + off + 4, size, now_real);
      off += 4 + size;
    } else if (g_ascii_isupper (p[off])) {
      gssize skip = rtsp_message_length (p + off, len - off);

      if (skip == 0)
        break;
      off += skip > 0 ? (gsize) skip : 1;
    } else {
      off++;  /* garbage between frames: resynchronize on the next '$' */
    }
  }
  if (off > 0) {
    memmove (p, p + off, len - off);
    stream->len = len - off;
  }
}

/* Drains the socket; FALSE when the stream ended (and was finished). */
static gboolean
stream_read (RviRtpStream *stream)
{
  gint64 now_real = g_get_real_time ();

  for (;;) {
    gsize space = RVI_RTP_READ_BUFFER - stream->len;
    gssize got = recv (stream->fd, stream->buffer + stream->len, space, 0);

    if (got > 0) {
      stream->len += (gsize) got;
      stream_parse (stream, now_real);
      if ((gsize) got < space)
        return TRUE;
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return TRUE;
    if (got < 0 && errno == EINTR)
      continue;
    stream_finish (stream, got == 0 ? "the camera closed the connection" : g_strerror (errno));
    return FALSE;
  }
}

static void
set_paused (RviRtpStream *stream, gboolean paused)
{
  struct epoll_event event = { .events = paused ? 0 : EPOLLIN, .data.ptr = stream };

  if (stream->paused == paused)
    return;
  stream->paused = paused;
  epoll_ctl (reader.epoll_fd, EPOLL_CTL_MOD, stream->fd, &event);
}

static void
run_commands (void)
{
  RviRtpCommand *command;
  guint64 count;

  if (read (reader.wake_fd, &count, sizeof count) < 0 && errno != EAGAIN)
    g_warning ("reader wake-up: %s", g_strerror (errno));
  for (;;) {
    g_mutex_lock (&reader.lock);
    command = g_queue_pop_head (&reader.commands);
    g_mutex_unlock (&reader.lock);
    if (command == NULL)
      return;
    if (command->add) {
      struct epoll_event event = { .events = EPOLLIN, .data.ptr = command->stream };

      g_ptr_array_add (reader.streams, command->stream);
      if (epoll_ctl (reader.epoll_fd, EPOLL_CTL_ADD, command->stream->fd, &event) != 0)
        stream_finish (command->stream, g_strerror (errno));
    } else {
      for (guint i = 0; i < reader.streams->len; i++) {
        RviRtpStream *stream = g_ptr_array_index (reader.streams, i);

        if (stream->data == command->data) {
          stream_finish (stream, NULL);
          break;
        }
      }
    }
    g_free (command);
  }
}

static gpointer
reader_main (gpointer unused)
{
  struct epoll_event events[RVI_RTP_MAX_EVENTS];

  for (;;) {
    gint64 start = g_get_monotonic_time ();
    int n = epoll_wait (reader.epoll_fd, events, RVI_RTP_MAX_EVENTS, 250);
    gboolean wake = FALSE;
    gint64 now;

    /* commands last: a removal frees a stream that may follow in events */
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == NULL)
        wake = TRUE;
      else
        stream_read (events[i].data.ptr);
    }
    if (wake)
      run_commands ();
    now = g_get_monotonic_time ();
    for (guint i = 0; i < reader.streams->len; i++) {
      RviRtpStream *stream = g_ptr_array_index (reader.streams, i);

      set_paused (stream, stream->funcs->tick (stream->data, now));
    }
    /* let packets gather: the next wake reads many at once */
    if (n > 0 && now - start < RVI_RTP_READER_BATCH_MS * G_TIME_SPAN_MILLISECOND)
      g_usleep (RVI_RTP_READER_BATCH_MS * G_TIME_SPAN_MILLISECOND - (now - start));
  }
  return NULL;
}

static void
reader_init (void)
{
  static gsize done;

  if (g_once_init_enter (&done)) {
    struct epoll_event event = { .events = EPOLLIN, .data.ptr = NULL };

    g_mutex_init (&reader.lock);
    g_queue_init (&reader.commands);
    reader.streams = g_ptr_array_new ();
    reader.epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
    reader.wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (reader.epoll_fd < 0 || reader.wake_fd < 0 ||
        epoll_ctl (reader.epoll_fd, EPOLL_CTL_ADD, reader.wake_fd, &event) != 0)
      g_error ("cannot set up the rtp reader: %s", g_strerror (errno));
    reader.thread = g_thread_new ("rvi-rtp-reader", reader_main, NULL);
    g_once_init_leave (&done, 1);
  }
}

static void
push_command (RviRtpCommand *command)
{
  guint64 one = 1;

  reader_init ();
  g_mutex_lock (&reader.lock);
  g_queue_push_tail (&reader.commands, command);
  g_mutex_unlock (&reader.lock);
  if (write (reader.wake_fd, &one, sizeof one) < 0)
    g_warning ("reader wake-up: %s", g_strerror (errno));
}

void
rvi_rtp_reader_add (int fd, const RviRtpStreamFuncs *funcs, gpointer data)
{
  RviRtpCommand *command = g_new0 (RviRtpCommand, 1);

  command->add = TRUE;
  command->stream = g_new0 (RviRtpStream, 1);
  command->stream->fd = fd;
  command->stream->funcs = funcs;
  command->stream->data = data;
  command->stream->buffer = g_malloc (RVI_RTP_READ_BUFFER);
  push_command (command);
}

void
rvi_rtp_reader_remove (gpointer data)
{
  RviRtpCommand *command = g_new0 (RviRtpCommand, 1);

  command->data = data;
  push_command (command);
}
