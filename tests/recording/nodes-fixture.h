/* nodes-fixture.h: several `rvi serve --node` processes on one private
 * PostgreSQL, camsim, and an operator's, an auditor's and an inspector's
 * API tokens, for the tests of docs/nodes.md. One cluster per program. */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

#include "embedded-postgres.h"
#include "http-client.h"

G_BEGIN_DECLS

#define NODES_MAX 4

typedef struct {
  char *tmpdir;
  char *conf;
  RviEmbeddedPg *pg;
  int n_nodes;
  GSubprocess *nodes[NODES_MAX];
  char *urls[NODES_MAX];          /* http://127.0.0.1:PORT/ */
  GSubprocess *camsim;
  guint16 camsim_port;
  char *token;                    /* an operator's */
  char *audit_token;              /* an auditor's */
  char *insp_token;               /* an inspector's */
} NodesFixture;

extern NodesFixture nf;

/* Starts PostgreSQL and @n_nodes nodes (yard-a, yard-b ...) sharing a
 * config with @lease_s and the district's keys, plus @extra_conf lines;
 * creates the users and tokens. */
void nodes_fixture_start (const char *name, int n_nodes, int lease_s, const char *extra_conf);
/* Stops everything; removes the data unless @status failed. */
void nodes_fixture_stop (int status);

const char *nodes_fixture_node_name (int i);
void nodes_fixture_start_node (int i);
/* camsim with @cameras cameras of 320x180 at 10 fps. */
void nodes_fixture_start_camsim (int cameras);
/* Links camsim's camera @k (1-based) through node @node; its id (transfer full). */
char *nodes_fixture_add_camera (int node, int k, int segment_s);

PGconn *nodes_fixture_db (void);
/* @sql's result; fails the test on error. */
PGresult *nodes_fixture_query (PGconn *c, const char *sql);
TestResponse *nodes_fixture_api (const char *bearer, int node, const char *method,
                                 const char *path, const char *body);

G_END_DECLS
