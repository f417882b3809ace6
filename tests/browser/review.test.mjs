// review.test.mjs: the auditor's console (#/review) in headless Chromium
// against a real rvi recording two camsim cameras (10 fps, 5 s segments).
// Set-up through the API: the cameras at one siding, a lot inspected on
// both, a mark, a gap in both recordings (recording switched off for a few
// seconds), a decision, the inspection signed. The auditor then searches
// the decision by declaration and by category (an unknown declaration
// gives the empty state), opens it: a tile per camera, one scrub bar with
// the mark and the decision as markers and sample thumbnails on hover,
// the viewing log listing the auditor's own replays, no control that
// changes anything. Seek accuracy: "Go to time" to several times inside
// closed segments (one right after a segment boundary); camsim's burned-in
// stamp read from every tile's presented frame must be that of the
// recorded frame holding the time (the server's exact-frame API says
// which, and when it was recorded: within one frame interval before the
// time), both tiles alike; once the recorder is on camsim's clock (RTCP
// sender reports), that stamp is within one frame interval of the time;
// the raw stamp-minus-time offsets are printed. Playing across a file
// boundary presents frame after frame. A frame step moves the stamp by one frame. The scrub bar
// zooms (keys, Ctrl + wheel), a click at the zoomed scale seeks to the time under the pointer,
// and the view follows the playhead. Going from before the recording into the gap, the tiles
// name the gap's cause; playing across the gap skips it and says so; the console in Chinese.
// Prints TAP.
//
// Run: node tests/browser/review.test.mjs (RVI_BIN defaults to build/server/rvi)

import { assert, assertEqual, comment } from './lib/tap.mjs';
import { runSuite } from './lib/run-suite.mjs';
import { importWeb } from './lib/web.mjs';
import { login, navSections } from './lib/ui.mjs';
import { apiSession } from './lib/api-session.mjs';
import { createLot, declarationNo, installStampReader } from './lib/live-view.mjs';

const PASSWORD = 'Correct-Horse-7391';
const USERS = {
  operator: { name: 'oper1', displayName: 'Zhao Gang', role: 'operator', password: PASSWORD },
  inspector: { name: 'insp1', displayName: 'Li Wei', role: 'inspector', password: PASSWORD },
  auditor: { name: 'aud1', displayName: 'Wang Fang', role: 'auditor', password: PASSWORD },
};
const FPS = 10;
const FRAME_MS = 1000 / FPS;
const SITE = 'Erenhot';
const TRACK = '3';
const CAMERAS = ['Erenhot T3 overhead', 'Erenhot T3 side'];
const DECLARATION = declarationNo(424242);
const UNKNOWN_DECLARATION = declarationNo(999999);
const LOT = 'L-R1';
const GAP_MS = 4000;
const MUTATING = new RegExp(['decide', 'mark', 'approve', 'reject', 'correct', 'delete', 'remove',
  'export', 'sign', 'inspection', 'new lot', 'import', 'save', 'hold'].join('|'), 'i');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Waits until fn() answers something truthy; fails with what after timeoutMs.
async function until (what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    assert(Date.now() < end, `${what} within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

// A timeline's closed segments as {start, end} (ms).
const closed = (tl) => tl.segments.filter((s) => s.end)
  .map((s) => ({ start: Date.parse(s.start), end: Date.parse(s.end) }));

// The stamp of the frame every replay tile presents, once none is seeking
// and the frame stays the same for 150 ms: {cameraId: {stamp, state}}.
function readTiles (page) {
  return page.evaluate(async () => {
    const videos = [...document.querySelectorAll('.replay-tile video[data-camera-id]')];
    const settled = (v) => !v.seeking && v.readyState >= 2;
    const end = performance.now() + 10000;
    const pause = (ms) => new Promise((r) => setTimeout(r, ms));
    while (!videos.every(settled) && performance.now() < end) await pause(50);
    // a frame presented after the seek (or, when it showed the same frame, a short wait)
    await Promise.all(videos.map((v) => new Promise((resolve) => {
      v.requestVideoFrameCallback(() => resolve());
      setTimeout(resolve, 300);
    })));
    const read = () => Object.fromEntries(videos.map((v) =>
      [v.dataset.cameraId, window.rviStamp.readVideo(v)]));
    let last = read();
    for (let i = 0; i < 20; i++) {
      await pause(150);
      const now = read();
      if (JSON.stringify(now) === JSON.stringify(last)) break;
      last = now;
    }
    return Object.fromEntries(videos.map((v) => [v.dataset.cameraId, {
      stamp: last[v.dataset.cameraId],
      state: v.closest('.replay-tile').dataset.state,
      seeking: v.seeking,
    }]));
  });
}

// The recorded frame that holds wall-clock time T (the one a player shows
// at T), by the server's exact-frame API (GET /api/cameras/{id}/frame.jpg,
// the frame nearest a time, with its recorded time in X-Frame-Time; when
// that is the frame after T, the one before it is asked for):
// {stamp, at}, camsim's stamp in it and its recorded wall-clock time.
function frameHolding (page, cameraId, T) {
  return page.evaluate(async ([id, time, frameMs]) => {
    const fetchFrame = async (at) => {
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`/api/cameras/${id}/frame.jpg?at=${new Date(at).toISOString()}`);
        if (res.status === 503) {
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        if (!res.ok) throw new Error(`frame.jpg at ${new Date(at).toISOString()}: ${res.status}`);
        const [whole, frac = '0'] = res.headers.get('X-Frame-Time').replace('Z', '').split('.');
        const img = new Image();
        img.src = URL.createObjectURL(await res.blob());
        await img.decode();
        const stamp = window.rviStamp.readImg(img);
        URL.revokeObjectURL(img.src);
        return { stamp, at: Date.parse(`${whole}Z`) + Number(`0.${frac}`) * 1000 };
      }
      throw new Error('frame.jpg: busy');
    };
    const nearest = await fetchFrame(time);
    return nearest.at <= time ? nearest : fetchFrame(nearest.at - 0.6 * frameMs);
  }, [cameraId, T, FRAME_MS]);
}

// ---- checks that need no browser -------------------------------------------

async function moduleTests (tap) {
  await tap.test('wall clock against playlist positions: fragments, holes, gaps', async () => {
    const w = await importWeb('js/replay/wall.js');
    const T0 = Date.parse('2026-11-28T03:00:00.000Z');
    // two files of one fragment each meeting within a frame, then a gap of 10 s
    const frags = [
      { start: 0, duration: 4, programDateTime: T0 },
      { start: 4, duration: 2, programDateTime: T0 + 4000 },
      { start: 6, duration: 6, programDateTime: T0 + 6030 },
      { start: 12, duration: 6, programDateTime: T0 + 22000 },
    ];
    assertEqual(w.wallToPosition(frags, T0 + 1500), 1.5, 'inside the first fragment');
    assertEqual(w.wallToPosition(frags, T0 + 4100), 4.1, 'second fragment');
    assertEqual(w.wallToPosition(frags, T0 + 6015), 6, 'a hole of 30 ms snaps to the next file');
    assertEqual(w.wallToPosition(frags, T0 + 15000), null, 'in the gap');
    assertEqual(w.wallToPosition(frags, T0 + 22500), 12.5, 'after the gap');
    assertEqual(w.positionToWall(frags, 12.5), T0 + 22500, 'position to wall after the gap');
    assertEqual(w.positionToWall(frags, 7), T0 + 7030, 'position to wall in the third file');
    const runs = [{ start: T0, end: T0 + 12030 }, { start: T0 + 22000, end: T0 + 28000 }];
    assertEqual(w.runsFromFragments(frags), runs, 'runs');
    assertEqual(w.nextRunStart(w.runsFromFragments(frags), T0 + 13000), T0 + 22000, 'next run');
    // the server's microseconds, which Date.parse drops, kept per file
    const precise = [
      { start: 0, duration: 2, programDateTime: T0 + 250, rawProgramDateTime:
        '2026-11-28T03:00:00.250600Z' },
      { start: 2, duration: 2, programDateTime: T0 + 2250 },
      { start: 4, duration: 2, programDateTime: T0 + 4300, rawProgramDateTime:
        '2026-11-28T03:00:04.300Z' },
    ];
    w.markPrecise(precise);
    const near = (a, b, what) => assert(Math.abs(a - b) < 0.01, `${what}: ${a} against ${b}`);
    near(w.wallToPosition(precise, T0 + 2250.6), 2, 'microseconds kept in the file');
    near(w.positionToWall(precise, 1), T0 + 1250.6, 'and back');
    near(w.wallToPosition(precise, T0 + 4300), 4, 'a file written in milliseconds');
    const utc = (text) => Date.parse(`2026-11-28T${text}Z`);
    assertEqual(w.formatWallClock(utc('03:04:05.250')), '11:04:05.250', 'clock');
    const range = { from: utc('15:50:00'), to: utc('16:10:00') }; // across midnight in Beijing
    assertEqual(w.parseGoTo('23:55:01.5', range), { ms: utc('15:55:01.500') }, 'before midnight');
    assertEqual(w.parseGoTo('00:05:00', range), { ms: utc('16:05:00') }, 'after midnight');
    assertEqual(w.parseGoTo('12:00:00', range), { error: 'range' }, 'outside');
    assertEqual(w.parseGoTo('12h', range), { error: 'format' }, 'not a time');
  });
  await tap.test('replay range at most 24 h around the decision; frame interval; start time',
    async () => {
    const { replayRange } = await importWeb('js/replay/decision-view.js');
    const { frameInterval, startTime } = await importWeb('js/replay/replay-view.js');
    const H = 3600000;
    assertEqual(replayRange(0, 2 * H, H), { from: 0, to: 2 * H }, 'short range kept');
    assertEqual(replayRange(0, 48 * H, 30 * H), { from: 18 * H, to: 42 * H }, 'around it');
    assertEqual(replayRange(0, 48 * H, 47 * H), { from: 24 * H, to: 48 * H }, 'kept inside');
    const fps = (n) => ({ health: { fps: n } });
    assertEqual(frameInterval([fps(9.96), fps(14.9)]), 1000 / 15, 'the fastest camera');
    assertEqual(frameInterval([{ health: null }]), 1000 / 15, 'default 15 fps');
    const tl = [{ segments: [{ start: '2026-11-28T03:00:10Z', end: '2026-11-28T03:00:20Z' }] }];
    const from = Date.parse('2026-11-28T03:00:00Z');
    const to = from + 60000;
    assertEqual(startTime(tl, from, to, from + 12000), from + 12000, 'the window start, recorded');
    assertEqual(startTime(tl, from, to, from + 2000), from + 10000, 'else the next recording');
  });
}

async function browserTests (tap, { baseUrl, camUrls, newPage, withPage }) {
  const { formatWallClock } = await importWeb('js/replay/wall.js');
  const ctx = { cameras: [], lot: null, decision: null, timelines: null, zone: 'Asia/Shanghai' };

  await tap.test('set-up: two recorded cameras, a lot inspected on both, a mark, a gap, ' +
    'a decision', async () => {
    const op = await apiSession(baseUrl, USERS.operator);
    for (const [i, name] of CAMERAS.entries()) {
      const body = { name, url: camUrls[i], site: SITE, track: TRACK, segment_seconds: 5 };
      const res = await op('POST', '/api/cameras', body);
      assertEqual(res.status, 201, `camera ${name}: ${JSON.stringify(res.body)}`);
      ctx.cameras.push(res.body.camera);
    }
    const ids = ctx.cameras.map((c) => c.id);
    const insp = await apiSession(baseUrl, USERS.inspector);
    const siding = { site: SITE, track: TRACK };
    ctx.lot = await createLot(insp, { lotNo: LOT, ...siding, declaration: DECLARATION });
    const timeline = async () =>
      (await insp('GET', `/api/timeline?cameras=${ids.join(',')}`)).body.cameras;
    await until('two closed segments on each camera, frame rates known', async () => {
      const { cameras } = (await op('GET', '/api/cameras')).body;
      const fps = cameras.filter((c) => ids.includes(c.id)).every((c) => c.health?.fps > 0);
      return fps && (await timeline()).every((tl) => closed(tl).length >= 2);
    }, 40000);
    const opened = await insp('POST', `/api/lots/${ctx.lot.id}/inspections`, { cameras: ids });
    assertEqual(opened.status, 201, `inspection: ${JSON.stringify(opened.body)}`);
    const inspection = opened.body.inspection;
    const mark = await insp('POST', `/api/inspections/${inspection.id}/marks`, {
      wagon_id: ctx.lot.wagons[0].id,
      camera_id: ids[0],
      at: new Date(Date.now() - 2000).toISOString(),
      reason_code: 'FOREIGN_MATTER',
      note: 'dark lumps at the front end',
    });
    assertEqual(mark.status, 201, `mark: ${JSON.stringify(mark.body)}`);
    ctx.markId = mark.body.mark.id;
    // a gap in both recordings: switched off for a few seconds
    const record = async (on) => {
      for (const id of ids) {
        const res = await op('PATCH', `/api/cameras/${id}`, { recording: on });
        assertEqual(res.status, 200, `recording ${on}`);
      }
    };
    await record(false);
    await sleep(GAP_MS);
    await record(true);
    const before = Date.now();
    await until('two closed segments on each camera after the gap', async () =>
      (await timeline()).every((tl) => closed(tl).filter((s) => s.start > before).length >= 2),
    40000);
    const decided = await insp('POST', `/api/lots/${ctx.lot.id}/decisions`, {
      category: 'SAMPLE_HOLD',
      reasons: ['FOREIGN_MATTER', 'RANDOM_SELECTION'],
      note: 'sample drawn',
      cameras: ids,
      from: new Date(Date.parse(inspection.opened_at) - 10000).toISOString(),
      to: new Date().toISOString(),
      inspection_id: inspection.id,
    });
    assertEqual(decided.status, 201, `decision: ${JSON.stringify(decided.body)}`);
    ctx.decision = decided.body.decision;
    const signed = await insp('POST', `/api/inspections/${inspection.id}/sign`);
    assertEqual(signed.status, 200, 'signed');
    await until('the mark\'s still made', async () =>
      (await insp('GET', `/api/marks/${ctx.markId}/still.jpg`)).status === 200, 20000);
    ctx.timelines = (await insp('GET', `/api/timeline?lot_id=${ctx.lot.id}`)).body;
    const lotCameras = ctx.timelines.cameras.map((c) => c.camera_id).sort();
    assertEqual(lotCameras, [...ids].sort(), 'the lot\'s cameras');
    const gaps = ctx.timelines.cameras
      .map((tl) => tl.gaps.filter((g) => g.cause === 'disabled').length);
    assert(gaps.every((n) => n >= 1), `a "disabled" gap on each camera: ${JSON.stringify(gaps)}`);
  });

  const openSearch = async (page) => {
    await login(page, baseUrl, USERS.auditor);
    await page.locator('nav [data-section="review"]').click();
    await page.getByRole('heading', { level: 1, name: 'Decision review' }).waitFor();
  };
  const results = (page) => page.locator('[data-testid="review-open"]');

  await tap.test('auditor: search by declaration (Enter) and by category; ' +
    'an unknown declaration gives the empty state', () => withPage(async (page) => {
    await openSearch(page);
    assert((await navSections(page)).includes('review'), 'Decision review in the navigation');
    await page.getByLabel('Declaration no.').fill(DECLARATION);
    await page.getByLabel('Declaration no.').press('Enter');
    await page.locator('[data-testid="review-count"]', { hasText: '1 decision(s)' }).waitFor();
    assertEqual(await results(page).count(), 1, 'one decision of the declaration');
    const category = await results(page).first().getAttribute('data-category');
    assertEqual(category, 'SAMPLE_HOLD', 'its category');
    await page.getByLabel('Declaration no.').fill(UNKNOWN_DECLARATION);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.empty-state', { hasText: 'No decision matches' }).waitFor();
    assertEqual(await results(page).count(), 0, 'nothing for an unknown declaration');
    await page.getByLabel('Declaration no.').fill('');
    await page.getByLabel('Category').selectOption('SAMPLE_HOLD');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('[data-testid="review-count"]', { hasText: '1 decision(s)' }).waitFor();
    await page.getByLabel('Category').selectOption('DESTROY');
    await page.getByLabel('Wagon number').press('Enter');
    await page.locator('.empty-state', { hasText: 'No decision matches' }).waitFor();
  }));

  const { context, page } = await newPage({ allow: /status of 503/ }); // frame.jpg busy: retried
  await installStampReader(context);
  const posts = [];
  page.on('request', (r) => {
    if (r.method() !== 'GET' && !r.url().endsWith('/api/session')) {
      posts.push(`${r.method()} ${r.url()}`);
    }
  });
  const tiles = page.locator('.replay-tile');
  const goTo = async (ms) => {
    await page.getByTestId('replay-goto').fill(formatWallClock(ms, ctx.zone));
    await page.getByTestId('replay-goto-submit').click();
    await page.locator(`[data-testid="replay-clock"][data-wall="${Math.round(ms)}"]`).waitFor();
  };

  try {
    await tap.test('auditor opens the decision: a tile per camera, one scrub bar with mark and ' +
      'decision markers, sample thumbnails', async () => {
      await openSearch(page);
      const settings = await page.evaluate(async () =>
        (await (await fetch('/api/session')).json()).settings);
      ctx.zone = settings?.display_timezone || 'Asia/Shanghai';
      await page.getByLabel('Declaration no.').fill(DECLARATION);
      await page.getByLabel('Declaration no.').press('Enter');
      await results(page).first().click();
      await page.waitForURL((url) => url.hash === `#/review/${ctx.decision.id}`);
      await page.locator('[data-testid="review-declaration"]', { hasText: DECLARATION }).waitFor();
      await page.getByTestId('review-category').filter({ hasText: 'Sample and hold' }).waitFor();
      await until('both tiles loaded', async () => (await tiles.evaluateAll((els) =>
        els.map((el) => el.dataset.state))).every((s) => s === 'recorded' || s === 'gap'), 20000);
      assertEqual(await tiles.count(), 2, 'two tiles');
      const ids = await page.locator('video[data-camera-id]')
        .evaluateAll((vs) => vs.map((v) => v.dataset.cameraId).sort());
      assertEqual(ids, ctx.cameras.map((c) => c.id).sort(), 'a video per camera');
      assertEqual(await page.locator('.scrub-lane').count(), 2, 'a scrub row per camera');
      assert(await page.getByTestId('marker-mark').count() >= 1, 'a mark marker');
      assert(await page.getByTestId('marker-decision').count() >= 1, 'a decision marker');
      const markTitle = await page.getByTestId('marker-mark').first().getAttribute('title');
      assert(markTitle.includes('Foreign matter'), `the mark says what: ${markTitle}`);
      const shaded = await page.locator('.scrub-gap[data-cause="disabled"]').count();
      assert(shaded >= 2, 'the gaps shaded on both rows');
      const sample = page.locator('.scrub-sample').nth(3);
      const box = await sample.boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const thumb = page.locator('.scrub-thumb');
      await thumb.waitFor({ state: 'visible' });
      const src = await thumb.getAttribute('src');
      assert(src.startsWith('/api/frame-samples/'), `a sample thumbnail: ${src}`);
      await until('the thumbnail decoded',
        () => thumb.evaluate((img) => img.complete && img.naturalWidth > 0), 5000);
      // the mark's marker shows the still kept with the mark
      const markBox = await page.getByTestId('marker-mark').first().boundingBox();
      await page.mouse.move(markBox.x + markBox.width / 2, markBox.y + markBox.height / 2);
      await until('the mark\'s still', async () =>
        (await thumb.getAttribute('src') ?? '').startsWith(`/api/marks/${ctx.markId}/still.jpg`),
      5000);
      await until('the still decoded',
        () => thumb.evaluate((img) => img.complete && img.naturalWidth > 0), 5000);
      await page.mouse.move(0, 0);
    });

    await tap.test('seek accuracy: each tile shows the recorded frame that holds the time gone ' +
      'to, the tiles alike', async () => {
      const [a, b] = ctx.timelines.cameras.map(closed);
      const inBoth = (ms) => [a, b].every((segs) =>
        segs.some((s) => s.start <= ms && ms < s.end - FRAME_MS));
      // The starts of segments that follow another one without a gap.
      const boundaries = (segs) => segs.slice(1)
        .filter((s, i) => Math.abs(s.start - segs[i].end) < 500).map((s) => s.start);
      const [bA, bB] = [boundaries(a), boundaries(b)];
      // Times 5 ms into a frame and 5 ms before its end (frames are 100 ms
      // from a segment's first): a mapping off by more than 5 ms either way
      // shows another frame.
      const after = [bA[0] + 5, bB[0] + 6];
      const times = [a[1].start + 2395, a[a.length - 2].start + 1105, ...after, bA[1] + 95,
        b[1].start + 3195, a[a.length - 1].start + 2205, b[b.length - 1].start + 3350]
        .filter(inBoth);
      assert(times.length >= 4, `at least four times recorded by both cameras: ${times.length}`);
      assert(after.some((ms) => times.includes(ms)), 'a time right after a segment boundary');
      const raw = [];
      let onCameraClock = 0;
      for (const T of times) {
        const at = formatWallClock(T, ctx.zone);
        await goTo(T);
        const shown = await readTiles(page);
        const recorded = [];
        for (const [id, s] of Object.entries(shown)) {
          assertEqual(s.state, 'recorded', `tile ${id} at ${at}`);
          assert(s.stamp !== null, `tile ${id}: camsim's stamp readable at ${at}`);
          const want = await frameHolding(page, id, T);
          const lag = Math.round(want.at - want.stamp);
          raw.push(`${s.stamp - T}${s.stamp === want.stamp ? '' : '!'}(lag ${lag})`);
          assert(want.at <= T && T < want.at + FRAME_MS + 1,
            `tile ${id} at ${at}: the server's frame holding it was recorded at ${want.at}`);
          assertEqual(s.stamp, want.stamp,
            `tile ${id} at ${at} (stamp minus time ${s.stamp - T} ms): camsim's stamp of the ` +
            'frame shown against that of the recorded frame holding the time');
          // Once the recorder is on camsim's clock (a few seconds into each
          // connection, native-clock.h), the frame shown carries camsim's
          // stamp within one frame interval of the time gone to (+ camsim's
          // whole-ms stamps and pacing).
          if (Math.abs(lag) <= 5) {
            onCameraClock += 1;
            assert(Math.abs(s.stamp - T) <= FRAME_MS + 5, `tile ${id} at ${at}: the frame ` +
              `shown is stamped ${s.stamp - T} ms from the time gone to`);
          }
          recorded.push(want.at);
        }
        assert(Math.abs(recorded[0] - recorded[1]) <= FRAME_MS,
          `at ${at} the tiles show frames recorded ${recorded[0] - recorded[1]} ms apart`);
      }
      comment('stamp minus time gone to, in ms (lag: recorded wall clock minus camsim\'s ' +
        `stamp): ${raw.join(' ')}`);
      assert(onCameraClock >= 4, `at least four frames recorded on camsim's clock, ` +
        `${onCameraClock}: ${raw.join(' ')}`);
    });

    await tap.test('playing across a file boundary: every tile presents frame after frame, ' +
      'no jump back, no stall', async () => {
      const [a] = ctx.timelines.cameras.map(closed);
      // A ends where B starts (the rotation, not a gap), and B runs on for 2 s
      const i = a.findIndex((s, k) => a[k + 1] && a[k + 1].start - s.end < 200 &&
        a[k + 1].end - a[k + 1].start > 2500 && s.end - s.start > 2000);
      assert(i >= 0, `two adjoining files: ${JSON.stringify(a)}`);
      const boundary = a[i].end;
      await goTo(boundary - 1500);
      await readTiles(page);
      const watch = page.evaluate(() => new Promise((resolve) => {
        const videos = [...document.querySelectorAll('.replay-tile video[data-camera-id]')];
        const seen = Object.fromEntries(videos.map((v) => [v.dataset.cameraId,
          { frames: [], seeks: [], dropped: 0 }]));
        const t0 = performance.now();
        const end = t0 + 2800;
        for (const v of videos) {
          const mine = seen[v.dataset.cameraId];
          const dropped0 = v.getVideoPlaybackQuality().droppedVideoFrames;
          v.addEventListener('seeking', () => mine.seeks.push(Math.round(performance.now() - t0)));
          const frame = (now) => {
            mine.frames.push([now, window.rviStamp.readVideo(v)]);
            if (now < end) v.requestVideoFrameCallback(frame);
            else mine.dropped = v.getVideoPlaybackQuality().droppedVideoFrames - dropped0;
          };
          v.requestVideoFrameCallback(frame);
        }
        setTimeout(() => resolve(seen), 3000);
      }));
      await page.getByTestId('replay-play').click();
      const seen = await watch;
      await page.getByTestId('replay-play').click(); // pause
      const wall = Number(await page.getByTestId('replay-clock').getAttribute('data-wall'));
      assert(wall > boundary + 500, `the clock went past the boundary: ${wall - boundary} ms ` +
        `(${JSON.stringify(Object.values(seen).map((t) => t.seeks))} seeks)`);
      for (const [id, { frames, seeks, dropped }] of Object.entries(seen)) {
        const stamps = frames.map(([, st]) => st).filter((st) => st !== null);
        const trace = `stamps minus boundary: ${stamps.map((st) => st - boundary).join(' ')}; ` +
          `seeks at ${seeks.join(' ') || 'none'} ms; ${dropped} frames dropped`;
        let step = 0;
        let stall = 0;
        for (let k = 1; k < stamps.length; k++) {
          assert(stamps[k] >= stamps[k - 1], `tile ${id}: the picture went back ` +
            `${stamps[k - 1] - stamps[k]} ms (${trace})`);
          step = Math.max(step, stamps[k] - stamps[k - 1]);
        }
        for (let k = 1; k < frames.length; k++) {
          stall = Math.max(stall, frames[k][0] - frames[k - 1][0]);
        }
        comment(`tile ${id}: ${stamps.length} frames, largest stamp step ${step} ms, ` +
          `longest wait between frames ${Math.round(stall)} ms; ${trace}`);
        assert(stamps.length >= 15, `tile ${id}: ${stamps.length} frames in 2.8 s (${trace})`);
        // a frame or two may be skipped while hls.js switches files; a stall is not
        assert(step <= 4 * FRAME_MS, `tile ${id}: the stamp jumped by ${step} ms (${trace})`);
        assert(stall < 600, `tile ${id}: no new frame for ${Math.round(stall)} ms (${trace})`);
      }
    });

    await tap.test('frame step: "." and the button move every tile one frame forward, "," ' +
      'one back', async () => {
      const [a] = ctx.timelines.cameras.map(closed);
      const T = a[1].start + 1550;
      await goTo(T);
      const s0 = await readTiles(page);
      await page.locator('h1').click(); // focus out of the form: the keys are the page's
      await page.keyboard.press('.');
      await page.locator(`[data-testid="replay-clock"][data-wall="${Math.round(T + FRAME_MS)}"]`)
        .waitFor();
      const s1 = await readTiles(page);
      await page.getByTestId('replay-step-forward').click();
      const s2 = await readTiles(page);
      await page.locator('h1').click();
      await page.keyboard.press(',');
      const s3 = await readTiles(page);
      for (const id of Object.keys(s0)) {
        const steps = [s1[id].stamp - s0[id].stamp, s2[id].stamp - s1[id].stamp,
          s3[id].stamp - s2[id].stamp];
        comment(`tile ${id}: steps ${steps.join(' ')} ms`);
        const oneFrame = (ms) => ms >= 0.5 * FRAME_MS && ms <= 1.5 * FRAME_MS;
        assert(oneFrame(steps[0]), `"." moved ${steps[0]} ms`);
        assert(oneFrame(steps[1]), `the button moved ${steps[1]} ms`);
        assert(oneFrame(-steps[2]), `"," moved ${steps[2]} ms`);
      }
    });

    await tap.test('the scrub bar zooms: keys around the playhead, Ctrl + wheel around the ' +
      'pointer, a click seeks to the time under it, the view follows the playhead', async () => {
      const [a, b] = ctx.timelines.cameras.map(closed);
      const inBoth = (ms) => [a, b].every((segs) => segs.some((s) => s.start <= ms && ms < s.end));
      const bar = page.getByTestId('scrub-bar');
      const zoom = page.locator('.scrub-zoom');
      const clip = page.locator('.scrub-clip');
      const viewOf = async () => {
        const [f, t] = await zoom.evaluate((el) => [el.dataset.viewFrom, el.dataset.viewTo]);
        return { from: Number(f), to: Number(t), span: Number(t) - Number(f) };
      };
      const whole = await viewOf();
      assert(await page.getByTestId('scrub-zoom-out').isDisabled(), 'not zoomed: − is off');
      const T = a[Math.floor(a.length / 2)].start + 1000;
      await goTo(T);
      await bar.focus();
      for (let i = 0; i < 3; i++) await page.keyboard.press('+');
      const z = await viewOf();
      comment(`range ${whole.span} ms; zoomed to ${z.span} ms`);
      assert(Math.abs(z.span - Math.max(whole.span / 8, 10000)) <= 2,
        `three zoom steps show an eighth of the range (at least 10 s): ${z.span} of ${whole.span}`);
      const clamped = z.from === whole.from || z.to === whole.to;
      assert(clamped || Math.abs((T - whole.from) / whole.span - (T - z.from) / z.span) < 0.01,
        'the playhead stays where it was on the bar');
      assert(z.from <= T && T <= z.to, 'the playhead is in the view');
      assert(!(await page.getByTestId('scrub-zoom-out').isDisabled()), 'zoomed: − is on');
      const shown = await page.getByTestId('scrub-zoom-shown').textContent();
      assert(shown.includes(' – '), `the bar says what it shows: ${shown}`);
      // the playhead is drawn where its time is in the view
      const box = await clip.boundingBox();
      const head = await page.locator('.scrub-head').boundingBox();
      const headAt = z.from + ((head.x + head.width / 2 - box.x) / box.width) * z.span;
      const msPerPx = z.span / box.width;
      assert(Math.abs(headAt - T) <= 2 * msPerPx, `the playhead at ${headAt - T} ms from its time`);
      // a click seeks to the time under the pointer, at the zoomed scale
      const target = Array.from({ length: 60 }, (_, k) => T + (k % 2 ? 1 : -1) * (2 + k) * 500)
        .find((ms) => ms > z.from && ms < z.to && inBoth(ms));
      assert(target, 'a time in the view recorded by both cameras');
      await page.mouse.click(box.x + ((target - z.from) / z.span) * box.width, box.y + box.height / 2);
      await until('the click sought', async () => Math.abs(Number(await page
        .getByTestId('replay-clock').getAttribute('data-wall')) - target) <= 2 * msPerPx, 5000);
      // Ctrl + wheel over the bar zooms out around the pointer
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, 120);
      await page.keyboard.up('Control');
      await until('Ctrl + wheel zoomed out', async () =>
        Math.abs((await viewOf()).span - Math.min(z.span * 2, whole.span)) <= 2, 3000);
      // going to a time outside the view moves the view to it
      await bar.focus();
      await page.keyboard.press('+');
      const v = await viewOf();
      const far = v.to + 20000 < whole.to ? v.to + 15000 : v.from - 15000;
      await goTo(far);
      const moved = await viewOf();
      assert(moved.from <= far && far <= moved.to, `the view follows the playhead to ${far}: ` +
        `${JSON.stringify(moved)}`);
      await bar.focus();
      await page.keyboard.press('0');
      assertEqual(await viewOf(), whole, '"0" shows the whole range again');
      assert(await page.getByTestId('scrub-zoom-whole').isDisabled(), 'whole range: its button off');
    });

    await tap.test('a gap: the tiles say why; playing across it skips to the next recording and ' +
      'says so', async () => {
      const gaps = ctx.timelines.cameras.map((tl) => tl.gaps.find((g) => g.cause === 'disabled'))
        .map((g) => ({ start: Date.parse(g.start), end: Date.parse(g.end) }));
      const start = Math.max(...gaps.map((g) => g.start));
      const end = Math.min(...gaps.map((g) => g.end));
      assert(end - start > 1000, `the cameras' gaps overlap: ${JSON.stringify(gaps)}`);
      // from before the first recording (no recording there either) into
      // the gap: the overlay names the gap the clock is in
      const first = Math.min(...ctx.timelines.cameras.map((tl) => Date.parse(tl.segments[0].start)));
      await goTo(first - 2000);
      await page.locator('.replay-tile[data-state="gap"]').nth(1).waitFor();
      await goTo((start + end) / 2);
      await page.locator('.replay-tile[data-state="gap"]').nth(1).waitFor();
      const overlays = await page.getByTestId('replay-overlay').allInnerTexts();
      assertEqual(overlays, Array(2).fill('No recording — switched off'), 'overlays');
      await goTo(Math.min(...gaps.map((g) => g.start)) - 1500);
      await page.getByTestId('replay-speed').selectOption('2');
      await page.getByTestId('replay-play').click();
      await page.getByTestId('replay-notice')
        .filter({ hasText: /Skipped a gap of [\d.]+ s \(switched off\)/ })
        .waitFor({ timeout: 10000 });
      const after = Number(await page.getByTestId('replay-clock').getAttribute('data-wall'));
      const resumed = Math.min(...gaps.map((g) => g.end)) - 1000;
      assert(after >= resumed, `the clock went past the gap: ${after}`);
      await sleep(1500);
      await page.getByTestId('replay-play').click(); // pause
      await page.locator('[data-testid="replay-play"][data-playing="false"]').waitFor();
      const shown = await readTiles(page);
      const wall = Number(await page.getByTestId('replay-clock').getAttribute('data-wall'));
      const recorded = [];
      for (const [id, s] of Object.entries(shown)) {
        assertEqual(s.state, 'recorded', `tile ${id} after playing`);
        const want = await frameHolding(page, id, wall);
        comment(`after playing: tile ${id} stamp ${s.stamp - wall} ms from the clock, ` +
          `the frame holding it ${want.stamp - wall}`);
        assertEqual(s.stamp, want.stamp, `tile ${id}: the frame shown, the one at the clock`);
        recorded.push(want.at);
      }
      assert(Math.abs(recorded[0] - recorded[1]) <= FRAME_MS,
        `tiles in step after playing: ${recorded}`);
    });

    await tap.test('the viewing log beside the replay lists this auditor\'s replays; nothing on ' +
      'the page changes anything', async () => {
      const entry = page.locator('[data-testid="view-entry"][data-action="replay_viewed"]');
      await entry.first().waitFor();
      const actors = await entry.evaluateAll((els) => els.map((el) => el.dataset.actor));
      const mine = (a) => a === USERS.auditor.name || a === USERS.auditor.displayName;
      assert(actors.length >= 2 && actors.every(mine),
        `replays by the auditor: ${JSON.stringify(actors)}`);
      const text = await entry.first().innerText();
      assert(/Erenhot T3 (overhead|side)/.test(text) && text.includes('replayed'),
        `the entry names camera and range: ${text}`);
      const buttons = await page.locator('main button').evaluateAll((els) =>
        els.map((b) => b.innerText.trim() || b.getAttribute('aria-label') || ''));
      const mutating = buttons.filter((b) => MUTATING.test(b) && !/^(Mark|Decision): /.test(b));
      assertEqual(mutating, [], 'mutating controls');
      const writable = await page.locator('main textarea, main form[method="post"]').count();
      assertEqual(writable, 0, 'no text area or posting form');
      assertEqual(posts, [], 'requests other than GET');
    });

    await tap.test('the console in Chinese', async () => {
      await page.evaluate(() => localStorage.setItem('rvi.lang', 'zh-CN'));
      await page.reload();
      await page.locator('[data-testid="review-declaration"]', { hasText: DECLARATION }).waitFor();
      await page.getByRole('heading', { level: 2, name: '观看记录' }).waitFor();
      await page.getByRole('button', { name: '播放', exact: true }).waitFor();
      await page.getByText('跳转到时间（').waitFor();
      await page.locator('nav [data-section="review"]', { hasText: '决定审核' }).waitFor();
      await page.evaluate(() => localStorage.removeItem('rvi.lang'));
    });
  } finally {
    await context.close();
  }

  await tap.test('an inspector has no Decision review page', () => withPage(async (p) => {
    await login(p, baseUrl, USERS.inspector);
    assert(!(await navSections(p)).includes('review'), 'no Decision review in the navigation');
    await p.goto(`${baseUrl}#/review`);
    await p.getByRole('heading', { level: 1, name: 'Page not available' }).waitFor();
  }));
}

await runSuite({
  users: USERS,
  unitTests: moduleTests,
  camsim: { cameras: 2, size: '640x360', fps: FPS },
  viewport: { width: 1400, height: 1000 },
  browserTests,
});
