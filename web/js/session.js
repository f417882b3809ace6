// session.js: who is signed in. Holds the answer of POST/GET /api/session in
// memory only; the session itself is the HttpOnly cookie, and a reload asks
// GET /api/session again (which also hands back the CSRF token).

import { DEFAULT_ZONE } from './time.js';

let current = null;

// body: {user: {id, username, display_name, role}, csrf_token, settings}
export function setSession (body) {
  current = {
    user: body.user,
    csrfToken: body.csrf_token ?? null,
    zone: body.settings?.display_timezone || DEFAULT_ZONE,
  };
  return current;
}

export function session () {
  return current;
}

export function clearSession () {
  current = null;
}

// The display time zone: the session's setting, Beijing time otherwise.
export function displayZone () {
  return current?.zone ?? DEFAULT_ZONE;
}

// The name to show for the signed-in user.
export function displayName (user = current?.user) {
  return user?.display_name || user?.username || '';
}
