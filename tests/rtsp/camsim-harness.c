/* camsim-harness.c: the child process and the RTSP client of the tests. */
#define G_LOG_DOMAIN "rvi-test"

#include "camsim-harness.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn (const gchar *const *argv, GSubprocessFlags flags, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

RviCamsimChild *
rvi_camsim_child_start (const gchar *const *args, GError **error)
{
  g_autoptr (RviCamsimChild) child = g_new0 (RviCamsimChild, 1);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *line = NULL;
  g_autoptr (GRegex) regex = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree gchar *cameras = NULL;
  const gchar *bin = g_getenv ("RVI_BIN");

  g_ptr_array_add (argv, (gpointer)(bin != NULL ? bin : "rvi"));
  g_ptr_array_add (argv, (gpointer) "camsim");
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);

  child->process = spawn ((const gchar *const *)argv->pdata,
                          G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, error);
  if (child->process == NULL)
    return NULL;
  child->in = g_object_ref (g_subprocess_get_stdin_pipe (child->process));
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->process));

  line = g_data_input_stream_read_line_utf8 (child->out, NULL, NULL, error);
  if (line == NULL) {
    if (error != NULL && *error == NULL)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "camsim exited before serving");
    return NULL;
  }
  regex = g_regex_new ("^camsim: serving (rtsp://127\\.0\\.0\\.1:[0-9]+)/cam1 \\.\\. "
                       "rtsp://127\\.0\\.0\\.1:[0-9]+/cam([0-9]+)$",
                       0, 0, NULL);
  if (!g_regex_match (regex, line, 0, &match)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "unexpected first line \"%s\"", line);
    return NULL;
  }
  child->base = g_match_info_fetch (match, 1);
  cameras = g_match_info_fetch (match, 2);
  child->cameras = (guint)g_ascii_strtoull (cameras, NULL, 10);
  g_test_message ("camsim serving at %s, %u cameras", child->base, child->cameras);
  return g_steal_pointer (&child);
}

gchar *
rvi_camsim_child_url (RviCamsimChild *child, guint camera)
{
  return g_strdup_printf ("%s/cam%u", child->base, camera);
}

gboolean
rvi_camsim_child_command (RviCamsimChild *child, const gchar *line, const gchar *reply,
                          GError **error)
{
  g_autofree gchar *text = g_strdup_printf ("%s\n", line);

  if (!g_output_stream_write_all (child->in, text, strlen (text), NULL, NULL, error)
      || !g_output_stream_flush (child->in, NULL, error))
    return FALSE;
  for (;;) {
    g_autofree gchar *got = g_data_input_stream_read_line_utf8 (child->out, NULL, NULL, error);

    if (got == NULL) {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "camsim closed stdout");
      return FALSE;
    }
    g_test_message ("camsim said: %s", got);
    if (g_str_equal (got, reply))
      return TRUE;
  }
}

static gboolean
wait_timeout (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *(gboolean *)user_data = TRUE;
}

gint
rvi_camsim_child_stop (RviCamsimChild *child)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (10);
  gboolean exited = FALSE, timed_out = FALSE;

  g_main_context_push_thread_default (context);
  g_subprocess_send_signal (child->process, SIGTERM);
  g_subprocess_wait_async (child->process, NULL, wait_done, &exited);
  g_source_set_callback (timeout, wait_timeout, &timed_out, NULL);
  g_source_attach (timeout, context);
  while (!exited && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (!exited) {
    g_subprocess_force_exit (child->process);
    while (!exited)
      g_main_context_iteration (context, TRUE);
  }
  g_main_context_pop_thread_default (context);
  if (timed_out || !g_subprocess_get_if_exited (child->process))
    return -1;
  return g_subprocess_get_exit_status (child->process);
}

void
rvi_camsim_child_free (RviCamsimChild *child)
{
  if (child == NULL)
    return;
  if (child->process != NULL) {
    g_subprocess_force_exit (child->process);
    g_subprocess_wait (child->process, NULL, NULL);
  }
  g_clear_object (&child->out);
  g_clear_object (&child->in);
  g_clear_object (&child->process);
  g_free (child->base);
  g_free (child);
}

gint
rvi_camsim_run (const gchar *const *argv, gchar **err_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process
      = spawn (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, err_out, &error));
  g_assert_no_error (error);
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}
