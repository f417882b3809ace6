// lot/page.js: one lot (#/lots/ID): header with declaration, waybill,
// status and current decision; the siding's camera tiles beside the wagon
// stepper; the inspector's actions (open / sign inspection, mark, decide);
// the marks made here, the decisions, samples and lab results, and the
// inspections. Auditors get the same page without any form or button that
// changes something. Data: GET /api/lots/{id}, GET /api/decisions?lot_id
// and GET /api/cameras, refetched on the lot's events, on focus and after
// every own action.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { describeError } from '../errors.js';
import { displayZone } from '../session.js';
import { formatTime } from '../time.js';
import { zoneName } from '../zone.js';
import { keepFresh } from '../live.js';
import { button } from '../ui/button.js';
import { emptyState } from '../ui/empty.js';
import { toast } from '../ui/toast.js';
import { statusBadge, decisionBadge, categoryLabel, sidingLabel } from './labels.js';
import { sidingCameras, cameraTiles, updateTiles } from './tiles.js';
import { startLiveWall } from '../camera/live-wall.js';
import { startPoller } from '../poller.js';
import { wagonStepper, wagonList, wagonAnnouncement } from './wagons.js';
import { markDialog, marksList, myOpenInspection, openInspection, signDialog } from './marks.js';
import { decisionsList } from './decisions.js';
import { decisionDialog } from './decision-form.js';
import { sampleDialog, samplesList } from './samples.js';
import { bindShortcuts, shortcutHelp } from './shortcuts.js';

// The current wagon of each lot, kept across visits.
const positions = new Map();
const TILE_POLL_MS = 2000;

const fact = (label, value, testid) =>
  h('div', {}, h('dt', { text: label }), h('dd', { dataset: testid ? { testid } : {} }, value));

function header (ctx) {
  const lot = ctx.lot;
  const cd = lot.current_decision;
  return h('dl', { class: 'facts lot-facts' },
    fact(t('lot.declarationNo'), h('span', { class: 'mono', text: lot.declaration_no })),
    fact(t('lot.waybillNo'), lot.waybill_no || '—'),
    fact(t('lot.siding'), sidingLabel(lot.site, lot.track) || '—'),
    fact(t('lot.arrivalIn', { zone: zoneName(ctx.zone) }), lot.arrival_at ? formatTime(lot.arrival_at, ctx.zone) : t('lot.arrivalUnknown')),
    fact(t('lot.status'), statusBadge(lot.status), 'lot-status'),
    fact(t('lot.currentDecision'), cd
      ? [h('span', { class: 'current-category', text: categoryLabel(cd.category) }), ' ', decisionBadge(cd.state)]
      : h('span', { class: 'muted', text: t('lot.noDecision') }), 'current-decision'),
    lot.risk_note ? fact(t('lot.riskNote'), lot.risk_note) : null);
}

function section (title, body, { id, action } = {}) {
  return h('section', { class: 'lot-section', 'aria-labelledby': id },
    h('div', { class: 'section-head' }, h('h2', { id, class: 'section-title', text: title }), action ?? null),
    body);
}

function inspectionsTable (ctx) {
  const list = ctx.lot.inspections ?? [];
  if (!list.length) return h('p', { class: 'muted', text: t('inspection.none') });
  return h('ul', { class: 'plain-list' }, list.map((i) => h('li', { dataset: { testid: 'inspection' } },
    i.signed_at
      ? t('inspection.signedLine', { user: i.inspector, from: formatTime(i.opened_at, ctx.zone), to: formatTime(i.signed_at, ctx.zone) })
      : t('inspection.openLine', { user: i.inspector, from: formatTime(i.opened_at, ctx.zone) }))));
}

export function renderLot (view, { session, params, onLeave, navigate }) {
  const lotId = params[0];
  const ctx = {
    me: session.user,
    inspector: session.user.role === 'inspector',
    zone: displayZone(),
    // the lot's marks and samples (with results), as GET /api/lots/{id} lists them
    local: { marks: [], samples: [] },
    lot: null,
    decisions: [],
    cameras: [],
    allCameras: [],
    current: 0,
  };
  const alive = () => view.isConnected;
  const title = h('h1', { class: 'page-title', tabindex: '-1', text: t('lot.title', { lot: '…' }) });
  const announcer = h('p', { class: 'visually-hidden', 'aria-live': 'polite', dataset: { testid: 'wagon-announcer' } });
  const body = h('div', { class: 'lot-body' }, h('p', { class: 'muted', text: t('state.loading') }));

  const live = keepFresh({ refresh: load, matches: (e) => e.lot_id === lotId, onLeave, alive });
  const reload = () => live.refresh();

  function step (delta) {
    const wagons = ctx.lot?.wagons ?? [];
    const next = Math.min(Math.max(ctx.current + delta, 0), wagons.length - 1);
    if (!wagons.length || next === ctx.current) return;
    select(next);
  }
  function select (index) {
    ctx.current = index;
    const w = ctx.lot.wagons[index];
    positions.set(lotId, w.id);
    drawWagons();
    announcer.textContent = wagonAnnouncement(w, index, ctx.lot.wagons.length);
    view.querySelector('.wagon-list tr.is-current')?.scrollIntoView({ block: 'nearest' });
  }
  const mark = () => {
    const w = ctx.lot?.wagons?.[ctx.current];
    if (w) markDialog(ctx, w, { onDone: reload });
  };
  const decide = (correcting = null) => {
    if (ctx.lot) decisionDialog(ctx, { correcting, onDone: reload });
  };

  async function toggleInspection (btn) {
    const open = myOpenInspection(ctx);
    if (open) {
      signDialog(ctx, open, reload);
      return;
    }
    btn.setBusy(true);
    try {
      await openInspection(ctx);
      toast(t('inspection.opened'), 'success');
    } catch (error) {
      if (!error.handled) toast(describeError(error), 'error');
    } finally {
      btn.setBusy(false);
      reload();
    }
  }

  function actionsBar () {
    const open = myOpenInspection(ctx);
    const toggle = button(t(open ? 'inspection.sign' : 'inspection.open'), {
      kind: 'secondary',
      dataset: { focus: 'inspection', testid: open ? 'sign-inspection' : 'open-inspection' },
      on: { click: () => toggleInspection(toggle) },
    });
    return h('div', { class: 'lot-actions' },
      h('p', { class: 'inspection-state', dataset: { testid: 'inspection-state' } },
        open ? t('inspection.yoursOpen', { time: formatTime(open.opened_at, ctx.zone) }) : t('inspection.yoursNone')),
      h('div', { class: 'action-buttons' },
        toggle,
        button(t('lot.decide'), { kind: 'primary', class: 'decide', 'aria-keyshortcuts': 'd', dataset: { focus: 'decide' }, on: { click: () => decide() } }),
        button(t('keys.button'), { kind: 'link', 'aria-keyshortcuts': '?', dataset: { focus: 'help' }, on: { click: () => shortcutHelp({ readOnly: false }) } })));
  }

  // The page's parts, filled from ctx. Each keeps the focus on the same
  // control when it is redrawn. The tiles are redrawn only when the set of
  // cameras changes (each tile plays its camera live: a redraw restarts
  // the players); states, stills and alerts are updated in place.
  const parts = {
    header: h('div'),
    actions: h('div'),
    tiles: section(t('tiles.titleShort'), h('div'), { id: 'lot-cameras' }),
    wagons: h('div'),
    decisions: h('div'),
    marks: h('div'),
    samples: h('div'),
    inspections: h('div'),
  };
  let tilesKey = null;
  let drawnKey = null;
  let wall = null; // the live players of the tiles
  onLeave(() => wall?.stop());

  function fill (box, ...content) {
    const focusKey = box.contains(document.activeElement) ? document.activeElement.dataset?.focus : null;
    box.replaceChildren(...content.filter(Boolean));
    if (focusKey) box.querySelector(`[data-focus="${CSS.escape(focusKey)}"]:not(:disabled)`)?.focus();
  }

  function drawWagons () {
    const lot = ctx.lot;
    fill(parts.wagons, section(t('wagon.title', { n: lot.wagons?.length ?? 0 }),
      h('div', {}, wagonStepper(ctx, { onStep: step, onMark: ctx.inspector ? mark : null }), h('div', { class: 'wagon-list' }, wagonList(ctx, { onSelect: select }))),
      { id: 'lot-wagons' }));
  }

  function draw () {
    const lot = ctx.lot;
    title.textContent = t('lot.title', { lot: lot.lot_no });
    document.title = `${t('lot.title', { lot: lot.lot_no })} · rvi`;
    fill(parts.header, header(ctx));
    fill(parts.actions, ctx.inspector
      ? actionsBar()
      : h('div', { class: 'lot-actions' },
          h('p', { class: 'read-only-note', dataset: { testid: 'read-only' }, text: t('lot.readOnly') }),
          button(t('keys.button'), { kind: 'link', 'aria-keyshortcuts': '?', dataset: { focus: 'help' }, on: { click: () => shortcutHelp({ readOnly: true }) } })));
    const key = JSON.stringify([lot.site, lot.track, ctx.cameras.map((c) => [c.id, c.name, c.position])]);
    if (key !== tilesKey) {
      tilesKey = key;
      parts.tiles.querySelector('.section-title').textContent = t('tiles.title', { siding: sidingLabel(lot.site, lot.track) || '—' });
      wall?.stop();
      wall = null;
      const tiles = cameraTiles(ctx.cameras, lot, ctx.zone);
      parts.tiles.lastChild.replaceWith(tiles);
      const grid = tiles.querySelector('.cam-grid');
      if (grid) wall = startLiveWall(grid, ctx.cameras);
    } else {
      updateTiles(parts.tiles, ctx.cameras, ctx.zone);
      wall?.update(ctx.cameras);
    }
    drawWagons();
    fill(parts.decisions, section(t('decision.listTitle'), decisionsList(ctx, { onCorrect: decide, reload }), { id: 'lot-decisions' }));
    fill(parts.marks, section(t('mark.listTitle'), marksList(ctx), { id: 'lot-marks' }));
    fill(parts.samples, section(t('sample.listTitle'), samplesList(ctx, { reload }), {
      id: 'lot-samples',
      action: ctx.inspector
        ? button(t('sample.add'), { kind: 'secondary', dataset: { focus: 'add-sample' }, on: { click: () => sampleDialog(ctx, { onDone: reload }) } })
        : null,
    }));
    fill(parts.inspections, section(t('inspection.listTitle'), inspectionsTable(ctx), { id: 'lot-inspections' }));
    if (!body.contains(parts.header)) {
      body.replaceChildren(parts.header, parts.actions,
        h('div', { class: 'lot-work' }, parts.tiles, parts.wagons),
        parts.decisions, parts.marks, parts.samples, parts.inspections);
    }
  }

  async function load () {
    try {
      const [{ lot }, { decisions }, { cameras }] = await Promise.all([
        get(`/api/lots/${encodeURIComponent(lotId)}`),
        get('/api/decisions', { lot_id: lotId, limit: 500 }),
        get('/api/cameras'),
      ]);
      if (!alive()) return;
      // Nothing new (an event of someone else's mark, a focus): keep the
      // page as it is, focus and scroll included.
      const key = JSON.stringify([lot, decisions, cameras, ctx.local.marks.length, ctx.local.samples.map((s) => s.results.length)]);
      if (key === drawnKey) return;
      drawnKey = key;
      ctx.lot = lot;
      ctx.local = {
        marks: lot.marks ?? [],
        samples: (lot.samples ?? []).map((sample) => ({ sample, results: sample.results ?? [] })),
      };
      ctx.decisions = decisions;
      ctx.allCameras = cameras;
      ctx.cameras = sidingCameras(cameras, lot);
      const kept = (lot.wagons ?? []).findIndex((w) => w.id === positions.get(lotId));
      ctx.current = kept >= 0 ? kept : Math.min(ctx.current, Math.max((lot.wagons?.length ?? 1) - 1, 0));
      draw();
    } catch (error) {
      if (error.handled || !alive()) return;
      if (ctx.lot) {
        toast(describeError(error), 'error');
        return;
      }
      body.replaceChildren(emptyState({
        title: error.status === 404 || error.code === 'invalid_input' ? t('lot.notFound') : t('error.loadFailed'),
        text: describeError(error),
        action: button(t('lot.backToQueue'), { kind: 'secondary', class: 'empty-action', on: { click: () => navigate('lots') } }),
      }));
    }
  }

  bindShortcuts({
    onLeave,
    alive: () => alive() && Boolean(ctx.lot),
    actions: {
      next: () => step(1),
      prev: () => step(-1),
      mark: ctx.inspector ? mark : null,
      decide: ctx.inspector ? () => decide() : null,
      help: () => shortcutHelp({ readOnly: !ctx.inspector }),
    },
  });

  // Newer stills and alerts for the tiles every 2 s (the sampling
  // interval), without redrawing the page.
  startPoller({
    intervalMs: TILE_POLL_MS,
    alive,
    run: async () => {
      if (!ctx.lot || !ctx.cameras.length) return;
      try {
        const { cameras } = await get('/api/cameras');
        if (!alive() || !ctx.lot) return;
        const siding = sidingCameras(cameras, ctx.lot);
        updateTiles(parts.tiles, siding, ctx.zone);
        wall?.update(siding);
      } catch {
        // the page's own loads report errors; a missed tile update is retried
      }
    },
  });

  view.append(
    h('p', { class: 'back-link' }, h('a', { href: '#/lots', text: t('lot.backToQueue') })),
    h('div', { class: 'page-head' }, title, live.indicator),
    announcer,
    body);
  reload();
}
