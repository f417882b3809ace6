/* camsim.c: `rvi camsim`, the command that serves simulated cameras.
 *
 * One GMainLoop runs the RTSP server, the stdin commands and the signal
 * handlers; media pipelines run on GStreamer's own threads (see
 * camsim-source.h). Start-up order: parse flags, build cameras (loop mode
 * encodes their clips here), mount them, bind, print the one stdout line,
 * serve until SIGINT or SIGTERM. */
#define G_LOG_DOMAIN "rvi-camsim"

#include "camsim.h"
#include "camsim-commands.h"
#include "camsim-settings.h"
#include "camsim-source.h"

#include <glib-unix.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <stdio.h>

#define ROLE "camsim-user"

static gboolean
quit_on_signal (gpointer user_data)
{
  g_message ("signal received, stopping");
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static GstRTSPFilterResult
close_client (GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
  return GST_RTSP_FILTER_REMOVE;
}

/* Basic and digest for the one user, or NULL for anonymous access. */
static GstRTSPAuth *
make_auth (const RviCamsimSettings *settings)
{
  GstRTSPAuth *auth;
  g_autoptr (GstRTSPToken) token = NULL;
  g_autofree gchar *basic = NULL;

  if (settings->user == NULL)
    return NULL;
  auth = gst_rtsp_auth_new ();
  token = gst_rtsp_token_new (GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, ROLE, NULL);
  basic = gst_rtsp_auth_make_basic (settings->user, settings->password);
  gst_rtsp_auth_add_basic (auth, basic, token);
  gst_rtsp_auth_add_digest (auth, settings->user, settings->password, token);
  gst_rtsp_auth_set_supported_methods (auth, GST_RTSP_AUTH_BASIC | GST_RTSP_AUTH_DIGEST);
  return auth;
}

typedef struct {
  RviCamsimScene scene;
  GMutex lock;
  GError *error; /* the first failure */
} ClipJob;

static void
encode_one_clip (gpointer data, gpointer user_data)
{
  RviCamsimSource *source = data;
  ClipJob *job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RviCamsimClip) clip = rvi_camsim_source_encode_clip (source, job->scene, &error);

  if (clip != NULL) {
    rvi_camsim_source_set_clip (source, clip);
    return;
  }
  g_mutex_lock (&job->lock);
  if (job->error == NULL)
    job->error = g_steal_pointer (&error);
  g_mutex_unlock (&job->lock);
}

/* Loop mode: encodes every camera's clip, one thread per processor. */
static gboolean
encode_clips (GPtrArray *sources, RviCamsimScene scene, GError **error)
{
  ClipJob job = { scene, { 0 }, NULL };
  GThreadPool *pool;
  gint64 started = g_get_monotonic_time ();

  g_mutex_init (&job.lock);
  pool = g_thread_pool_new (encode_one_clip, &job, (gint)g_get_num_processors (), TRUE, NULL);
  for (guint i = 0; i < sources->len; i++)
    g_thread_pool_push (pool, g_ptr_array_index (sources, i), NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
  g_mutex_clear (&job.lock);
  if (job.error != NULL) {
    g_propagate_error (error, job.error);
    return FALSE;
  }
  g_message ("encoded %u loop clips in %.1f s", sources->len,
             (g_get_monotonic_time () - started) / 1e6);
  return TRUE;
}

/* Builds every camera and mounts it on @server. */
static GPtrArray *
mount_cameras (GstRTSPServer *server, const RviCamsimSettings *settings, GError **error)
{
  g_autoptr (GPtrArray) sources
      = g_ptr_array_new_with_free_func ((GDestroyNotify)rvi_camsim_source_unref);
  g_autoptr (GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points (server);

  for (guint i = 1; i <= settings->cameras; i++)
    g_ptr_array_add (sources, rvi_camsim_source_new (settings, i));
  if (settings->mode == RVI_CAMSIM_MODE_LOOP && !encode_clips (sources, settings->scene, error))
    return NULL;

  for (guint i = 0; i < sources->len; i++) {
    RviCamsimSource *source = g_ptr_array_index (sources, i);
    GstRTSPMediaFactory *factory;
    g_autofree gchar *path = NULL;

    factory = rvi_camsim_source_create_factory (source);
    if (settings->user != NULL)
      gst_rtsp_media_factory_add_role (factory, ROLE, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
                                       G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
                                       G_TYPE_BOOLEAN, TRUE, NULL);
    path = g_strdup_printf ("/%s", rvi_camsim_source_get_name (source));
    gst_rtsp_mount_points_add_factory (mounts, path, factory);
  }
  return g_steal_pointer (&sources);
}

static int
serve (const RviCamsimSettings *settings)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GstRTSPServer) server = gst_rtsp_server_new ();
  g_autoptr (GstRTSPAuth) auth = make_auth (settings);
  g_autoptr (GPtrArray) sources = NULL;
  g_autoptr (RviCamsimCommands) commands = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *service = g_strdup_printf ("%u", settings->port);
  g_autofree gchar *host = NULL;
  guint server_id, sigint_id, sigterm_id;

  gst_rtsp_server_set_address (server, settings->host);
  gst_rtsp_server_set_service (server, service);
  if (auth != NULL)
    gst_rtsp_server_set_auth (server, auth);
  sources = mount_cameras (server, settings, &error);
  if (sources == NULL) {
    g_printerr ("camsim: %s\n", error->message);
    return 1;
  }
  server_id = gst_rtsp_server_attach (server, NULL);
  if (server_id == 0) {
    g_printerr ("camsim: cannot listen on %s:%u\n", settings->host, settings->port);
    return 1;
  }

  host = strchr (settings->host, ':') != NULL ? g_strdup_printf ("[%s]", settings->host)
                                              : g_strdup (settings->host);
  g_print ("camsim: serving rtsp://%s:%d/cam1 .. rtsp://%s:%d/cam%u\n", host,
           gst_rtsp_server_get_bound_port (server), host, gst_rtsp_server_get_bound_port (server),
           settings->cameras);
  fflush (stdout);
  g_message ("%u %s %dx%d@%d %u kbit/s %s cameras, scene %s%s", settings->cameras,
             settings->codec == RVI_CAMSIM_CODEC_H265 ? "h265" : "h264", settings->width,
             settings->height, settings->fps, settings->bitrate_kbps,
             settings->mode == RVI_CAMSIM_MODE_LOOP ? "loop" : "live",
             rvi_camsim_scene_to_string (settings->scene),
             settings->user != NULL ? ", authentication required" : "");

  commands = rvi_camsim_commands_new (sources, settings->mode);
  sigint_id = g_unix_signal_add (SIGINT, quit_on_signal, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_on_signal, loop);
  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_clear_pointer (&commands, rvi_camsim_commands_free);
  g_source_remove (server_id);
  gst_rtsp_server_client_filter (server, close_client, NULL);
  return 0;
}

int
rvi_camsim_main (int argc, char **argv)
{
  g_auto (RviCamsimSettings) settings = { 0 };
  g_autoptr (GError) error = NULL;

  g_log_writer_default_set_use_stderr (TRUE);
  if (!rvi_camsim_settings_parse (&settings, argc, argv, &error)) {
    g_printerr ("rvi camsim: %s\n", error->message);
    return 2;
  }
  gst_init (NULL, NULL);
  return serve (&settings);
}
