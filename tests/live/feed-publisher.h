/* feed-publisher.h: a camera for the live tests: RviTestClip, a test
 * stream (test-es.h) ready to publish into an RviLiveFeed, and
 * RviTestPublisher, a thread publishing clips at 15 fps as ingest does,
 * recording when it published each frame.
 *
 * A clip's H.264 access units have their in-band SPS and PPS removed (many
 * cameras send them only out of band), so a viewer whose receiver decodes
 * them must have carried the feed's parameter sets itself. */
#pragma once

#include <glib.h>

#include "live-feed.h"
#include "test-es.h"

G_BEGIN_DECLS

typedef struct {
  RviTestStream *stream;
  RviVideoParams params;
  GPtrArray *data; /* GBytes per frame; H.264 without SPS and PPS */
} RviTestClip;

/* Takes @stream. */
RviTestClip *rvi_test_clip_new (RviTestStream *stream);
void rvi_test_clip_free (RviTestClip *clip);

/* Publishes frame @i of @clip with @pts (90 kHz). */
void rvi_test_clip_publish (RviTestClip *clip, RviLiveFeed *feed, guint i, gint64 pts);

typedef struct {
  RviLiveFeed *feed;
  RviTestClip *clip, *next;
  guint switch_at;
  GMutex lock;   /* held while publishing a frame */
  GArray *at_us; /* gint64: monotonic time each frame was published */
  gint stop;
  GThread *thread;
} RviTestPublisher;

/* Publishes @clip in a loop, then @next (may be NULL) in a loop from frame
 * @switch_at on (a multiple of 30: a key frame). */
RviTestPublisher *rvi_test_publisher_start (RviLiveFeed *feed, RviTestClip *clip, RviTestClip *next,
                                            guint switch_at);

/* Frames published so far. */
guint rvi_test_publisher_count (RviTestPublisher *publisher);
void rvi_test_publisher_stop (RviTestPublisher *publisher);

G_END_DECLS
