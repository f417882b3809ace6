/* live-webrtc-sdp.c: see live-webrtc-sdp.h. */
#define G_LOG_DOMAIN "rvi-live"
#include "live-webrtc-sdp.h"
#include "rvi-error.h"

#include <stdlib.h>
#include <string.h>

/* The payload type of an "a=rtpmap:PT H264/90000" value, or -1. */
static int
h264_payload_type (const char *rtpmap)
{
  char *end = NULL;
  long pt = strtol (rtpmap, &end, 10);

  if (end == rtpmap || pt < 0 || pt > 127 || *end != ' ')
    return -1;
  while (*end == ' ')
    end++;
  return g_ascii_strncasecmp (end, "H264/", 5) == 0 ? (int)pt : -1;
}

/* The index of the fmtp attribute of @pt in @media, or -1. */
static int
find_fmtp (const GstSDPMedia *media, int pt)
{
  g_autofree char *prefix = g_strdup_printf ("%d ", pt);

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);

    if (g_strcmp0 (a->key, "fmtp") == 0 && a->value && g_str_has_prefix (a->value, prefix))
      return (int)i;
  }
  return -1;
}

/* "PT p1=v1;p2=v2" with the profile set, asymmetry allowed, mode 1 kept or
 * added, and the sprop parameter sets removed. */
static char *
rewrite_fmtp (int pt, const char *params, const char *profile_level_id, char **previous)
{
  g_auto (GStrv) parts = g_strsplit (params ? params : "", ";", -1);
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean have_mode = FALSE;

  g_string_printf (out, "%d ", pt);
  for (guint i = 0; parts[i]; i++) {
    char *p = g_strstrip (parts[i]);

    if (*p == '\0' || g_str_has_prefix (p, "level-asymmetry-allowed=")
        || g_str_has_prefix (p, "sprop-parameter-sets="))
      continue;
    if (g_str_has_prefix (p, "profile-level-id=")) {
      if (previous && !*previous)
        *previous = g_strdup (p + strlen ("profile-level-id="));
      continue;
    }
    have_mode |= g_str_has_prefix (p, "packetization-mode=");
    g_string_append_printf (out, "%s;", p);
  }
  if (!have_mode)
    g_string_append (out, "packetization-mode=1;");
  g_string_append_printf (out, "level-asymmetry-allowed=1;profile-level-id=%s", profile_level_id);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static guint
rewrite_media (GstSDPMedia *media, const char *profile_level_id, char **previous)
{
  guint rewritten = 0;
  guint n = gst_sdp_media_attributes_len (media);

  for (guint i = 0; i < n; i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    int pt = g_strcmp0 (a->key, "rtpmap") == 0 && a->value ? h264_payload_type (a->value) : -1;
    int at;
    const char *params;
    g_autofree char *value = NULL;

    if (pt < 0)
      continue;
    at = find_fmtp (media, pt);
    params = NULL;
    if (at >= 0) {
      params = strchr (gst_sdp_media_get_attribute (media, (guint)at)->value, ' ');
      params = params ? params + 1 : NULL;
    }
    value = rewrite_fmtp (pt, params, profile_level_id, previous);
    if (at >= 0) {
      GstSDPAttribute attr = { 0 };

      gst_sdp_attribute_set (&attr, "fmtp", value);
      gst_sdp_media_replace_attribute (media, (guint)at, &attr);
    } else {
      gst_sdp_media_add_attribute (media, "fmtp", value);
    }
    rewritten++;
  }
  return rewritten;
}

guint
rvi_live_webrtc_sdp_set_h264_profile (GstSDPMessage *sdp, const char *profile_level_id,
                                      char **previous)
{
  guint rewritten = 0;

  if (previous)
    *previous = NULL;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    /* the message's own media, changed in place (the API hands it out const) */
    GstSDPMedia *media = (GstSDPMedia *)gst_sdp_message_get_media (sdp, i);

    if (g_strcmp0 (gst_sdp_media_get_media (media), "video") == 0)
      rewritten += rewrite_media (media, profile_level_id, previous);
  }
  return rewritten;
}

guint
rvi_live_webrtc_sdp_set_setup (GstSDPMessage *sdp, const char *setup)
{
  guint replaced = 0;

  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    GstSDPMedia *media = (GstSDPMedia *)gst_sdp_message_get_media (sdp, i);

    for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++) {
      GstSDPAttribute attr = { 0 };

      if (g_strcmp0 (gst_sdp_media_get_attribute (media, j)->key, "setup") != 0)
        continue;
      gst_sdp_attribute_set (&attr, "setup", setup);
      gst_sdp_media_replace_attribute (media, j, &attr);
      replaced++;
    }
  }
  return replaced;
}

const char *
rvi_live_webrtc_sdp_check_candidate (const char *candidate, gboolean *mdns, GError **error)
{
  g_auto (GStrv) fields = NULL;
  const char *address;

  *mdns = FALSE;
  if (g_str_has_prefix (candidate, "a="))
    candidate += 2;
  if (*candidate == '\0')
    return candidate;
  if (!g_str_has_prefix (candidate, "candidate:")) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "not an ice candidate");
    return NULL;
  }
  /* candidate:foundation component transport priority address port typ type */
  fields = g_strsplit (candidate, " ", 9);
  if (g_strv_length (fields) < 8 || g_strcmp0 (fields[6], "typ") != 0) {
    g_set_error (error, RVI_ERROR, RVI_ERROR_INVALID_INPUT, "malformed ice candidate");
    return NULL;
  }
  address = fields[4];
  *mdns
      = strlen (address) > 6 && g_ascii_strcasecmp (address + strlen (address) - 6, ".local") == 0;
  return candidate;
}
