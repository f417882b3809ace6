// shell.js: the application frame every signed-in page lives in: skip link,
// dark header (product, user and role, language switch, logout), navigation
// with the sections of the user's role, and the main area pages render into.

import { h } from './dom.js';
import { t } from './i18n.js';
import { displayName } from './session.js';
import { sectionsFor } from './sections.js';
import { langSwitch } from './ui/lang-switch.js';
import { button } from './ui/button.js';

// createShell(root, session, {onLogout}) -> {main, setActive(id), logoutButton}
export function createShell (root, session, { onLogout }) {
  const user = session.user;
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const skip = h('a', {
    class: 'skip-link',
    href: '#main',
    text: t('shell.skip'),
    on: { click: (e) => { e.preventDefault(); main.focus(); } },
  });

  const logout = button(t('shell.logout'), { kind: 'header', class: 'logout', on: { click: onLogout } });

  const header = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true' }),
      h('span', { class: 'brand-name', text: 'rvi' }),
      h('span', { class: 'brand-tagline', text: t('app.tagline') })),
    h('div', { class: 'topbar-right' },
      h('div', { class: 'user-badge', dataset: { testid: 'user' } },
        h('span', { class: 'user-name', text: displayName(user) }),
        h('span', { class: `role role-${user.role}`, dataset: { role: user.role }, text: t(`role.${user.role}`) })),
      langSwitch(),
      logout));

  const links = new Map();
  const item = (id, label) => {
    const a = h('a', { class: 'nav-link', href: `#/${id === 'home' ? '' : id}`, dataset: { section: id }, text: label });
    links.set(id, a);
    return h('li', {}, a);
  };
  const nav = h('nav', { class: 'nav', 'aria-label': t('shell.nav') },
    h('ul', { class: 'nav-list' },
      item('home', t('nav.home')),
      sectionsFor(user.role).map((s) => item(s.id, t(`nav.${s.id}`)))));

  root.replaceChildren(skip, header, h('div', { class: 'layout' }, nav, main));

  const setActive = (id) => {
    for (const [key, a] of links) {
      if (key === id) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  };
  return { main, setActive, logoutButton: logout };
}
