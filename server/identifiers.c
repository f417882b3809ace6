/* identifiers.c: customs identifiers. */
#include "identifiers.h"

gboolean
rvi_gacc_camera_id_valid (const char *id)
{
  if (!id || strlen (id) != 20)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

gboolean
rvi_is_uuid (const char *s)
{
  static const int dash_at[] = { 8, 13, 18, 23 };

  if (!s || strlen (s) != 36)
    return FALSE;
  for (int i = 0; i < 36; i++) {
    gboolean dash = i == dash_at[0] || i == dash_at[1] || i == dash_at[2] || i == dash_at[3];
    if (dash ? s[i] != '-' : !g_ascii_isxdigit (s[i]))
      return FALSE;
  }
  return TRUE;
}
