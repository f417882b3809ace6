// replay/search.js: the auditor's decision search ('#/review'): by
// declaration number, lot, wagon number, inspector, a date range (days in
// the display zone) and category; the answers newest first, each opening
// its replay ('#/review/ID'). GET /api/decisions does the searching; the
// lots of the lot filter come from GET /api/lots. The last search and its
// answers stay for the way back from a replay.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { describeError } from '../errors.js';
import { displayZone } from '../session.js';
import { formatTime, startOfDayUtc, nextDay } from '../time.js';
import { zoneCaption } from '../zone.js';
import { button } from '../ui/button.js';
import { dataTable } from '../ui/table.js';
import { emptyState } from '../ui/empty.js';
import { selectField, textField, validate } from '../ui/form.js';
import { CATEGORIES, categoryLabel, reasonLabel, decisionBadge } from '../lot/labels.js';

const LIMIT = 200;
const DECLARATION = /^\d{18}$/;
const USER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

// id -> decision, of every answer seen (a replay opened from the list
// needs no second request).
const known = new Map();
let last = null; // {values, query}

export function rememberedDecision (id) {
  return known.get(id) ?? null;
}

// The decision with id: remembered, else asked for (null when unknown).
export async function findDecision (id) {
  if (known.has(id)) return known.get(id);
  try {
    const { decision } = await get(`/api/decisions/${encodeURIComponent(id)}`);
    known.set(decision.id, decision);
    return decision;
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

export const replayHref = (d) => `#/review/${encodeURIComponent(d.id)}`;

function columns (zone) {
  return [
    {
      label: t('review.decidedAt', { zone: zoneCaption(zone) }),
      head: [t('review.decidedAtShort'),
        h('span', { class: 'small muted block', text: zoneCaption(zone) })],
      class: 'nowrap',
      cell: (d) => h('time', { datetime: d.decided_at, text: formatTime(d.decided_at, zone) }),
    },
    { label: t('lot.declarationNo'), class: 'mono nowrap', cell: (d) => d.declaration_no },
    { label: t('lot.lot'), class: 'nowrap', cell: (d) => d.lot_no },
    {
      label: t('review.category'),
      cell: (d) => [
        h('a', {
          class: 'review-open',
          href: replayHref(d),
          dataset: { testid: 'review-open', category: d.category },
          text: categoryLabel(d.category),
        }),
        ' ',
        decisionBadge(d.state),
      ],
    },
    {
      label: t('review.reasons'),
      class: 'review-reasons',
      cell: (d) => (d.reasons ?? []).map(reasonLabel).join(', '),
    },
    { label: t('review.decidedBy'), cell: (d) => d.decided_by ?? '' },
    {
      label: t('review.window'),
      class: 'small',
      cell: (d) => t('review.windowRange', {
        from: formatTime(d.from, zone),
        to: formatTime(d.to, zone),
      }),
    },
  ];
}

export function renderSearch (view) {
  const zone = displayZone();
  const values = last?.values ?? {};
  const field = (name, label, extra = {}) =>
    textField({ name, label, value: values[name] ?? '', autocomplete: 'off', ...extra });
  const declaration = field('declaration_no', t('lot.declarationNo'),
    { inputmode: 'numeric', maxlength: 18 });
  const lot = selectField({
    name: 'lot_id',
    label: t('lot.lot'),
    value: '',
    options: [{ value: '', label: t('review.anyLot') }],
  });
  const wagon = field('wagon', t('review.wagon'), { maxlength: 20 });
  const inspector = field('inspector', t('review.inspector'),
    { maxlength: 64, hint: t('review.inspectorHint') });
  const from = field('from', t('review.from'), { type: 'date' });
  const to = field('to', t('review.to'), { type: 'date' });
  const category = selectField({
    name: 'category',
    label: t('review.category'),
    value: values.category ?? '',
    options: [{ value: '', label: t('review.anyCategory') },
      ...CATEGORIES.map(([code]) => ({ value: code, label: categoryLabel(code) }))],
  });
  const results = h('div', { class: 'page-body review-results', 'aria-live': 'polite' });
  const submit = button(t('review.search'), { kind: 'primary', type: 'submit' });
  const reset = button(t('review.reset'), { kind: 'secondary', type: 'reset' });
  const fields = [declaration, lot, wagon, inspector, from, to, category];

  const form = h('form', {
    class: 'filters review-filters',
    novalidate: true,
    role: 'search',
    'aria-label': t('review.filters'),
  }, fields.map((f) => f.el), h('div', { class: 'filter-actions' }, submit, reset));

  async function search (query, filtered) {
    submit.setBusy(true);
    results.setAttribute('aria-busy', 'true');
    try {
      const { decisions } = await get('/api/decisions', { ...query, limit: LIMIT });
      if (!view.isConnected) return;
      for (const d of decisions) known.set(d.id, d);
      const table = () => dataTable({
        caption: t('review.resultsCaption'),
        columns: columns(zone),
        rows: decisions,
        rowKey: (d) => d.id,
      }).el;
      const count = t('review.count', { n: decisions.length });
      results.replaceChildren(decisions.length
        ? h('div', {},
            h('p', { class: 'small muted', dataset: { testid: 'review-count' }, text: count }),
            table())
        : emptyState({
            title: filtered ? t('review.noMatch') : t('review.none'),
            text: filtered ? t('review.noMatchText') : t('review.noneText'),
          }));
    } catch (error) {
      if (error.handled || !view.isConnected) return;
      results.replaceChildren(emptyState({
        title: t('review.searchFailed'),
        text: describeError(error),
      }));
    } finally {
      submit.setBusy(false);
      results.removeAttribute('aria-busy');
    }
  }

  function read () {
    const v = {
      declaration_no: declaration.input.value.trim(),
      lot_id: lot.input.value,
      wagon: wagon.input.value.trim(),
      inspector: inspector.input.value.trim(),
      from: from.input.value,
      to: to.input.value,
      category: category.input.value,
    };
    const wrong = (bad, key) => (bad ? t(key) : null);
    const ok = validate([
      [declaration, wrong(v.declaration_no && !DECLARATION.test(v.declaration_no),
        'review.invalid.declaration')],
      [wagon, null],
      [inspector, wrong(v.inspector && !USER_NAME.test(v.inspector), 'review.invalid.inspector')],
      [to, wrong(v.from && v.to && v.to < v.from, 'review.invalid.range')],
    ]);
    return ok ? v : null;
  }

  const queryOf = (v) => ({
    declaration_no: v.declaration_no,
    lot_id: v.lot_id,
    wagon: v.wagon,
    inspector: v.inspector,
    category: v.category,
    from: v.from ? startOfDayUtc(v.from, zone) : undefined,
    to: v.to ? startOfDayUtc(nextDay(v.to), zone) : undefined,
  });
  const isFiltered = (v) => Object.values(v).some(Boolean);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const v = read();
    if (!v) return;
    last = { values: v };
    search(queryOf(v), isFiltered(v));
  });
  form.addEventListener('reset', () => {
    for (const f of fields) f.setError(null);
    last = null;
    setTimeout(() => search({}, false)); // after the browser cleared the fields
  });

  async function loadLots () {
    try {
      const { lots } = await get('/api/lots', { limit: 500 });
      if (!view.isConnected) return;
      lot.input.append(...lots.map((l) => h('option', {
        value: l.id,
        text: `${l.lot_no} · ${l.declaration_no}`,
        selected: l.id === values.lot_id,
      })));
    } catch {
      // the search still works without the lot list; its own errors show
    }
  }

  view.append(
    h('h1', { class: 'page-title', tabindex: '-1', text: t('nav.review') }),
    h('p', { class: 'lead', text: t('section.review.summary') }),
    form, results);
  results.append(h('p', { class: 'muted', text: t('state.loading') }));
  loadLots();
  search(last ? queryOf(last.values) : {}, last ? isFiltered(last.values) : false);
}
