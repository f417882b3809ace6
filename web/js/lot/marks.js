// lot/marks.js: marking what is seen on a wagon. A mark needs an open
// inspection of the inspector's own: the first mark opens one (with the
// cameras of the siding) when there is none. The time is the moment the
// form was opened (the frame being looked at); the camera is the first
// tile's. Also the inspection buttons (open, sign) and the list of marks
// made in this tab.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { describeError } from '../errors.js';
import { formatTime, formatClock } from '../time.js';
import { zoneName } from '../zone.js';
import { toast } from '../ui/toast.js';
import { openDialog, confirmDialog } from '../ui/dialog.js';
import { selectField, textField, validate } from '../ui/form.js';
import { dataTable } from '../ui/table.js';
import { REASONS, reasonLabel, formatWagonNumber, isFlagged, CHECKDIGIT_REASON } from './labels.js';

// The caller's open inspection of the lot, or null.
export const myOpenInspection = (ctx) =>
  (ctx.lot.inspections ?? []).find((i) => i.inspector === ctx.me.username && !i.signed_at) ?? null;

// The caller's latest inspection of the lot (open or signed), or null.
export const myLatestInspection = (ctx) =>
  [...(ctx.lot.inspections ?? [])].reverse().find((i) => i.inspector === ctx.me.username) ?? null;

// Opens an inspection with the siding's cameras; resolves to it. When one
// is open already (another tab opened it), that one is used.
export async function openInspection (ctx) {
  try {
    const { inspection } = await post(`/api/lots/${encodeURIComponent(ctx.lot.id)}/inspections`, { cameras: ctx.cameras.map((c) => c.id) });
    return inspection;
  } catch (error) {
    if (error.code !== 'conflict') throw error;
    const { lot } = await get(`/api/lots/${encodeURIComponent(ctx.lot.id)}`);
    const open = lot.inspections.find((i) => i.inspector === ctx.me.username && !i.signed_at);
    if (!open) throw error;
    return open;
  }
}

export async function ensureInspection (ctx) {
  return myOpenInspection(ctx) ?? openInspection(ctx);
}

export function signDialog (ctx, inspection, onDone) {
  return confirmDialog({
    title: t('inspection.signTitle'),
    message: t('inspection.signMessage', { time: formatTime(inspection.opened_at, ctx.zone) }),
    confirmLabel: t('inspection.sign'),
    danger: false,
    async onConfirm () {
      try {
        await post(`/api/inspections/${encodeURIComponent(inspection.id)}/sign`);
        toast(t('inspection.signed'), 'success');
        onDone();
        return true;
      } catch (error) {
        if (!error.handled) toast(describeError(error), 'error');
        onDone();
        return error.handled;
      }
    },
  });
}

export function markDialog (ctx, wagon, { onDone }) {
  const at = new Date().toISOString();
  const camera = ctx.cameras[0] ?? null;
  const reason = selectField({
    name: 'reason_code',
    label: t('mark.reason'),
    value: isFlagged(wagon) ? CHECKDIGIT_REASON : '',
    options: [{ value: '', label: t('mark.chooseReason') }, ...REASONS.map((r) => ({ value: r, label: reasonLabel(r) }))],
  });
  const note = textField({ name: 'note', label: t('mark.note'), maxlength: 2000, autocomplete: 'off', hint: t('mark.noteHint') });
  const number = formatWagonNumber(wagon.number, wagon.scheme);

  openDialog({
    title: t('mark.title', { n: wagon.seq, number }),
    submitLabel: t('mark.save'),
    body: [
      h('p', { class: 'dialog-message small', dataset: { testid: 'mark-context' } },
        t('mark.context', { time: formatClock(at, ctx.zone), zone: zoneName(ctx.zone), camera: camera ? camera.name : t('mark.noCamera') })),
      reason.el,
      note.el,
    ],
    async onSubmit () {
      if (!validate([[reason, reason.input.value ? null : t('mark.invalid.reason')]])) return false;
      try {
        const inspection = await ensureInspection(ctx);
        const { mark } = await post(`/api/inspections/${encodeURIComponent(inspection.id)}/marks`, {
          wagon_id: wagon.id,
          camera_id: camera?.id ?? null,
          at,
          region: null,
          reason_code: reason.input.value,
          note: note.input.value.trim(),
        });
        ctx.local.marks.push(mark);
        toast(t('mark.saved', { n: wagon.seq, reason: reasonLabel(mark.reason_code) }), 'success');
        onDone();
        return true;
      } catch (error) {
        if (!error.handled) toast(describeError(error), 'error');
        onDone();
        return error.handled;
      }
    },
  });
}

export function marksList (ctx) {
  const marks = [...ctx.local.marks].sort((a, b) => String(a.at).localeCompare(String(b.at)));
  if (!marks.length) return h('p', { class: 'muted', dataset: { testid: 'no-marks' }, text: t('mark.none') });
  const wagonOf = new Map((ctx.lot.wagons ?? []).map((w) => [w.id, w]));
  const cameraOf = new Map(ctx.allCameras.map((c) => [c.id, c]));
  return dataTable({
    caption: t('mark.caption'),
    rowKey: (m) => m.id,
    rows: marks,
    columns: [
      { label: t('mark.time', { zone: zoneName(ctx.zone) }), class: 'nowrap', cell: (m) => formatTime(m.at, ctx.zone) },
      {
        label: t('wagon.number'),
        class: 'mono nowrap',
        cell: (m) => {
          const w = wagonOf.get(m.wagon_id);
          return w ? `${w.seq} · ${formatWagonNumber(w.number, w.scheme)}` : '';
        },
      },
      { label: t('mark.reason'), cell: (m) => reasonLabel(m.reason_code) },
      { label: t('mark.note'), cell: (m) => m.note || '' },
      { label: t('mark.camera'), cell: (m) => cameraOf.get(m.camera_id)?.name ?? '' },
    ],
  }).el;
}
