// form.js: labelled form fields with a hint and an error line wired through
// aria-describedby, so a screen reader reads the error with the field.
// Each builder returns {el, input, setError(text|null)}.

import { h, uid } from '../dom.js';

function wrap (id, label, control, hint, { inline = false } = {}) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const error = h('p', { id: errorId, class: 'field-error', hidden: true });
  const labelEl = h('label', { for: id, class: 'field-label', text: label });
  const el = h('div', { class: inline ? 'field field-inline' : 'field' },
    inline ? [control, labelEl] : [labelEl, control],
    hint ? h('p', { id: hintId, class: 'field-hint', text: hint }) : null,
    error);
  const setError = (text) => {
    error.textContent = text ?? '';
    error.hidden = !text;
    if (text) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  };
  return { el, input: control, setError };
}

// textField({name, label, type, value, required, autocomplete, hint, ...})
export function textField ({ name, label, type = 'text', value = '', hint, ...attrs }) {
  const id = uid(`f-${name}`);
  const input = h('input', { id, name, type, value, class: 'input', ...attrs });
  return wrap(id, label, input, hint);
}

// selectField({name, label, options: [{value, label}], value})
export function selectField ({ name, label, options, value, hint, ...attrs }) {
  const id = uid(`f-${name}`);
  const select = h('select', { id, name, class: 'input', ...attrs },
    options.map((o) => h('option', { value: o.value, text: o.label, selected: o.value === value })));
  return wrap(id, label, select, hint);
}

// checkboxField({name, label, checked})
export function checkboxField ({ name, label, checked = false, hint, ...attrs }) {
  const id = uid(`f-${name}`);
  const input = h('input', { id, name, type: 'checkbox', checked, class: 'checkbox', ...attrs });
  return wrap(id, label, input, hint, { inline: true });
}

// Runs the checks [[field, message-or-null], ...]; shows each message on its
// field, focuses the first invalid one, and returns true when all pass.
export function validate (checks) {
  let first = null;
  for (const [field, message] of checks) {
    field.setError(message);
    if (message && !first) first = field;
  }
  first?.input.focus();
  return !first;
}

// textAreaField({name, label, value, rows, hint, ...})
export function textAreaField ({ name, label, value = '', rows = 3, hint, ...attrs }) {
  const id = uid(`f-${name}`);
  const input = h('textarea', { id, name, rows, class: 'input textarea', ...attrs });
  input.value = value;
  return wrap(id, label, input, hint);
}

// checkGroup({name, legend, options: [{value, label, note}], checked: [values], hint})
// A fieldset of checkboxes (a multiple choice that works with Tab and
// Space). Returns {el, input (the first box, for focus), boxes, values(),
// setError(text|null)}.
export function checkGroup ({ name, legend, options, checked = [], hint, columns = false }) {
  const id = uid(`g-${name}`);
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const boxes = options.map((o) => {
    const boxId = uid(`f-${name}`);
    const box = h('input', { id: boxId, type: 'checkbox', class: 'checkbox', name, value: o.value, checked: checked.includes(o.value) });
    return { box, el: h('div', { class: 'check-option' }, box,
      h('label', { for: boxId }, o.label, o.note ? h('span', { class: 'check-note', text: o.note }) : null)) };
  });
  const error = h('p', { id: errorId, class: 'field-error', hidden: true });
  const el = h('fieldset', { class: 'field check-group', 'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') },
    h('legend', { class: 'field-label', text: legend }),
    hint ? h('p', { id: hintId, class: 'field-hint', text: hint }) : null,
    h('div', { class: columns ? 'check-options check-columns' : 'check-options' }, boxes.map((b) => b.el)),
    error);
  const setError = (text) => {
    error.textContent = text ?? '';
    error.hidden = !text;
    if (text) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  };
  return {
    el,
    input: boxes[0]?.box ?? el,
    boxes: boxes.map((b) => b.box),
    values: () => boxes.filter((b) => b.box.checked).map((b) => b.box.value),
    setError,
  };
}
