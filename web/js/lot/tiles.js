// lot/tiles.js: the cameras of a lot's siding (same site and track) as a
// grid of 1 to 16 tiles, each with the camera's name at the bottom (the
// customs on-screen convention) and its recording state. Live video is
// not built yet: each tile holds a placeholder in the 16:9 box the player
// will fill.

import { h } from '../dom.js';
import { t } from '../i18n.js';
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

function tile (camera) {
  return h('figure', { class: 'cam-tile', dataset: { cameraId: camera.id, state: camera.state ?? '' } },
    h('div', { class: 'cam-view' },
      h('div', { class: 'cam-top' }, stateBadge(camera.state)),
      h('p', { class: 'cam-placeholder', text: t('tiles.placeholder') })),
    h('figcaption', { class: 'cam-caption' },
      h('span', { class: 'cam-name', text: camera.name }),
      camera.position ? h('span', { class: 'cam-position', text: camera.position }) : null));
}

export function cameraTiles (cameras, lot) {
  if (!lot.site) return emptyState({ title: t('tiles.noSiding'), text: t('tiles.noSidingText') });
  if (!cameras.length) {
    return emptyState({ title: t('tiles.none', { siding: sidingLabel(lot.site, lot.track) }), text: t('tiles.noneText') });
  }
  const shown = cameras.slice(0, MAX_TILES);
  return h('div', {},
    h('div', { class: 'cam-grid', dataset: { columns: String(gridColumns(shown.length)), testid: 'camera-tiles' } }, shown.map(tile)),
    cameras.length > shown.length
      ? h('p', { class: 'small muted', text: t('tiles.more', { shown: shown.length, n: cameras.length }) })
      : null);
}
