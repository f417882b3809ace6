// table.js: a plain data table inside a horizontally scrolling wrapper (so
// it stays usable on a narrow screen). Columns are {label, cell(row) ->
// string|Node, class, head?}: head (string|Node|array) replaces the label in
// the header cell when it needs more than text (the label still names the
// cells); rows can be appended later (load more).

import { h } from '../dom.js';

export function dataTable ({ caption, columns, rows = [], rowKey }) {
  const tbody = h('tbody');
  const table = h('table', { class: 'data-table' },
    caption ? h('caption', { class: 'visually-hidden', text: caption }) : null,
    h('thead', {}, h('tr', {}, columns.map((c) =>
      h('th', { scope: 'col', class: c.class }, c.head ?? c.label)))),
    tbody);

  const append = (more) => {
    for (const row of more) {
      const tr = h('tr', { dataset: rowKey ? { key: rowKey(row) } : {} },
        columns.map((c) => h('td', { class: c.class, dataset: { label: c.label } }, c.cell(row))));
      tbody.appendChild(tr);
    }
  };
  append(rows);
  return { el: h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption }, table), table, append };
}
