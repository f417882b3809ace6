// toast.js: short notifications in one live region at the corner of the
// screen. Errors are announced assertively and stay longer; every toast can
// be closed with its button.

import { h } from '../dom.js';
import { t } from '../i18n.js';

const LIFETIME_MS = { success: 5000, info: 6000, error: 12000 };
let region = null;

function ensureRegion () {
  if (!region || !region.isConnected) {
    region = h('div', { class: 'toasts', 'aria-live': 'polite', 'aria-relevant': 'additions' });
    document.body.appendChild(region);
  }
  return region;
}

// toast('Saved', 'success'); kind: 'success' | 'info' | 'error'
export function toast (message, kind = 'info') {
  const close = () => item.remove();
  const item = h('div', {
    class: `toast toast-${kind}`,
    role: kind === 'error' ? 'alert' : 'status',
    dataset: { kind },
  },
  h('p', { class: 'toast-text', text: message }),
  h('button', {
    type: 'button',
    class: 'toast-close',
    'aria-label': t('action.dismiss'),
    text: '×',
    on: { click: close },
  }));
  ensureRegion().appendChild(item);
  setTimeout(close, LIFETIME_MS[kind] ?? LIFETIME_MS.info);
  return item;
}

export function clearToasts () {
  region?.replaceChildren();
}
