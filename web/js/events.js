// events.js: the live event feed, one WebSocket to /api/events per tab
// (the session cookie authenticates it). The server sends
// {seq, kind, id, lot_id} for every change (kinds lot, lot_status, wagon,
// inspection, inspection_signed, mark, decision, decision_approval,
// lab_result), {kind: 'hello'} on connect and {kind: 'resync'} after it
// lost events.
//
// DESIGN: an event only says what changed; pages refetch what they show.
// Listeners get every event, and {kind: 'resync'} whenever they may have
// missed some: after every (re)connection (its hello) and when the server
// says so. The socket opens while some page listens and closes a little
// after the last one leaves (a navigation between two live pages keeps
// it). A lost connection is retried with exponential back-off, 1 s
// doubling to 30 s, with jitter so a restarted server is not hit by every
// tab at once. Without the feed the pages still work: they refetch after
// their own actions and when the window regains focus (live.js).
//
// Close code 4001: the server closed the feed because the session ended,
// the user changed, or the session is due a check. The feed asks
// GET /api/session (confirmSession(), which the live view's sockets use
// too): a 401 goes to the login page like any request (the api's
// unauthorized handler); an answer reconnects at once.

import { get } from './api.js';
import { session } from './session.js';

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30000;
const LINGER_MS = 5000;
const CLOSE_SESSION = 4001;

const listeners = new Set();
const statusListeners = new Set();
let socket = null;
let status = 'idle';  // idle | connecting | live | offline
let attempt = 0;      // failed connections since the last hello
let retryTimer = null;
let lingerTimer = null;

// socketUrl('/api/x', {protocol: 'http:', host: 'h:8080'}) -> 'ws://h:8080/api/x':
// a WebSocket URL on the page's own origin (the session cookie goes along).
export function socketUrl (path, loc = globalThis.location) {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${path}`;
}

// 'http://host:8080/...' -> 'ws://host:8080/api/events'
export function feedUrl (loc = globalThis.location) {
  return socketUrl('/api/events', loc);
}

// The wait before reconnection number attempt (0-based): 1, 2, 4, ... 30 s,
// each between 75 % and 125 % of that.
export function backoffMs (attempt, random = Math.random) {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.75 + 0.5 * random()));
}

// A message of the feed as an event, or null when it is not one.
export function parseEvent (data) {
  let msg;
  try {
    msg = JSON.parse(data);
  } catch {
    return null;
  }
  return msg && typeof msg === 'object' && typeof msg.kind === 'string' ? msg : null;
}

function setStatus (next) {
  if (status === next) return;
  status = next;
  for (const fn of statusListeners) fn(status);
}

function deliver (event) {
  for (const fn of [...listeners]) {
    try {
      fn(event);
    } catch (error) {
      console.error(error);
    }
  }
}

function connect () {
  clearTimeout(retryTimer);
  retryTimer = null;
  if (socket || !listeners.size || !session()) return;
  if (status !== 'offline') setStatus('connecting');
  let ws;
  try {
    ws = new WebSocket(feedUrl());
  } catch {
    scheduleRetry();
    return;
  }
  socket = ws;
  ws.addEventListener('message', (e) => {
    if (socket !== ws) return;
    const event = parseEvent(e.data);
    if (!event) return;
    if (event.kind === 'hello') {
      attempt = 0;
      setStatus('live');
      deliver({ kind: 'resync' });
    } else if (event.kind === 'resync') {
      deliver({ kind: 'resync' });
    } else {
      deliver(event);
    }
  });
  ws.addEventListener('close', (e) => {
    if (socket !== ws) return;
    socket = null;
    setStatus('offline');
    if (e.code === CLOSE_SESSION) checkSession();
    else scheduleRetry();
  });
}

// After a close with 4001 (here and on the live view's sockets): asks
// GET /api/session. 'valid': reconnect at once; 'ended': the 401 went to
// the login page (the api's unauthorized handler); 'unknown': the server
// was not reached, retry with back-off.
export async function confirmSession () {
  try {
    await get('/api/session');
  } catch (error) {
    return error.handled ? 'ended' : 'unknown';
  }
  return 'valid';
}

async function checkSession () {
  const answer = await confirmSession();
  if (answer === 'ended') return;
  if (answer === 'unknown') {
    scheduleRetry();
    return;
  }
  attempt = 0;
  connect();
}

function scheduleRetry () {
  if (retryTimer || !listeners.size || !session()) return;
  retryTimer = setTimeout(connect, backoffMs(attempt));
  attempt += 1;
}

function closeSocket () {
  clearTimeout(retryTimer);
  clearTimeout(lingerTimer);
  retryTimer = lingerTimer = null;
  const ws = socket;
  socket = null;
  attempt = 0;
  ws?.close();
  setStatus('idle');
}

// subscribe(fn) -> unsubscribe(). fn(event) gets every event and
// {kind: 'resync'} when it should refetch everything it shows.
export function subscribe (fn) {
  listeners.add(fn);
  clearTimeout(lingerTimer);
  lingerTimer = null;
  connect();
  return () => {
    listeners.delete(fn);
    if (!listeners.size && !lingerTimer) lingerTimer = setTimeout(closeSocket, LINGER_MS);
  };
}

// onFeedStatus(fn) -> unsubscribe(); fn(status) now and on every change.
export function onFeedStatus (fn) {
  statusListeners.add(fn);
  fn(status);
  return () => statusListeners.delete(fn);
}

export function feedStatus () {
  return status;
}

// Closes the feed at once (sign-out, session ended). Listeners stay; the
// next subscribe or the next sign-in's pages open it again.
export function stopEvents () {
  closeSocket();
}

// The network came back: try now instead of waiting out the back-off.
globalThis.addEventListener?.('online', () => {
  if (retryTimer) connect();
});
