// lot/decision-form.js: the sorting decision (or its correction): category,
// reasons, note, the video it was based on (time window and cameras). Says
// whether the category takes effect at once or waits for a second
// inspector. Each dialog sends one Idempotency-Key with every try, so a
// double click or a retry after a lost answer records one decision.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { post, newIdempotencyKey } from '../api.js';
import { describeError } from '../errors.js';
import { fromZoneInput, toZoneInput } from '../time.js';
import { zoneName } from '../zone.js';
import { toast } from '../ui/toast.js';
import { openDialog } from '../ui/dialog.js';
import { selectField, textField, textAreaField, checkGroup, validate } from '../ui/form.js';
import {
  CATEGORIES, REASONS, CHECKDIGIT_REASON, categoryLabel, reasonLabel, needsApproval, isFlagged,
} from './labels.js';
import { myOpenInspection, myLatestInspection } from './marks.js';

const FUTURE_SLACK_MS = 60000;

// The default window: from the inspector's inspection opening (else the
// lot's latest one, else an hour ago) to now, whole seconds, from < to.
export function defaultWindow (inspection, nowMs = Date.now()) {
  const to = Math.ceil(nowMs / 1000) * 1000;
  const opened = inspection ? Date.parse(inspection.opened_at) : NaN;
  let from = Number.isNaN(opened) ? to - 3600000 : Math.floor(opened / 1000) * 1000;
  if (from >= to) from = to - 60000;
  return { from, to };
}

function windowErrors (from, to, fromField, toField) {
  const checks = [
    [fromField, from ? null : t('decision.invalid.time')],
    [toField, to ? null : t('decision.invalid.time')],
  ];
  if (from && to && Date.parse(to) <= Date.parse(from)) checks[1][1] = t('decision.invalid.order');
  else if (to && Date.parse(to) > Date.now() + FUTURE_SLACK_MS) checks[1][1] = t('decision.invalid.future');
  return checks;
}

// decisionDialog(ctx, {correcting: decision|null, onDone})
export function decisionDialog (ctx, { correcting = null, onDone }) {
  const zone = ctx.zone;
  const key = newIdempotencyKey();
  const flagged = (ctx.lot.wagons ?? []).filter(isFlagged);
  const mine = myOpenInspection(ctx) ?? myLatestInspection(ctx);
  // A lot that already has a decision takes a new one only as its
  // successor (the server answers 409 otherwise).
  const replacing = correcting ? null : ctx.lot.current_decision ?? null;
  const win = correcting
    ? { from: correcting.from, to: correcting.to }
    : defaultWindow(mine ?? (ctx.lot.inspections ?? []).at(-1) ?? null);

  const category = selectField({
    name: 'category',
    label: t('decision.category'),
    value: correcting?.category ?? '',
    options: [{ value: '', label: t('decision.chooseCategory') },
      ...CATEGORIES.map(([c]) => ({ value: c, label: categoryLabel(c) }))],
  });
  const approval = h('p', { class: 'notice small', role: 'status', dataset: { testid: 'approval-note' } });
  const showApproval = () => {
    const c = category.input.value;
    approval.hidden = !c;
    approval.dataset.needsApproval = String(needsApproval(c));
    approval.textContent = needsApproval(c) ? t('decision.needsApproval') : t('decision.takesEffect');
  };
  category.input.addEventListener('change', showApproval);
  showApproval();

  const suggested = !correcting && flagged.length ? [CHECKDIGIT_REASON] : [];
  const reasons = checkGroup({
    name: 'reasons',
    legend: t('decision.reasons'),
    columns: true,
    checked: correcting?.reasons ?? suggested,
    hint: flagged.length ? t('decision.suggestCheckdigit', { wagons: flagged.map((w) => w.seq).join(', ') }) : null,
    options: REASONS.map((r) => ({ value: r, label: reasonLabel(r), note: r === CHECKDIGIT_REASON && flagged.length ? t('decision.suggested') : null })),
  });
  const note = textAreaField({ name: 'note', label: t('decision.note'), rows: 3, maxlength: 4000, value: correcting?.note ?? '' });
  const from = textField({ name: 'from', label: t('decision.from', { zone: zoneName(zone) }), type: 'datetime-local', step: 1, value: toZoneInput(win.from, zone) });
  const to = textField({ name: 'to', label: t('decision.to', { zone: zoneName(zone) }), type: 'datetime-local', step: 1, value: toZoneInput(win.to, zone) });

  // The siding's cameras, all chosen; with none at the siding, any camera.
  const pool = ctx.cameras.length ? ctx.cameras : ctx.allCameras;
  const chosen = correcting?.cameras ?? ctx.cameras.map((c) => c.id);
  const cameras = pool.length
    ? checkGroup({
        name: 'cameras',
        legend: t('decision.cameraList'),
        checked: chosen,
        hint: ctx.cameras.length ? t('decision.camerasHint') : t('decision.camerasNoSiding'),
        options: pool.map((c) => ({ value: c.id, label: c.name })),
      })
    : null;
  const noCameras = h('p', { class: 'form-error', text: t('decision.noCameras') });

  openDialog({
    title: correcting ? t('decision.correctTitle', { category: categoryLabel(correcting.category) }) : t('decision.title'),
    submitLabel: correcting ? t('decision.saveCorrection') : t('decision.save'),
    wide: true,
    body: [
      correcting ? h('p', { class: 'dialog-message small', text: t('decision.correctIntro') }) : null,
      replacing
        ? h('p', { class: 'dialog-message small', dataset: { testid: 'replaces-note' }, text: t('decision.replacesIntro', { category: categoryLabel(replacing.category), by: replacing.decided_by }) })
        : null,
      category.el, approval, reasons.el, note.el,
      h('div', { class: 'form-grid' }, from.el, to.el),
      cameras ? cameras.el : noCameras,
    ],
    async onSubmit () {
      const fromIso = fromZoneInput(from.input.value, zone);
      const toIso = fromZoneInput(to.input.value, zone);
      const ok = validate([
        [category, category.input.value ? null : t('decision.invalid.category')],
        [reasons, reasons.values().length ? null : t('decision.invalid.reasons')],
        ...windowErrors(fromIso, toIso, from, to),
        ...(cameras ? [[cameras, cameras.values().length ? null : t('decision.invalid.cameras')]] : []),
      ]);
      if (!ok || !cameras) return false;
      try {
        const answer = await post(`/api/lots/${encodeURIComponent(ctx.lot.id)}/decisions`, {
          category: category.input.value,
          reasons: reasons.values(),
          note: note.input.value.trim(),
          cameras: cameras.values(),
          from: fromIso,
          to: toIso,
          supersedes: correcting?.id ?? replacing?.id ?? null,
          inspection_id: correcting?.inspection_id ?? mine?.id ?? null,
        }, { headers: { 'Idempotency-Key': key } });
        const pending = answer.status === 'pending_approval';
        toast(t(pending ? 'decision.savedPending' : 'decision.savedEffective', { category: categoryLabel(category.input.value) }), 'success');
        onDone();
        return true;
      } catch (error) {
        if (error.handled) return true;
        if (/window|future/.test(error.serverMessage ?? '')) to.setError(t('decision.invalid.server', { detail: error.serverMessage }));
        else if (/^from/.test(error.serverMessage ?? '')) from.setError(t('decision.invalid.server', { detail: error.serverMessage }));
        toast(describeError(error), 'error');
        if (error.code === 'conflict') onDone();
        return false;
      }
    },
  });
}
