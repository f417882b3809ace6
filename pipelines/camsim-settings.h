/* camsim-settings.h: the command line of `rvi camsim`, parsed and checked.
 *
 *   rvi camsim [--listen HOST:PORT] [--cameras N] [--codec h264|h265]
 *              [--size WxH] [--fps N] [--bitrate KBPS]
 *              [--user U --password P]
 *              [--scene normal|covered|defocused|moved|frozen]
 *              [--mode live|loop] [--bframes N] [--profile baseline|high]
 *
 * It also knows how the settings turn into an encoder: one description used
 * for live streams and for loop-mode clips alike. */
#pragma once

#include <glib.h>

#include "camsim-scene.h"

G_BEGIN_DECLS

typedef enum {
  RVI_CAMSIM_CODEC_H264,
  RVI_CAMSIM_CODEC_H265,
} RviCamsimCodec;

typedef enum {
  RVI_CAMSIM_MODE_LIVE,
  RVI_CAMSIM_MODE_LOOP,
} RviCamsimMode;

typedef struct {
  gchar *host; /* as given, without brackets for IPv6 */
  guint port;  /* 0: pick a free port */
  guint cameras;
  RviCamsimCodec codec;
  gint width, height;
  gint fps;
  guint bitrate_kbps;
  gchar *user; /* NULL: anonymous access */
  gchar *password;
  RviCamsimScene scene;
  RviCamsimMode mode;
  guint bframes;   /* 0..3, live mode only */
  gboolean high_profile; /* H.264 High profile (no B-frames); else Constrained Baseline */
} RviCamsimSettings;

/* Fills @settings from @argv (@argv[0] is "camsim"). On a bad or unknown
 * flag returns FALSE with @error set to a message fit for the user;
 * @settings then holds defaults and must still be cleared. */
gboolean rvi_camsim_settings_parse (RviCamsimSettings *settings, int argc, char **argv,
                                    GError **error);

void rvi_camsim_settings_clear (RviCamsimSettings *settings);

/* The gst-launch description from raw I420 to an encoded elementary stream
 * ("x264enc ... " or "x265enc ..."), key frame every 2 s. Transfer full. */
gchar *rvi_camsim_settings_encoder (const RviCamsimSettings *settings);

/* "rtph264pay" or "rtph265pay". Transfer none. */
const gchar *rvi_camsim_settings_payloader (const RviCamsimSettings *settings);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RviCamsimSettings, rvi_camsim_settings_clear)

G_END_DECLS
