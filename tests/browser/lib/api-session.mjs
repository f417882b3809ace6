// api-session.mjs: the API as one user, for a test's set-up and checks
// (what the UI does not need to be driven for): POST /api/session, then
// every call with the session cookie and the CSRF token.

import { assertEqual } from './tap.mjs';

// apiSession(baseUrl, {name, password}) -> call(method, path, body?) -> {status, body}
// call.cookie is the session cookie ('name=value'), for requests made by
// hand. Fails (an assertion) when the login is refused.
export async function apiSession (baseUrl, user) {
  const res = await fetch(new URL('/api/session', baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user.name, password: user.password }),
  });
  assertEqual(res.status, 200, `login of ${user.name}`);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await res.json();
  const call = async (method, p, body) => {
    const r = await fetch(new URL(p, baseUrl), {
      method,
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  };
  call.cookie = cookie;
  return call;
}
