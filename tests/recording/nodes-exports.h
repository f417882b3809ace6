/* nodes-exports.h: evidence exports in the nodes tests (nodes-fixture.h):
 * one asked of a node and waited for, its package downloaded through a
 * node, verified offline and unpacked. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* POSTs @body to /api/exports of node @node as the auditor and waits (up
 * to 90 s) until it is done; its id (transfer full). Fails the test if it
 * fails. */
char *nodes_export_done (int node, const char *body);

/* Export @id's package, downloaded through node @node (its SHA-256 as the
 * X-Package-SHA256 header says), verified by `rvi evidence verify` and
 * unpacked into a new directory of the fixture's; that directory
 * (transfer full), holding rvi-evidence-ID/. */
char *nodes_export_unpack (int node, const char *id);

G_END_DECLS
