// dom.js: builds DOM nodes from plain values. The UI never parses HTML
// strings, so text that comes from the server can never become markup.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'indeterminate']);

// h('button', {class: 'btn', type: 'button', on: {click: fn}}, 'Save')
// props: class, text, dataset {}, style {}, on {event: handler}; the names in
// PROPERTIES are set as DOM properties, everything else as attributes.
// null, undefined and false leave a prop out.
export function h (tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (PROPERTIES.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

// Appends strings (as text), nodes and (nested) arrays; skips null/false.
export function append (parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
  return parent;
}

let counter = 0;

// A document-unique id for label/aria wiring.
export function uid (prefix = 'id') {
  counter += 1;
  return `${prefix}-${counter}`;
}
