// replay/scrubbar.js: the one scrub bar of a synchronised replay. It spans
// the replay's range: a thin row per camera with what it recorded and its
// gaps (shaded by cause, the cause in the title), the key-frame samples as
// ticks, marks and decisions as markers above the rows (their text as
// title; a click goes there), the decision's window as a band, and the
// playhead. Click or drag seeks; hovering near a sample shows its
// thumbnail, hovering a mark its still. From the keyboard it is a slider:
// arrows move 1 s (Shift: one frame), Page Up/Down 10 s, Home/End the
// range's ends. It zooms
// (scrub-zoom.js: '+', '-', '0', Ctrl + wheel, the buttons under it): every
// element is placed by its time on an inner strip as wide as the range
// at the current zoom, moved so the view shows.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { formatClock } from '../time.js';
import { gapCauseText, gapGroup } from '../camera/state.js';
import { formatWallClock } from './wall.js';
import { createZoomView, createZoomControls, zoomKey, zoomWheel } from './scrub-zoom.js';

const HOVER_PX = 6;   // how near a sample the pointer must be for its thumbnail
const AXIS_TICKS = 4;

// createScrubBar({from, to, zone, frameMs, rows: [{id, name, timeline}],
//   markers: [{kind: 'mark'|'decision', at, title, current}],
//   window: {from, to} | null, onSeek(ms)}) -> {el, setTime(ms), setSegments(id, segments)}
export function createScrubBar ({ from, to, zone, frameMs, rows, markers, window: band, onSeek }) {
  const span = Math.max(to - from, 1);
  const pct = (ms) => `${((Math.min(Math.max(ms, from), to) - from) / span) * 100}%`;
  const width = (a, b) =>
    `${Math.max(((Math.min(b, to) - Math.max(a, from)) / span) * 100, 0.2)}%`;
  // an open segment or gap lasts until now
  const parse = (iso) => (iso ? Date.parse(iso) : Math.min(Date.now(), to));
  let now = from;

  const head = h('div', { class: 'scrub-head', 'aria-hidden': 'true' });
  const hoverTime = h('span', { class: 'scrub-hover-time' });
  const thumb = h('img', { class: 'scrub-thumb', alt: '', hidden: true, decoding: 'async' });
  const hover = h('div', { class: 'scrub-hover', hidden: true }, thumb, hoverTime);

  const samples = []; // {at, url, camera} for the thumbnails
  const lanes = new Map();
  const laneOf = (row) => {
    const lane = h('div', { class: 'scrub-lane', dataset: { cameraId: row.id } });
    lanes.set(row.id, lane);
    drawSegments(lane, row.timeline?.segments ?? []);
    for (const g of row.timeline?.gaps ?? []) {
      const s = Date.parse(g.start);
      const e = parse(g.end);
      if (e <= from || s >= to) continue;
      lane.append(h('div', {
        class: `scrub-gap scrub-gap-${gapGroup(g.cause)}`,
        dataset: { cause: g.cause },
        title: t('review.gapTitle', {
          cause: gapCauseText(g.cause), from: formatClock(s, zone), to: formatClock(e, zone),
        }),
        style: { left: pct(s), width: width(s, e) },
      }));
    }
    for (const s of row.timeline?.samples ?? []) {
      const at = Date.parse(s.at);
      samples.push({ at, url: s.url, camera: row.id, name: row.name });
      lane.append(h('div', { class: 'scrub-sample', style: { left: pct(at) } }));
    }
    return lane;
  };

  function drawSegments (lane, segments) {
    for (const el of lane.querySelectorAll('.scrub-seg')) el.remove();
    for (const s of segments) {
      const a = Date.parse(s.start);
      const b = parse(s.end);
      if (b <= from || a >= to) continue;
      lane.prepend(h('div', { class: 'scrub-seg', style: { left: pct(a), width: width(a, b) } }));
    }
  }

  const markerLane = h('div', { class: 'scrub-markers' }, markers.map((m) => h('button', {
    type: 'button',
    class: `scrub-marker scrub-${m.kind}${m.current ? ' is-current' : ''}`,
    dataset: { kind: m.kind, testid: `marker-${m.kind}`, still: m.still ?? '' },
    title: m.title,
    'aria-label': m.title,
    style: { left: pct(m.at) },
    on: { click: () => onSeek(m.at) },
  })));

  const track = h('div', {
    class: 'scrub-track',
    role: 'slider',
    tabindex: '0',
    'aria-label': t('review.scrubLabel'),
    'aria-valuemin': '0',
    'aria-valuemax': String(Math.round(span / 1000)),
    dataset: { testid: 'scrub-bar' },
  });
  const inner = h('div', { class: 'scrub-inner' },
    markerLane,
    band ? h('div', {
      class: 'scrub-window',
      title: t('review.windowTitle', {
        from: formatClock(band.from, zone),
        to: formatClock(band.to, zone),
      }),
      style: { left: pct(band.from), width: width(band.from, band.to) },
    }) : null,
    h('div', { class: 'scrub-lanes' }, rows.map(laneOf)),
    head);

  const clip = h('div', { class: 'scrub-clip' }, inner);
  track.append(clip, hover);

  const names = h('div', { class: 'scrub-names', 'aria-hidden': 'true' },
    h('div', { class: 'scrub-name-spacer' }),
    rows.map((r) => h('div', { class: 'scrub-name', title: r.name, text: r.name })));

  const axis = h('div', { class: 'scrub-axis', 'aria-hidden': 'true' });
  const view = createZoomView(from, to, () => showView());
  const zoomBar = createZoomControls(view, zone, () => now);

  // The axis ticks and the inner strip for the view.
  function showView () {
    inner.style.width = `${(span / view.span) * 100}%`;
    inner.style.left = `${(-(view.from - from) / view.span) * 100}%`;
    axis.replaceChildren(...Array.from({ length: AXIS_TICKS + 1 }, (_, i) => {
      const at = view.from + (view.span * i) / AXIS_TICKS;
      const text = formatClock(at, zone);
      const left = `${(i * 100) / AXIS_TICKS}%`;
      return h('span', { class: 'scrub-tick', style: { left }, text });
    }));
    zoomBar.update();
  }
  showView();

  const el = h('div', { class: 'scrub' }, names,
    h('div', { class: 'scrub-main' }, track, axis, zoomBar.el));

  const timeAt = (clientX) => {
    const r = clip.getBoundingClientRect();
    const x = Math.min(Math.max(clientX - r.left, 0), r.width);
    return view.from + (x / Math.max(r.width, 1)) * view.span;
  };

  function showHover (e) {
    const at = timeAt(e.clientX);
    const r = clip.getBoundingClientRect();
    const pxPerMs = r.width / view.span;
    const laneId = e.target.closest?.('.scrub-lane')?.dataset.cameraId ?? null;
    const still = e.target.closest?.('.scrub-marker')?.dataset.still;
    let best = null;
    if (still) { // a mark's still rather than the nearest sample
      const marker = e.target.closest('.scrub-marker');
      hover.hidden = false;
      hover.style.left = `${Math.min(Math.max(e.clientX - r.left, 0), r.width)}px`;
      if (thumb.getAttribute('src') !== still) thumb.src = still;
      thumb.alt = marker.title;
      thumb.hidden = false;
      hoverTime.textContent = t('review.stillOf', { title: marker.title });
      return;
    }
    for (const s of samples) {
      const d = Math.abs(s.at - at) * pxPerMs;
      if (d > HOVER_PX || (laneId && s.camera !== laneId)) continue;
      if (!best || d < best.d) best = { ...s, d };
    }
    hover.hidden = false;
    hover.style.left = `${Math.min(Math.max(e.clientX - r.left, 0), r.width)}px`;
    if (best) {
      if (thumb.getAttribute('src') !== best.url) thumb.src = best.url;
      thumb.alt = t('review.thumbAlt', { name: best.name, time: formatClock(best.at, zone) });
      thumb.hidden = false;
      hoverTime.textContent = `${best.name} · ${formatWallClock(best.at, zone)}`;
    } else {
      thumb.hidden = true;
      hoverTime.textContent = formatWallClock(at, zone);
    }
  }

  let dragging = false;
  track.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || e.target.closest('.scrub-marker')) return;
    dragging = true;
    track.setPointerCapture(e.pointerId);
    onSeek(timeAt(e.clientX));
  });
  track.addEventListener('pointermove', (e) => {
    if (dragging) onSeek(timeAt(e.clientX));
    showHover(e);
  });
  const endDrag = (e) => {
    if (!dragging) return;
    dragging = false;
    if (track.hasPointerCapture(e.pointerId)) track.releasePointerCapture(e.pointerId);
  };
  track.addEventListener('pointerup', endDrag);
  track.addEventListener('pointercancel', endDrag);
  track.addEventListener('pointerleave', () => { hover.hidden = true; });

  track.addEventListener('wheel', (e) => {
    if (zoomWheel(view, e, timeAt(e.clientX))) e.preventDefault();
  }, { passive: false });

  track.addEventListener('keydown', (e) => {
    if (!e.ctrlKey && !e.metaKey && !e.altKey && zoomKey(view, e.key, now)) {
      e.preventDefault();
      e.stopPropagation();
      return;
    }
    const moves = {
      ArrowLeft: e.shiftKey ? -frameMs : -1000,
      ArrowRight: e.shiftKey ? frameMs : 1000,
      PageDown: -10000,
      PageUp: 10000,
    };
    let target = null;
    if (e.key in moves) target = now + moves[e.key];
    else if (e.key === 'Home') target = from;
    else if (e.key === 'End') target = to;
    if (target === null) return;
    e.preventDefault();
    e.stopPropagation();
    onSeek(Math.min(Math.max(target, from), to));
  });

  return {
    el,
    setTime (ms) {
      if (ms !== now) view.follow(ms);   // playing or sought: keep it in view
      now = ms;
      head.style.left = pct(ms);
      track.setAttribute('aria-valuenow', String(Math.round((ms - from) / 1000)));
      track.setAttribute('aria-valuetext', formatWallClock(ms, zone));
    },
    // The segments of one camera again (a camera still recording grows).
    setSegments (id, segments) {
      const lane = lanes.get(id);
      if (lane) drawSegments(lane, segments);
    },
  };
}
