// live.js: keeps what a page shows fresh. The page's refresh() runs when
// the event feed reports a change the page cares about or asks for a
// resync, and when the window comes back into focus or view (which is all
// there is while the feed is unavailable). Runs are coalesced: never two
// at once, and a change during a run causes exactly one more. A small
// status line says whether updates arrive live.

import { h } from './dom.js';
import { t } from './i18n.js';
import { subscribe, onFeedStatus } from './events.js';

// A runner for an async fn: run() starts it, or, while it runs, asks for
// one more run after it. Errors are fn's business.
export function coalesce (fn) {
  let running = false;
  let again = false;
  async function run () {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await fn();
      } while (again);
    } finally {
      running = false;
    }
  }
  return run;
}

// keepFresh({refresh, matches(event), onLeave, alive}) -> {indicator, refresh}
// refresh: async () => void, the page's reload. matches: which events
// concern the page (resync always does). onLeave: the page's leave hook,
// which unsubscribes everything. alive: false once the view is gone.
export function keepFresh ({ refresh, matches = () => true, onLeave, alive = () => true }) {
  const run = coalesce(async () => {
    if (alive()) await refresh();
  });
  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(run, 120); // a burst of events, one refetch
  };

  const unsubscribe = subscribe((event) => {
    if (event.kind === 'resync' || matches(event)) soon();
  });
  const onFocus = () => {
    if (!document.hidden) soon();
  };
  window.addEventListener('focus', onFocus);
  document.addEventListener('visibilitychange', onFocus);

  const indicator = h('p', { class: 'live-status', role: 'status', dataset: { testid: 'live-status' } });
  const stopStatus = onFeedStatus((status) => {
    indicator.dataset.live = status;
    indicator.textContent = t(`live.${status}`);
  });

  onLeave?.(() => {
    clearTimeout(timer);
    unsubscribe();
    stopStatus();
    window.removeEventListener('focus', onFocus);
    document.removeEventListener('visibilitychange', onFocus);
  });
  return { indicator, refresh: run };
}
