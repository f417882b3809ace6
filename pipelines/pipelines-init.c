/* pipelines-init.c: GStreamer initialization and an element check, so a
 * missing plugin package is one clear start-up error, not a camera that
 * fails forever. */
#define G_LOG_DOMAIN "rvi-ingest"
#include "pipelines-init.h"

#include <gio/gio.h>
#include <gst/gst.h>

static const char *const required[] = {
  "rtspsrc", "rtph264depay", "rtph265depay", "h264parse", "h265parse", "tee", "queue",
  "splitmuxsink", "mp4mux", NULL
};

gboolean
rvi_pipelines_init (GError **error)
{
  if (!gst_init_check (NULL, NULL, error))
    return FALSE;
  for (const char *const *name = required; *name; name++) {
    g_autoptr (GstElementFactory) f = gst_element_factory_find (*name);
    if (!f) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "GStreamer element %s is missing (install the packages in "
                   "deploy/debian-packages.txt)", *name);
      return FALSE;
    }
  }
  return TRUE;
}
