// poller.js: runs a task again and again while its page is on screen. The
// next run is scheduled only when the previous one has finished, so a slow
// server never piles requests up; nothing runs while the browser tab is
// hidden, and a tab coming back runs the task at once. The poller ends by
// itself when alive() turns false (its view was replaced by a navigation).

// startPoller({intervalMs, run, alive}) -> {stop(), refresh()}
// run() may be async; its errors are its own business (catch them inside).
export function startPoller ({ intervalMs, run, alive }) {
  let timer = null;
  let running = false;
  let stopped = false;

  function schedule () {
    if (!stopped && !timer && !document.hidden) timer = setTimeout(tick, intervalMs);
  }

  async function tick () {
    timer = null;
    if (stopped) return;
    if (!alive()) {
      stop();
      return;
    }
    if (document.hidden) return; // the visibility handler starts it again
    running = true;
    try {
      await run();
    } finally {
      running = false;
    }
    schedule();
  }

  function onVisibility () {
    if (stopped) return;
    if (!alive()) {
      stop();
    } else if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (!running && !timer) {
      tick();
    }
  }

  function stop () {
    stopped = true;
    clearTimeout(timer);
    timer = null;
    document.removeEventListener('visibilitychange', onVisibility);
  }

  // Runs the task now (e.g. after a change made on the page).
  function refresh () {
    if (stopped || running) return;
    clearTimeout(timer);
    timer = null;
    tick();
  }

  document.addEventListener('visibilitychange', onVisibility);
  tick();
  return { stop, refresh };
}
