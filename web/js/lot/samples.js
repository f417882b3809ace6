// lot/samples.js: samples drawn for the lab and their results. A result is
// judged by the server against its versioned rule table (the limit and
// its legal source come back with the answer); a failed element sends the
// lot back for a follow-up decision. Lists what was entered in this tab.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { describeError } from '../errors.js';
import { formatTime, fromZoneInput, toZoneInput } from '../time.js';
import { zoneName } from '../zone.js';
import { button } from '../ui/button.js';
import { toast } from '../ui/toast.js';
import { openDialog } from '../ui/dialog.js';
import { dataTable } from '../ui/table.js';
import { textField, selectField, checkboxField, checkGroup, validate } from '../ui/form.js';
import { ELEMENTS, elementLabel, formatWagonNumber } from './labels.js';

const DRAWN_AT_SLACK_MS = 300000;

function refused (error) {
  if (!error.handled) toast(describeError(error), 'error');
  return error.handled;
}

const required = (field, key) => [field, field.input.value.trim() ? null : t(key)];

export function sampleDialog (ctx, { onDone }) {
  const zone = ctx.zone;
  const wagons = ctx.lot.wagons ?? [];
  const number = textField({ name: 'number', label: t('sample.number'), maxlength: 64, autocomplete: 'off', required: true });
  const seal = textField({ name: 'seal', label: t('sample.seal'), maxlength: 64, autocomplete: 'off', required: true });
  const drawnBy = textField({ name: 'drawn_by', label: t('sample.drawnBy'), maxlength: 200, required: true, hint: t('sample.drawnByHint') });
  const drawnAt = textField({ name: 'drawn_at', label: t('sample.drawnAt', { zone: zoneName(zone) }), type: 'datetime-local', step: 1, value: toZoneInput(Date.now(), zone) });
  const witnessed = checkboxField({ name: 'witnessed', label: t('sample.witnessed'), checked: true });
  const from = checkGroup({
    name: 'wagon_ids',
    legend: t('sample.wagons'),
    columns: true,
    checked: wagons[ctx.current] ? [wagons[ctx.current].id] : [],
    options: wagons.map((w) => ({ value: w.id, label: `${w.seq} · ${formatWagonNumber(w.number, w.scheme)}` })),
  });

  openDialog({
    title: t('sample.addTitle'),
    submitLabel: t('sample.add'),
    wide: true,
    body: [h('div', { class: 'form-grid' }, number.el, seal.el, drawnBy.el, drawnAt.el), from.el, witnessed.el],
    async onSubmit () {
      const at = fromZoneInput(drawnAt.input.value, zone);
      const ok = validate([
        required(number, 'sample.invalid.number'),
        required(seal, 'sample.invalid.seal'),
        required(drawnBy, 'sample.invalid.drawnBy'),
        [drawnAt, !at ? t('decision.invalid.time') : Date.parse(at) > Date.now() + DRAWN_AT_SLACK_MS ? t('sample.invalid.future') : null],
        [from, from.values().length ? null : t('sample.invalid.wagons')],
      ]);
      if (!ok) return false;
      try {
        const { sample } = await post(`/api/lots/${encodeURIComponent(ctx.lot.id)}/samples`, {
          number: number.input.value.trim(),
          seal: seal.input.value.trim(),
          wagon_ids: from.values(),
          drawn_by: drawnBy.input.value.trim(),
          witnessed: witnessed.input.checked,
          drawn_at: at,
        });
        ctx.local.samples.push({ sample, results: [] });
        toast(t('sample.added', { number: sample.number }), 'success');
        onDone();
        return true;
      } catch (error) {
        if (error.code === 'conflict') number.setError(t('sample.invalid.taken'));
        return refused(error);
      }
    },
  });
}

export function resultDialog (ctx, entry, { onDone }) {
  const element = selectField({ name: 'element', label: t('sample.element'), value: 'As', options: ELEMENTS.map((e) => ({ value: e, label: elementLabel(e) })) });
  const value = textField({ name: 'value_pct', label: t('sample.value'), type: 'number', step: 'any', min: 0, max: 100, inputmode: 'decimal', hint: t('sample.valueHint') });
  openDialog({
    title: t('sample.resultTitle', { number: entry.sample.number }),
    submitLabel: t('sample.addResult'),
    body: [element.el, value.el],
    async onSubmit () {
      const v = value.input.value.trim() === '' ? NaN : Number(value.input.value);
      if (!validate([[value, Number.isFinite(v) && v >= 0 && v <= 100 ? null : t('sample.invalid.value')]])) return false;
      try {
        const { lab_result: result } = await post(`/api/samples/${encodeURIComponent(entry.sample.id)}/results`, { element: element.input.value, value_pct: v });
        entry.results.push(result);
        toast(result.pass
          ? t('sample.resultPass', { element: result.element, value: result.value_pct, limit: formatLimit(result.limit_pct) })
          : t('sample.resultFail', { element: result.element, value: result.value_pct, limit: formatLimit(result.limit_pct) }),
        result.pass ? 'success' : 'info');
        onDone();
        return true;
      } catch (error) {
        return refused(error);
      }
    },
  });
}

const formatLimit = (n) => (typeof n === 'number' ? n.toFixed(2) : String(n ?? ''));

function resultsTable (entry) {
  if (!entry.results.length) return h('p', { class: 'muted small', text: t('sample.noResults') });
  return dataTable({
    caption: t('sample.resultsCaption', { number: entry.sample.number }),
    rowKey: (r) => r.id,
    rows: entry.results,
    columns: [
      { label: t('sample.element'), cell: (r) => elementLabel(r.element) },
      { label: t('sample.valueShort'), class: 'num', cell: (r) => `${r.value_pct} %` },
      { label: t('sample.limit'), class: 'num', cell: (r) => h('span', { title: r.rule_source ?? '', text: `≤ ${formatLimit(r.limit_pct)} %` }) },
      {
        label: t('sample.judgement'),
        cell: (r) => h('span', { class: `badge ${r.pass ? 'badge-ok' : 'badge-bad'}`, dataset: { pass: String(r.pass) }, text: t(r.pass ? 'sample.pass' : 'sample.fail') }),
      },
    ],
  }).el;
}

export function samplesList (ctx, { reload }) {
  const entries = ctx.local.samples;
  if (!entries.length) return h('p', { class: 'muted', text: t('sample.none') });
  const wagonOf = new Map((ctx.lot.wagons ?? []).map((w) => [w.id, w]));
  return h('ul', { class: 'sample-list' }, entries.map((entry) => {
    const s = entry.sample;
    const seqs = (s.wagon_ids ?? []).map((id) => wagonOf.get(id)?.seq).filter(Boolean).join(', ');
    return h('li', { class: 'sample', dataset: { number: s.number } },
      h('div', { class: 'sample-head' },
        h('strong', { text: t('sample.heading', { number: s.number }) }),
        h('span', { class: 'small muted', text: t('sample.meta', { seal: s.seal, wagons: seqs, by: s.drawn_by, time: formatTime(s.drawn_at, ctx.zone) }) }),
        s.witnessed ? h('span', { class: 'small', text: t('sample.witnessedShort') }) : null),
      resultsTable(entry),
      ctx.inspector
        ? button(t('sample.addResult'), { kind: 'link', 'aria-label': t('sample.addResultLabel', { number: s.number }), dataset: { focus: `result-${s.id}` }, on: { click: () => resultDialog(ctx, entry, { onDone: reload }) } })
        : null);
  }));
}
