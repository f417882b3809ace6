// empty.js: the empty state, a box that says what will appear here and why
// there is nothing yet. Used for empty lists and for sections whose data
// does not exist yet.

import { h } from '../dom.js';

export function emptyState ({ title, text, action = null }) {
  return h('div', { class: 'empty-state', role: 'status' },
    h('span', { class: 'empty-icon', 'aria-hidden': 'true' }),
    h('p', { class: 'empty-title', text: title }),
    text ? h('p', { class: 'empty-text', text }) : null,
    action);
}
