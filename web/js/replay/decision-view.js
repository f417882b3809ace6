// replay/decision-view.js: one decision for the auditor
// ('#/review/DECISION_ID'): what was decided (declaration, lot, category,
// reasons, who decided when, over which window), the synchronised replay
// of every camera of its lot (replay/replay-view.js) over the lot's
// timeline range, and beside it who watched those cameras live or
// replayed them (replay/viewing-log.js). Read-only: nothing here changes
// anything on the server. Data: the decision (replay/search.js), GET
// /api/timeline?lot_id (the lot's inspection cameras over their span; the
// decision's own cameras over its window when the lot has none), GET
// /api/cameras for names and frame rates.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { describeError } from '../errors.js';
import { displayZone } from '../session.js';
import { formatTime } from '../time.js';
import { zoneName } from '../zone.js';
import { emptyState } from '../ui/empty.js';
import { categoryLabel, reasonLabel, decisionBadge } from '../lot/labels.js';
import { findDecision } from './search.js';
import { createReplay } from './replay-view.js';
import { viewingLog } from './viewing-log.js';

const MAX_SAMPLES = 400;
const MAX_RANGE_MS = 24 * 3600 * 1000; // the replay playlist's limit
const MARGIN_MS = 5 * 60 * 1000;

const fact = (label, value, testid) =>
  h('div', {}, h('dt', { text: label }), h('dd', { dataset: testid ? { testid } : {} }, value));

function header (d, zone) {
  const byAt = (user, time) => t('review.byAt', { user, time: formatTime(time, zone) });
  const reasons = (d.reasons ?? []).map((r) =>
    h('li', { class: 'reason-chip', dataset: { reason: r }, text: reasonLabel(r) }));
  return h('dl', { class: 'facts review-facts', dataset: { testid: 'review-decision' } },
    fact(t('lot.declarationNo'), h('span', { class: 'mono', text: d.declaration_no }),
      'review-declaration'),
    fact(t('lot.lot'), h('a', { href: `#/lots/${encodeURIComponent(d.lot_id)}`, text: d.lot_no })),
    fact(t('review.category'), [
      h('span', { class: 'current-category', text: categoryLabel(d.category) }), ' ',
      h('span', { class: 'mono small muted', text: d.category }), ' ',
      decisionBadge(d.state)], 'review-category'),
    fact(t('review.decidedBy'), byAt(d.decided_by, d.decided_at)),
    fact(t('review.windowIn', { zone: zoneName(zone) }),
      t('review.windowRange', { from: formatTime(d.from, zone), to: formatTime(d.to, zone) })),
    fact(t('review.reasons'), reasons.length ? h('ul', { class: 'reason-list' }, reasons) : '—'),
    d.note ? fact(t('review.note'), d.note) : null,
    d.approved_by ? fact(t('review.approval'), byAt(d.approved_by, d.approved_at)) : null);
}

// The lot's timelines, or the decision's cameras over its window.
async function loadTimelines (d) {
  const byLot = await get('/api/timeline', { lot_id: d.lot_id, max_samples: MAX_SAMPLES });
  if (byLot.cameras.length || !(d.cameras ?? []).length) return byLot;
  return get('/api/timeline', {
    cameras: d.cameras.join(','),
    from: new Date(Date.parse(d.from) - MARGIN_MS).toISOString(),
    to: new Date(Date.parse(d.to) + MARGIN_MS).toISOString(),
    max_samples: MAX_SAMPLES,
  });
}

// The timeline's range, at most MAX_RANGE_MS, kept around the decision's window.
export function replayRange (from, to, windowStart) {
  if (to - from <= MAX_RANGE_MS) return { from, to };
  const start = Math.max(from, Math.min(windowStart - MAX_RANGE_MS / 2, to - MAX_RANGE_MS));
  return { from: start, to: start + MAX_RANGE_MS };
}

export function renderDecision (view, { params, onLeave }) {
  const id = params[0];
  const zone = displayZone();
  const alive = () => view.isConnected;
  const title = h('h1', {
    class: 'page-title',
    tabindex: '-1',
    text: t('review.decisionTitleLoading'),
  });
  const loading = (key) => h('p', { class: 'muted', text: t(key) });
  const body = h('div', { class: 'review-body' }, loading('state.loading'));
  const backLink = h('a', { href: '#/review', text: t('review.back') });
  const back = h('p', { class: 'back-link' }, backLink);

  function failed (heading, error) {
    body.replaceChildren(emptyState({
      title: heading,
      text: error ? describeError(error) : t('review.notFoundText'),
      action: h('a', {
        class: 'btn btn-secondary empty-action',
        href: '#/review',
        text: t('review.back'),
      }),
    }));
  }

  async function load () {
    let d;
    try {
      d = await findDecision(id);
    } catch (error) {
      if (!error.handled && alive()) failed(t('error.loadFailed'), error);
      return;
    }
    if (!alive()) return;
    if (!d) {
      failed(t('review.notFound'), null);
      return;
    }
    title.textContent = t('review.decisionHeading', {
      category: categoryLabel(d.category),
      lot: d.lot_no,
    });
    document.title = `${title.textContent} · rvi`;
    const head = header(d, zone);
    body.replaceChildren(head, loading('review.loadingTimeline'));
    let timeline;
    let cameras;
    try {
      [timeline, { cameras }] = await Promise.all([loadTimelines(d), get('/api/cameras')]);
    } catch (error) {
      if (!error.handled && alive()) {
        body.replaceChildren(head, emptyState({
          title: t('review.timelineFailed'),
          text: describeError(error),
        }));
      }
      return;
    }
    if (!alive()) return;
    if (!timeline.cameras.length) {
      body.replaceChildren(head, emptyState({
        title: t('review.noCameras'),
        text: t('review.noCamerasText'),
      }));
      return;
    }
    const byId = new Map(cameras.map((c) => [c.id, c]));
    const range = replayRange(Date.parse(timeline.from), Date.parse(timeline.to),
      Date.parse(d.from));
    const log = viewingLog({ cameras: timeline.cameras.map((c) => c.camera_id), zone });
    const replay = createReplay({
      timelines: timeline.cameras,
      cameras: byId,
      from: range.from,
      to: range.to,
      decision: d,
      zone,
      onLeave,
      alive,
    });
    body.replaceChildren(head,
      h('div', { class: 'review-work' },
        h('section', { class: 'review-replay', 'aria-labelledby': 'review-replay-title' },
          h('h2', {
            id: 'review-replay-title',
            class: 'section-title',
            text: t('review.replayTitle', {
              from: formatTime(new Date(range.from).toISOString(), zone),
              to: formatTime(new Date(range.to).toISOString(), zone),
            }),
          }),
          replay.el),
        log.el));
    // the server audits each replay playlist it hands out: read the log
    // once the players asked for theirs
    const started = Promise.allSettled(replay.players.map((p) => p.whenLoaded()));
    started.then(() => { if (alive()) log.refresh(); });
  }

  view.append(back, title, body);
  load();
}
