// camera/live-player.js: the live picture of one camera tile, over the
// live socket GET /api/cameras/{id}/live (docs/live.md).
//
// DESIGN. One socket at a time; each socket carries one "leg" in one
// transport:
//   webrtc  (the default for H.264): live-webrtc.js, into a <video>
//   mse     (WebRTC did not reach "connected" within 4 s of the offer, or
//            failed before it ever did: a network without UDP): live-mse.js
//   jpeg    (the hello names H.265, or the server closes with 4415):
//            live-jpeg.js, key frames only, into an <img>
// A WebRTC failure is remembered for the page for WEBRTC_SKIP_MS, so the
// other tiles (and the next visit) start with MSE instead of waiting the
// 4 s each. A stream whose frames arrive over WebRTC but do not decode
// (B-frames: live-webrtc.js) goes over MSE too, that camera only. A leg that switches transport reconnects at once; a socket
// that closes otherwise is reopened with events.js's back-off (1 s doubling
// to 30 s, reset by a picture), except 4404 (the camera is gone, when
// GET /api/cameras/{id} agrees) and 4001 (the session: GET /api/session
// first, as the event feed does).
//
// The tile's still stays under the live picture until the first frame of
// a leg; a leg that replaces the media (a new stream) shows the still again
// until its own first frame. When the last picture is older than STALE_MS
// (key-frame JPEGs: one and a half of their interval, if longer) the tile
// says how old. Video frames are timed by requestVideoFrameCallback (the
// moment the frame is presented), JPEGs by their arrival (the browser's
// clock; the server's `at` could be skewed against it).
//
// Data attributes on the tile (for the tests and the CSS):
//   data-transport   webrtc | mse | jpeg (the current leg's)
//   data-live-state  connecting | waiting | playing | offline | error | removed
//   data-stale       "true" when the picture shown is older than STALE_MS
// and on its .cam-view data-picture="video" | "jpeg" | "" (what covers the still).
//
// createLivePlayer({tile, camera}) -> {setCameraState(state), stop()}

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { backoffMs, confirmSession } from '../events.js';
import { CLOSE, liveUrl, parseLiveMessage, firstTransport, transportForCodec } from './live-socket.js';
import { startWebRtc } from './live-webrtc.js';
import { startMse } from './live-mse.js';
import { startJpeg, clearJpeg } from './live-jpeg.js';
import { liveOverlay } from './live-overlay.js';

export const STALE_MS = 2000;
const TICK_MS = 500;
const WEBRTC_SKIP_MS = 10 * 60 * 1000;
// Camera states (GET /api/cameras) in which it sends nothing.
const OFFLINE = new Set(['backing_off', 'auth_failed', 'disabled']);

let webrtcFailedAt = -Infinity;
const undecodable = new Map(); // camera id -> performance.now() when WebRTC did not decode it

// The age after which a picture counts as stale: STALE_MS, or for
// key-frame JPEGs one and a half times their interval when that is longer.
export function staleAfter (transport, intervalMs) {
  return transport === 'jpeg' && intervalMs ? Math.max(STALE_MS, 1.5 * intervalMs) : STALE_MS;
}

// Closes a socket without the console error Chromium logs for one closed
// while still connecting.
function closeQuietly (ws) {
  if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close(1000);
  else if (ws.readyState === WebSocket.OPEN) ws.close(1000);
}

function startTransport (cameraId) {
  const first = firstTransport();
  if (first !== 'webrtc') return first;
  const since = Math.min(performance.now() - webrtcFailedAt, performance.now() - (undecodable.get(cameraId) ?? -Infinity));
  return since < WEBRTC_SKIP_MS ? 'mse' : first;
}

export function createLivePlayer ({ tile, camera }) {
  const box = tile.querySelector('.cam-view');
  const video = h('video', { class: 'cam-live', muted: true, autoplay: true, playsinline: true, disablepictureinpicture: true, 'aria-label': t('liveView.videoLabel', { name: camera.name }) });
  video.muted = true;
  const img = h('img', { class: 'cam-live-jpeg', alt: t('liveView.jpegAlt', { name: camera.name }) });
  const overlay = liveOverlay();
  box.append(video, img, overlay.element);

  let cameraState = camera.state ?? '';
  let transport = startTransport(camera.id);
  let ws = null;        // the current socket
  let leg = null;       // {kind, close(), ...} of the current socket
  let legState = 'connecting';
  let detail = '';
  let attempt = 0;
  let retryTimer = null;
  let retrying = false;
  let picture = '';     // 'video' | 'jpeg' | '': what covers the still now
  let lastPictureAt = null;
  let jpegInterval = 0;
  let stopped = false;

  let shown = '';
  // Brings the tile's attributes and overlay up to date; writes nothing when
  // nothing changed (it runs on every frame and every TICK_MS).
  function render () {
    const now = performance.now();
    const ageMs = lastPictureAt === null ? 0 : now - lastPictureAt;
    const stale = picture !== '' && ageMs > staleAfter(transport, jpegInterval);
    let state = legState;
    if (OFFLINE.has(cameraState) && (legState !== 'playing' || stale)) state = 'offline';
    else if (legState === 'playing' && picture === '') state = 'connecting';
    const view = { transport, state, stale, ageMs: stale ? Math.floor(ageMs / 1000) * 1000 : 0, retrying, detail };
    const key = JSON.stringify([view, picture]);
    if (key === shown) return;
    shown = key;
    tile.dataset.transport = transport;
    tile.dataset.liveState = state;
    tile.dataset.stale = String(stale);
    box.dataset.picture = picture;
    overlay.render(view);
  }

  function onPresented (kind) {
    if (stopped) return;
    const now = performance.now();
    if (kind === 'jpeg' && lastPictureAt !== null && picture === 'jpeg') jpegInterval = now - lastPictureAt;
    lastPictureAt = now;
    picture = kind;
    legState = 'playing';
    detail = '';
    attempt = 0;
    render();
  }

  // Frames presented by the <video>, whatever its source.
  if ('requestVideoFrameCallback' in video) {
    const onFrame = () => {
      if (stopped) return;
      if (leg?.kind === 'webrtc' || leg?.kind === 'mse') onPresented('video');
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  } else {
    let shown = -1;
    video.addEventListener('timeupdate', () => {
      if (video.currentTime !== shown && (leg?.kind === 'webrtc' || leg?.kind === 'mse')) onPresented('video');
      shown = video.currentTime;
    });
  }

  // A leg brings new media: the still shows until its first frame.
  function mediaReplaced () {
    picture = '';
    render();
  }

  function endLeg () {
    leg?.close();
    leg = null;
  }

  function send (msg) {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  // Drops the current socket (its close event is ignored) and connects again.
  function reconnect (next, delayMs = 0) {
    endLeg();
    if (ws) closeQuietly(ws);
    ws = null;
    transport = next;
    if (delayMs > 0) {
      retrying = true;
      retryTimer = setTimeout(() => connect(), delayMs);
    } else {
      connect();
    }
    render();
  }

  function retryLater (next = transport) {
    const delay = backoffMs(attempt);
    attempt += 1;
    reconnect(next, delay);
  }

  function startLeg (msg) {
    if (transport === 'webrtc' && (msg.type === 'offer' || msg.type === 'ice')) {
      if (!leg) {
        leg = { kind: 'webrtc', ...startWebRtc(video, { send, onTrack: mediaReplaced, onConnected: render, onFailed: webrtcFailed }) };
      }
      leg.handle(msg);
    } else if (transport === 'mse' && msg.type === 'mse' && !leg) {
      if (typeof msg.mime !== 'string' || !globalThis.MediaSource?.isTypeSupported(msg.mime)) {
        reconnect('jpeg'); // a codec profile this browser's MSE cannot play
        return;
      }
      leg = { kind: 'mse', ...startMse(video, msg.mime, { onOverflow: () => retryLater('mse'), onError: mseFailed }) };
      mediaReplaced();
    } else if (transport === 'jpeg' && msg.type === 'jpeg') {
      if (!leg) leg = { kind: 'jpeg', ...startJpeg(img, { onPicture: () => { if (picture !== 'jpeg') mediaReplaced(); onPresented('jpeg'); } }) };
      leg.handle(msg);
    }
  }

  function webrtcFailed (reason, { wasConnected, undecodable: frames }) {
    if (stopped) return;
    detail = reason;
    if (frames) {
      undecodable.set(camera.id, performance.now());
      reconnect('mse');
      return;
    }
    if (wasConnected) {
      retryLater('webrtc'); // it worked here: the network is not the problem
      return;
    }
    webrtcFailedAt = performance.now();
    reconnect('mse');
  }

  function mseFailed (reason) {
    if (stopped) return;
    detail = reason;
    legState = 'error';
    retryLater('mse');
  }

  function onMessage (e) {
    if (typeof e.data !== 'string') {
      leg?.push?.(e.data);
      return;
    }
    const msg = parseLiveMessage(e.data);
    if (!msg) return;
    switch (msg.type) {
      case 'hello': {
        const next = transportForCodec(transport, msg.codec, msg.bframes === true);
        if (next !== transport) {
          reconnect(next);
        } else {
          if (legState === 'error') legState = 'connecting';
          detail = '';
          render();
        }
        break;
      }
      case 'waiting':
        legState = 'waiting';
        render();
        break;
      case 'error':
        detail = typeof msg.error === 'string' ? msg.error : String(msg.code ?? '');
        legState = 'error';
        render();
        break;
      default:
        startLeg(msg);
    }
  }

  async function cameraGone () {
    try {
      await get(`/api/cameras/${encodeURIComponent(camera.id)}`);
      return false;
    } catch (error) {
      return error.status === 404;
    }
  }

  async function onClose (e) {
    endLeg();
    ws = null;
    if (e.code === CLOSE.REMOVED) {
      // docs/live.md: the camera was removed; the server closes with 4404
      // too when the camera's stream was replaced (the camera re-added or
      // restarted): only a camera that is gone stays so.
      const gone = await cameraGone();
      if (stopped || ws) return;
      if (gone) {
        legState = 'removed';
        render();
      } else {
        retryLater();
      }
    } else if (e.code === CLOSE.CODEC) {
      reconnect('jpeg');
    } else if (e.code === CLOSE.SESSION) {
      legState = 'connecting';
      render();
      const answer = await confirmSession();
      if (stopped || ws) return;
      if (answer === 'valid') {
        attempt = 0;
        reconnect(transport);
      } else if (answer === 'unknown') {
        retryLater();
      } // 'ended': the login page took over; this tile is about to go
    } else {
      if (legState !== 'error') legState = 'connecting';
      retryLater();
    }
  }

  function connect () {
    clearTimeout(retryTimer);
    retryTimer = null;
    retrying = false;
    if (stopped) return;
    if (legState !== 'error' && legState !== 'removed') legState = 'connecting';
    let socket;
    try {
      socket = new WebSocket(liveUrl(camera.id, transport));
    } catch (error) {
      detail = error.message;
      retryLater();
      return;
    }
    ws = socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (e) => { if (ws === socket && !stopped) onMessage(e); });
    socket.addEventListener('close', (e) => { if (ws === socket && !stopped) onClose(e); });
    render();
  }

  const ticker = setInterval(render, TICK_MS);
  const online = () => { if (retryTimer) connect(); };
  globalThis.addEventListener('online', online);
  connect();

  return {
    setCameraState (state) {
      cameraState = state ?? '';
      render();
    },
    stop () {
      if (stopped) return;
      stopped = true;
      clearInterval(ticker);
      clearTimeout(retryTimer);
      globalThis.removeEventListener('online', online);
      endLeg();
      if (ws) closeQuietly(ws);
      ws = null;
      video.srcObject = null;
      video.removeAttribute('src');
      video.load();
      clearJpeg(img);
      video.remove();
      img.remove();
      overlay.element.remove();
      for (const key of ['transport', 'liveState', 'stale']) delete tile.dataset[key];
      delete box.dataset.picture;
    },
  };
}
