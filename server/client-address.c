/* client-address.c: X-Forwarded-For from trusted proxies only
 * (client-address.h). Masks are GInetAddressMask; an address without a
 * length is a mask of its full length. */
#define G_LOG_DOMAIN "rvi-http"
#include "client-address.h"
#include "rvi-error.h"

#include <string.h>

struct _RviTrustedProxies {
  GPtrArray *masks;   /* GInetAddressMask */
};

void
rvi_trusted_proxies_free (RviTrustedProxies *t)
{
  if (!t)
    return;
  g_ptr_array_unref (t->masks);
  g_free (t);
}

/* "ADDRESS" or "ADDRESS/LENGTH" (the length checked here: GIO warns on
 * one beyond 128). */
static GInetAddressMask *
parse_mask (const char *text)
{
  g_auto (GStrv) parts = g_strsplit (text, "/", 2);
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (parts[0]);
  guint64 length;

  if (!address)
    return NULL;
  length = g_inet_address_get_native_size (address) * 8;
  if (parts[1] && !g_ascii_string_to_unsigned (parts[1], 10, 0, length, &length, NULL))
    return NULL;
  return g_inet_address_mask_new (address, (guint) length, NULL);
}

RviTrustedProxies *
rvi_trusted_proxies_parse (const char *text, GError **error)
{
  g_auto (GStrv) parts = g_strsplit_set (text ? text : "", ", \t", -1);
  g_autoptr (GPtrArray) masks = g_ptr_array_new_with_free_func (g_object_unref);
  RviTrustedProxies *t;

  for (guint i = 0; parts[i]; i++) {
    GInetAddressMask *mask;

    if (!*parts[i])
      continue;
    if (!(mask = parse_mask (parts[i]))) {
      g_set_error (error, RVI_ERROR, RVI_ERROR_CONFIG,
                   "trusted_proxies: \"%s\" is not an address or an address/length mask",
                   parts[i]);
      return NULL;
    }
    g_ptr_array_add (masks, mask);
  }
  if (masks->len == 0)
    return NULL;
  t = g_new0 (RviTrustedProxies, 1);
  t->masks = g_steal_pointer (&masks);
  return t;
}

static gboolean
trusted (const RviTrustedProxies *t, GInetAddress *address)
{
  for (guint i = 0; i < t->masks->len; i++)
    if (g_inet_address_mask_matches (t->masks->pdata[i], address))
      return TRUE;
  return FALSE;
}

static gboolean
trusted_text (const RviTrustedProxies *t, const char *text)
{
  g_autoptr (GInetAddress) address = text ? g_inet_address_new_from_string (text) : NULL;

  return address && trusted (t, address);
}

char *
rvi_client_address (const RviTrustedProxies *t, const char *peer, const char *forwarded_for)
{
  g_auto (GStrv) hops = NULL;
  const char *client = peer;

  if (!t || !forwarded_for || !trusted_text (t, peer))
    return g_strdup (peer);
  hops = g_strsplit (forwarded_for, ",", -1);
  for (int i = (int) g_strv_length (hops) - 1; i >= 0; i--) {
    g_autoptr (GInetAddress) address = g_inet_address_new_from_string (g_strstrip (hops[i]));

    if (!address)
      break;   /* not an address: nothing to its left can be believed */
    client = hops[i];
    if (!trusted (t, address))
      break;
  }
  return g_strdup (client);
}
