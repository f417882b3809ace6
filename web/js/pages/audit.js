// pages/audit.js: the audit log (auditor). Events newest first, filtered by
// action, actor and a date range in the display zone; "Load more" pages back
// with before_seq. Read-only, like the auditor's role.

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
import { toast } from '../ui/toast.js';
import { textField, validate } from '../ui/form.js';

export const title = () => t('nav.audit');

const PAGE_SIZE = 50;

function detailText (detail) {
  if (!detail || typeof detail !== 'object') return detail ? String(detail) : '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${v !== null && typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join('; ');
}

function columns (zone) {
  return [
    { label: t('audit.time', { zone: zoneCaption(zone) }), class: 'nowrap', cell: (e) => h('time', { datetime: e.at, text: formatTime(e.at, zone) }) },
    { label: t('audit.actor'), cell: (e) => e.actor_name || e.actor_id || t('audit.system') },
    { label: t('audit.action'), class: 'mono', cell: (e) => e.action },
    {
      label: t('audit.target'),
      cell: (e) => e.target_type
        ? [h('span', { class: 'target-type', text: e.target_type }),
            // the first 8 characters of a UUID tell rows apart; the whole id is the title
            e.target_id ? h('span', { class: 'mono small target-id', title: e.target_id, text: e.target_id.slice(0, 8) }) : null]
        : '',
    },
    { label: t('audit.detail'), class: 'detail', cell: (e) => detailText(e.detail) },
    { label: t('audit.address'), class: 'mono nowrap', cell: (e) => e.address ?? '' },
    { label: t('audit.seq'), class: 'num', cell: (e) => String(e.seq) },
  ];
}

export function render (view) {
  const zone = displayZone();
  const action = textField({ name: 'action', label: t('audit.action'), list: 'audit-actions', autocomplete: 'off' });
  const actor = textField({ name: 'actor', label: t('audit.actorFilter'), autocomplete: 'off' });
  const from = textField({ name: 'from', label: t('audit.from'), type: 'date' });
  const to = textField({ name: 'to', label: t('audit.to'), type: 'date' });
  const actions = h('datalist', { id: 'audit-actions' });
  const results = h('div', { class: 'page-body', 'aria-live': 'polite' });
  const more = button(t('audit.loadMore'), { kind: 'secondary', class: 'load-more', hidden: true });
  const knownActions = new Set();

  let query = {};
  let table = null;
  let lastSeq = null;

  const rememberActions = (events) => {
    for (const e of events) {
      if (e.action && !knownActions.has(e.action)) {
        knownActions.add(e.action);
        actions.append(h('option', { value: e.action }));
      }
    }
  };

  async function load (append) {
    const busy = append ? more : submit;
    busy.setBusy(true);
    try {
      const { events } = await get('/api/audit', {
        ...query,
        limit: PAGE_SIZE,
        before_seq: append ? lastSeq : undefined,
      });
      rememberActions(events);
      if (!append) {
        table = events.length ? dataTable({ caption: t('nav.audit'), columns: columns(zone), rows: events, rowKey: (e) => e.seq }) : null;
        results.replaceChildren(table ? table.el : emptyState({ title: t('audit.none'), text: t('audit.noneText') }));
      } else {
        table.append(events);
      }
      if (events.length) lastSeq = events[events.length - 1].seq;
      more.hidden = events.length < PAGE_SIZE;
    } catch (error) {
      if (error.handled) return;
      toast(describeError(error), 'error');
      if (!append) results.replaceChildren(emptyState({ title: t('error.loadFailed'), text: describeError(error) }));
    } finally {
      busy.setBusy(false);
    }
  }

  const submit = button(t('audit.apply'), { kind: 'primary', type: 'submit' });
  const reset = button(t('audit.reset'), {
    kind: 'secondary',
    on: {
      click: () => {
        form.reset();
        for (const f of [action, actor, from, to]) f.setError(null);
        query = {};
        load(false);
      },
    },
  });
  const form = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': t('audit.filters') },
    action.el, actor.el, from.el, to.el, actions,
    h('div', { class: 'filter-actions' }, submit, reset));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const fromDate = from.input.value;
    const toDate = to.input.value;
    const ok = validate([
      [from, null],
      [to, fromDate && toDate && toDate < fromDate ? t('audit.invalid.range') : null],
    ]);
    if (!ok) return;
    query = {
      action: action.input.value.trim(),
      actor: actor.input.value.trim(),
      from: fromDate ? startOfDayUtc(fromDate, zone) : undefined,
      to: toDate ? startOfDayUtc(nextDay(toDate), zone) : undefined,
    };
    load(false);
  });
  more.addEventListener('click', () => load(true));

  view.append(
    h('h1', { class: 'page-title', tabindex: '-1', text: t('nav.audit') }),
    h('p', { class: 'lead', text: t('section.audit.summary') }),
    form, results, more);
  results.append(h('p', { class: 'muted', text: t('state.loading') }));
  load(false);
}
