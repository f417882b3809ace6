// lot/queue.js: the work queue of lots, oldest arrival first: arrival,
// declaration, lot, siding, wagons (with the flagged ones), risk note, status and
// current decision. Filters: status ("to do" = awaiting review, under
// inspection or pending approval) and a search over declaration, waybill,
// lot and wagon numbers. Inspectors create lots here or import them from
// CSV; auditors see the same list read-only. It follows the event feed and
// refetches when the window regains focus.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { describeError } from '../errors.js';
import { displayZone } from '../session.js';
import { formatTime } from '../time.js';
import { zoneCaption } from '../zone.js';
import { keepFresh } from '../live.js';
import { button } from '../ui/button.js';
import { dataTable } from '../ui/table.js';
import { emptyState } from '../ui/empty.js';
import { toast } from '../ui/toast.js';
import { selectField, textField } from '../ui/form.js';
import { newLotDialog, importDialog } from './create.js';
import {
  LOT_STATUSES, OPEN_STATUSES, statusBadge, decisionBadge, categoryLabel, sidingLabel,
} from './labels.js';

const QUEUE_KINDS = new Set(['lot', 'lot_status', 'wagon', 'decision', 'decision_approval', 'lab_result', 'inspection', 'inspection_signed']);
const SEARCH_DELAY_MS = 300;

// The filters survive a visit to a lot and back (per role).
const remembered = new Map();

const byArrival = (a, b) =>
  (a.arrival_at === null) - (b.arrival_at === null) ||
  String(a.arrival_at ?? '').localeCompare(String(b.arrival_at ?? '')) ||
  String(a.declaration_no).localeCompare(String(b.declaration_no)) ||
  String(a.lot_no).localeCompare(String(b.lot_no), undefined, { numeric: true });

// GET /api/lots for the filters; "todo" asks once per open status.
async function fetchLots ({ status, q }) {
  const query = { q: q || undefined, limit: 500 };
  if (status !== 'todo') return (await get('/api/lots', { ...query, status: status === 'all' ? undefined : status })).lots;
  const parts = await Promise.all(OPEN_STATUSES.map((s) => get('/api/lots', { ...query, status: s })));
  return parts.flatMap((p) => p.lots).sort(byArrival);
}

function columns (zone) {
  return [
    {
      label: t('lot.arrival', { zone: zoneCaption(zone) }),
      head: [t('lot.arrivalShort'), h('span', { class: 'small muted block', text: zoneCaption(zone) })],
      class: 'nowrap',
      cell: (l) => l.arrival_at ? formatTime(l.arrival_at, zone) : h('span', { class: 'muted', text: t('lot.arrivalUnknown') }),
    },
    { label: t('lot.declarationNo'), class: 'mono nowrap', cell: (l) => l.declaration_no },
    {
      label: t('lot.lot'),
      cell: (l) => [
        h('a', { class: 'lot-link', href: `#/lots/${encodeURIComponent(l.id)}`, dataset: { lot: l.lot_no }, text: l.lot_no }),
        l.waybill_no ? h('span', { class: 'small muted block nowrap', text: t('lot.waybillShort', { no: l.waybill_no }) }) : null,
      ],
    },
    { label: t('lot.siding'), class: 'siding', cell: (l) => sidingLabel(l.site, l.track) },
    {
      // the count, and beside it how many wagon numbers failed their check digit
      label: t('lot.wagons'),
      class: 'num nowrap',
      cell: (l) => [
        String(l.wagons ?? 0),
        l.flagged_wagons
          ? h('span', { class: 'flag-count', dataset: { testid: 'flagged' }, title: t('lot.flaggedHint'), 'aria-label': t('lot.flaggedCount', { n: l.flagged_wagons }), text: `⚠ ${l.flagged_wagons}` })
          : null,
      ],
    },
    { label: t('lot.riskNote'), class: 'risk', cell: (l) => l.risk_note || '' },
    { label: t('lot.status'), class: 'nowrap', cell: (l) => statusBadge(l.status) },
    {
      label: t('lot.currentDecision'),
      class: 'nowrap',
      cell: (l) => l.current_decision
        ? [h('span', { class: 'block', text: categoryLabel(l.current_decision.category) }), decisionBadge(l.current_decision.state)]
        : h('span', { class: 'muted', text: t('lot.noDecision') }),
    },
  ];
}

export function renderQueue (view, { session, onLeave }) {
  const inspector = session.user.role === 'inspector';
  const zone = displayZone();
  const defaultStatus = inspector ? 'todo' : 'all';
  const filters = remembered.get(session.user.role) ?? { status: defaultStatus, q: '' };
  const list = h('div', { class: 'page-body', 'aria-live': 'polite' });

  const status = selectField({
    name: 'status',
    label: t('lot.status'),
    value: filters.status,
    hint: t('lot.filter.todoHint'),
    options: [
      { value: 'todo', label: t('lot.filter.todo') },
      ...LOT_STATUSES.map((s) => ({ value: s, label: t(`lot.status.${s}`) })),
      { value: 'all', label: t('lot.filter.all') },
    ],
  });
  const search = textField({ name: 'q', label: t('lot.search'), type: 'search', value: filters.q, maxlength: 64, hint: t('lot.searchHint'), autocomplete: 'off' });
  let searchTimer = null;
  let shownKey = null;

  async function reload () {
    list.setAttribute('aria-busy', 'true');
    try {
      const lots = await fetchLots(filters);
      if (!view.isConnected) return;
      const key = JSON.stringify([filters, lots]);
      if (key === shownKey) return; // unchanged: keep focus and scroll
      shownKey = key;
      const filtered = filters.q || filters.status !== defaultStatus;
      list.replaceChildren(lots.length
        ? dataTable({ caption: t('lot.queueCaption'), columns: columns(zone), rows: lots, rowKey: (l) => l.id }).el
        : emptyState({
            title: filtered ? t('lot.noMatch') : t('section.lots.empty'),
            text: filtered ? t('lot.noMatchText') : t(inspector ? 'section.lots.emptyText' : 'lot.emptyReader'),
          }));
    } catch (error) {
      if (error.handled || !view.isConnected) return;
      shownKey = null;
      list.replaceChildren(emptyState({ title: t('error.loadFailed'), text: describeError(error) }));
      toast(describeError(error), 'error');
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  const live = keepFresh({ refresh: reload, matches: (e) => QUEUE_KINDS.has(e.kind), onLeave, alive: () => view.isConnected });
  const apply = () => {
    filters.status = status.input.value;
    filters.q = search.input.value.trim().slice(0, 64);
    remembered.set(session.user.role, filters);
    live.refresh();
  };
  status.input.addEventListener('change', apply);
  search.input.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(apply, SEARCH_DELAY_MS);
  });
  search.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(searchTimer);
      apply();
    }
  });
  onLeave(() => clearTimeout(searchTimer));

  const created = () => live.refresh();
  view.append(
    h('div', { class: 'page-head' },
      h('h1', { class: 'page-title', tabindex: '-1', text: t('nav.lots') }),
      inspector
        ? h('div', { class: 'head-actions' },
            button(t('lot.import'), { kind: 'secondary', class: 'import-lots', on: { click: () => importDialog({ onImported: created }) } }),
            button(t('lot.new'), { kind: 'primary', class: 'new-lot', on: { click: () => newLotDialog({ onCreated: created }) } }))
        : null),
    h('div', { class: 'lead-row' },
      h('p', { class: 'lead', text: t(inspector ? 'section.lots.summary' : 'lot.leadReader') }),
      live.indicator),
    h('form', { class: 'filters lot-filters', role: 'search', 'aria-label': t('lot.filters'), on: { submit: (e) => e.preventDefault() } }, status.el, search.el),
    list);
  list.append(h('p', { class: 'muted', text: t('state.loading') }));
  live.refresh();
}
