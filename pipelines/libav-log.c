/* libav-log.c: av_log_set_callback to g_debug. */
#define G_LOG_DOMAIN "rvi-libav"
#include "libav-log.h"

#include <libavutil/log.h>
#include <stdio.h>

static void
forward (void *avcl, int level, const char *format, va_list args)
{
  char line[512];
  int print_prefix = 1;

  if (level > AV_LOG_WARNING)
    return;
  av_log_format_line (avcl, level, format, args, line, sizeof line, &print_prefix);
  g_debug ("%s", g_strchomp (line));
}

void
rvi_libav_log_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    av_log_set_callback (forward);
    g_once_init_leave (&done, 1);
  }
}
