/* loop-timer.c: timeouts and idles on the calling thread's main context
 * (loop-timer.h). */
#include "loop-timer.h"

GSource *
rvi_timer_new (guint ms, GSourceFunc func, gpointer data)
{
  GSource *s = ms % 1000 ? g_timeout_source_new (ms) : g_timeout_source_new_seconds (ms / 1000);

  g_source_set_callback (s, func, data, NULL);
  g_source_attach (s, g_main_context_get_thread_default ());
  return s;
}

void
rvi_timer_drop (GSource **timer)
{
  if (*timer) {
    g_source_destroy (*timer);
    g_clear_pointer (timer, g_source_unref);
  }
}

typedef struct {
  GSourceOnceFunc func;
  gpointer data;
} Once;

static gboolean
run_once (gpointer user_data)
{
  Once *once = user_data;

  once->func (once->data);
  return G_SOURCE_REMOVE;
}

void
rvi_idle_once (GSourceOnceFunc func, gpointer data)
{
  GSource *s = g_idle_source_new ();
  Once *once = g_new (Once, 1);

  once->func = func;
  once->data = data;
  g_source_set_callback (s, run_once, once, g_free);
  g_source_attach (s, g_main_context_get_thread_default ());
  g_source_unref (s);
}
