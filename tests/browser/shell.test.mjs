// shell.test.mjs: the web shell in headless Chromium against a real rvi.
// Starts `rvi serve` on a fresh data directory, creates one user per role,
// and checks sign-in, the role's navigation, sign-out, the language switch,
// user administration, the audit log and session expiry. Prints TAP.
//
// Run: node tests/browser/shell.test.mjs (RVI_BIN defaults to build/server/rvi)

import fs from 'node:fs';
import path from 'node:path';
import { assert, assertEqual } from './lib/tap.mjs';
import { runSuite } from './lib/run-suite.mjs';
import { WEB_DIR, importWeb } from './lib/web.mjs';
import { openLogin, submitLogin, login, logout, navSections, toastText } from './lib/ui.mjs';

const PASSWORD = 'Correct-Horse-7391';
const USERS = {
  inspector: { name: 'insp1', displayName: 'Li Wei', role: 'inspector', sections: ['lots', 'cameras'] },
  operator: { name: 'oper1', displayName: 'Zhao Gang', role: 'operator', sections: ['cameras', 'health'] },
  auditor: { name: 'audit1', displayName: '王芳', role: 'auditor', sections: ['audit', 'cameras', 'exports', 'lots', 'review'] },
  admin: { name: 'admin1', displayName: 'Chen Admin', role: 'admin', sections: ['users'] },
};
const ROLE_LABEL = { inspector: 'Inspector', operator: 'Operator', auditor: 'Auditor', admin: 'Administrator' };
const EMPTY_STATE = { lots: 'No lots in the queue', cameras: 'No cameras linked', health: 'No health data yet' };
for (const u of Object.values(USERS)) u.password = PASSWORD;

// ---- checks that need no browser -------------------------------------------

// web/'s own files: the third-party packages under web/vendor/node_modules
// (hls.js, with demo files the UI never loads) are left out; what they do
// in a page meets the CSP check of every browser test.
function webFiles (dir = WEB_DIR) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (!e.isDirectory()) return [path.join(dir, e.name)];
    return e.name === 'node_modules' ? [] : webFiles(path.join(dir, e.name));
  });
}

async function staticTests (tap) {
  await tap.test('web/ has no inline script, inline style, event attribute or eval (CSP default-src self)', async () => {
    const bad = [];
    for (const file of webFiles()) {
      const text = fs.readFileSync(file, 'utf8');
      const rel = path.relative(WEB_DIR, file);
      if (file.endsWith('.html')) {
        if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(text)) bad.push(`${rel}: inline <script>`);
        if (/<style/i.test(text) || /\sstyle=/i.test(text)) bad.push(`${rel}: inline style`);
        if (/\son[a-z]+=/i.test(text)) bad.push(`${rel}: on* attribute`);
        if (/(src|href)=["']?(https?:)?\/\//i.test(text)) bad.push(`${rel}: external resource`);
      }
      if (file.endsWith('.js')) {
        if (/\beval\s*\(|new Function\s*\(|innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(text)) bad.push(`${rel}: eval or HTML string`);
        if (/from\s+['"]https?:/.test(text)) bad.push(`${rel}: import from the network`);
      }
    }
    assertEqual(bad, [], 'violations');
  });
  await tap.test('English and Chinese texts have the same keys', async () => {
    const en = (await importWeb('js/i18n/en.js')).default;
    const zh = (await importWeb('js/i18n/zh-CN.js')).default;
    assertEqual(Object.keys(en).filter((k) => !(k in zh)), [], 'missing in zh-CN');
    assertEqual(Object.keys(zh).filter((k) => !(k in en)), [], 'missing in en');
  });
  await tap.test('times are shown in Beijing time by default', async () => {
    const time = await importWeb('js/time.js');
    assertEqual(time.formatTime('2026-11-28T03:04:05.250Z'), '2026-11-28 11:04:05', 'formatTime');
    assertEqual(time.formatTime('2026-11-28T17:00:00.000Z', 'UTC'), '2026-11-28 17:00:00', 'formatTime UTC');
    assertEqual(time.offsetLabel('Asia/Shanghai'), 'UTC+8', 'offsetLabel');
    assertEqual(time.startOfDayUtc('2026-11-28'), '2026-11-27T16:00:00.000Z', 'startOfDayUtc');
  });
}

// ---- browser tests -----------------------------------------------------------

async function browserTests (tap, { baseUrl, withPage }) {
  await tap.test('the server serves the shell, its modules and a CSP', async () => {
    const res = await fetch(baseUrl);
    assertEqual(res.status, 200, 'GET /');
    assert(/text\/html/.test(res.headers.get('content-type') ?? ''), `GET / content-type ${res.headers.get('content-type')}`);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert(/default-src 'self'/.test(csp), `Content-Security-Policy is "${csp}"`);
    const js = await fetch(new URL('/js/app.js', baseUrl));
    assertEqual(js.status, 200, 'GET /js/app.js');
    assert(/javascript/.test(js.headers.get('content-type') ?? ''), `module content-type ${js.headers.get('content-type')}`);
    const css = await fetch(new URL('/css/base.css', baseUrl));
    assert(/text\/css/.test(css.headers.get('content-type') ?? ''), `css content-type ${css.headers.get('content-type')}`);
  });

  await tap.test('wrong password shows "Wrong user name or password"', () => withPage(async (page) => {
    await openLogin(page, baseUrl);
    await submitLogin(page, USERS.admin.name, 'not-the-password');
    const error = page.locator('[data-testid="login-error"]');
    await error.waitFor({ state: 'visible' });
    assertEqual(await error.innerText(), 'Wrong user name or password', 'error text');
    assert(await page.getByRole('button', { name: 'Sign in' }).isEnabled(), 'button enabled again');
  }));

  await tap.test('empty login fields are named before anything is sent', () => withPage(async (page) => {
    await openLogin(page, baseUrl);
    let requests = 0;
    page.on('request', (r) => { if (r.url().endsWith('/api/session') && r.method() === 'POST') requests += 1; });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Enter your user name.').waitFor();
    await page.getByText('Enter your password.').waitFor();
    assertEqual(requests, 0, 'login requests');
  }));

  await tap.test('login shows a spinner while pending and the wait after too many attempts', () => withPage(async (page) => {
    // The server's limit is not reached here: the answer is substituted so
    // that the page's handling of 429 is what is tested.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/api/session', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      await held;
      return route.fulfill({
        status: 429,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'too_many_attempts', message: 'too many attempts', retry_after: 42 } }),
      });
    });
    await openLogin(page, baseUrl);
    await submitLogin(page, 'someone', 'something');
    const button = page.locator('button.login-submit');
    await page.locator('button.login-submit[aria-busy="true"]').waitFor();
    assert(await button.isDisabled(), 'button disabled while pending');
    assert(await button.locator('.spinner').isVisible(), 'spinner visible while pending');
    release();
    const error = page.locator('[data-testid="login-error"]');
    await error.waitFor({ state: 'visible' });
    assertEqual(await error.innerText(), 'Too many attempts; try again in 42 s', 'error text');
  }));

  for (const user of Object.values(USERS)) {
    await tap.test(`${user.role}: sees name, role and only the ${user.sections.join(', ')} section(s)`, () => withPage(async (page) => {
      await login(page, baseUrl, user);
      assertEqual(await page.locator('.topbar .user-name').innerText(), user.displayName, 'name in header');
      assertEqual(await page.locator('.topbar .role').innerText(), ROLE_LABEL[user.role], 'role in header');
      assertEqual(await navSections(page), [...user.sections].sort(), 'navigation');
      await page.getByRole('heading', { level: 1, name: `Welcome, ${user.displayName}` }).waitFor();
      for (const section of user.sections) {
        if (!EMPTY_STATE[section]) continue;
        await page.locator(`nav [data-section="${section}"]`).click();
        await page.getByText(EMPTY_STATE[section]).waitFor();
      }
      // a section of another role is not shown even when typed in
      const foreign = user.role === 'admin' ? 'audit' : 'users';
      await page.goto(`${baseUrl}#/${foreign}`);
      await page.getByRole('heading', { level: 1, name: 'Page not available' }).waitFor();
    }));
  }

  await tap.test('logout returns to login and the session is gone', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.operator);
    await logout(page);
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assertEqual(await page.locator('.topbar').count(), 0, 'shell after reload');
    const status = await page.evaluate(async () => (await fetch('/api/session')).status);
    assertEqual(status, 401, 'GET /api/session after logout');
  }));

  await tap.test('signing out in one tab takes a live page in another tab to login, untouched', () => withPage(async (page, context) => {
    await login(page, baseUrl, USERS.inspector);
    await page.locator('nav [data-section="lots"]').click();
    await page.getByText('Live: changes appear as they happen').waitFor();
    const other = await context.newPage();
    try {
      await other.goto(baseUrl);          // the same cookie: the same session
      await other.locator('.topbar .user-name').waitFor();
      await logout(other);
    } finally {
      await other.close();
    }
    // the server closes the first tab's event feed (code 4001); the page
    // asks GET /api/session, gets 401 and shows the login, with no click
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 5000 });
    await page.getByText('Your session has ended. Please sign in again.').waitFor();
  }));

  await tap.test('language switch changes texts to Chinese, is remembered, and switches back', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.admin);
    await page.getByRole('button', { name: '中文' }).click();
    await page.locator('nav [data-section="users"]', { hasText: '用户' }).waitFor();
    assertEqual(await page.locator('.topbar .logout').innerText(), '退出登录', 'logout label');
    assertEqual(await page.locator('.topbar .role').innerText(), '管理员', 'role label');
    assertEqual(await page.evaluate(() => document.documentElement.lang), 'zh-CN', 'html lang');
    await page.reload();
    await page.locator('nav [data-section="users"]', { hasText: '用户' }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('nav [data-section="users"]', { hasText: 'Users' }).waitFor();
    assertEqual(await page.locator('.topbar .logout').innerText(), 'Sign out', 'logout label');
  }));

  await tap.test('admin creates a user through the UI and it appears in the list', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.admin);
    await page.locator('nav [data-section="users"]').click();
    await page.locator(`tr[data-key="${USERS.auditor.name}"]`).waitFor();
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog', { name: 'New user' });
    await dialog.getByLabel('User name').fill('newinsp');
    await dialog.getByLabel('Display name').fill('Sun Li');
    await dialog.getByLabel('Role').selectOption('inspector');
    await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await dialog.getByLabel('Repeat password').fill('mismatch-123456');
    await dialog.getByLabel('Repeat password').press('Enter');
    await dialog.getByText('The two passwords differ.').waitFor();
    await dialog.getByLabel('Repeat password').fill(PASSWORD);
    await dialog.getByLabel('Repeat password').press('Enter');
    await dialog.waitFor({ state: 'detached' });
    const row = page.locator('tr[data-key="newinsp"]');
    await row.waitFor();
    assert((await row.innerText()).includes('Sun Li'), 'display name in row');
    assert((await row.innerText()).includes('Inspector'), 'role in row');
    assert((await toastText(page, 'success')).includes('newinsp'), 'success toast');
  }));

  await tap.test('the created user can sign in with the role given', () => withPage(async (page) => {
    await login(page, baseUrl, { name: 'newinsp', password: PASSWORD });
    assertEqual(await page.locator('.topbar .user-name').innerText(), 'Sun Li', 'name in header');
    assertEqual(await navSections(page), ['cameras', 'lots'], 'navigation');
  }));

  await tap.test('a taken user name is refused with the server error in a toast', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.admin);
    await page.locator('nav [data-section="users"]').click();
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog', { name: 'New user' });
    await dialog.getByLabel('User name').fill(USERS.operator.name);
    await dialog.getByLabel('Display name').fill('Duplicate');
    await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await dialog.getByLabel('Repeat password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Create user' }).click();
    assert((await toastText(page, 'error')).startsWith('This conflicts with the current state'), 'error toast');
    assert(await dialog.isVisible(), 'dialog stays open');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  }));

  await tap.test('admin edits a user, and deletes one only after confirming', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.admin);
    await page.locator('nav [data-section="users"]').click();
    await page.getByRole('button', { name: 'Edit newinsp' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit user newinsp' });
    await edit.getByLabel('Display name').fill('Sun Li (night shift)');
    await edit.getByLabel('Account disabled (cannot sign in)').check();
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    const row = page.locator('tr[data-key="newinsp"]');
    await row.getByText('Sun Li (night shift)').waitFor();
    await row.getByText('Disabled').waitFor();

    await page.getByRole('button', { name: 'Delete newinsp' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete user newinsp?' });
    await confirm.waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    assertEqual(await row.count(), 1, 'row after Escape');
    await page.getByRole('button', { name: 'Delete newinsp' }).click();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
  }));

  await tap.test('auditor sees audit events newest first and can filter them', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.auditor);
    await page.locator('nav [data-section="audit"]').click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const rows = page.locator('.data-table tbody tr');
    await rows.first().waitFor();
    const seqs = (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.key))));
    assert(seqs.length > 0, 'some events');
    assertEqual(seqs, [...seqs].sort((a, b) => b - a), 'seq order');
    assert(/Beijing time, UTC\+8/.test(await page.locator('.data-table thead').innerText()), 'zone named in the header');
    await page.getByLabel('Action').fill('no.such.action');
    await page.getByLabel('Action').press('Enter');
    await page.getByText('No audit events').waitFor();
  }));

  await tap.test('the audit log pages back with "Load older events" (before_seq)', () => withPage(async (page) => {
    // The first page is substituted by 50 synthetic events so that paging is
    // reached without producing 50 real ones; the second page is the server's.
    const beforeSeqs = [];
    await page.route((url) => url.pathname === '/api/audit', async (route) => {
      const before = new URL(route.request().url()).searchParams.get('before_seq');
      beforeSeqs.push(before);
      if (before) return route.continue();
      const events = Array.from({ length: 50 }, (_, i) => ({
        seq: 100000 - i, id: `synthetic-${i}`, at: '2026-11-28T03:04:05.250Z', actor_id: null,
        actor_name: 'synthetic', action: 'synthetic', target_type: null, target_id: null, detail: {}, address: null,
      }));
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ events }) });
    });
    await login(page, baseUrl, USERS.auditor);
    await page.locator('nav [data-section="audit"]').click();
    const rows = page.locator('.data-table tbody tr');
    await page.locator('tr[data-key="99951"]').waitFor();
    assertEqual(await rows.count(), 50, 'rows on the first page');
    assert((await rows.first().innerText()).includes('2026-11-28 11:04:05'), 'time in Beijing time');
    await page.getByRole('button', { name: 'Load older events' }).click();
    await page.getByRole('button', { name: 'Load older events' }).waitFor({ state: 'hidden' });
    assertEqual(beforeSeqs, [null, '99951'], 'before_seq of each request');
    assert(await rows.count() > 50, 'older events appended');
  }));

  await tap.test('a 401 in the middle of a session returns to login with a message', () => withPage(async (page, context) => {
    await login(page, baseUrl, USERS.admin);
    await context.clearCookies();
    await page.locator('nav [data-section="users"]').click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByText('Your session has ended. Please sign in again.').waitFor();
    await submitLogin(page, USERS.admin.name, USERS.admin.password);
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  }));

  await tap.test('keyboard: the skip link is the first stop and leads to the main area', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.admin);
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    assert(await skip.evaluate((el) => el === document.activeElement), 'skip link is the first stop');
    await page.keyboard.press('Enter');
    assert(await page.evaluate(() => document.activeElement?.id === 'main'), 'focus in main');
  }));
}

await runSuite({
  users: USERS,
  viewport: { width: 1280, height: 800 },
  unitTests: staticTests,
  browserTests,
});
