// live-view.mjs: what the live-view test and the latency benchmark share:
// the set-up (cameras linked at one siding, a lot there), and reading
// camsim's stamp (lib/timestamp-reader.mjs) from what a camera tile shows.

import { assertEqual } from './tap.mjs';
import { PAGE_SCRIPT } from './timestamp-reader.mjs';

// Links a camera that records (its ingest feeds the live view).
// call: lib/api-session.mjs as an operator or admin. -> the camera
export async function linkCamera (call, { name, url, site, track, position = null }) {
  const res = await call('POST', '/api/cameras', { name, url, site, track, ...(position ? { position } : {}), recording: true });
  assertEqual(res.status, 201, `camera ${name}: ${JSON.stringify(res.body)}`);
  return res.body.camera ?? res.body;
}

// A lot at the siding with two wagons. call: as an inspector. -> the lot
export async function createLot (call, { lotNo, site, track, declaration }) {
  const res = await call('POST', '/api/lots', {
    declaration_no: declaration,
    waybill_no: `WB-${lotNo}`,
    lot_no: lotNo,
    site,
    track,
    wagons: [{ number: '21 81 2471 217-3', seals: ['S-1'] }, { number: '6234 5673', seals: [] }],
  });
  assertEqual(res.status, 201, `lot ${lotNo}: ${JSON.stringify(res.body)}`);
  return res.body.lot;
}

// A valid declaration number of this year (18 digits: customs code, year,
// import/export flag, serial).
export const declarationNo = (serial) => `0202${new Date().getUTCFullYear()}1${String(serial).padStart(9, '0')}`;

// Makes window.rviStamp (the stamp reader) available in every page of the
// context, before the app's scripts; init scripts are not subject to the
// page's CSP.
export async function installStampReader (context) {
  await context.addInitScript({ content: PAGE_SCRIPT });
}

// Network without a WebRTC path: every RTCPeerConnection is relay-only and
// there are no relay servers, so ICE gathers nothing and never connects
// (what a network without UDP looks like to the player).
export const NO_WEBRTC_PATH = `(() => {
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor (config = {}) { super({ ...config, iceServers: [], iceTransportPolicy: 'relay' }); }
  };
})();`;

// No WebRTC at all in this browser: the player starts with MSE.
export const NO_WEBRTC = 'delete window.RTCPeerConnection; delete window.webkitRTCPeerConnection;';

// The tile of the camera named `name` on the lot page.
export const tileOf = (page, name) => page.locator('[data-testid="camera-tiles"] .cam-tile', { has: page.locator('.cam-name', { hasText: name }) });

// The stamp of the picture a tile shows now: {stamp, now} (ms since the
// epoch, by camsim's clock and by the page's), stamp null when unreadable
// or when the tile shows no live picture.
export function readTileStamp (page, cameraId) {
  return page.evaluate((id) => {
    const tile = document.querySelector(`.cam-tile[data-camera-id="${CSS.escape(id)}"]`);
    const picture = tile?.querySelector('.cam-view')?.dataset.picture;
    const now = Date.now();
    if (picture === 'video') return { stamp: window.rviStamp.readVideo(tile.querySelector('video.cam-live')), now, picture };
    if (picture === 'jpeg') return { stamp: window.rviStamp.readImg(tile.querySelector('img.cam-live-jpeg')), now, picture };
    return { stamp: null, now, picture: picture ?? null };
  }, cameraId);
}

// Collects, for ms milliseconds, the stamp of every frame the tile's video
// presents (requestVideoFrameCallback; the frame is drawn into a canvas in
// the callback) against Date.now() at that moment. -> {latencies: [ms],
// frames, unreadable, firstAt} where firstAt is Date.now() at the first
// frame whose stamp could be read.
export function collectLatency (page, cameraId, ms) {
  return page.evaluate(([id, duration]) => new Promise((resolve) => {
    const video = document.querySelector(`.cam-tile[data-camera-id="${CSS.escape(id)}"] video.cam-live`);
    const out = { latencies: [], frames: 0, unreadable: 0, firstAt: null };
    const end = performance.now() + duration;
    const onFrame = () => {
      const now = Date.now();
      out.frames += 1;
      const stamp = window.rviStamp.readVideo(video);
      if (stamp === null) out.unreadable += 1;
      else {
        out.latencies.push(now - stamp);
        out.firstAt ??= now;
      }
      if (performance.now() < end) video.requestVideoFrameCallback(onFrame);
      else resolve(out);
    };
    if (!video) resolve(out);
    else video.requestVideoFrameCallback(onFrame);
    setTimeout(() => resolve(out), duration + 5000); // no frame at all
  }), [cameraId, ms]);
}

// The p-th percentile (0..100) of numbers, nearest rank; null when empty.
export function percentile (values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
