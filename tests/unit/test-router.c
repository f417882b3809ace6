/* test-router: route matching and UUID paths. */
#include <glib.h>

#include "config.h"
#include "http-router.h"
#include "identifiers.h"
#include "roles.h"
#include "routes.h"

static void
test_uuid (void)
{
  g_assert_true (rvi_is_uuid ("8cd6d69e-f195-4c07-b976-bdf4a0bd9f32"));
  g_assert_true (rvi_is_uuid ("8CD6D69E-F195-4C07-B976-BDF4A0BD9F32"));
  g_assert_false (rvi_is_uuid ("8cd6d69e-f195-4c07-b976-bdf4a0bd9f3"));
  g_assert_false (rvi_is_uuid ("8cd6d69e-f195-4c07-b976-bdf4a0bd9f3g"));
  g_assert_false (rvi_is_uuid ("8cd6d69ef1954c07b976bdf4a0bd9f32aaaa"));
  g_assert_false (rvi_is_uuid ("../../etc/passwd"));
  g_assert_false (rvi_is_uuid (""));
}

static void
test_match (void)
{
  RviConfig config;
  g_autoptr (GArray) routes = NULL;
  const RviRoute *route;
  g_autofree char *id = NULL;
  g_autofree char *allow = NULL;

  rvi_config_init (&config);
  routes = rvi_routes_new (&config);
  g_assert_cmpint (rvi_router_match (routes, "GET", "/api/users", &route, &id, &allow), ==,
                   RVI_ROUTE_MATCHED);
  g_assert_cmpstr (route->pattern, ==, "/api/users");
  g_assert_null (id);

  g_assert_cmpint (rvi_router_match (routes, "PATCH", "/api/users/8CD6D69E-F195-4C07-B976-BDF4A0BD9F32",
                                     &route, &id, &allow), ==, RVI_ROUTE_MATCHED);
  g_assert_cmpstr (id, ==, "8cd6d69e-f195-4c07-b976-bdf4a0bd9f32");   /* lower-cased */
  g_clear_pointer (&id, g_free);

  g_assert_cmpint (rvi_router_match (routes, "PUT", "/api/users", &route, &id, &allow), ==,
                   RVI_ROUTE_NO_METHOD);
  g_assert_cmpstr (allow, ==, "GET, POST");
  g_clear_pointer (&allow, g_free);

  g_assert_cmpint (rvi_router_match (routes, "HEAD", "/healthz", &route, &id, &allow), ==,
                   RVI_ROUTE_MATCHED);
  g_assert_cmpint (rvi_router_match (routes, "GET", "/api/users/not-a-uuid", &route, &id, &allow),
                   ==, RVI_ROUTE_NO_PATH);
  g_assert_cmpint (rvi_router_match (routes, "GET", "/api/users/", &route, &id, &allow), ==,
                   RVI_ROUTE_NO_PATH);
  g_assert_cmpint (rvi_router_match (routes, "GET", "/api", &route, &id, &allow), ==,
                   RVI_ROUTE_NO_PATH);
  rvi_config_clear (&config);
}

/* Every route declares roles that exist, and only probes are public. */
static void
test_table (void)
{
  RviConfig config;
  g_autoptr (GArray) routes = NULL;

  rvi_config_init (&config);
  routes = rvi_routes_new (&config);
  for (guint i = 0; i < routes->len; i++) {
    const RviRoute *r = &g_array_index (routes, RviRoute, i);
    g_assert_true (r->db || r->main);
    g_assert_cmpuint (r->roles & ~RVI_ROLES_ANY, ==, 0);
    if (r->roles == RVI_ROLES_PUBLIC)
      g_assert_true (g_strv_contains ((const char *const[]) { "/healthz", "/readyz", "/metrics",
                                                              "/api/session", NULL }, r->pattern));
  }
  config.metrics_public = FALSE;
  g_clear_pointer (&routes, g_array_unref);
  routes = rvi_routes_new (&config);
  for (guint i = 0; i < routes->len; i++) {
    const RviRoute *r = &g_array_index (routes, RviRoute, i);
    if (g_str_equal (r->pattern, "/metrics"))
      g_assert_cmpuint (r->roles, ==, RVI_ROLE_ADMIN | RVI_ROLE_OPERATOR);
  }
  rvi_config_clear (&config);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/router/uuid", test_uuid);
  g_test_add_func ("/router/match", test_match);
  g_test_add_func ("/router/table", test_table);
  return g_test_run ();
}
