/* camsim-commands.c: read and apply "scene" commands from stdin. */
#define G_LOG_DOMAIN "rvi-camsim"

#include "camsim-commands.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>

struct _RviCamsimCommands {
  GPtrArray *sources;
  RviCamsimMode mode;
  GDataInputStream *lines;
  GCancellable *cancellable;
};

typedef struct {
  GPtrArray *targets; /* RviCamsimSource */
  RviCamsimScene scene;
} Change;

static void read_next (RviCamsimCommands *self);

static void
change_free (gpointer data)
{
  Change *change = data;

  g_ptr_array_unref (change->targets);
  g_free (change);
}

static void
announce (RviCamsimSource *source, RviCamsimScene scene)
{
  g_print ("camsim: %s scene %s\n", rvi_camsim_source_get_name (source),
           rvi_camsim_scene_to_string (scene));
  fflush (stdout);
}

/* Worker thread: one clip per target; touches no source state. */
static void
encode_clips (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Change *change = task_data;
  g_autoptr (GPtrArray) clips
      = g_ptr_array_new_with_free_func ((GDestroyNotify)rvi_camsim_clip_unref);

  for (guint i = 0; i < change->targets->len; i++) {
    GError *error = NULL;
    RviCamsimClip *clip = rvi_camsim_source_encode_clip (g_ptr_array_index (change->targets, i),
                                                         change->scene, &error);
    if (clip == NULL) {
      g_task_return_error (task, error);
      return;
    }
    g_ptr_array_add (clips, clip);
  }
  g_task_return_pointer (task, g_steal_pointer (&clips), (GDestroyNotify)g_ptr_array_unref);
}

/* Main loop: put the new clips in place. */
static void
clips_encoded (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = G_TASK (result);
  Change *change = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) clips = g_task_propagate_pointer (task, &error);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return;
  if (clips == NULL) {
    g_printerr ("camsim: error: %s\n", error->message);
    return;
  }
  for (guint i = 0; i < change->targets->len; i++) {
    RviCamsimSource *source = g_ptr_array_index (change->targets, i);

    rvi_camsim_source_set_clip (source, g_ptr_array_index (clips, i));
    rvi_camsim_source_set_scene (source, change->scene);
    announce (source, change->scene);
  }
}

static void
apply_scene (RviCamsimCommands *self, const gchar *which, const gchar *kind)
{
  g_autoptr (GPtrArray) targets
      = g_ptr_array_new_with_free_func ((GDestroyNotify)rvi_camsim_source_unref);
  RviCamsimScene scene;
  guint64 n;

  if (!rvi_camsim_scene_from_string (kind, &scene)) {
    g_printerr ("camsim: error: unknown scene \"%s\"\n", kind);
    return;
  }
  if (g_str_equal (which, "all")) {
    for (guint i = 0; i < self->sources->len; i++)
      g_ptr_array_add (targets, rvi_camsim_source_ref (g_ptr_array_index (self->sources, i)));
  } else if (g_ascii_string_to_unsigned (which, 10, 1, self->sources->len, &n, NULL)) {
    g_ptr_array_add (targets, rvi_camsim_source_ref (g_ptr_array_index (self->sources, n - 1)));
  } else {
    g_printerr ("camsim: error: no camera \"%s\" (1 to %u or all)\n", which, self->sources->len);
    return;
  }

  if (self->mode == RVI_CAMSIM_MODE_LOOP) {
    g_autoptr (GTask) task = g_task_new (NULL, self->cancellable, clips_encoded, NULL);
    Change *change = g_new0 (Change, 1);

    change->targets = g_steal_pointer (&targets);
    change->scene = scene;
    g_task_set_task_data (task, change, change_free);
    g_task_run_in_thread (task, encode_clips);
    return;
  }
  for (guint i = 0; i < targets->len; i++) {
    rvi_camsim_source_set_scene (g_ptr_array_index (targets, i), scene);
    announce (g_ptr_array_index (targets, i), scene);
  }
}

static void
handle_line (RviCamsimCommands *self, const gchar *line)
{
  g_auto (GStrv) words = g_strsplit_set (line, " \t\r", -1);
  const gchar *argv[4] = { NULL };
  guint argc = 0;

  for (guint i = 0; words[i] != NULL; i++) {
    if (words[i][0] == '\0')
      continue;
    if (argc == G_N_ELEMENTS (argv)) {
      argc++;
      break;
    }
    argv[argc++] = words[i];
  }
  if (argc == 0)
    return;
  if (g_str_equal (argv[0], "scene") && argc == 3)
    apply_scene (self, argv[1], argv[2]);
  else
    g_printerr ("camsim: error: unknown command \"%s\" (try: scene all|N KIND)\n", line);
}

static void
line_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object),
                                                                      result, NULL, &error);
  RviCamsimCommands *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* self is gone */
  if (line == NULL) {
    if (error != NULL)
      g_warning ("stdin: %s", error->message);
    return; /* EOF: keep serving */
  }
  self = user_data;
  handle_line (self, line);
  read_next (self);
}

static void
read_next (RviCamsimCommands *self)
{
  g_data_input_stream_read_line_async (self->lines, G_PRIORITY_DEFAULT, self->cancellable,
                                       line_read, self);
}

RviCamsimCommands *
rvi_camsim_commands_new (GPtrArray *sources, RviCamsimMode mode)
{
  RviCamsimCommands *self = g_new0 (RviCamsimCommands, 1);
  g_autoptr (GInputStream) in = g_unix_input_stream_new (0, FALSE);

  self->sources = g_ptr_array_ref (sources);
  self->mode = mode;
  self->lines = g_data_input_stream_new (in);
  self->cancellable = g_cancellable_new ();
  read_next (self);
  return self;
}

void
rvi_camsim_commands_free (RviCamsimCommands *self)
{
  if (self == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->lines);
  g_ptr_array_unref (self->sources);
  g_free (self);
}
