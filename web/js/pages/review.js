// pages/review.js: the section 'review', the auditor's console. '#/review'
// searches decisions (replay/search.js); '#/review/ID' opens one with the
// synchronised replay of its lot's cameras and their viewing log
// (replay/decision-view.js). Read-only, like the auditor's role.

import { t } from '../i18n.js';
import { renderSearch } from '../replay/search.js';
import { renderDecision } from '../replay/decision-view.js';

export const title = () => t('nav.review');

export function render (view, ctx) {
  if (ctx.params?.length) renderDecision(view, ctx);
  else renderSearch(view, ctx);
}
