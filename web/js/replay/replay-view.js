// replay/replay-view.js: the synchronised replay of several cameras over
// one range: a tile per camera (its own hls.js player on a muted
// <video>), one master clock (replay/sync.js), one scrub bar
// (replay/scrubbar.js) and the transport (replay/controls.js). A tile
// whose camera recorded nothing at the clock's time says why (the gap's
// cause from the timeline) and waits; a playlist the server refused shows
// the server's message. Data: one timeline per camera (GET /api/timeline,
// the common range), the cameras' names and frame rates (GET /api/cameras).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { describeError } from '../errors.js';
import { formatTime } from '../time.js';
import { gapCauseText, compareCameras } from '../camera/state.js';
import { gridColumns } from '../lot/tiles.js';
import { categoryLabel, reasonLabel } from '../lot/labels.js';
import { createPlayer } from './player.js';
import { createSync } from './sync.js';
import { createScrubBar } from './scrubbar.js';
import { createControls } from './controls.js';
import { gapAt, runsFromSegments, runAt, nextRunStart } from './wall.js';

export const DEFAULT_FPS = 15;

// The frame interval (ms) for stepping: the fastest camera's nominal rate
// (its measured rate, rounded), DEFAULT_FPS when no camera reports one.
export function frameInterval (cameras) {
  const rates = cameras.map((c) => Math.round(Number(c?.health?.fps))).filter((n) => n > 0);
  return 1000 / (rates.length ? Math.max(...rates) : DEFAULT_FPS);
}

// Where the replay starts: the decision's window start when a camera
// recorded it, else the first recorded time after it, else the range start.
export function startTime (timelines, from, to, windowStart) {
  const runs = timelines.flatMap((tl) => runsFromSegments(tl.segments));
  const want = Number.isFinite(windowStart) ? Math.min(Math.max(windowStart, from), to) : from;
  if (runs.some((r) => runAt([r], want))) return want;
  const next = runs.map((r) => nextRunStart([r], want)).filter((n) => n !== null && n < to);
  return next.length ? Math.min(...next) : want;
}

function markers (timelines, decision, zone) {
  const seen = new Set();
  const out = [];
  for (const tl of timelines) {
    for (const m of tl.marks ?? []) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      const title = t('review.markTitle', {
        reason: reasonLabel(m.reason_code),
        note: m.note ? ` — ${m.note}` : '',
        user: m.created_by_name ?? '',
        time: formatTime(m.at, zone),
      });
      out.push({
        kind: 'mark',
        at: Date.parse(m.at),
        // the mark's still (the recorded frame kept as evidence), on hover
        still: m.still?.url ?? null,
        title: m.still?.state === 'not_recorded'
          ? `${title} · ${t('review.stillNotRecorded', { cause: m.still.cause ?? '' })}`
          : title,
      });
    }
    for (const d of tl.decisions ?? []) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      out.push({
        kind: 'decision',
        at: Date.parse(d.at),
        current: d.id === decision?.id,
        title: t('review.decisionTitle', {
          category: categoryLabel(d.category),
          user: d.decided_by_name ?? '',
          time: formatTime(d.at, zone),
        }),
      });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

// createReplay({timelines, cameras (by id), from, to, decision, zone,
//   onLeave, alive}) -> {el, sync, players}
export function createReplay (options) {
  const { cameras, from, to, decision, zone, onLeave, alive } = options;
  const info = (id) => cameras.get(id) ?? { id, name: t('review.unknownCamera') };
  // tiles in the order of the camera list (site, track, position, name)
  const timelines = [...options.timelines]
    .sort((a, b) => compareCameras(info(a.camera_id), info(b.camera_id)));
  const frameMs = frameInterval(timelines.map((tl) => cameras.get(tl.camera_id)));
  const tiles = new Map();

  const players = timelines.map((tl) => {
    const cam = info(tl.camera_id);
    const video = h('video', {
      class: 'replay-video',
      muted: true,
      playsinline: true,
      preload: 'auto',
      disablepictureinpicture: true,
      'aria-label': t('review.videoLabel', { name: cam.name }),
      dataset: { cameraId: tl.camera_id },
    });
    video.muted = true;
    const overlay = h('p', {
      class: 'replay-overlay',
      dataset: { testid: 'replay-overlay' },
      text: t('review.loadingPlayer'),
    });
    const dataset = { cameraId: tl.camera_id, state: 'loading' };
    const tile = h('figure', { class: 'replay-tile', dataset },
      h('div', { class: 'replay-view' }, video, overlay),
      h('figcaption', { class: 'replay-name', text: cam.name }));
    const player = createPlayer({
      cameraId: tl.camera_id,
      video,
      from,
      to,
      onReady: () => sync.ready(player),
      onError: (error) => {
        overlay.textContent = error.status && error.serverMessage
          ? t('review.playlistRefused', { message: error.serverMessage })
          : describeError(error);
        sync.failed(player);
      },
    });
    tiles.set(player, { tile, overlay, timeline: tl });
    return player;
  });

  const controls = createControls({ from, to, zone, onLeave, alive });
  const sync = createSync({
    players,
    from,
    to,
    frameMs,
    onClock: (wall, playing) => {
      controls.setClock(wall, playing);
      bar.setTime(wall);
    },
    onTile: (player, state) => {
      const { tile, overlay, timeline } = tiles.get(player);
      tile.dataset.state = state;
      if (state === 'gap') {
        const gap = gapAt(timeline.gaps, sync.time());
        overlay.textContent = gap
          ? t('review.noRecordingCause', { cause: gapCauseText(gap.cause) })
          : t('review.noRecording');
      } else if (state === 'loading') {
        overlay.textContent = t('review.loadingPlayer');
      }
      overlay.hidden = state === 'recorded';
    },
    onSkip: (fromWall, toWall) => {
      const causes = [...new Set(timelines
        .map((tl) => gapAt(tl.gaps, fromWall)?.cause)
        .filter(Boolean))].map(gapCauseText);
      const seconds = Math.round((toWall - fromWall) / 100) / 10;
      controls.notice(causes.length
        ? t('review.skipped', { seconds, cause: causes.join(', ') })
        : t('review.skippedNoCause', { seconds }));
    },
    onEnd: () => controls.notice(t('review.ended')),
  });
  controls.bind(sync);

  const bar = createScrubBar({
    from,
    to,
    zone,
    frameMs,
    rows: timelines.map((tl) => ({
      id: tl.camera_id,
      name: info(tl.camera_id).name,
      timeline: tl,
    })),
    markers: markers(timelines, decision, zone),
    window: decision?.from && decision?.to
      ? { from: Date.parse(decision.from), to: Date.parse(decision.to) }
      : null,
    onSeek: (ms) => sync.seek(ms),
  });

  const shown = [...tiles.values()];
  const el = h('div', { class: 'replay', dataset: { testid: 'replay' } },
    h('div', {
      class: 'replay-grid',
      dataset: { columns: String(gridColumns(shown.length)), testid: 'replay-tiles' },
    }, shown.map((x) => x.tile)),
    bar.el,
    controls.el);

  const start = startTime(timelines, from, to, decision?.from ? Date.parse(decision.from) : NaN);
  sync.seek(start);
  for (const p of players) p.start(start);
  onLeave(() => {
    sync.stop();
    for (const p of players) p.destroy();
  });
  return { el, sync, players };
}
