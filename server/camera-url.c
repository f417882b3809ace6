/* camera-url.c: camera URL validation. */
#include "camera-url.h"
#include "rvi-error.h"

char *
rvi_camera_url_normalize (const char *url, char **username, char **password, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autofree char *lower = NULL;
  const char *scheme;

  *username = NULL;
  *password = NULL;
  for (const char *p = url; *p; p++) {
    if ((guchar) *p <= ' ' || *p == 0x7f) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                   "the camera URL must not contain spaces or control characters");
      return NULL;
    }
  }
  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (!scheme || (g_ascii_strcasecmp (scheme, "rtsp") != 0
                  && g_ascii_strcasecmp (scheme, "rtsps") != 0)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT,
                 "only rtsp:// and rtsps:// camera URLs are accepted");
    return NULL;
  }
  if (!g_uri_get_host (uri) || !*g_uri_get_host (uri)) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "the camera URL has no host");
    return NULL;
  }
  if (g_uri_get_user (uri))
    *username = g_uri_unescape_string (g_uri_get_user (uri), NULL);
  if (g_uri_get_password (uri))
    *password = g_uri_unescape_string (g_uri_get_password (uri), NULL);
  lower = g_ascii_strdown (scheme, -1);
  return g_uri_join (G_URI_FLAGS_ENCODED, lower, NULL, g_uri_get_host (uri), g_uri_get_port (uri), g_uri_get_path (uri),
                     g_uri_get_query (uri), g_uri_get_fragment (uri));
}
