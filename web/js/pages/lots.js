// pages/lots.js: the section 'lots'. '#/lots' is the work queue
// (lot/queue.js), '#/lots/ID' one lot (lot/page.js). Inspectors work here;
// auditors see both read-only.

import { t } from '../i18n.js';
import { renderQueue } from '../lot/queue.js';
import { renderLot } from '../lot/page.js';

export const title = () => t('nav.lots');

export function render (view, ctx) {
  if (ctx.params?.length) renderLot(view, ctx);
  else renderQueue(view, ctx);
}
