/* ingest-info.c: the plain data of ingest.h: failure names, stream and
 * segment info. */
#define G_LOG_DOMAIN "rvi-ingest"

#include "ingest.h"

#include <string.h>

const char *
rvi_ingest_failure_to_string (RviIngestFailure failure)
{
  static const char *const names[] = {
    [RVI_INGEST_FAILURE_UNREACHABLE] = "unreachable",
    [RVI_INGEST_FAILURE_AUTH] = "auth_failed",
    [RVI_INGEST_FAILURE_TIMEOUT] = "timeout",
    [RVI_INGEST_FAILURE_STREAM_ENDED] = "stream_ended",
    [RVI_INGEST_FAILURE_NO_VIDEO] = "no_video",
    [RVI_INGEST_FAILURE_UNSUPPORTED] = "unsupported_codec",
    [RVI_INGEST_FAILURE_DISK] = "disk_error",
    [RVI_INGEST_FAILURE_OTHER] = "other",
  };

  if ((guint) failure >= G_N_ELEMENTS (names))
    return "other";
  return names[failure];
}

void
rvi_stream_info_clear (RviStreamInfo *info)
{
  g_clear_pointer (&info->codec, g_free);
  g_clear_pointer (&info->codec_string, g_free);
  memset (info, 0, sizeof *info);
}

void
rvi_segment_info_free (RviSegmentInfo *segment)
{
  if (segment == NULL)
    return;
  g_free (segment->path);
  g_free (segment->sha256);
  g_clear_pointer (&segment->fragments, g_array_unref);
  rvi_stream_info_clear (&segment->info);
  g_free (segment);
}
