// pages/cameras.js: the operator's list of linked cameras. Its server API
// does not exist yet, so the page shows an empty state that says what will
// appear here; no data is invented.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { emptyState } from '../ui/empty.js';

export const title = () => t('nav.cameras');

export function render (view) {
  view.append(
    h('h1', { class: 'page-title', tabindex: '-1', text: t('nav.cameras') }),
    h('p', { class: 'lead', text: t('section.cameras.summary') }),
    emptyState({ title: t('section.cameras.empty'), text: t('section.cameras.emptyText') }));
}
