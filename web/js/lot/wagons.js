// lot/wagons.js: the train wagon by wagon. The stepper shows the current
// wagon (number as painted, scheme, seals, the check-digit warning, the
// marks made on it here) with Previous / Next; the list shows every wagon
// and makes any of them current. The keys j/k and the arrows step too
// (lot/shortcuts.js).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { button } from '../ui/button.js';
import { dataTable } from '../ui/table.js';
import { formatWagonNumber, schemeLabel, checkDigitWarning, isFlagged } from './labels.js';

const sealsText = (w) => (w.seals?.length ? w.seals.join(', ') : t('wagon.noSeals'));

function warning (wagon) {
  const text = checkDigitWarning(wagon);
  return text ? h('p', { class: 'wagon-warning', dataset: { testid: 'checkdigit-warning' } }, h('span', { 'aria-hidden': 'true', text: '⚠ ' }), text) : null;
}

// "Wagon 2 of 3: 21 81 2471 217-4, check digit wrong: 3 expected" for the
// screen reader's live region.
export function wagonAnnouncement (wagon, index, count) {
  const parts = [t('wagon.position', { n: index + 1, count }), formatWagonNumber(wagon.number, wagon.scheme)];
  const warn = checkDigitWarning(wagon);
  return warn ? `${parts.join(': ')}; ${warn}` : parts.join(': ');
}

// The current wagon with Previous / Next (and Mark, for an inspector).
export function wagonStepper (ctx, { onStep, onMark }) {
  const wagons = ctx.lot.wagons ?? [];
  if (!wagons.length) return h('p', { class: 'muted', text: t('wagon.none') });
  const i = ctx.current;
  const w = wagons[i];
  const marks = ctx.local.marks.filter((m) => m.wagon_id === w.id).length;
  return h('div', { class: isFlagged(w) ? 'stepper is-flagged' : 'stepper', dataset: { testid: 'current-wagon', seq: String(w.seq), wagonId: w.id } },
    h('div', { class: 'stepper-head' },
      h('h2', { class: 'stepper-title', text: t('wagon.position', { n: i + 1, count: wagons.length }) }),
      h('div', { class: 'stepper-nav' },
        button(t('wagon.previous'), { kind: 'secondary', disabled: i === 0, 'aria-keyshortcuts': 'k ArrowUp', dataset: { focus: 'wagon-prev' }, on: { click: () => onStep(-1) } }),
        button(t('wagon.next'), { kind: 'secondary', disabled: i === wagons.length - 1, 'aria-keyshortcuts': 'j ArrowDown', dataset: { focus: 'wagon-next' }, on: { click: () => onStep(1) } }))),
    h('p', { class: 'wagon-number mono', dataset: { testid: 'current-wagon-number' }, text: formatWagonNumber(w.number, w.scheme) }),
    warning(w),
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', { text: t('wagon.scheme') }), h('dd', { text: schemeLabel(w.scheme) })),
      h('div', {}, h('dt', { text: t('wagon.seals') }), h('dd', { text: sealsText(w) })),
      h('div', {}, h('dt', { text: t('wagon.marksHere') }), h('dd', { dataset: { testid: 'wagon-marks' }, text: String(marks) }))),
    onMark
      ? button(t('wagon.mark'), { kind: 'primary', class: 'mark-wagon', 'aria-keyshortcuts': 'm', dataset: { focus: 'wagon-mark' }, on: { click: onMark } })
      : null);
}

// Every wagon; the current one is marked, each can be made current.
export function wagonList (ctx, { onSelect }) {
  const wagons = ctx.lot.wagons ?? [];
  const table = dataTable({
    caption: t('wagon.listCaption'),
    rowKey: (w) => w.id,
    rows: wagons,
    columns: [
      { label: t('wagon.seq'), class: 'num', cell: (w) => String(w.seq) },
      {
        label: t('wagon.number'),
        class: 'nowrap',
        cell: (w) => button(formatWagonNumber(w.number, w.scheme), {
          kind: 'link',
          class: 'mono wagon-pick',
          'aria-label': t('wagon.pick', { n: w.seq, number: formatWagonNumber(w.number, w.scheme) }),
          dataset: { focus: `wagon-${w.id}` },
          on: { click: () => onSelect(wagons.indexOf(w)) },
        }),
      },
      { label: t('wagon.seals'), class: 'small', cell: (w) => sealsText(w) },
      {
        label: t('wagon.check'),
        cell: (w) => isFlagged(w)
          ? h('span', { class: 'wagon-flag', title: t('reason.WAGON_CHECKDIGIT_FAIL'), text: `⚠ ${checkDigitWarning(w)}` })
          : w.check_digit_valid === true ? h('span', { class: 'muted', text: t('wagon.checkOk') }) : h('span', { class: 'muted', text: t('wagon.checkNone') }),
      },
    ],
  });
  table.table.querySelectorAll('tbody tr').forEach((tr, i) => {
    if (i === ctx.current) {
      tr.classList.add('is-current');
      tr.setAttribute('aria-current', 'true');
    }
    if (isFlagged(wagons[i])) tr.classList.add('is-flagged');
  });
  return table.el;
}
