// button.js: buttons, including the busy state (disabled + spinner) used
// while a request is pending.

import { h } from '../dom.js';

// button('Save', {kind: 'primary'|'secondary'|'danger'|'link', type, on, ...})
// The returned element has setBusy(bool) and a busy property.
export function button (label, { kind = 'secondary', type = 'button', ...props } = {}) {
  const spinner = h('span', { class: 'spinner', 'aria-hidden': 'true', hidden: true });
  const el = h('button', { ...props, type, class: `btn btn-${kind} ${props.class ?? ''}`.trim() },
    spinner, h('span', { class: 'btn-label', text: label }));
  el.busy = false;
  el.setBusy = (busy) => {
    el.busy = busy;
    el.disabled = busy;
    spinner.hidden = !busy;
    if (busy) el.setAttribute('aria-busy', 'true');
    else el.removeAttribute('aria-busy');
  };
  return el;
}
