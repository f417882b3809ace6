/* loop-timer.h: timeouts and idles on the calling thread's main context.
 *
 * g_timeout_add and g_idle_add attach to the process's global default
 * context. The server's loop runs on the thread-default context, which is
 * that one in `rvi serve` but a context of its own when a test runs a
 * server on a thread: there, a g_timeout_add callback would never run, or
 * run on whichever thread iterates the global context. These attach to
 * the thread-default context of the caller, so a callback runs where the
 * code that scheduled it runs. A source is kept as a GSource pointer
 * (source ids are looked up in the global context only). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Calls @func(@data) every @ms (whole seconds are scheduled as such) until
 * it returns G_SOURCE_REMOVE or the timer is dropped. (transfer full) */
GSource *rvi_timer_new (guint ms, GSourceFunc func, gpointer data);

/* Destroys and unrefs *@timer and sets it to NULL; NULL is fine. A
 * callback that returns G_SOURCE_REMOVE drops its own timer first. */
void rvi_timer_drop (GSource **timer);

/* Calls @func(@data) once, soon, on the caller's thread-default context. */
void rvi_idle_once (GSourceOnceFunc func, gpointer data);

G_END_DECLS
