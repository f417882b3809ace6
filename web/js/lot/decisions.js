// lot/decisions.js: the decisions of a lot, newest first. A decision is
// never edited: "Correct" records a new one that supersedes it, and the
// superseded one stays in the list, struck through. A decision whose
// category needs four eyes waits for a second inspector: another inspector
// sees Approve / Reject, its author sees that it waits. Auditors read only.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { describeError } from '../errors.js';
import { formatTime } from '../time.js';
import { button } from '../ui/button.js';
import { toast } from '../ui/toast.js';
import { openDialog } from '../ui/dialog.js';
import { textAreaField, validate } from '../ui/form.js';
import { decisionBadge, categoryLabel, reasonLabel } from './labels.js';

function approveDialog (decision, approve, onDone) {
  const note = textAreaField({ name: 'note', label: approve ? t('decision.approveNote') : t('decision.rejectNote'), rows: 3, maxlength: 2000 });
  openDialog({
    title: t(approve ? 'decision.approveTitle' : 'decision.rejectTitle', { category: categoryLabel(decision.category) }),
    submitLabel: t(approve ? 'decision.approve' : 'decision.reject'),
    danger: !approve,
    body: [
      h('p', { class: 'dialog-message', text: t(approve ? 'decision.approveMessage' : 'decision.rejectMessage', { user: decision.decided_by }) }),
      note.el,
    ],
    async onSubmit () {
      if (!validate([[note, !approve && !note.input.value.trim() ? t('decision.invalid.rejectNote') : null]])) return false;
      try {
        await post(`/api/decisions/${encodeURIComponent(decision.id)}/approve`, { approve, note: note.input.value.trim() });
        toast(t(approve ? 'decision.approved' : 'decision.rejected', { category: categoryLabel(decision.category) }), 'success');
        onDone();
        return true;
      } catch (error) {
        if (!error.handled) toast(describeError(error), 'error');
        onDone();
        return error.handled || error.code === 'conflict';
      }
    },
  });
}

function approvalLine (d, zone) {
  if (!d.approved_by) return null;
  const key = d.state === 'rejected' ? 'decision.rejectedBy' : 'decision.approvedBy';
  return h('p', { class: 'decision-approval', dataset: { testid: 'approval' } },
    t(key, { user: d.approved_by, time: formatTime(d.approved_at, zone) }),
    d.approval_note ? h('span', { class: 'muted', text: ` — ${d.approval_note}` }) : null);
}

function actions (ctx, d, { onCorrect, reload }) {
  if (!ctx.inspector) return null;
  const mine = d.decided_by === ctx.me.username;
  const items = [];
  if (d.state === 'pending_approval' && mine) {
    items.push(h('p', { class: 'waiting', dataset: { testid: 'waiting' }, text: t('decision.waiting') }));
  } else if (d.state === 'pending_approval') {
    items.push(
      button(t('decision.approve'), { kind: 'primary', dataset: { focus: `approve-${d.id}` }, on: { click: () => approveDialog(d, true, reload) } }),
      button(t('decision.reject'), { kind: 'danger', dataset: { focus: `reject-${d.id}` }, on: { click: () => approveDialog(d, false, reload) } }));
  }
  if (d.state !== 'superseded') {
    items.push(button(t('decision.correct'), { kind: 'link', 'aria-label': t('decision.correctLabel', { category: categoryLabel(d.category) }), dataset: { focus: `correct-${d.id}` }, on: { click: () => onCorrect(d) } }));
  }
  return items.length ? h('div', { class: 'decision-actions' }, items) : null;
}

function decisionItem (ctx, d, handlers) {
  const zone = ctx.zone;
  const cameraOf = new Map(ctx.allCameras.map((c) => [c.id, c.name]));
  const corrected = d.supersedes_id ? ctx.decisions.find((x) => x.id === d.supersedes_id) : null;
  const cameras = (d.cameras ?? []).map((id) => cameraOf.get(id) ?? t('decision.unknownCamera'));
  return h('li', { class: `decision is-${d.state}`, dataset: { id: d.id, state: d.state, category: d.category, testid: 'decision' } },
    h('div', { class: 'decision-head' },
      h(d.state === 'superseded' ? 's' : 'span', { class: 'decision-title', text: categoryLabel(d.category) }),
      h('span', { class: 'mono small muted', text: d.category }),
      decisionBadge(d.state),
      d.id === ctx.lot.current_decision?.id ? h('span', { class: 'current-tag', dataset: { testid: 'current-tag' }, text: t('decision.current') }) : null),
    h('ul', { class: 'reason-list', 'aria-label': t('decision.reasons') },
      (d.reasons ?? []).map((r) => h('li', { class: 'reason-chip', dataset: { reason: r }, text: reasonLabel(r) }))),
    d.note ? h('p', { class: 'decision-note', text: d.note }) : null,
    h('p', { class: 'small muted decision-meta' },
      t('decision.by', { user: d.decided_by, time: formatTime(d.decided_at, zone) }), ' · ',
      t('decision.window', { from: formatTime(d.from, zone), to: formatTime(d.to, zone) }),
      cameras.length ? ` · ${t('decision.cameras', { names: cameras.join(', ') })}` : ''),
    corrected ? h('p', { class: 'small', text: t('decision.corrects', { category: categoryLabel(corrected.category), time: formatTime(corrected.decided_at, zone) }) }) : null,
    approvalLine(d, zone),
    actions(ctx, d, handlers));
}

// decisionsList(ctx, {onCorrect(decision), reload()})
export function decisionsList (ctx, handlers) {
  if (!ctx.decisions.length) {
    return h('p', { class: 'muted', dataset: { testid: 'no-decisions' }, text: t(ctx.inspector ? 'decision.none' : 'decision.noneReader') });
  }
  return h('ol', { class: 'decision-list', reversed: true }, ctx.decisions.map((d) => decisionItem(ctx, d, handlers)));
}
