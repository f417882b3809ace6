/* camsim-harness.h: run `rvi camsim` as a child and watch it as a client.
 *
 * The child is $RVI_BIN camsim --listen 127.0.0.1:0 plus the test's flags,
 * started with PR_SET_PDEATHSIG so it dies with the test even when a
 * watchdog kills the test. Its first stdout line gives the port. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  GSubprocess *process;
  GDataInputStream *out; /* the child's stdout, by line */
  GOutputStream *in;     /* the child's stdin */
  gchar *base;           /* "rtsp://127.0.0.1:PORT" */
  guint cameras;
} RviCamsimChild;

/* Starts camsim with @args (NULL-terminated, after "camsim --listen
 * 127.0.0.1:0") and waits for its serving line. Transfer full; NULL with
 * @error set when it does not start. */
RviCamsimChild *rvi_camsim_child_start (const gchar *const *args, GError **error);

/* rtsp://127.0.0.1:PORT/camN. Transfer full. */
gchar *rvi_camsim_child_url (RviCamsimChild *child, guint camera);

/* Writes @line to the child's stdin and reads stdout until a line equal
 * to @reply; FALSE with @error on EOF or a write failure. */
gboolean rvi_camsim_child_command (RviCamsimChild *child, const gchar *line, const gchar *reply,
                                   GError **error);

/* Sends SIGTERM and waits up to 10 s. Returns the exit status, or -1 when
 * the child had to be killed or died by a signal. */
gint rvi_camsim_child_stop (RviCamsimChild *child);

/* Kills the child if it still runs, then frees. */
void rvi_camsim_child_free (RviCamsimChild *child);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviCamsimChild, rvi_camsim_child_free)

/* Runs a command line to completion, returning its exit status and, in
 * @err_out (transfer full), its stderr. */
gint rvi_camsim_run (const gchar *const *argv, gchar **err_out);

G_END_DECLS
