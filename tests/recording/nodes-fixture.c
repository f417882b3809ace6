/* nodes-fixture.c: a cluster of rvi nodes for the tests (nodes-fixture.h). */
#include "nodes-fixture.h"
#include "db.h"
#include "rvi-test.h"

#include <signal.h>

NodesFixture nf;

const char *
nodes_fixture_node_name (int i)
{
  static const char *const names[NODES_MAX] = { "yard-a", "yard-b", "yard-c", "yard-d" };
  return names[i];
}

void
nodes_fixture_start_node (int i)
{
  g_autofree char *dir = g_strdup_printf ("%s/%s", nf.tmpdir, nodes_fixture_node_name (i));
  g_autofree char *log = g_strdup_printf ("%s/%s.log", nf.tmpdir, nodes_fixture_node_name (i));
  const char *argv[] = { rvi_test_bin (), "serve", "--config", nf.conf, "--data-dir", dir,
                         "--listen", "127.0.0.1:0", "--database-url",
                         rvi_embedded_pg_get_conninfo (nf.pg), "--node",
                         nodes_fixture_node_name (i), NULL };

  g_clear_pointer (&nf.urls[i], g_free);
  nf.nodes[i] = rvi_test_spawn (argv, log, "rvi: listening on ", &nf.urls[i]);
  g_strstrip (nf.urls[i]);
}

/* The operator's, the auditor's and the inspector's tokens, made with the
 * CLI. */
static void
make_users (void)
{
  g_autofree char *first_dir = g_strdup_printf ("%s/%s", nf.tmpdir, nodes_fixture_node_name (0));
  const char *add[] = { rvi_test_bin (), "user", "add", "op", "--role", "operator", "--data-dir",
                        first_dir, "--database-url", rvi_embedded_pg_get_conninfo (nf.pg), NULL };
  const char *tok[] = { rvi_test_bin (), "token", "create", "op", "--data-dir", first_dir,
                        "--database-url", rvi_embedded_pg_get_conninfo (nf.pg), NULL };

  g_assert_cmpint (rvi_test_run (add, "operator-pass\n", NULL), ==, 0);
  g_assert_cmpint (rvi_test_run (tok, NULL, &nf.token), ==, 0);
  g_strstrip (nf.token);
  add[3] = tok[3] = "aud";
  add[5] = "auditor";
  g_assert_cmpint (rvi_test_run (add, "auditor-pass\n", NULL), ==, 0);
  g_assert_cmpint (rvi_test_run (tok, NULL, &nf.audit_token), ==, 0);
  g_strstrip (nf.audit_token);
  add[3] = tok[3] = "insp";
  add[5] = "inspector";
  g_assert_cmpint (rvi_test_run (add, "inspector-pass\n", NULL), ==, 0);
  g_assert_cmpint (rvi_test_run (tok, NULL, &nf.insp_token), ==, 0);
  g_strstrip (nf.insp_token);
}

void
nodes_fixture_start (const char *name, int n_nodes, int lease_s, const char *extra_conf)
{
  g_autofree char *pg_dir = NULL;
  g_autofree char *conf_text = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (n_nodes, <=, NODES_MAX);
  nf.n_nodes = n_nodes;
  nf.tmpdir = rvi_test_make_tmpdir (name);
  nf.conf = g_build_filename (nf.tmpdir, "rvi.conf", NULL);
  /* nodes share the keys: camera passwords and export signatures are the district's */
  conf_text = g_strdup_printf ("[rvi]\nbackoff_cap=4\nstall_timeout_ms=3000\n"
                               "connect_timeout_ms=5000\nsample_interval_ms=0\nlease=%d\n"
                               "credentials_key=%s/keys/credentials.key\n"
                               "signing_key=%s/keys/signing.key\n%s", lease_s, nf.tmpdir,
                               nf.tmpdir, extra_conf ? extra_conf : "");
  g_assert_true (g_file_set_contents (nf.conf, conf_text, -1, NULL));
  pg_dir = g_build_filename (nf.tmpdir, "db", NULL);
  nf.pg = rvi_embedded_pg_start (pg_dir, "postgres", &error);
  g_assert_no_error (error);
  for (int i = 0; i < n_nodes; i++)   /* one at a time: the first creates the keys */
    nodes_fixture_start_node (i);
  make_users ();
}

void
nodes_fixture_start_camsim (int cameras)
{
  g_autofree char *listen = NULL;
  g_autofree char *count = g_strdup_printf ("%d", cameras);

  nf.camsim_port = rvi_test_free_port ();
  listen = g_strdup_printf ("127.0.0.1:%u", nf.camsim_port);
  {
    const char *argv[] = { rvi_test_bin (), "camsim", "--listen", listen, "--cameras", count,
                           "--size", "320x180", "--fps", "10", NULL };
    nf.camsim = rvi_test_spawn (argv, NULL, "camsim: serving ", NULL);
  }
}

char *
nodes_fixture_add_camera (int node, int k, int segment_s)
{
  g_autofree char *body = g_strdup_printf ("{\"name\": \"siding %d\", \"url\":"
                                           " \"rtsp://127.0.0.1:%u/cam%d\","
                                           " \"segment_seconds\": %d}", k, nf.camsim_port, k,
                                           segment_s);
  g_autoptr (TestResponse) r = nodes_fixture_api (nf.token, node, "POST", "/api/cameras", body);

  g_assert_cmpuint (r->status, ==, 201);
  return g_strdup (test_json_string (r, "camera.id"));
}

PGconn *
nodes_fixture_db (void)
{
  g_autoptr (GError) error = NULL;
  PGconn *c = rvi_db_connect (rvi_embedded_pg_get_conninfo (nf.pg), 5, &error);

  g_assert_no_error (error);
  return c;
}

PGresult *
nodes_fixture_query (PGconn *c, const char *sql)
{
  g_autoptr (GError) error = NULL;
  PGresult *res = rvi_db_exec (c, sql, 0, NULL, &error);

  g_assert_no_error (error);
  return res;
}

TestResponse *
nodes_fixture_api (const char *bearer, int node, const char *method, const char *path,
                   const char *body)
{
  g_autoptr (TestClient) c = test_client_new (nf.urls[node]);

  c->bearer = g_strdup (bearer);
  return test_request (c, method, path, body, NULL);
}

void
nodes_fixture_stop (int status)
{
  for (int i = 0; i < nf.n_nodes; i++) {
    if (nf.nodes[i]) {
      rvi_test_kill (nf.nodes[i], SIGTERM);
      g_clear_object (&nf.nodes[i]);
    }
    g_clear_pointer (&nf.urls[i], g_free);
  }
  if (nf.camsim) {
    rvi_test_kill (nf.camsim, SIGTERM);
    g_clear_object (&nf.camsim);
  }
  rvi_embedded_pg_stop (nf.pg);
  if (status == 0)
    rvi_test_rmtree (nf.tmpdir);
  else
    g_printerr ("test data kept in %s\n", nf.tmpdir);
  g_clear_pointer (&nf.tmpdir, g_free);
  g_clear_pointer (&nf.conf, g_free);
  g_clear_pointer (&nf.token, g_free);
  g_clear_pointer (&nf.audit_token, g_free);
  g_clear_pointer (&nf.insp_token, g_free);
}
