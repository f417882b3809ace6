// camera/live-wall.js: the live players of a grid of camera tiles (the lot
// page's siding), and enlarging one tile. A click on a tile, or Enter or
// Space on its focused picture, enlarges it over the whole width of the
// grid (the first row; the others keep playing below); the same again, or
// Escape, returns it. The players stop with stop() (the tiles are redrawn
// or the page is left) and when the browser hides the page (pagehide:
// closing the tab, leaving the site); a page the browser brings back from
// its cache starts them again.
//
// startLiveWall(grid, cameras) -> {update(cameras), stop()}
//   grid: the .cam-grid whose figure.cam-tile[data-camera-id] are the tiles;
//   update(cameras) passes each camera's state (GET /api/cameras) on.

import { createLivePlayer } from './live-player.js';

export function startLiveWall (grid, cameras) {
  const byId = new Map(cameras.map((c) => [c.id, c]));
  const tiles = [...grid.querySelectorAll('figure.cam-tile[data-camera-id]')];
  let players = new Map();

  function start () {
    for (const tile of tiles) {
      const camera = byId.get(tile.dataset.cameraId);
      if (camera && !players.has(tile)) players.set(tile, createLivePlayer({ tile, camera }));
    }
  }
  function halt () {
    for (const p of players.values()) p.stop();
    players = new Map();
  }

  function setEnlarged (tile, on) {
    for (const other of tiles) {
      const enlarged = on && other === tile;
      other.classList.toggle('is-enlarged', enlarged);
      other.querySelector('.cam-view')?.setAttribute('aria-expanded', String(enlarged));
    }
    grid.classList.toggle('has-enlarged', on);
    tile.scrollIntoView({ block: 'nearest' });
  }
  const toggle = (tile) => setEnlarged(tile, !tile.classList.contains('is-enlarged'));

  function onClick (e) {
    const tile = e.target.closest('figure.cam-tile');
    if (!tile || !grid.contains(tile) || e.target.closest('a, button')) return;
    toggle(tile);
  }
  function onTileKey (e) {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    const view = e.target.closest('.cam-view');
    if (!view || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    toggle(view.closest('figure.cam-tile'));
  }
  function onEscape (e) {
    if (e.key !== 'Escape' || e.defaultPrevented || document.querySelector('dialog[open]')) return;
    const tile = grid.querySelector('figure.cam-tile.is-enlarged');
    if (!tile) return;
    e.preventDefault();
    setEnlarged(tile, false);
    tile.querySelector('.cam-view')?.focus();
  }
  const onPageHide = () => halt();
  const onPageShow = (e) => { if (e.persisted) start(); };

  grid.addEventListener('click', onClick);
  grid.addEventListener('keydown', onTileKey);
  document.addEventListener('keydown', onEscape);
  globalThis.addEventListener('pagehide', onPageHide);
  globalThis.addEventListener('pageshow', onPageShow);
  start();

  return {
    update (list) {
      for (const c of list) byId.set(c.id, c);
      for (const [tile, player] of players) player.setCameraState(byId.get(tile.dataset.cameraId)?.state);
    },
    stop () {
      halt();
      grid.removeEventListener('click', onClick);
      grid.removeEventListener('keydown', onTileKey);
      document.removeEventListener('keydown', onEscape);
      globalThis.removeEventListener('pagehide', onPageHide);
      globalThis.removeEventListener('pageshow', onPageShow);
    },
  };
}
