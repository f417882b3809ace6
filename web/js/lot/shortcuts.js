// lot/shortcuts.js: the lot page's keys. j / ArrowDown next wagon, k /
// ArrowUp previous, m mark the current wagon, d decide, ? this help. They
// never fire while typing (input, textarea, select, editable text), while a
// dialog is open, or with Ctrl, Alt or Meta (the browser's own keys).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { openDialog } from '../ui/dialog.js';

// Whether the key event comes from somewhere text is typed.
export function isTyping (target) {
  if (!target || typeof target.closest !== 'function') return false;
  return Boolean(target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])'));
}

// The action of a key, or null: 'next' | 'prev' | 'mark' | 'decide' | 'help'.
export function actionOf (key) {
  switch (key) {
    case 'j': case 'ArrowDown': return 'next';
    case 'k': case 'ArrowUp': return 'prev';
    case 'm': return 'mark';
    case 'd': return 'decide';
    case '?': return 'help';
    default: return null;
  }
}

// bindShortcuts({onLeave, alive, actions: {next, prev, mark?, decide?, help}})
// An action missing from actions (read-only roles) leaves its key alone.
export function bindShortcuts ({ onLeave, alive, actions }) {
  const onKey = (e) => {
    if (!alive() || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (isTyping(e.target) || document.querySelector('dialog[open]')) return;
    const fn = actions[actionOf(e.key)];
    if (!fn) return;
    e.preventDefault();
    fn();
  };
  document.addEventListener('keydown', onKey);
  onLeave(() => document.removeEventListener('keydown', onKey));
}

export function shortcutHelp ({ readOnly }) {
  const rows = [
    ['j', '↓', t('keys.next')],
    ['k', '↑', t('keys.prev')],
    ...(readOnly ? [] : [['m', null, t('keys.mark')], ['d', null, t('keys.decide')]]),
    ['?', null, t('keys.help')],
  ];
  openDialog({
    title: t('keys.title'),
    submitLabel: t('keys.close'),
    noCancel: true,
    body: [
      h('dl', { class: 'key-list', dataset: { testid: 'shortcut-help' } }, rows.map(([key, alt, text]) =>
        h('div', {}, h('dt', {}, h('kbd', { text: key }), alt ? [' ', h('kbd', { text: alt })] : null), h('dd', { text })))),
      h('p', { class: 'field-hint', text: t('keys.typing') }),
    ],
    onSubmit: () => true,
  });
}
