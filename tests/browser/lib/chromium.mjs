// chromium.mjs: launches Debian's Chromium through playwright-core (no
// browser download). playwright creates a fresh --user-data-dir for every
// launch and removes it on close; it also kills the browser if this
// process exits first.

import { TIMEOUT } from './ui.mjs';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// handleSignals: false leaves SIGINT and SIGTERM to the caller: playwright's
// own handlers close the browser and exit the process at once, before the
// caller could stop what else it started (the benchmarks' rvi serve and
// PostgreSQL).
export async function launchChromium ({ handleSignals = true } = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60000,
    handleSIGINT: handleSignals,
    handleSIGTERM: handleSignals,
  });
}

// Console errors and uncaught exceptions of a page, for the "no errors"
// check. Chromium logs every failed fetch as a console error; the statuses
// the UI expects and handles (401 on logout/expiry, 4xx refusals the tests
// provoke) are left out, and so are failed connections of the live event
// feed (web/js/events.js retries them with back-off and the pages work
// without it; the live tests of lots.test.mjs check that it connects).
const EXPECTED = new RegExp([
  'Failed to load resource: the server responded with a status of (401|403|409|429)',
  "WebSocket connection to 'wss?://[^']+/api/events' failed",
].join('|'));

export function watchErrors (page, sink) {
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !EXPECTED.test(msg.text())) sink.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => sink.push(`pageerror: ${error.message}`));
}

// Pages for a suite's tests, each in a fresh browser context (its own
// cookies): English, the suite's viewport, TIMEOUT for every wait. Console
// errors and uncaught exceptions are collected in `errors`, except those the
// page's `allow` pattern matches (errors a test provokes on purpose; the
// entries read "console: ..." and "pageerror: ...").
//   newPage({allow}) -> {context, page}; the caller closes the context.
//   withPage(fn(page, context), {allow}): closes the context after fn.
export function pageFactory (browser, { viewport }) {
  const errors = [];
  async function newPage ({ allow = null } = {}) {
    const context = await browser.newContext({ locale: 'en-US', viewport });
    context.setDefaultTimeout(TIMEOUT);
    const page = await context.newPage();
    watchErrors(page, { push: (e) => { if (!allow?.test(e)) errors.push(e); } });
    return { context, page };
  }
  async function withPage (fn, options) {
    const { context, page } = await newPage(options);
    try {
      await fn(page, context);
    } finally {
      await context.close();
    }
  }
  return { newPage, withPage, errors };
}
