// replay/player.js: one camera's recording in one <video>, played by
// hls.js from the server's replay playlist (GET
// /api/cameras/{id}/replay.m3u8?from&to, an HLS VOD playlist of fMP4 byte
// ranges). hls.js is loaded on first use (import()), so the rest of the
// UI never waits for it. The player speaks wall-clock time: it maps a
// time to a position through the playlist's fragments (replay/wall.js)
// and back, and says which times its camera recorded. It never decides
// what to show when: replay/sync.js, the master clock, does.
//
// Worker off: the page's CSP has no worker-src blob:.

import { ApiError } from '../api.js';
import {
  wallToPosition, positionToWall, runsFromFragments, runAt, nextRunStart, markPrecise,
} from './wall.js';

const HLS_URL = '/vendor/node_modules/hls.js/dist/hls.min.mjs';
let hlsModule = null;

// The hls.js class, loaded once; rejects when it cannot be loaded.
export function loadHls () {
  hlsModule ??= import(HLS_URL).then((m) => m.default).catch((error) => {
    hlsModule = null;
    throw error;
  });
  return hlsModule;
}

export function playlistUrl (cameraId, from, to) {
  const q = new URLSearchParams({
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
  });
  return `/api/cameras/${encodeURIComponent(cameraId)}/replay.m3u8?${q}`;
}

// The server's {"error": {code, message}} of a failed playlist request,
// as an ApiError (errors.js words it), from what hls.js hands over.
function loadError (data) {
  const details = data.networkDetails;
  const status = data.response?.code ?? details?.status ?? 0;
  let body = null;
  try {
    const text = typeof details?.responseText === 'string' ? details.responseText : '';
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const err = body?.error ?? {};
  return new ApiError(status, err.code || (status ? `http_${status}` : 'network'),
    err.message || data.response?.text || '');
}

// createPlayer({cameraId, video, from, to, onReady(), onError(ApiError)})
// -> player. Call start(wall) once to load the playlist and show wall.
export function createPlayer ({ cameraId, video, from, to, onReady, onError }) {
  let hls = null;
  let runs = [];
  let pending = null;   // wall time to show once the playlist is in
  let destroyed = false;
  let failed = null;
  let recovered = false;
  const player = { cameraId, video, ready: false };
  let settle;
  const loaded = new Promise((resolve) => { settle = resolve; });
  // Resolves once the playlist is in or refused.
  player.whenLoaded = () => loaded;

  const fragments = () => {
    const levels = hls?.levels ?? [];
    const level = levels[hls?.currentLevel >= 0 ? hls.currentLevel : 0];
    return level?.details?.fragments ?? [];
  };

  function fail (error) {
    if (failed || destroyed) return;
    failed = error;
    player.ready = false;
    hls?.destroy();
    hls = null;
    settle();
    onError?.(error);
  }

  player.start = async (wall) => {
    pending = wall;
    let Hls;
    try {
      Hls = await loadHls();
    } catch (error) {
      fail(new ApiError(0, 'replay_unavailable', String(error?.message ?? error)));
      return;
    }
    if (destroyed) return;
    if (!Hls.isSupported()) {
      fail(new ApiError(0, 'replay_unsupported', ''));
      return;
    }
    hls = new Hls({
      enableWorker: false,
      autoStartLoad: false,
      maxBufferLength: 20,
      maxMaxBufferLength: 40,
      backBufferLength: 30,
      startFragPrefetch: true,
    });
    hls.on(Hls.Events.LEVEL_LOADED, (event, data) => {
      if (player.ready || destroyed) return;
      markPrecise(data.details.fragments);
      runs = runsFromFragments(data.details.fragments);
      player.ready = true;
      const pos = wallToPosition(data.details.fragments, pending) ?? 0;
      hls.startLoad(pos);
      video.currentTime = pos;
      settle();
      onReady?.();
    });
    hls.on(Hls.Events.ERROR, (event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
        recovered = true;
        hls.recoverMediaError();
        return;
      }
      const playlist = data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR ||
        data.details === Hls.ErrorDetails.LEVEL_LOAD_ERROR;
      fail(playlist ? loadError(data) : new ApiError(0, 'replay_failed', data.details ?? ''));
    });
    hls.attachMedia(video);
    hls.loadSource(playlistUrl(cameraId, from, to));
  };

  player.failed = () => failed;
  // Whether the camera recorded wall (ms).
  player.recordedAt = (wall) => player.ready && runAt(runs, wall) !== null;
  player.runAt = (wall) => (player.ready ? runAt(runs, wall) : null);
  player.nextStart = (wall) => (player.ready ? nextRunStart(runs, wall) : null);
  player.runs = () => runs;
  // The wall-clock time of the frame at the current position, or null.
  player.wallNow = () => (player.ready ? positionToWall(fragments(), video.currentTime) : null);
  player.positionOf = (wall) => (player.ready ? wallToPosition(fragments(), wall) : null);

  // Moves to wall (force: also when already there, so that the frame
  // holding wall is presented again); false when nothing recorded wall.
  player.seekWall = (wall, force = false) => {
    if (!player.ready) {
      pending = wall;
      return false;
    }
    const pos = wallToPosition(fragments(), wall);
    if (pos === null) return false;
    if (force || Math.abs(video.currentTime - pos) > 0.0005) video.currentTime = pos;
    return true;
  };

  player.destroy = () => {
    destroyed = true;
    settle();
    hls?.destroy();
    hls = null;
    video.removeAttribute('src');
  };
  return player;
}
