// live.test.mjs: the live view of the lot page's camera tiles in headless
// Chromium against a real rvi and real RTSP cameras (docs/live.md).
// Starts four `rvi camsim`s, live mode, 640x360, 10 fps: two H.264
// cameras (Constrained Baseline), one in High profile (`--profile high`,
// what real cameras mostly send), one with B-frames (Main profile) and one
// H.265; and a sixth camera nobody answers for.
// Links the six at one siding, creates a lot there, and checks:
//   - the stamp reader (lib/timestamp-reader.mjs, a port of
//     pipelines/timestamp-blocks.c) against frames painted in Node and on
//     a canvas in the page;
//   - the live socket refuses a request without a session (401);
//   - a WebRTC tile plays: data-transport webrtc, and camsim's stamp read
//     from the presented video (drawn into a canvas) increases and is
//     within 1.5 s of the page's clock; the High-profile camera too (the
//     server's offer names a profile Chromium receives);
//   - the B-frame camera, whose frames Chromium's WebRTC receiver cannot
//     decode, is switched to MSE by the player and plays fresh frames;
//   - the H.265 camera shows key-frame JPEGs with its label;
//   - the unreachable camera: the server says "waiting", the tile says
//     "Camera offline";
//   - with no WebRTC path (every RTCPeerConnection relay-only, no relay:
//     ICE never connects) the player falls back to MSE by itself and
//     plays fresh frames; with no RTCPeerConnection at all it starts with
//     MSE;
//   - click enlarges a tile, Escape returns it, Enter toggles it; j/k still
//     walk the wagons;
//   - the tiles in Chinese;
//   - leaving the page closes its live sockets; closing it ends the live
//     sessions (audit live_session_ended, read as the auditor);
//   - stopping camsim makes its tiles stale within about 4 s ("Stale · N s"),
//     then "Camera offline" once rvi reports the camera down.
// Prints TAP.
//
// Run: node tests/browser/live.test.mjs (RVI_BIN defaults to build/server/rvi)

import http from 'node:http';
import { assert, assertEqual, comment } from './lib/tap.mjs';
import { runSuite } from './lib/run-suite.mjs';
import { importWeb } from './lib/web.mjs';
import { login } from './lib/ui.mjs';
import { startCamsim } from './lib/camsim.mjs';
import { apiSession } from './lib/api-session.mjs';
import { timestampBlocks } from './lib/timestamp-reader.mjs';
import {
  linkCamera, createLot, declarationNo, installStampReader, NO_WEBRTC_PATH, NO_WEBRTC, tileOf, readTileStamp,
} from './lib/live-view.mjs';

const PASSWORD = 'Correct-Horse-7391';
const USERS = {
  inspector: { name: 'insp1', displayName: 'Li Wei', role: 'inspector', password: PASSWORD },
  operator: { name: 'oper1', displayName: 'Zhao Gang', role: 'operator', password: PASSWORD },
  auditor: { name: 'audit1', displayName: 'Wang Fang', role: 'auditor', password: PASSWORD },
};
const SITE = 'Erenhot';
const TRACK = '7';
const LOT = 'L-LIVE';
const CAM = {
  north: 'Erenhot T7 north',
  south: 'Erenhot T7 south',
  high: 'Erenhot T7 gantry (High)',
  bframes: 'Erenhot T7 bridge (B-frames)',
  h265: 'Erenhot T7 gate (H.265)',
  dead: 'Erenhot T7 spare (unreachable)',
};
const PLAY_MS = 25000;     // first picture: ingest start, a key frame, negotiation; a busy 2-core machine
const FRESH_MS = 1500;     // a video frame's stamp against the page's clock
const SETTLE_MS = 1000;    // from the first picture to the first reading
const JPEG_FRESH_MS = 4500; // a key frame (every 2 s) decoded alone and sent
const STALE_MS = 4000;     // camsim gone -> the tile says its picture is stale
const AUDIT_MS = 10000;

const cams = { h264: null, h265: null, bframes: null, high: null };
let highProfile = null; // the High camera's codec string, as probed
const ids = {};

// ---- checks that need no browser -------------------------------------------

async function moduleTests (tap) {
  await tap.test('stamp reader: what the C painter paints, read back; noise, blank and a flipped cell refused', async () => {
    const r = timestampBlocks();
    for (const [w, hgt] of [[640, 360], [1280, 720], [160, 90], [334, 188]]) {
      for (const ms of [0, 1764330000123, 2 ** 48 - 1]) {
        const y = new Uint8Array(w * hgt).fill(90);
        assert(r.paintLuma(y, w, hgt, w, ms), `paint ${w}x${hgt}`);
        assertEqual(r.readLuma(y, w, hgt, w), ms, `read ${w}x${hgt} ${ms}`);
        const [top, bottom] = r.band(hgt);
        assertEqual(r.readLuma(y.subarray(top * w, bottom * w), w, hgt, w, top), ms, `band only ${w}x${hgt}`);
      }
    }
    const w = 640;
    const hgt = 360;
    assertEqual(r.readLuma(new Uint8Array(w * hgt).fill(128), w, hgt, w), null, 'blank');
    let seed = 7;
    const noise = new Uint8Array(w * hgt).map(() => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed >> 23; });
    assertEqual(r.readLuma(noise, w, hgt, w), null, 'noise');
    assertEqual(r.paintLuma(new Uint8Array(100 * 60), 100, 60, 100, 5), false, 'too small to paint');
    const y = new Uint8Array(w * hgt);
    r.paintLuma(y, w, hgt, w, 1764330000123);
    // cell 20 (a data bit) inverted: the CRC no longer matches
    const row = Math.floor(hgt * 3.5 / 45);
    const x = Math.floor(w * 25.5 / 80);
    const flipped = y[row * w + x] > 128 ? 16 : 235;
    for (let yy = Math.ceil(hgt * 3 / 45); yy < Math.floor(hgt * 4 / 45); yy++) y.fill(flipped, yy * w + Math.ceil(w * 25 / 80), yy * w + Math.floor(w * 26 / 80));
    assertEqual(r.readLuma(y, w, hgt, w), null, 'one cell flipped');
  });
  await tap.test('live socket: URL, messages, the transport for a codec', async () => {
    const s = await importWeb('js/camera/live-socket.js');
    assertEqual(s.liveUrl('a b', 'mse', { protocol: 'https:', host: 'rvi.example:8443' }), 'wss://rvi.example:8443/api/cameras/a%20b/live?transport=mse', 'wss');
    assertEqual(s.liveUrl('c1', 'webrtc', { protocol: 'http:', host: '127.0.0.1:8080' }), 'ws://127.0.0.1:8080/api/cameras/c1/live?transport=webrtc', 'ws');
    assertEqual(s.parseLiveMessage('{"type":"hello","codec":"h264"}')?.codec, 'h264', 'hello');
    assertEqual(s.parseLiveMessage('{"kind":"x"}'), null, 'no type');
    assertEqual(s.parseLiveMessage('nonsense'), null, 'not JSON');
    assertEqual(s.firstTransport({ RTCPeerConnection: function () {}, MediaSource: function () {} }), 'webrtc', 'webrtc first');
    assertEqual(s.firstTransport({ MediaSource: function () {} }), 'mse', 'no WebRTC');
    assertEqual(s.firstTransport({}), 'jpeg', 'neither');
    assertEqual(['webrtc', 'mse', 'jpeg'].map((t) => s.transportForCodec(t, 'h265')), ['jpeg', 'jpeg', 'jpeg'], 'H.265');
    assertEqual(['webrtc', 'mse'].map((t) => s.transportForCodec(t, 'h264')), ['webrtc', 'mse'], 'H.264');
    assertEqual(s.transportForCodec('webrtc', null), 'webrtc', 'codec not known yet');
    assertEqual(['webrtc', 'mse', 'jpeg'].map((t) => s.transportForCodec(t, 'h264', true)), ['mse', 'mse', 'jpeg'], 'H.264 with B-frames');
  });
  await tap.test('MSE catch-up: jump over 0.5 s of lag, 1.1x from 0.3 s down to 0.15 s, trimming to 10 s', async () => {
    const m = await importWeb('js/camera/live-mse.js');
    assertEqual(m.catchUp([], 0, 1), null, 'nothing buffered');
    assertEqual(m.catchUp([[100, 102]], 0, 1), { seek: 101.85 }, 'playhead before the data (start)');
    assertEqual(m.catchUp([[100, 102.5]], 101.4, 1), { seek: 102.35 }, 'lag 1.1 s');
    assertEqual(m.catchUp([[100, 102]], 101.4, 1.1), { seek: 101.85 }, 'lag 0.6 s');
    assertEqual(m.catchUp([[100, 102]], 101.6, 1), { rate: 1.1 }, 'lag 0.4 s');
    assertEqual(m.catchUp([[100, 102]], 101.8, 1.1), null, 'lag 0.2 s: still faster');
    assertEqual(m.catchUp([[100, 102]], 101.9, 1.1), { rate: 1 }, 'caught up');
    assertEqual(m.catchUp([[100, 102]], 101.8, 1), null, 'lag 0.2 s: leave it');
    assertEqual(m.catchUp([[90, 95], [100, 102]], 94, 1), { seek: 101.85 }, 'a gap: to the last range');
    assertEqual(m.trimRange([[100, 130]], 125), [100, 115], 'keep 10 s');
    assertEqual(m.trimRange([[100, 110.5]], 110), null, 'under a second to trim');
    const p = await importWeb('js/camera/live-player.js');
    assertEqual([p.staleAfter('webrtc', 0), p.staleAfter('jpeg', 0), p.staleAfter('jpeg', 2000), p.staleAfter('jpeg', 1000)], [2000, 2000, 3000, 2000], 'stale after');
  });
}

// ---- set-up: two camsims, four cameras at one siding, a lot there -------------

async function setup ({ baseUrl, bin }) {
  [cams.h264, cams.h265, cams.bframes, cams.high] = await Promise.all([
    startCamsim({ bin, cameras: 2, size: '640x360', fps: 10, mode: 'live' }),
    startCamsim({ bin, cameras: 1, size: '640x360', fps: 10, mode: 'live', codec: 'h265' }),
    startCamsim({ bin, cameras: 1, size: '640x360', fps: 10, mode: 'live', bframes: 2 }),
    startCamsim({ bin, cameras: 1, size: '640x360', fps: 10, mode: 'live', profile: 'high' }),
  ]);
  const operator = await apiSession(baseUrl, USERS.operator);
  const probed = await operator('POST', '/api/cameras/probe', { url: cams.high.urls[0] });
  highProfile = probed.body?.stream?.codec_string ?? probed.body?.codec_string ?? JSON.stringify(probed.body);
  comment(`the High camera's codec: ${highProfile}`);
  assert(/^avc1\.64/i.test(highProfile), `camsim --profile high sends High profile: ${highProfile}`);
  const urls = { north: cams.h264.urls[0], south: cams.h264.urls[1], high: cams.high.urls[0], bframes: cams.bframes.urls[0], h265: cams.h265.urls[0], dead: 'rtsp://127.0.0.1:9/none' };
  for (const key of Object.keys(CAM)) {
    ids[key] = (await linkCamera(operator, { name: CAM[key], url: urls[key], site: SITE, track: TRACK })).id;
  }
  const inspector = await apiSession(baseUrl, USERS.inspector);
  ids.lot = (await createLot(inspector, { lotNo: LOT, site: SITE, track: TRACK, declaration: declarationNo(4711) })).id;
}

async function stopCamsims () {
  await Promise.all(Object.values(cams).map((c) => c?.stop().catch(() => {})));
}

// The status of a WebSocket upgrade request (101 when it upgrades; the
// socket is closed at once).
function upgradeStatus (baseUrl, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, baseUrl), {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`no answer to the upgrade of ${path}`)));
    req.end();
  });
}

// ---- browser tests -----------------------------------------------------------

async function browserTests (tap, { baseUrl, newPage, withPage }) {
  const lotUrl = `${baseUrl}#/lots/${ids.lot}`;
  const openLot = async (page, user = USERS.inspector) => {
    await login(page, baseUrl, user);
    await page.goto(lotUrl);
    await page.getByRole('heading', { level: 1, name: `Lot ${LOT}` }).waitFor();
    await page.locator('[data-testid="camera-tiles"]').waitFor();
  };
  // A page whose context reads stamps and, optionally, runs an init script first.
  const withLivePage = (fn, { init, allow } = {}) => withPage(async (page, context) => {
    await installStampReader(context);
    if (init) await context.addInitScript({ content: init });
    await fn(page, context);
  }, { allow });
  const waitPlaying = async (page, name, transport, timeout = PLAY_MS) => {
    const tile = tileOf(page, name);
    try {
      await tile.and(page.locator(`[data-live-state="playing"][data-transport="${transport}"]`)).waitFor({ timeout });
    } catch {
      const state = await tile.evaluate((f) => ({ ...f.dataset, picture: f.querySelector('.cam-view').dataset.picture, bar: f.querySelector('.cam-live-bar')?.innerText }));
      throw new Error(`${name}: not playing over ${transport} within ${timeout / 1000} s: ${JSON.stringify(state)}`);
    }
    return tile;
  };
  // Three readings of the stamp, `gap` ms apart: each readable, later than
  // the one before and within `fresh` ms of the page's clock. The first
  // waits SETTLE_MS: a new viewer starts with the server's cached key frame
  // (up to 2 s old) and catches up from there.
  const checkFresh = async (page, key, { fresh = FRESH_MS, gap = 700, n = 3 } = {}) => {
    const seen = [];
    for (let i = 0; i < n; i++) {
      await page.waitForTimeout(i ? gap : SETTLE_MS);
      let reading = await readTileStamp(page, ids[key]);
      for (let k = 0; k < 5 && reading.stamp === null; k++) { // e.g. between two pictures of an enlarging tile
        await page.waitForTimeout(100);
        reading = await readTileStamp(page, ids[key]);
      }
      assert(reading.stamp !== null, `${CAM[key]}: no stamp readable in the ${reading.picture} picture (reading ${i + 1})`);
      seen.push(reading);
    }
    const ages = seen.map((s) => s.now - s.stamp);
    comment(`${CAM[key]}: picture age ${ages.join(', ')} ms`);
    for (let i = 1; i < n; i++) assert(seen[i].stamp > seen[i - 1].stamp, `${CAM[key]}: the picture does not advance: ${JSON.stringify(seen)}`);
    for (const age of ages) assert(Math.abs(age) <= fresh, `${CAM[key]}: picture ${age} ms old (limit ${fresh}): ${JSON.stringify(seen)}`);
  };

  try {
    await tap.test('the stamp reader in the page reads a canvas painted with the layout, also scaled', () => withLivePage(async (page) => {
      await page.goto(baseUrl);
      const got = await page.evaluate(() => {
        const r = window.rviStamp;
        const out = [];
        for (const [w, h, ms] of [[640, 360, 1764330000123], [1280, 720, 1764330000456]]) {
          const y = new Uint8Array(w * h).fill(70);
          r.paintLuma(y, w, h, w, ms);
          const canvas = document.createElement('canvas');
          canvas.width = w;
          canvas.height = h;
          const ctx = canvas.getContext('2d');
          const img = ctx.createImageData(w, h);
          y.forEach((v, i) => { img.data.set([v, v, v, 255], i * 4); });
          ctx.putImageData(img, 0, 0);
          out.push(r.readImage(canvas, w, h));
          for (const scale of [0.5, 1.5]) {
            const big = document.createElement('canvas');
            big.width = Math.round(w * scale);
            big.height = Math.round(h * scale);
            big.getContext('2d').drawImage(canvas, 0, 0, big.width, big.height);
            out.push(r.readImage(big, big.width, big.height));
          }
        }
        return out;
      });
      assertEqual(got, [1764330000123, 1764330000123, 1764330000123, 1764330000456, 1764330000456, 1764330000456], 'stamps');
    }));

    await tap.test('permissions: the live socket without a session is refused (401), an unknown camera is 404', async () => {
      const path = `/api/cameras/${ids.north}/live?transport=webrtc`;
      const plain = await fetch(new URL(path, baseUrl));
      assertEqual(plain.status, 401, `GET ${path} without a session`);
      assertEqual(await upgradeStatus(baseUrl, path), 401, `upgrade of ${path} without a session`);
      const { cookie } = await apiSession(baseUrl, USERS.inspector);
      const origin = new URL(baseUrl).origin;
      assertEqual(await upgradeStatus(baseUrl, '/api/cameras/00000000-0000-4000-8000-000000000000/live?transport=webrtc', { Cookie: cookie, Origin: origin }), 404, 'unknown camera');
      assertEqual(await upgradeStatus(baseUrl, path, { Cookie: cookie, Origin: origin }), 101, 'the inspector\'s upgrade');
    });

    await tap.test('WebRTC: both H.264 tiles play; the stamp in the presented video advances and is fresh', () => withLivePage(async (page) => {
      await openLot(page);
      const tile = await waitPlaying(page, CAM.north, 'webrtc');
      await waitPlaying(page, CAM.south, 'webrtc');
      await tile.locator('[data-testid="live-transport"]', { hasText: 'WebRTC' }).waitFor();
      assertEqual(await tile.getAttribute('data-stale'), 'false', 'data-stale');
      assert(await tile.locator('.cam-name').isVisible(), 'the camera\'s name on the playing tile');
      await checkFresh(page, 'north');
      await checkFresh(page, 'south');
    }));

    await tap.test('WebRTC: the High-profile camera plays (the offer names a profile Chromium receives)', () => withLivePage(async (page) => {
      const offers = [];
      page.on('websocket', (ws) => {
        if (!ws.url().includes(`/cameras/${ids.high}/live`)) return;
        ws.on('framereceived', ({ payload }) => {
          if (typeof payload === 'string' && payload.includes('"offer"')) offers.push(JSON.parse(payload).sdp);
        });
      });
      await openLot(page);
      await waitPlaying(page, CAM.high, 'webrtc');
      await checkFresh(page, 'high');
      const offered = offers.map((sdp) => /profile-level-id=([0-9a-fA-F]{6})/.exec(sdp)?.[1]);
      comment(`the camera's codec ${highProfile}, the server's offer: ${offered.join(', ')}`);
      assert(offered.length > 0 && offered.every((id) => /^(42|4d)/i.test(id)), `offered profile-level-ids: ${offered.join(', ')}`);
    }));

    await tap.test('B-frames: the hello from the server says so and the player switches the camera to MSE, which plays fresh frames', () => withLivePage(async (page) => {
      const opened = [];
      page.on('websocket', (ws) => { if (ws.url().includes(`/cameras/${ids.bframes}/live`)) opened.push(new URL(ws.url()).searchParams.get('transport')); });
      await openLot(page);
      await waitPlaying(page, CAM.bframes, 'mse');
      assertEqual(opened.slice(0, 2), ['webrtc', 'mse'], 'transports tried');
      await checkFresh(page, 'bframes', { fresh: FRESH_MS + 500 }); // the encoder holds B-frames back
    }));

    await tap.test('H.265: the tile shows key-frame JPEGs, labelled so', () => withLivePage(async (page) => {
      await openLot(page);
      const tile = await waitPlaying(page, CAM.h265, 'jpeg');
      assertEqual(await tile.locator('[data-testid="live-transport"]').innerText(), 'JPEG · key frames only', 'label');
      await checkFresh(page, 'h265', { fresh: JPEG_FRESH_MS, gap: 2200, n: 2 });
    }));

    await tap.test('a camera nobody answers for: the server says "waiting", the tile "Camera offline"', () => withLivePage(async (page) => {
      const messages = [];
      page.on('websocket', (ws) => {
        if (!ws.url().includes(`/cameras/${ids.dead}/live`)) return;
        ws.on('framereceived', ({ payload }) => { if (typeof payload === 'string') messages.push(JSON.parse(payload).type); });
      });
      await openLot(page);
      const tile = tileOf(page, CAM.dead);
      await tile.and(page.locator('[data-live-state="offline"]')).waitFor({ timeout: PLAY_MS });
      assertEqual(await tile.locator('[data-testid="live-state"]').innerText(), 'Camera offline', 'label');
      assertEqual(await tile.getAttribute('data-stale'), 'false', 'no picture, nothing stale');
      // the tile may say offline (from the camera's state) before the socket's answer arrives
      for (let i = 0; i < 50 && messages.length < 2; i++) await page.waitForTimeout(100);
      assertEqual(messages.slice(0, 2), ['hello', 'waiting'], 'server messages');
      assert(await tile.locator('.cam-placeholder').isVisible() || await tile.locator('.cam-still').isVisible(), 'the placeholder or still shows');
    }));

    await tap.test('no WebRTC path (ICE cannot connect): the player falls back to MSE by itself and plays fresh frames', () => withLivePage(async (page) => {
      const started = Date.now();
      await openLot(page);
      const tile = await waitPlaying(page, CAM.north, 'mse');
      comment(`MSE playing ${Date.now() - started} ms after opening the page`);
      await tile.locator('[data-testid="live-transport"]', { hasText: 'MSE' }).waitFor();
      await checkFresh(page, 'north');
      await waitPlaying(page, CAM.south, 'mse');
      await page.waitForTimeout(3000); // catch-up keeps it live, not only at the start
      await checkFresh(page, 'south');
    }, { init: NO_WEBRTC_PATH }));

    await tap.test('no RTCPeerConnection at all: MSE from the start', () => withLivePage(async (page) => {
      await openLot(page);
      await waitPlaying(page, CAM.north, 'mse', 15000);
      await checkFresh(page, 'north', { n: 2 });
    }, { init: NO_WEBRTC }));

    await tap.test('click enlarges a tile, Escape returns it, Enter toggles it; j/k still walk the wagons', () => withLivePage(async (page) => {
      await openLot(page);
      const tile = await waitPlaying(page, CAM.south, 'webrtc');
      const width = async () => (await tile.boundingBox()).width;
      const small = await width();
      await tile.click();
      await page.locator('.cam-tile.is-enlarged').waitFor();
      assertEqual(await tile.evaluate((f) => f.classList.contains('is-enlarged')), true, 'the clicked tile is enlarged');
      assertEqual(await tile.locator('.cam-view').getAttribute('aria-expanded'), 'true', 'aria-expanded');
      const large = await width();
      assert(large > small * 1.5, `enlarged width ${large} against ${small}`);
      await checkFresh(page, 'south', { n: 2 }); // the player kept playing
      await page.keyboard.press('Escape');
      await page.locator('.cam-tile.is-enlarged').waitFor({ state: 'detached' });
      assert(Math.abs(await width() - small) < 2, 'back to its size');
      await tile.locator('.cam-view').focus();
      await page.keyboard.press('Enter');
      await page.locator('.cam-tile.is-enlarged').waitFor();
      const current = page.locator('[data-testid="current-wagon"]');
      const before = await current.getAttribute('data-seq');
      await page.keyboard.press('j');
      await page.waitForFunction((b) => document.querySelector('[data-testid="current-wagon"]')?.dataset.seq !== b, before);
      await page.keyboard.press('k');
      await page.waitForFunction((b) => document.querySelector('[data-testid="current-wagon"]')?.dataset.seq === b, before);
      await tile.click();
      await page.locator('.cam-tile.is-enlarged').waitFor({ state: 'detached' });
      assertEqual(await tileOf(page, CAM.south).getAttribute('data-live-state'), 'playing', 'still playing');
    }));

    await tap.test('the tiles in Chinese: transport labels, no raw keys', () => withLivePage(async (page) => {
      const en = (await importWeb('js/i18n/en.js')).default;
      await openLot(page);
      await waitPlaying(page, CAM.h265, 'jpeg');
      await page.getByRole('button', { name: '中文' }).click();
      await page.getByRole('heading', { level: 1, name: `批次 ${LOT}` }).waitFor();
      const tile = await waitPlaying(page, CAM.h265, 'jpeg');
      assertEqual(await tile.locator('[data-testid="live-transport"]').innerText(), 'JPEG · 仅关键帧', 'JPEG label');
      const text = await page.locator('[data-testid="camera-tiles"]').innerText();
      assertEqual(Object.keys(en).filter((k) => text.includes(k)), [], 'keys shown as text');
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: `Lot ${LOT}` }).waitFor();
    }));

    await tap.test('leaving the lot page closes its live sockets; closing the page ends the live sessions (audit)', async () => {
      const { context, page } = await newPage();
      await installStampReader(context);
      const sockets = new Map(); // url -> {closed, session}
      page.on('websocket', (ws) => {
        if (!ws.url().includes('/live?')) return;
        const entry = { closed: false, session: null };
        sockets.set(ws, entry);
        ws.on('framereceived', ({ payload }) => {
          if (typeof payload !== 'string' || entry.session) return;
          try { entry.session = JSON.parse(payload).session ?? null; } catch { /* binary or not JSON */ }
        });
        ws.on('close', () => { entry.closed = true; });
      });
      let sessions = [];
      try {
        await openLot(page);
        for (const key of ['north', 'south', 'h265']) await waitPlaying(page, CAM[key], key === 'h265' ? 'jpeg' : 'webrtc');
        await page.locator('nav [data-section="lots"]').click();
        await page.getByRole('heading', { level: 1, name: 'Lots' }).waitFor();
        await page.waitForFunction(() => !document.querySelector('.cam-tile'));
        const deadline = Date.now() + 5000;
        while ([...sockets.values()].some((s) => !s.closed) && Date.now() < deadline) await page.waitForTimeout(100);
        const open = [...sockets.entries()].filter(([, s]) => !s.closed).map(([ws]) => ws.url());
        assertEqual(open, [], 'live sockets still open after leaving the page');
        await page.goto(lotUrl);
        await waitPlaying(page, CAM.north, 'webrtc');
        await waitPlaying(page, CAM.south, 'webrtc');
        sessions = [...sockets.values()].filter((s) => !s.closed && s.session).map((s) => s.session);
        assert(sessions.length >= 2, `hello sessions of the open sockets: ${JSON.stringify(sessions)}`);
      } finally {
        await context.close();
      }
      const auditor = await apiSession(baseUrl, USERS.auditor);
      const deadline = Date.now() + AUDIT_MS;
      let ended = [];
      let last = null;
      while (Date.now() < deadline) {
        last = await auditor('GET', '/api/audit?action=live_session_ended&limit=200');
        const detail = (e) => (typeof e.detail === 'string' ? JSON.parse(e.detail) : e.detail) ?? {};
        ended = (last.body?.events ?? []).map((e) => detail(e).session);
        if (sessions.every((s) => ended.includes(s))) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assertEqual(last?.status, 200, 'GET /api/audit as the auditor');
      assertEqual(sessions.filter((s) => !ended.includes(s)), [], `sessions without live_session_ended within ${AUDIT_MS / 1000} s`);
    });

    await tap.test('camsim stopped: its tiles say their picture is stale within about 4 s', () => withLivePage(async (page) => {
      await openLot(page);
      const north = await waitPlaying(page, CAM.north, 'webrtc');
      const south = await waitPlaying(page, CAM.south, 'webrtc');
      await waitPlaying(page, CAM.h265, 'jpeg');
      await checkFresh(page, 'north', { n: 2 });
      const stopped = Date.now();
      await cams.h264.stop();
      await north.and(page.locator('[data-stale="true"]')).waitFor({ timeout: STALE_MS + 1000 });
      await south.and(page.locator('[data-stale="true"]')).waitFor({ timeout: 1000 });
      const after = Date.now() - stopped;
      comment(`stale ${after} ms after camsim was stopped`);
      assert(after <= STALE_MS + 500, `stale after ${after} ms`);
      const label = north.locator('[data-testid="live-stale"]');
      assert(await label.isVisible(), 'the stale label is visible');
      assert(/^Stale · \d+ s$/.test(await label.innerText()), `stale label: ${await label.innerText()}`);
      for (const key of ['h265', 'bframes']) assertEqual(await tileOf(page, CAM[key]).getAttribute('data-stale'), 'false', `${CAM[key]} (another camsim) is not stale`);
      await north.and(page.locator('[data-live-state="offline"]')).waitFor({ timeout: 15000 }); // rvi's state, polled every 2 s
      await north.locator('[data-testid="live-state"]', { hasText: 'Camera offline' }).waitFor();
      assert(await label.isVisible(), 'still says how old the picture is');
    }));
  } finally {
    await stopCamsims();
  }
}

await runSuite({
  users: USERS,
  viewport: { width: 1360, height: 900 },
  unitTests: moduleTests,
  setup,
  browserTests,
});
