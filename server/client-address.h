/* client-address.h: the address a request came from, through trusted
 * proxies.
 *
 * Behind a load balancer, or when another rvi node passes a request on
 * (node-proxy.c, live-relay.c), the peer of the connection is the proxy,
 * not the browser. With `trusted_proxies` set (addresses or CIDR masks,
 * separated by commas or spaces), a request whose peer is one of them is
 * taken to come from the address X-Forwarded-For names: the right-most
 * entry that is not itself a trusted proxy (entries to its left could be
 * anything a client sent). Audit events, sessions and the login
 * throttle then see the browser's address. Without the setting, or from
 * any other peer, the header is ignored. */
#pragma once

#include <gio/gio.h>

typedef struct _RviTrustedProxies RviTrustedProxies;

/* NULL for an empty @text (trust no one, not an error) and with @error
 * naming the entry that is not an address or mask. */
RviTrustedProxies *rvi_trusted_proxies_parse (const char *text, GError **error);
void rvi_trusted_proxies_free (RviTrustedProxies *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RviTrustedProxies, rvi_trusted_proxies_free)

/* The client's address (newly allocated): @peer, or when @peer is trusted
 * and @forwarded_for (X-Forwarded-For, may be NULL) says more, the
 * address it names. A malformed entry ends the walk at the address
 * before it. */
char *rvi_client_address (const RviTrustedProxies *t, const char *peer,
                          const char *forwarded_for);
