/* feed-publisher.c: see feed-publisher.h. */
#include "feed-publisher.h"

#define FRAME_US (G_USEC_PER_SEC / 15)

static GBytes *
strip_parameter_sets (GBytes *au)
{
  gsize size, pos = 0;
  const guint8 *p = g_bytes_get_data (au, &size);
  GByteArray *out = g_byte_array_new ();

  while (pos + 4 < size) {
    gsize len = (gsize)p[pos] << 24 | p[pos + 1] << 16 | p[pos + 2] << 8 | p[pos + 3];
    guint type = p[pos + 4] & 0x1f;

    g_assert_cmpuint (pos + 4 + len, <=, size);
    if (type != 7 && type != 8)
      g_byte_array_append (out, p + pos, (guint)(4 + len));
    pos += 4 + len;
  }
  return g_byte_array_free_to_bytes (out);
}

RviTestClip *
rvi_test_clip_new (RviTestStream *stream)
{
  RviTestClip *c = g_new0 (RviTestClip, 1);
  g_autoptr (GError) error = NULL;

  c->stream = stream;
  g_assert_true (rvi_video_params_parse (&c->params, stream->codec, stream->vps, stream->sps,
                                         stream->pps, &error));
  c->data = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (guint i = 0; i < stream->frames->len; i++) {
    RviTestFrame *f = &g_array_index (stream->frames, RviTestFrame, i);

    g_ptr_array_add (c->data, stream->codec == RVI_CODEC_H264 ? strip_parameter_sets (f->data)
                                                              : g_bytes_ref (f->data));
  }
  return c;
}

void
rvi_test_clip_free (RviTestClip *c)
{
  g_ptr_array_unref (c->data);
  rvi_video_params_clear (&c->params);
  rvi_test_stream_free (c->stream);
  g_free (c);
}

void
rvi_test_clip_publish (RviTestClip *c, RviLiveFeed *feed, guint i, gint64 pts)
{
  gsize size;
  const guint8 *au = g_bytes_get_data (c->data->pdata[i], &size);
  gboolean key = g_array_index (c->stream->frames, RviTestFrame, i).key;

  rvi_live_feed_publish (feed, &c->params, pts, g_get_real_time (), key, au, size);
}

static gpointer
publish_loop (gpointer data)
{
  RviTestPublisher *p = data;
  gint64 start = g_get_monotonic_time ();

  for (guint g = 0; !g_atomic_int_get (&p->stop); g++) {
    gboolean switched = p->next && g >= p->switch_at;
    RviTestClip *c = switched ? p->next : p->clip;
    guint i = (switched ? g - p->switch_at : g) % c->data->len;
    gint64 now, wait;

    g_mutex_lock (&p->lock);
    now = g_get_monotonic_time ();
    rvi_test_clip_publish (c, p->feed, i, (gint64)g * 6000);
    g_array_append_val (p->at_us, now);
    g_mutex_unlock (&p->lock);
    wait = start + (gint64)(g + 1) * FRAME_US - g_get_monotonic_time ();
    if (wait > 0)
      g_usleep ((gulong)wait);
  }
  return NULL;
}

RviTestPublisher *
rvi_test_publisher_start (RviLiveFeed *feed, RviTestClip *clip, RviTestClip *next, guint switch_at)
{
  RviTestPublisher *p = g_new0 (RviTestPublisher, 1);

  p->feed = feed;
  p->clip = clip;
  p->next = next;
  p->switch_at = switch_at;
  g_mutex_init (&p->lock);
  p->at_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  p->thread = g_thread_new ("publisher", publish_loop, p);
  return p;
}

guint
rvi_test_publisher_count (RviTestPublisher *p)
{
  guint n;

  g_mutex_lock (&p->lock);
  n = p->at_us->len;
  g_mutex_unlock (&p->lock);
  return n;
}

void
rvi_test_publisher_stop (RviTestPublisher *p)
{
  g_atomic_int_set (&p->stop, TRUE);
  g_thread_join (p->thread);
  g_array_unref (p->at_us);
  g_mutex_clear (&p->lock);
  g_free (p);
}
