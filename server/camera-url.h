/* camera-url.h: the only camera URLs rvi accepts are rtsp:// and rtsps://
 * with a host. GStreamer can open file:// and many other schemes and must
 * never be asked to. Credentials written into a URL are taken out of it,
 * so a stored or shown URL never carries them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Checks @url and returns (transfer full) it without user information;
 * sets @username/@password (transfer full, NULL when absent) from it.
 * Returns NULL with RVI_ERROR_INVALID_INPUT for anything else. */
char *rvi_camera_url_normalize (const char *url, char **username, char **password,
                                GError **error);

G_END_DECLS
