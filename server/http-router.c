/* http-router.c: matching paths against the route table. */
#define G_LOG_DOMAIN "rvi-http"
#include "http-router.h"
#include "identifiers.h"

/* TRUE when @path fits @pattern; sets @id to the {id} segment if any. */
static gboolean
path_matches (const char *pattern, const char *path, char **id)
{
  g_auto (GStrv) pp = g_strsplit (pattern, "/", -1);
  g_auto (GStrv) sp = g_strsplit (path, "/", -1);
  const char *found = NULL;

  if (g_strv_length (pp) != g_strv_length (sp))
    return FALSE;
  for (guint i = 0; pp[i]; i++) {
    if (g_str_equal (pp[i], "{id}")) {
      if (!rvi_is_uuid (sp[i]))
        return FALSE;
      found = sp[i];
    } else if (!g_str_equal (pp[i], sp[i])) {
      return FALSE;
    }
  }
  *id = found ? g_ascii_strdown (found, -1) : NULL;
  return TRUE;
}

RviRouteMatch
rvi_router_match (GArray *routes, const char *method, const char *path,
                  const RviRoute **route, char **id, char **allow)
{
  g_autoptr (GString) methods = NULL;

  *route = NULL;
  *id = NULL;
  *allow = NULL;
  for (guint i = 0; i < routes->len; i++) {
    const RviRoute *r = &g_array_index (routes, RviRoute, i);
    g_autofree char *rid = NULL;

    if (!path_matches (r->pattern, path, &rid))
      continue;
    if (g_str_equal (r->method, method)
        || (g_str_equal (method, "HEAD") && g_str_equal (r->method, "GET"))) {
      *route = r;
      *id = g_steal_pointer (&rid);
      return RVI_ROUTE_MATCHED;
    }
    if (!methods)
      methods = g_string_new (r->method);
    else if (!strstr (methods->str, r->method))
      g_string_append_printf (methods, ", %s", r->method);
  }
  if (!methods)
    return RVI_ROUTE_NO_PATH;
  *allow = g_string_free (g_steal_pointer (&methods), FALSE);
  return RVI_ROUTE_NO_METHOD;
}
