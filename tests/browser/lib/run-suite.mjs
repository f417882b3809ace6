// run-suite.mjs: the frame every browser test file runs in. runSuite() arms
// a watchdog, skips the run when playwright-core or Chromium is missing,
// runs the checks that need no browser, then starts `rvi serve` on a fresh
// data directory (and `rvi camsim` when asked), creates the suite's users,
// runs the suite's own set-up, launches Chromium and hands the browser tests
// what they need. After them it checks that no page logged an error.
//
// Whatever happens (a failure, an exception, the watchdog, SIGINT/SIGTERM)
// the browser, camsim and the server are stopped and the data directory is
// removed. A set-up failure is one failing test; when any test failed, the
// last lines of the server's (and camsim's) output follow as TAP comments.

import fs from 'node:fs';
import { createTap, assertEqual, comment } from './tap.mjs';
import { rviBin, makeDataDir, startServer, addUser } from './rvi-server.mjs';
import { startCamsim } from './camsim.mjs';
import { CHROMIUM, launchChromium, pageFactory } from './chromium.mjs';

const WATCHDOG_MS = 280000; // under meson's 300 s, so the cleanup still runs
const BROWSER_CLOSE_MS = 5000;

// runSuite(suite): runs the suite, prints TAP and exits the process, 0 when
// every test passed. The suite:
//   users        {key: {name, role, displayName, password}}, made with `rvi user add`
//   camsim       options of startCamsim() (lib/camsim.mjs), or absent for none
//   viewport     {width, height} of every page
//   unitTests(tap)                 checks that need no server or browser; run first
//   setup({baseUrl, bin, dataDir}) more set-up once the users exist; a throw
//                                  fails the set-up like a server that does not start
//   browserTests(tap, {baseUrl, camUrls, setScene, newPage, withPage})
//                                  setScene as in lib/camsim.mjs (absent without camsim),
//                                  newPage/withPage as pageFactory() in lib/chromium.mjs
export async function runSuite (suite) {
  const run = { server: null, camsim: null, browser: null, dataDir: null };
  const cleanup = () => stopAll(run);

  const watchdog = setTimeout(async () => {
    console.log(`Bail out! watchdog: no result after ${WATCHDOG_MS / 1000} s`);
    await cleanup();
    process.exit(1);
  }, WATCHDOG_MS);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
      console.log(`Bail out! ${sig}`);
      await cleanup();
      process.exit(1);
    });
  }

  let failed = 1;
  try {
    failed = await main(suite, run);
  } catch (error) {
    console.log(`Bail out! ${error?.message ?? error}`);
    comment(error?.stack ?? '');
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
  process.exit(failed > 0 ? 1 : 0);
}

// Stops what runs, newest first; each step also when an earlier one failed.
async function stopAll (run) {
  const closing = run.browser?.close().catch(() => {});
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, BROWSER_CLOSE_MS))]);
  run.browser = null;
  await run.camsim?.stop().catch(() => {});
  run.camsim = null;
  await run.server?.stop().catch(() => {});
  run.server = null;
  if (run.dataDir) fs.rmSync(run.dataDir, { recursive: true, force: true });
  run.dataDir = null;
}

// The reason to skip the whole file, or null.
async function skipReason () {
  try {
    await import('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm install in tests/browser)';
  }
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is not installed`;
  return null;
}

// Returns the number of failed tests.
async function main (suite, run) {
  const skip = await skipReason();
  if (skip) {
    console.log(`1..0 # SKIP ${skip}`);
    return 0;
  }
  const tap = createTap();
  await suite.unitTests?.(tap);

  let baseUrl = null;
  try {
    baseUrl = await start(suite, run);
  } catch (error) {
    await tap.test(setupName(suite), () => { throw error; });
    if (error.log) comment(error.log);
  }
  if (run.browser) {
    const pages = pageFactory(run.browser, { viewport: suite.viewport });
    await suite.browserTests(tap, { baseUrl, camUrls: run.camsim?.urls ?? [], setScene: run.camsim?.setScene, newPage: pages.newPage, withPage: pages.withPage });
    await tap.test('no console errors or CSP violations on any page', async () => {
      assertEqual(pages.errors, [], 'errors');
    });
  }

  if (tap.failed() > 0 && run.server) {
    comment('--- rvi serve output (last lines) ---');
    comment(run.server.log());
    if (run.camsim) comment(run.camsim.log());
  }
  return tap.end();
}

// Starts the server (and camsim, side by side), creates the users, runs the
// suite's set-up and launches Chromium. Returns the server's URL, ending in
// '/'. What started is in `run`, for stopAll().
async function start (suite, run) {
  const bin = rviBin();
  run.dataDir = makeDataDir();
  const [srv, sim] = await Promise.allSettled([
    startServer({ bin, dataDir: run.dataDir }),
    suite.camsim ? startCamsim({ bin, ...suite.camsim }) : null,
  ]);
  if (srv.status === 'fulfilled') run.server = srv.value;
  if (sim.status === 'fulfilled') run.camsim = sim.value;
  if (sim.status === 'rejected') throw sim.reason;
  if (srv.status === 'rejected') throw srv.reason;

  const baseUrl = run.server.url.endsWith('/') ? run.server.url : `${run.server.url}/`;
  for (const u of Object.values(suite.users)) {
    await addUser({ bin, dataDir: run.dataDir, name: u.name, role: u.role, displayName: u.displayName, password: u.password });
  }
  await suite.setup?.({ baseUrl, bin, dataDir: run.dataDir });
  run.browser = await launchChromium();
  return baseUrl;
}

function setupName (suite) {
  const started = suite.camsim ? 'start camsim and rvi serve' : 'start rvi serve';
  return `${started}, create users${suite.setup ? ', the suite\'s set-up' : ''} and launch chromium`;
}
