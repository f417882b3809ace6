// pages/health.js: camera and recording health for the operator. Its server
// API does not exist yet, so the page shows an empty state that says what
// will appear here; no data is invented.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { emptyState } from '../ui/empty.js';

export const title = () => t('nav.health');

export function render (view) {
  view.append(
    h('h1', { class: 'page-title', tabindex: '-1', text: t('nav.health') }),
    h('p', { class: 'lead', text: t('section.health.summary') }),
    emptyState({ title: t('section.health.empty'), text: t('section.health.emptyText') }));
}
