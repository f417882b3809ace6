// replay/viewing-log.js: who watched these cameras, when: each live view
// (with its transport) and each replay (with the range replayed), newest
// first, from GET /api/viewing-log?cameras=...&limit=N (auditor). Shown
// beside the replay; the auditor's own replay appears here too, since
// the server audits every replay playlist it hands out.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { describeError } from '../errors.js';
import { formatTime, formatClock } from '../time.js';
import { zoneCaption } from '../zone.js';
import { button } from '../ui/button.js';

const LIMIT = 100;

function what (v, zone) {
  if (v.action === 'replay_viewed') {
    const from = v.from ? formatTime(v.from, zone) : '?';
    const day = (x) => formatTime(x, zone).slice(0, 10);
    const sameDay = v.from && v.to && day(v.from) === day(v.to);
    const to = v.to ? (sameDay ? formatClock(v.to, zone) : formatTime(v.to, zone)) : '?';
    return t('review.log.replayed', { from, to });
  }
  if (v.action === 'live_viewed') {
    return v.transport
      ? t('review.log.liveVia', { transport: v.transport })
      : t('review.log.live');
  }
  return v.action;
}

function entry (v, zone) {
  const replay = v.action === 'replay_viewed';
  const dataset = { action: v.action, actor: v.actor_name ?? '', testid: 'view-entry' };
  return h('li', { class: 'view-entry', dataset },
    h('div', { class: 'view-head' },
      h('time', { class: 'view-time', datetime: v.at, text: formatTime(v.at, zone) }),
      h('span', {
        class: `badge ${replay ? 'badge-wait' : 'badge-ok'}`,
        text: t(replay ? 'review.log.replay' : 'review.log.liveShort'),
      })),
    h('p', { class: 'view-line' },
      h('strong', { text: v.actor_name || v.actor_id || '—' }), ' · ',
      h('span', { text: v.camera_name || v.camera_id || '' })),
    h('p', { class: 'view-what small muted', text: what(v, zone) }));
}

// viewingLog({cameras: [id], zone}) -> {el, refresh()}
export function viewingLog ({ cameras, zone }) {
  const list = h('div', { class: 'view-body', 'aria-live': 'polite' },
    h('p', { class: 'muted', text: t('state.loading') }));
  const refreshButton = button(t('review.log.refresh'), { kind: 'link', class: 'view-refresh' });

  async function refresh () {
    refreshButton.setBusy(true);
    try {
      const query = { cameras: cameras.join(','), limit: LIMIT };
      const { views } = await get('/api/viewing-log', query);
      list.replaceChildren(views.length
        ? h('ol', { class: 'view-list' }, views.map((v) => entry(v, zone)))
        : h('p', { class: 'muted', text: t('review.log.none') }));
    } catch (error) {
      if (!error.handled) {
        list.replaceChildren(h('p', { class: 'form-error', text: describeError(error) }));
      }
    } finally {
      refreshButton.setBusy(false);
    }
  }
  refreshButton.addEventListener('click', refresh);

  const el = h('section', {
    class: 'review-log',
    'aria-labelledby': 'review-log-title',
    dataset: { testid: 'viewing-log' },
  },
    h('div', { class: 'section-head' },
      h('h2', { id: 'review-log-title', class: 'section-title', text: t('review.log.title') }),
      refreshButton),
    h('p', { class: 'small muted', text: t('review.log.lead', { zone: zoneCaption(zone) }) }),
    list);
  return { el, refresh };
}
