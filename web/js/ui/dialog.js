// dialog.js: modal dialogs on the native <dialog> element, which gives focus
// trapping and Escape-to-close for free. openDialog() builds one around a
// form; confirmDialog() asks a yes/no question and resolves to a boolean.

import { h, uid } from '../dom.js';
import { t } from '../i18n.js';
import { button } from './button.js';

// openDialog({title, body: [nodes], submitLabel, danger, wide, onSubmit})
// onSubmit(form) runs on submit (Enter or the button); resolve true to close,
// false to keep the dialog open (e.g. validation failed). While it runs the
// submit button is busy. Returns {dialog, form, close}. The dialog removes
// itself from the document when closed (Escape, Cancel or success). wide
// gives room for forms with many fields (two columns on a wide screen).
// noCancel leaves the Cancel button out (a dialog that only informs).
export function openDialog ({ title, body = [], submitLabel, danger = false, wide = false, noCancel = false, onSubmit, onClose }) {
  const titleId = uid('dialog-title');
  const submit = button(submitLabel ?? t('action.save'), {
    type: 'submit',
    kind: danger ? 'danger' : 'primary',
  });
  const cancel = noCancel ? null : button(t('action.cancel'), { kind: 'secondary', class: 'dialog-cancel', on: { click: () => close() } });
  const form = h('form', { class: 'dialog-form', method: 'dialog', novalidate: true },
    h('h2', { id: titleId, class: 'dialog-title', text: title }),
    h('div', { class: 'dialog-body' }, body),
    h('div', { class: 'dialog-actions' }, cancel, submit));
  const dialog = h('dialog', { class: wide ? 'dialog dialog-wide' : 'dialog', 'aria-labelledby': titleId }, form);

  let closed = false;
  function close () {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    onClose?.();
  }
  dialog.addEventListener('close', close);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit.busy) return;
    submit.setBusy(true);
    let done = false;
    try {
      done = await onSubmit(form);
    } finally {
      submit.setBusy(false);
    }
    if (done) close();
  });

  document.body.appendChild(dialog);
  dialog.showModal();
  const first = form.querySelector('input:not([disabled]), select:not([disabled]), textarea');
  (first ?? submit).focus();
  return { dialog, form, close };
}

// confirmDialog({title, message, confirmLabel, danger}) -> Promise<boolean>
// onConfirm (optional) runs before closing; resolve false to keep it open.
export function confirmDialog ({ title, message, confirmLabel, danger = true, onConfirm }) {
  return new Promise((resolve) => {
    let confirmed = false;
    const { dialog } = openDialog({
      title,
      body: [h('p', { class: 'dialog-message', text: message })],
      submitLabel: confirmLabel ?? t('action.confirm'),
      danger,
      onSubmit: async () => {
        if (onConfirm && !(await onConfirm())) return false;
        confirmed = true;
        return true;
      },
      onClose: () => resolve(confirmed),
    });
    // Enter on a fresh confirmation must not destroy anything: start on Cancel.
    dialog.querySelector(danger ? '.dialog-cancel' : 'button[type=submit]').focus();
  });
}
