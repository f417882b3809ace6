// pages/health.js: the operator's live view of recording health. One tile
// per camera (state, frame rate, bit rate, last frame and its age, codec
// and resolution, reconnects, the node recording it and its pin, the last
// hour as a strip) and each node: running or not, how many cameras it
// records, its free disk. It polls /api/cameras and /api/nodes every 2 s while
// the tab is visible, the strips every 20 s; ages and countdowns tick every
// second in between. When the server stops answering, the last data stays
// on screen under a notice saying how old it is.
//
// A tile is flagged "late" when a streaming camera's last frame was more
// than LATE_MS old when its node last reported, or the report itself is
// old (the node reports every 5 s), or the server marks it stale. Tamper
// alerts standing now (covered, defocused, moved, frozen, from the
// key-frame samples) are listed on the tile and flag it too. A moved or
// defocused alert after a deliberate re-aim or refocus is cleared with
// "Accept new view" (camera/accept-view.js), which asks for a reason.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { describeError } from '../errors.js';
import { displayZone } from '../session.js';
import { formatClock, formatTime } from '../time.js';
import { startPoller } from '../poller.js';
import { emptyState } from '../ui/empty.js';
import { stateBadge, nodeLabel, placeLabel, codecLabel, resolutionLabel, transportLabel, compareCameras } from '../camera/state.js';
import { timelineStrip, stripLegend } from '../camera/strip.js';
import { acceptViewDialog, canAcceptView } from '../camera/accept-view.js';
import { formatBitrate, formatBytes, formatFps, formatAge, secondsUntil, freePercent } from '../units.js';

export const title = () => t('nav.health');

const POLL_MS = 2000;
const STRIP_MS = 20000;
const STRIP_SPAN_MS = 3600 * 1000;
const LATE_MS = 5000;         // a frame older than this at the node's last report
const REPORT_LATE_MS = 15000; // a report older than this (reports come every 5 s)
const LOW_DISK_PERCENT = 10;

function isLate (camera, now) {
  const hl = camera.health ?? {};
  if (camera.state === 'disabled') return false;
  if (hl.stale) return true;
  if (camera.state !== 'streaming') return false;
  const reported = Date.parse(hl.updated_at ?? '');
  const frame = Date.parse(hl.last_frame_at ?? '');
  if (Number.isNaN(reported) || Number.isNaN(frame)) return false;
  return reported - frame > LATE_MS || now - reported > REPORT_LATE_MS;
}

// What the state means right now: {text, detail} (either may be null).
// text is ours, in the current language, with a live countdown; detail is
// the server's message (English, factual).
function stateDetail (camera, now) {
  const hl = camera.health ?? {};
  // the server's message may end with its own static countdown; the live one is ours
  const message = (hl.message ?? '').replace(/\s*\(next try in [^)]*\)\s*$/, '') || null;
  const retry = hl.retry_at ? secondsUntil(hl.retry_at, now) : null;
  const next = retry === null ? null : (retry > 0 ? t('health.nextTry', { n: retry }) : t('health.retryingNow'));
  const join = (...parts) => parts.filter(Boolean).join(' · ') || null;
  switch (camera.state) {
    case 'backing_off':
      return { text: join(t('health.backingOff'), next), detail: message };
    case 'auth_failed':
      return { text: join(t('health.authFailed'), next), detail: message };
    case 'disabled':
      return { text: t('health.disabled'), detail: null };
    case 'disk_full':
      return { text: t('health.diskFull'), detail: message };
    case 'db_unavailable':
      return { text: t('health.dbUnavailable'), detail: message };
    default:
      return { text: null, detail: message };
  }
}

function metric (label, key) {
  const value = h('dd', { dataset: { metric: key } });
  return { el: h('div', { class: 'metric' }, h('dt', { text: label }), value), value };
}

// One camera's tile; update(camera, now) refreshes it in place so focus and
// hover survive the 2 s updates.
function cameraTile (camera, zone) {
  const name = h('h3', { class: 'tile-name' });
  const place = h('p', { class: 'tile-place muted small' });
  const badge = h('span', { class: 'tile-badge' });
  const late = h('span', { class: 'badge badge-bad tile-late', hidden: true, text: t('health.late') });
  const detail = h('p', { class: 'tile-detail', dataset: { testid: 'state-detail' } });
  const message = h('p', { class: 'tile-message small', dataset: { testid: 'state-message' } });
  const alerts = h('ul', { class: 'tile-alerts', dataset: { testid: 'alerts' }, 'aria-label': t('health.alerts') });
  // after an acceptance the alerts stand until the camera's next sample:
  // the button waits for them to change instead of inviting a second try
  let acceptedKey = null;
  const accept = h('button', {
    type: 'button',
    class: 'btn btn-secondary tile-accept',
    dataset: { testid: 'accept-view' },
    hidden: true,
    text: t('acceptView.open'),
    on: { click: () => acceptViewDialog(current, { onDone: () => { acceptedKey = alerts.dataset.key; update(); } }) },
  });
  const m = {
    fps: metric(t('camera.fps'), 'fps'),
    bitrate: metric(t('camera.bitrate'), 'bitrate'),
    frame: metric(t('health.lastFrame'), 'last-frame'),
    codec: metric(t('camera.codec'), 'codec'),
    reconnects: metric(t('health.reconnects'), 'reconnects'),
    node: metric(t('camera.node'), 'node'),
  };
  const strip = timelineStrip({ label: t('health.stripLabel', { name: camera.name }) });
  const el = h('article', { class: 'tile', dataset: { camera: camera.id } },
    h('div', { class: 'tile-head' }, name, h('div', { class: 'tile-badges' }, late, badge)),
    place, detail, message, alerts, accept,
    h('dl', { class: 'metrics' }, Object.values(m).map((x) => x.el)),
    h('div', { class: 'tile-strip' }, h('p', { class: 'strip-caption small muted', text: t('health.lastHour') }), strip.el));
  let current = camera;

  function update (c = current, now = Date.now()) {
    current = c;
    const hl = c.health ?? {};
    const live = c.state === 'streaming';
    el.dataset.state = c.state;
    name.textContent = c.name;
    place.textContent = placeLabel(c);
    if (badge.dataset.state !== c.state) {
      badge.dataset.state = c.state;
      badge.replaceChildren(stateBadge(c.state));
    }
    const flagged = isLate(c, now);
    const standing = c.alerts ?? [];
    late.hidden = !flagged;
    el.classList.toggle('tile-flagged', flagged || standing.length > 0);
    const key = standing.map((a) => a.id).join();
    if (alerts.dataset.key !== key) {
      alerts.dataset.key = key;
      alerts.replaceChildren(...standing.map((a) => h('li', { class: 'badge badge-bad', dataset: { kind: a.kind } },
        t('health.alertSince', { what: t(`alert.${a.kind}`), time: formatClock(a.since, zone) }))));
    }
    alerts.hidden = !standing.length;
    if (acceptedKey !== null && acceptedKey !== key) acceptedKey = null;
    accept.hidden = !canAcceptView(standing);
    accept.disabled = acceptedKey !== null;
    accept.textContent = t(acceptedKey !== null ? 'acceptView.pending' : 'acceptView.open');
    const { text, detail: said } = stateDetail(c, now);
    detail.textContent = text ?? '';
    detail.hidden = !text;
    message.textContent = said ? t('health.serverSaid', { message: said }) : '';
    message.hidden = !said;
    m.fps.value.textContent = live ? formatFps(hl.fps) : '–';
    m.bitrate.value.textContent = live ? formatBitrate(hl.bitrate_bps) : '–';
    if (hl.last_frame_at) {
      m.frame.value.replaceChildren(
        h('time', { datetime: hl.last_frame_at, title: formatTime(hl.last_frame_at, zone), text: formatClock(hl.last_frame_at, zone) }),
        ' ', h('span', { class: 'age', text: `(${formatAge(now - Date.parse(hl.last_frame_at))})` }));
    } else {
      m.frame.value.textContent = t('health.noFrame');
    }
    m.codec.value.textContent = [codecLabel(hl.codec), resolutionLabel(hl.width, hl.height), hl.transport ? transportLabel(hl.transport) : '']
      .filter(Boolean).join(' · ') || '–';
    m.codec.value.title = hl.codec_string ?? '';
    m.reconnects.value.textContent = String(hl.reconnects ?? 0);
    const nodeKey = JSON.stringify([c.node, c.pinned_nodes, c.recording]);
    if (m.node.value.dataset.key !== nodeKey) {
      m.node.value.dataset.key = nodeKey;
      m.node.value.replaceChildren(...nodeLabel(c).filter(Boolean));
    }
  }

  update(camera);
  return { el, update, strip, id: camera.id, get camera () { return current; } };
}

// cameras: how many cameras each node records, by node name.
function nodesTable (nodes, cameras, now) {
  if (!nodes.length) return h('p', { class: 'muted', text: t('health.noNodes') });
  return h('ul', { class: 'nodes' }, nodes.map((n) => {
    const pct = freePercent(n.disk_free_bytes, n.disk_total_bytes);
    const low = pct !== null && pct < LOW_DISK_PERCENT;
    const seen = n.last_seen ? formatAge(now - Date.parse(n.last_seen)) : '';
    return h('li', { class: `node${low ? ' node-low' : ''}${n.alive ? '' : ' node-down'}`, dataset: { node: n.name } },
      h('div', { class: 'node-head' },
        h('span', { class: 'node-name', text: n.name }),
        h('span', { class: `badge ${n.alive ? 'badge-ok' : 'badge-bad'}`, text: t(n.alive ? 'health.nodeAlive' : 'health.nodeDown') }),
        n.alive ? null : h('span', { class: 'small muted', text: t('health.lastSeen', { age: seen }) })),
      h('p', { class: 'node-cameras small', dataset: { testid: 'node-cameras' }, text: t('health.nodeCameras', { n: cameras.get(n.name) ?? 0 }) }),
      pct === null
        ? h('p', { class: 'muted small', text: t('health.diskUnknown') })
        : [
            h('div', { class: 'disk-bar', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(pct)), 'aria-label': t('health.diskFree') },
              h('div', { class: 'disk-used', style: { width: `${100 - pct}%` } })),
            h('p', { class: low ? 'disk-text disk-low' : 'disk-text', dataset: { testid: 'disk' } },
              t('health.diskText', { free: formatBytes(n.disk_free_bytes), total: formatBytes(n.disk_total_bytes), pct: Math.round(pct) }),
              low ? ` · ${t('health.diskLow')}` : ''),
          ]);
  }));
}

export function render (view) {
  const zone = displayZone();
  const updated = h('p', { class: 'updated small muted', dataset: { testid: 'updated' }, 'aria-live': 'off' });
  const offline = h('p', { class: 'form-error offline', role: 'alert', dataset: { testid: 'offline' }, hidden: true });
  const summary = h('p', { class: 'health-summary', role: 'status' });
  const grid = h('div', { class: 'tiles' });
  const nodes = h('div', { class: 'nodes-wrap' });
  const empty = h('div', { hidden: true },
    emptyState({ title: t('section.health.empty'), text: t('section.health.emptyText'), action: h('a', { class: 'btn btn-primary', href: '#/cameras', text: t('health.toCameras') }) }));
  const cameraSection = h('section', { class: 'health-cameras', hidden: true },
    h('h2', { class: 'section-title', text: t('health.cameras') }), summary, grid, stripLegend());
  const tiles = new Map();
  let lastOk = null;
  let lastNodes = [];
  let lastCounts = new Map();
  let loaded = false;

  function showCameras (cameras) {
    const now = Date.now();
    const seen = new Set();
    for (const c of [...cameras].sort(compareCameras)) {
      seen.add(c.id);
      let tile = tiles.get(c.id);
      if (!tile) {
        tile = cameraTile(c, zone);
        tiles.set(c.id, tile);
        loadStrip(tile);
      } else {
        tile.update(c, now);
      }
      grid.appendChild(tile.el); // keeps (or puts) the tiles in order
    }
    for (const [id, tile] of tiles) {
      if (!seen.has(id)) {
        tile.el.remove();
        tiles.delete(id);
      }
    }
    const streaming = cameras.filter((c) => c.state === 'streaming').length;
    const trouble = cameras.filter((c) => !['streaming', 'disabled'].includes(c.state) || isLate(c, now)).length;
    summary.textContent = t('health.summary', { n: cameras.length, streaming, trouble });
    cameraSection.hidden = !cameras.length;
    empty.hidden = cameras.length > 0;
  }

  async function poll () {
    try {
      const [{ cameras }, { nodes: nodeList }] = await Promise.all([get('/api/cameras'), get('/api/nodes')]);
      lastOk = Date.now();
      lastNodes = nodeList;
      loaded = true;
      loading.remove();
      offline.hidden = true;
      view.classList.remove('is-offline');
      showCameras(cameras);
      lastCounts = new Map();
      for (const c of cameras) if (c.node) lastCounts.set(c.node, (lastCounts.get(c.node) ?? 0) + 1);
      nodes.replaceChildren(nodesTable(nodeList, lastCounts, lastOk));
      updated.textContent = t('health.updated', { time: formatClock(lastOk, zone) });
    } catch (error) {
      if (error.handled) return;
      offline.hidden = false;
      view.classList.add('is-offline');
      offline.textContent = lastOk
        ? t('health.offline', { time: formatClock(lastOk, zone), detail: describeError(error) })
        : t('health.offlineFirst', { detail: describeError(error) });
    }
  }

  async function loadStrip (tile) {
    const to = Date.now();
    const from = to - STRIP_SPAN_MS;
    try {
      const timeline = await get(`/api/cameras/${encodeURIComponent(tile.id)}/timeline`, {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
      });
      tile.strip.update(timeline, from, to, zone);
    } catch {
      // the strip keeps its last picture; the 2 s poll reports an offline server
    }
  }

  async function loadStrips () {
    for (const tile of [...tiles.values()]) {
      if (!view.isConnected) return;
      await loadStrip(tile);
    }
  }

  // Between polls: ages, countdowns and the late flag move on by themselves.
  function tick () {
    if (!loaded) return;
    const now = Date.now();
    for (const tile of tiles.values()) tile.update(tile.camera, now);
    if (lastNodes.length) nodes.replaceChildren(nodesTable(lastNodes, lastCounts, now));
  }

  const loading = h('p', { class: 'muted', text: t('state.loading') });
  view.append(
    h('div', { class: 'page-head' },
      h('h1', { class: 'page-title', tabindex: '-1', text: t('nav.health') }),
      updated),
    h('p', { class: 'lead', text: t('section.health.summary') }),
    offline, loading, empty, cameraSection,
    h('section', { class: 'health-nodes' },
      h('h2', { class: 'section-title', text: t('health.nodes') }), nodes));

  const alive = () => view.isConnected;
  startPoller({ intervalMs: POLL_MS, run: poll, alive });
  startPoller({ intervalMs: 1000, run: tick, alive });
  // the first strips load with their tiles; later ones on this slower beat
  setTimeout(() => startPoller({ intervalMs: STRIP_MS, run: loadStrips, alive }), STRIP_MS);
}
