// lot/tiles.js: the cameras of a lot's siding (same site and track) as a
// grid of 1 to 16 tiles, each with the camera's name at the bottom (the
// customs on-screen convention), its recording state and its standing
// tamper alerts. Each tile plays the camera live (camera/live-wall.js
// starts the players on the grid this builds; camera/live-player.js); the
// camera's latest key-frame still (with its time) stays under the live
// picture in the 16:9 box, shown until the first frame and whenever there
// is no live picture, or a placeholder when there is none. updateTiles()
// swaps in newer stills, states and alerts in place (the lot page polls
// every 2 s), leaving the live picture alone; a still older than STALE_MS
// says how old it is.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { formatClock } from '../time.js';
import { formatAge } from '../units.js';
import { emptyState } from '../ui/empty.js';
import { stateBadge, compareCameras } from '../camera/state.js';
import { sidingLabel } from './labels.js';

export const MAX_TILES = 16;

// The cameras standing at the lot's siding, in the order of the camera
// list (track, position, name). None when the lot names no site.
export function sidingCameras (cameras, lot) {
  if (!lot.site) return [];
  return cameras
    .filter((c) => (c.site ?? '') === lot.site && (c.track ?? '') === (lot.track ?? ''))
    .sort(compareCameras);
}

// Columns for n tiles: 1, 2 (2-4), 3 (5-9), 4 (10-16).
export const gridColumns = (n) => (n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4);

// A still this old (three sampling intervals) is flagged with its age.
export const STALE_MS = 6000;

function stillLabel (still, zone, now) {
  const time = formatClock(still.at, zone);
  const age = now - Date.parse(still.at);
  return age > STALE_MS
    ? t('tiles.stillOld', { time, age: formatAge(age) })
    : t('tiles.stillAt', { time });
}

function picture (camera, zone, now) {
  const still = camera.latest_sample;
  if (!still) return h('p', { class: 'cam-placeholder', text: t('tiles.placeholder') });
  const time = formatClock(still.at, zone);
  return [
    h('img', { class: 'cam-still', src: still.url, alt: t('tiles.stillAlt', { name: camera.name, time }), decoding: 'async', dataset: { sample: still.id } }),
    h('span', { class: 'cam-still-time', dataset: { testid: 'still-time', stale: String(now - Date.parse(still.at) > STALE_MS) }, text: stillLabel(still, zone, now) }),
  ];
}

function alertBadges (camera) {
  return (camera.alerts ?? []).map((a) => h('span', { class: 'badge badge-bad cam-alert', dataset: { kind: a.kind }, text: t(`alert.${a.kind}`) }));
}

function tile (camera, zone) {
  return h('figure', { class: 'cam-tile', dataset: { cameraId: camera.id, state: camera.state ?? '' } },
    h('div', { class: 'cam-view', tabindex: '0', role: 'button', 'aria-expanded': 'false', 'aria-label': t('liveView.tileLabel', { name: camera.name }) },
      picture(camera, zone, Date.now()),
      h('div', { class: 'cam-top' }, stateBadge(camera.state), alertBadges(camera))),
    h('figcaption', { class: 'cam-caption' },
      h('span', { class: 'cam-name', text: camera.name }),
      camera.position ? h('span', { class: 'cam-position', text: camera.position }) : null));
}

export function cameraTiles (cameras, lot, zone) {
  if (!lot.site) return emptyState({ title: t('tiles.noSiding'), text: t('tiles.noSidingText') });
  if (!cameras.length) {
    return emptyState({ title: t('tiles.none', { siding: sidingLabel(lot.site, lot.track) }), text: t('tiles.noneText') });
  }
  const shown = cameras.slice(0, MAX_TILES);
  return h('div', {},
    h('div', { class: 'cam-grid', dataset: { columns: String(gridColumns(shown.length)), testid: 'camera-tiles' } }, shown.map((c) => tile(c, zone))),
    cameras.length > shown.length
      ? h('p', { class: 'small muted', text: t('tiles.more', { shown: shown.length, n: cameras.length }) })
      : null);
}

// Brings the tiles under @container up to date with @cameras: a newer
// still replaces the shown one (the still only: the live picture, focus and
// layout stay), the state badge, alerts and the still's age are redrawn.
export function updateTiles (container, cameras, zone, now = Date.now()) {
  for (const camera of cameras) {
    const figure = container.querySelector(`figure[data-camera-id="${CSS.escape(camera.id)}"]`);
    if (!figure) continue;
    const view = figure.querySelector('.cam-view');
    const top = view.querySelector('.cam-top');
    const shown = view.querySelector('.cam-still')?.dataset.sample ?? null;
    const still = camera.latest_sample;
    if ((still?.id ?? null) !== shown) {
      for (const el of view.querySelectorAll('.cam-still, .cam-still-time, .cam-placeholder')) el.remove();
      view.prepend(...[picture(camera, zone, now)].flat());
    } else if (still) {
      const label = view.querySelector('.cam-still-time');
      label.textContent = stillLabel(still, zone, now);
      label.dataset.stale = String(now - Date.parse(still.at) > STALE_MS);
    }
    if (figure.dataset.state !== (camera.state ?? '')) {
      figure.dataset.state = camera.state ?? '';
      top.querySelector('.badge[data-state]')?.replaceWith(stateBadge(camera.state));
    }
    for (const el of top.querySelectorAll('.cam-alert')) el.remove();
    top.append(...alertBadges(camera));
  }
}
