// camera/accept-view.js: the operator's "Accept new view" on a camera whose
// moved or defocused alert stands because the camera was re-aimed or
// refocused on purpose. It asks why (the reason goes into the audit log),
// posts /api/cameras/{id}/accept-view and says that the alert clears with
// the camera's next sample (the event feed and the 2 s poll show it).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { describeError } from '../errors.js';
import { openDialog } from '../ui/dialog.js';
import { textAreaField, validate } from '../ui/form.js';
import { toast } from '../ui/toast.js';

// The alerts that accepting the view clears: the detector learns the
// current view (moved) and sharpness (defocused) again.
export const ACCEPTABLE_ALERTS = ['moved', 'defocused'];

export const canAcceptView = (alerts) => (alerts ?? []).some((a) => ACCEPTABLE_ALERTS.includes(a.kind));

export function acceptViewDialog (camera, { onDone } = {}) {
  const reason = textAreaField({
    name: 'reason',
    label: t('acceptView.reason'),
    hint: t('acceptView.reasonHint'),
    maxlength: 500,
    required: true,
  });
  const failure = h('p', { class: 'form-error', role: 'alert', hidden: true });
  openDialog({
    title: t('acceptView.title', { name: camera.name }),
    submitLabel: t('acceptView.submit'),
    body: [h('p', { class: 'dialog-message', text: t('acceptView.explain') }), reason.el, failure],
    async onSubmit () {
      failure.hidden = true;
      if (!validate([[reason, reason.input.value.trim() ? null : t('acceptView.reasonMissing')]])) return false;
      try {
        await post(`/api/cameras/${encodeURIComponent(camera.id)}/accept-view`, { reason: reason.input.value.trim() });
      } catch (error) {
        if (error.handled) return true;
        failure.textContent = describeError(error);
        failure.hidden = false;
        return false;
      }
      toast(t('acceptView.done', { name: camera.name }), 'success');
      onDone?.();
      return true;
    },
  });
}
