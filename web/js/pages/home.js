// pages/home.js: the landing page of every role: a greeting, what the role
// does in rvi, and a card for each section the role may use.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { displayName, displayZone } from '../session.js';
import { sectionsFor } from '../sections.js';
import { offsetLabel } from '../time.js';
import { zoneName } from '../zone.js';

export const title = () => t('nav.home');

export function render (view, { session }) {
  const { role } = session.user;
  const zone = displayZone();
  const cards = sectionsFor(role).map((s) =>
    h('li', { class: 'card' },
      h('a', { class: 'card-link', href: `#/${s.id}` },
        h('span', { class: 'card-title', text: t(`nav.${s.id}`) }),
        h('span', { class: 'card-text', text: t(`section.${s.id}.summary`) }))));

  view.append(
    h('h1', { class: 'page-title', tabindex: '-1', text: t('home.welcome', { name: displayName() }) }),
    h('p', { class: 'lead', text: t(`home.role.${role}`) }),
    h('h2', { class: 'section-title', text: t('home.sections') }),
    h('ul', { class: 'cards' }, cards),
    h('p', { class: 'muted zone-note', text: t('home.zone', { zone: zoneName(zone), offset: offsetLabel(zone) }) }));
}
