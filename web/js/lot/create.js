// lot/create.js: the two ways a lot enters the queue: the "New lot" dialog
// (declaration, waybill, lot, siding and the wagons typed one per line) and
// "Import CSV" (a file as the railway sends it, all lots of it or none).
// Input is checked here first; the server checks again, and a refusal that
// names a field shows next to it; the import's per-line problems (the
// error's details) are listed in the dialog.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { describeError } from '../errors.js';
import { displayZone } from '../session.js';
import { fromZoneInput } from '../time.js';
import { zoneName } from '../zone.js';
import { toast } from '../ui/toast.js';
import { openDialog } from '../ui/dialog.js';
import { textField, textAreaField, validate } from '../ui/form.js';
import { isFlagged } from './labels.js';
import { parseWagonLines, checkDeclarationNumber } from './wagon-lines.js';

const IMPORT_MAX_BYTES = 1024 * 1024;

function problemText (p) {
  switch (p.code) {
    case 'number': return t('lot.invalid.wagonNumber', { line: p.line, value: p.value });
    case 'repeated': return t('lot.invalid.wagonRepeated', { line: p.line, first: p.value });
    case 'seals': return t('lot.invalid.seals', { line: p.line, max: p.value });
    case 'sealLong': return t('lot.invalid.sealLong', { line: p.line, max: p.value });
    case 'tooMany': return t('lot.invalid.tooMany', { max: p.value });
    default: return t('lot.invalid.noWagons');
  }
}

const blankToNull = (s) => (s.trim() ? s.trim() : null);

export function newLotDialog ({ onCreated }) {
  const zone = displayZone();
  const declaration = textField({ name: 'declaration_no', label: t('lot.declarationNo'), required: true, inputmode: 'numeric', autocomplete: 'off', maxlength: 40, hint: t('lot.declarationHint') });
  const waybill = textField({ name: 'waybill_no', label: t('lot.waybillNo'), required: true, autocomplete: 'off', maxlength: 64 });
  const lotNo = textField({ name: 'lot_no', label: t('lot.lotNo'), autocomplete: 'off', maxlength: 64, hint: t('lot.lotNoHint') });
  const arrival = textField({ name: 'arrival_at', label: t('lot.arrivalIn', { zone: zoneName(zone) }), type: 'datetime-local', step: 1, hint: t('lot.optional') });
  const site = textField({ name: 'site', label: t('camera.site'), maxlength: 100, hint: t('lot.siteHint') });
  const track = textField({ name: 'track', label: t('camera.track'), maxlength: 100 });
  const risk = textAreaField({ name: 'risk_note', label: t('lot.riskNote'), rows: 2, maxlength: 2000, hint: t('lot.optional') });
  const wagons = textAreaField({ name: 'wagons', label: t('lot.wagonLines'), rows: 6, required: true, spellcheck: 'false', hint: t('lot.wagonLinesHint') });
  wagons.el.classList.add('span-all');
  risk.el.classList.add('span-all');

  openDialog({
    title: t('lot.newTitle'),
    submitLabel: t('lot.create'),
    wide: true,
    body: [h('div', { class: 'form-grid' }, declaration.el, waybill.el, lotNo.el, arrival.el, site.el, track.el, risk.el, wagons.el)],
    async onSubmit () {
      const parsed = parseWagonLines(wagons.input.value);
      const arrivalAt = arrival.input.value ? fromZoneInput(arrival.input.value, zone) : null;
      const ok = validate([
        [declaration, declaration.input.value.trim()
          ? (checkDeclarationNumber(declaration.input.value) ? null : t('lot.invalid.declaration'))
          : t('lot.invalid.declarationRequired')],
        [waybill, waybill.input.value.trim() ? null : t('lot.invalid.waybillRequired')],
        [arrival, arrival.input.value && !arrivalAt ? t('lot.invalid.time') : null],
        [wagons, parsed.problems.length ? parsed.problems.map(problemText).join('\n') : null],
      ]);
      if (!ok) return false;
      try {
        const { lot } = await post('/api/lots', {
          declaration_no: declaration.input.value.trim(),
          waybill_no: waybill.input.value.trim(),
          lot_no: blankToNull(lotNo.input.value),
          arrival_at: arrivalAt,
          site: blankToNull(site.input.value),
          track: blankToNull(track.input.value),
          risk_note: blankToNull(risk.input.value),
          wagons: parsed.wagons.map((w) => ({ number: w.number, seals: w.seals })),
        });
        const flagged = (lot.wagons ?? []).filter(isFlagged).length;
        toast(flagged
          ? t('lot.createdFlagged', { lot: lot.lot_no, n: flagged })
          : t('lot.created', { lot: lot.lot_no, n: lot.wagons?.length ?? 0 }), flagged ? 'info' : 'success');
        onCreated(lot);
        return true;
      } catch (error) {
        return refusedLot(error, { declaration, lotNo, wagons }, parsed.wagons);
      }
    },
  });
}

// A refusal of POST /api/lots: next to its field when the message names
// one ("declaration_no: ...", "wagons[2].number: ..."), else in a toast.
function refusedLot (error, fields, lines) {
  if (error.handled) return true;
  const m = /^(\w+)(?:\[(\d+)\](?:\.\w+)?)?: (.*)$/.exec(error.serverMessage ?? '');
  if (error.code === 'conflict') {
    fields.lotNo.setError(t('lot.invalid.lotTaken'));
  } else if (m && m[1] === 'wagons' && m[2] !== undefined) {
    const line = lines[Number(m[2])]?.line ?? Number(m[2]) + 1;
    fields.wagons.setError(t('lot.invalid.wagonServer', { line, detail: m[3] }));
  } else if (m && m[1] === 'declaration_no') {
    fields.declaration.setError(t('lot.invalid.server', { detail: m[3] }));
  } else if (m && m[1] === 'wagons') {
    fields.wagons.setError(t('lot.invalid.server', { detail: m[3] }));
  }
  toast(describeError(error), 'error');
  return false;
}

export function importDialog ({ onImported }) {
  const file = textField({ name: 'csv', label: t('lot.importFile'), type: 'file', accept: '.csv,text/csv', required: true, hint: t('lot.importHint') });
  const problems = h('div', { class: 'import-problems', role: 'alert', dataset: { testid: 'import-problems' } });

  openDialog({
    title: t('lot.importTitle'),
    submitLabel: t('lot.importSubmit'),
    wide: true,
    body: [file.el, problems],
    async onSubmit () {
      problems.replaceChildren();
      const chosen = file.input.files?.[0];
      const ok = validate([[file, !chosen
        ? t('lot.invalid.fileRequired')
        : chosen.size > IMPORT_MAX_BYTES ? t('lot.invalid.fileLarge', { max: '1 MiB' }) : null]]);
      if (!ok) return false;
      let csv;
      try {
        csv = await chosen.text();
      } catch {
        file.setError(t('lot.invalid.fileUnreadable'));
        return false;
      }
      try {
        const { lots } = await post('/api/lots/import', { csv });
        const wagons = lots.reduce((n, l) => n + (l.wagons ?? 0), 0);
        const flagged = lots.reduce((n, l) => n + (l.flagged_wagons ?? 0), 0);
        toast(t(flagged ? 'lot.importedFlagged' : 'lot.imported', { lots: lots.length, wagons, flagged }), flagged ? 'info' : 'success');
        onImported(lots);
        return true;
      } catch (error) {
        if (error.handled) return true;
        const list = error.details?.length ? error.details : [error.serverMessage || describeError(error)];
        problems.replaceChildren(
          h('p', { class: 'form-error', text: error.details?.length ? t('lot.importRefused') : describeError(error) }),
          error.details?.length ? h('ul', { class: 'problem-list' }, list.map((p) => h('li', { class: 'mono small', text: p }))) : null);
        return false;
      }
    },
  });
}
