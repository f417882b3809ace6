/* feed-client.h: a client of the live event feed (GET /api/events, a
 * WebSocket) and of the live video sockets for the HTTP tests. It runs the thread-default main context
 * while it waits, so an in-process server answers meanwhile. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  SoupSession *session;
  SoupWebsocketConnection *ws;   /* NULL when the upgrade was refused */
  guint status;                  /* the handshake's answer */
  GPtrArray *messages;           /* JsonObject *, in order of arrival */
  GPtrArray *binary;             /* GBytes *, binary messages (when asked for) */
  GArray *binary_at;             /* gint64, monotonic arrival of each */
  gint64 opened_at;              /* monotonic, when the open started */
  guint cursor;                  /* messages before it were consumed by feed_wait */
  gboolean closed;
  gushort close_code;
  gboolean done;
  GError *error;
} TestFeed;

/* Opens the feed at @base (http://HOST:PORT) with a bearer @token or a
 * session @cookie (either may be NULL), sending @origin (may be NULL).
 * Refused: ws is NULL, status set; a connection that failed (TLS) also
 * sets error. (transfer full) */
TestFeed *test_feed_open (const char *base, const char *token, const char *cookie,
                          const char *origin);

/* Opens another WebSocket route (@path, with its query) likewise; with
 * @binary, binary messages are kept (else one fails the test). */
TestFeed *test_feed_open_path (const char *base, const char *path, const char *token,
                               const char *cookie, const char *origin, gboolean binary);

/* test_feed_open_path over a session that trusts the CAs of @tls_database
 * (transfer none; NULL: the system's), for wss:// servers. */
TestFeed *test_feed_open_tls (const char *base, const char *path, const char *token,
                              const char *cookie, const char *origin, gboolean binary,
                              GTlsDatabase *tls_database);

/* test_feed_open with @token that must succeed and say hello. */
TestFeed *test_feed_open_hello (const char *base, const char *token);

/* The first message from the cursor on of @kind (and @id when not NULL),
 * waiting up to @ms; moves the cursor past it. NULL on timeout or close.
 * (transfer none) */
JsonObject *test_feed_wait (TestFeed *f, const char *kind, const char *id, guint ms);

/* The "kind" of a feed message (or the "type" of a live video message),
 * "" when it has none. */
const char *test_feed_kind (JsonObject *o);

/* A GSourceFunc that sets the gboolean at @flag and removes itself: a
 * timeout for loops that run the main context. */
gboolean test_flag_expire (gpointer flag);

/* Runs the thread-default main context for @ms. */
void test_spin (guint ms);

/* How many messages of @kind arrived so far. */
guint test_feed_count (TestFeed *f, const char *kind);

/* Closes the WebSocket (waiting up to 5 s for the close) and frees @f. */
void test_feed_close (TestFeed *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestFeed, test_feed_close)

G_END_DECLS
