// pages/lots.js: the inspector's work queue of lots. Its server API does not
// exist yet, so the page shows an empty state that says what will appear
// here; no data is invented.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { emptyState } from '../ui/empty.js';

export const title = () => t('nav.lots');

export function render (view) {
  view.append(
    h('h1', { class: 'page-title', tabindex: '-1', text: t('nav.lots') }),
    h('p', { class: 'lead', text: t('section.lots.summary') }),
    emptyState({ title: t('section.lots.empty'), text: t('section.lots.emptyText') }));
}
