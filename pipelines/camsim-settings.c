/* camsim-settings.c: flag parsing and validation for `rvi camsim`.
 *
 * GOptionContext does the tokenizing; every value is then checked here so
 * a bad flag fails before any pipeline exists. Messages follow the project
 * style: lower case, no trailing period. */
#define G_LOG_DOMAIN "rvi-camsim"

#include "camsim-settings.h"

#include <string.h>

#define MAX_CAMERAS 256

static gboolean
parse_uint (const gchar *flag, const gchar *text, guint min, guint max, guint *out, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "%s: expected a whole number from %u to %u, got \"%s\"", flag, min, max, text);
    return FALSE;
  }
  *out = (guint)value;
  return TRUE;
}

static gboolean
parse_listen (RviCamsimSettings *s, const gchar *text, GError **error)
{
  const gchar *colon = strrchr (text, ':');
  g_autofree gchar *host = NULL;

  if (colon == NULL || colon == text)
    goto bad;
  host = g_strndup (text, (gsize)(colon - text));
  if (host[0] == '[') {
    gsize n = strlen (host);
    if (n < 3 || host[n - 1] != ']')
      goto bad;
    host[n - 1] = '\0';
    memmove (host, host + 1, n - 1);
  }
  if (!parse_uint ("--listen", colon + 1, 0, 65535, &s->port, error))
    return FALSE;
  g_free (s->host);
  s->host = g_steal_pointer (&host);
  return TRUE;

bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--listen: expected HOST:PORT, got \"%s\"", text);
  return FALSE;
}

static gboolean
parse_size (RviCamsimSettings *s, const gchar *text, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, "x", 0);
  guint w, h;

  if (g_strv_length (parts) != 2 || !parse_uint ("--size width", parts[0], 320, 3840, &w, error)
      || !parse_uint ("--size height", parts[1], 180, 2160, &h, error))
    goto bad;
  if (w % 2 != 0 || h % 2 != 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--size: width and height must be even, got \"%s\"", text);
    return FALSE;
  }
  s->width = (gint)w;
  s->height = (gint)h;
  return TRUE;

bad:
  g_clear_error (error);
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--size: expected WxH from 320x180 to 3840x2160, got \"%s\"", text);
  return FALSE;
}

gboolean
rvi_camsim_settings_parse (RviCamsimSettings *s, int argc, char **argv, GError **error)
{
  g_autofree gchar *listen = NULL, *cameras = NULL, *codec = NULL, *size = NULL;
  g_autofree gchar *fps = NULL, *bitrate = NULL, *scene = NULL, *mode = NULL;
  g_autofree gchar *user = NULL, *password = NULL, *bframes = NULL, *profile = NULL;
  GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "address to serve on", "HOST:PORT" },
    { "cameras", 0, 0, G_OPTION_ARG_STRING, &cameras, "number of cameras", "N" },
    { "codec", 0, 0, G_OPTION_ARG_STRING, &codec, "h264 or h265", "CODEC" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "frame size", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_STRING, &fps, "frames per second", "N" },
    { "bitrate", 0, 0, G_OPTION_ARG_STRING, &bitrate, "encoder bitrate", "KBPS" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "RTSP user name", "U" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "RTSP password", "P" },
    { "scene", 0, 0, G_OPTION_ARG_STRING, &scene, "normal, covered, defocused, moved, frozen or night",
      "KIND" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "live or loop", "MODE" },
    { "bframes", 0, 0, G_OPTION_ARG_STRING, &bframes, "B-frames between references (live mode)", "N" },
    { "profile", 0, 0, G_OPTION_ARG_STRING, &profile,
      "H.264 profile without B-frames: baseline (default) or high, as most real cameras send",
      "NAME" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- serve simulated cameras");
  g_autofree gchar **args = g_new0 (gchar *, (gsize)argc + 1);
  gint n_args = argc;
  guint value;

  *s = (RviCamsimSettings){ g_strdup ("127.0.0.1"),
                            8554,
                            1,
                            RVI_CAMSIM_CODEC_H264,
                            1280,
                            720,
                            15,
                            2000,
                            NULL,
                            NULL,
                            RVI_CAMSIM_SCENE_NORMAL,
                            RVI_CAMSIM_MODE_LIVE,
                            0 };

  /* g_option_context_parse removes what it consumes; keep argv intact. */
  for (gint i = 0; i < argc; i++)
    args[i] = argv[i];
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_help_enabled (context, TRUE);
  if (!g_option_context_parse (context, &n_args, &args, error))
    return FALSE;
  if (n_args > 1) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION, "unexpected argument \"%s\"",
                 args[1]);
    return FALSE;
  }

  if (listen != NULL && !parse_listen (s, listen, error))
    return FALSE;
  if (cameras != NULL && !parse_uint ("--cameras", cameras, 1, MAX_CAMERAS, &s->cameras, error))
    return FALSE;
  if (codec != NULL) {
    if (g_str_equal (codec, "h264"))
      s->codec = RVI_CAMSIM_CODEC_H264;
    else if (g_str_equal (codec, "h265"))
      s->codec = RVI_CAMSIM_CODEC_H265;
    else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--codec: expected h264 or h265, got \"%s\"", codec);
      return FALSE;
    }
  }
  if (size != NULL && !parse_size (s, size, error))
    return FALSE;
  if (fps != NULL) {
    if (!parse_uint ("--fps", fps, 1, 60, &value, error))
      return FALSE;
    s->fps = (gint)value;
  }
  if (bitrate != NULL && !parse_uint ("--bitrate", bitrate, 100, 50000, &s->bitrate_kbps, error))
    return FALSE;
  if ((user == NULL) != (password == NULL)
      || (user != NULL && (*user == '\0' || *password == '\0'))) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--user and --password go together and must not be empty");
    return FALSE;
  }
  s->user = g_steal_pointer (&user);
  s->password = g_steal_pointer (&password);
  if (scene != NULL && !rvi_camsim_scene_from_string (scene, &s->scene)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--scene: expected normal, covered, defocused, moved, frozen or night, got \"%s\"",
                 scene);
    return FALSE;
  }
  if (mode != NULL) {
    if (g_str_equal (mode, "live"))
      s->mode = RVI_CAMSIM_MODE_LIVE;
    else if (g_str_equal (mode, "loop"))
      s->mode = RVI_CAMSIM_MODE_LOOP;
    else {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--mode: expected live or loop, got \"%s\"", mode);
      return FALSE;
    }
  }
  if (bframes != NULL && !parse_uint ("--bframes", bframes, 0, 3, &s->bframes, error))
    return FALSE;
  if (s->bframes > 0 && s->mode == RVI_CAMSIM_MODE_LOOP) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "--bframes: only in live mode (loop mode needs decode order = display order)");
    return FALSE;
  }
  if (profile != NULL) {
    if (g_str_equal (profile, "high") && s->codec == RVI_CAMSIM_CODEC_H264 && s->bframes == 0)
      s->high_profile = TRUE;
    else if (!g_str_equal (profile, "baseline")) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--profile: expected baseline or high (H.264 without B-frames), got \"%s\"",
                   profile);
      return FALSE;
    }
  }
  return TRUE;
}

void
rvi_camsim_settings_clear (RviCamsimSettings *s)
{
  g_clear_pointer (&s->host, g_free);
  g_clear_pointer (&s->user, g_free);
  if (s->password != NULL)
    memset (s->password, 0, strlen (s->password));
  g_clear_pointer (&s->password, g_free);
}

gchar *
rvi_camsim_settings_encoder (const RviCamsimSettings *s)
{
  /* ultrafast + zerolatency: no B-frames (PTS order = decode order, which
   * loop mode relies on) and, for H.264, Constrained Baseline, which
   * browsers and WebRTC receivers all accept. */
  /* with B-frames: no zerolatency tune (it turns them off); H.264 becomes
   * Main profile, and frames leave the encoder in decode order */
  if (s->bframes > 0 && s->codec == RVI_CAMSIM_CODEC_H265)
    return g_strdup_printf ("x265enc speed-preset=ultrafast bitrate=%u key-int-max=%d "
                            "option-string=\"scenecut=0:bframes=%u:b-adapt=0:rc-lookahead=%u\"",
                            s->bitrate_kbps, 2 * s->fps, s->bframes, s->bframes + 1);
  if (s->bframes > 0)
    return g_strdup_printf ("x264enc speed-preset=ultrafast bitrate=%u key-int-max=%d bframes=%u "
                            "b-adapt=false rc-lookahead=%u option-string=\"scenecut=0\" ! "
                            "video/x-h264,profile=main",
                            s->bitrate_kbps, 2 * s->fps, s->bframes, s->bframes + 1);
  if (s->codec == RVI_CAMSIM_CODEC_H265)
    return g_strdup_printf ("x265enc tune=zerolatency speed-preset=ultrafast bitrate=%u "
                            "key-int-max=%d option-string=\"scenecut=0:bframes=0\"",
                            s->bitrate_kbps, 2 * s->fps);
  /* High: what real cameras mostly send (CABAC, 8x8 transforms), still
   * without B-frames */
  return g_strdup_printf ("x264enc tune=zerolatency speed-preset=ultrafast bitrate=%u "
                          "key-int-max=%d option-string=\"scenecut=0%s\" bframes=0%s",
                          s->bitrate_kbps, 2 * s->fps, s->high_profile ? ":cabac=1:8x8dct=1" : "",
                          s->high_profile ? " ! video/x-h264,profile=high" : "");
}

const gchar *
rvi_camsim_settings_payloader (const RviCamsimSettings *s)
{
  return s->codec == RVI_CAMSIM_CODEC_H265 ? "rtph265pay" : "rtph264pay";
}
