// exports.test.mjs: the auditor's Exports page in headless Chromium against
// a real rvi recording one camsim camera. The auditor sees the empty state
// and the signing key (the same as the API's), is told what is missing
// when the form is incomplete, starts an export of the camera's last
// seconds, watches it run to "Done", downloads the package (whose SHA-256
// is the one the server recorded) and checks it with `rvi evidence verify`;
// the page in Chinese; an inspector has no Exports page. Prints TAP.
//
// Run: node tests/browser/exports.test.mjs (RVI_BIN defaults to build/server/rvi)

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assert, assertEqual } from './lib/tap.mjs';
import { runSuite } from './lib/run-suite.mjs';
import { login, navSections, toastText } from './lib/ui.mjs';
import { rviBin } from './lib/rvi-server.mjs';

const PASSWORD = 'Correct-Horse-7391';
const USERS = {
  operator: { name: 'oper1', displayName: 'Zhao Gang', role: 'operator', password: PASSWORD },
  auditor: { name: 'aud1', displayName: 'Wang Fang', role: 'auditor', password: PASSWORD },
  inspector: { name: 'insp1', displayName: 'Li Wei', role: 'inspector', password: PASSWORD },
};
const CAM = 'Erenhot T3 overhead';
const RECORDED_MS = 30000; // a closed segment of camsim's recording, generously

async function browserTests (tap, { baseUrl, camUrls, withPage }) {
  const api = (page, method, url, body) => page.evaluate(async (req) => {
    const s = await (await fetch('/api/session')).json();
    const res = await fetch(req.url, {
      method: req.method,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  }, { method, url, body });

  await tap.test('set-up: the operator links the camera (5 s segments) and it records', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.operator);
    const res = await api(page, 'POST', '/api/cameras', { name: CAM, url: camUrls[0], segment_seconds: 5 });
    assertEqual(res.status, 201, 'POST /api/cameras');
    const end = Date.now() + RECORDED_MS;
    for (;;) {
      const { body } = await api(page, 'GET', `/api/cameras/${res.body.camera.id}/timeline`);
      if (body.segments.filter((s) => s.end).length >= 2) break;
      assert(Date.now() < end, 'two closed segments within 30 s');
      await page.waitForTimeout(1000);
    }
  }));

  await tap.test('auditor: empty state, the signing key, and the form says what is missing', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.auditor);
    assert((await navSections(page)).includes('exports'), 'Exports in the navigation');
    await page.locator('nav [data-section="exports"]').click();
    await page.getByRole('heading', { level: 1, name: 'Exports' }).waitFor();
    await page.getByText('No exports yet').waitFor();
    const key = await api(page, 'GET', '/api/evidence/public-key');
    await page.locator('[data-testid="public-key"]').waitFor();
    assertEqual(await page.locator('[data-testid="public-key"]').textContent(), key.body.public_key, 'public key shown');
    assert((await page.locator('[data-testid="signing-key"]').textContent()).includes(key.body.key_id), 'key id shown');
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.getByText('Say why the evidence is exported.').waitFor();
    const { body } = await api(page, 'GET', '/api/exports');
    assertEqual(body.exports.length, 0, 'nothing was asked for');
  }));

  await tap.test('auditor exports the camera over the default range (the last 15 minutes): it runs to Done, downloads, and verifies', () => withPage(async (page, context) => {
    await login(page, baseUrl, USERS.auditor);
    await page.locator('nav [data-section="exports"]').click();
    await page.getByRole('heading', { level: 1, name: 'Exports' }).waitFor();
    await page.getByLabel('Camera', { exact: true }).selectOption({ label: CAM });
    // the default range is the last 15 minutes: before the camera existed
    // is a gap, which the package reports; the recording is clipped
    await page.getByLabel('Reason').fill('supervisor review of lot L-7');
    await page.getByLabel('Recipient').fill('Erenhot customs supervision office');
    await page.getByRole('button', { name: 'Start export' }).click();
    assert((await toastText(page, 'success')).includes('Export started'), 'toast');
    const row = page.locator('.data-table tbody tr').first();
    await row.locator('[data-status="done"]').waitFor({ timeout: 60000 });
    assert((await row.textContent()).includes('for Erenhot customs supervision office'), 'recipient in the row');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('link', { name: /^Download/ }).click(),
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rvi-export-dl-'));
    try {
      const file = path.join(dir, download.suggestedFilename());
      await download.saveAs(file);
      assert(/^rvi-evidence-[0-9a-f-]{36}\.tar$/.test(download.suggestedFilename()), `file name ${download.suggestedFilename()}`);
      const { body } = await api(page, 'GET', '/api/exports');
      const sha = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      assertEqual(sha, body.exports[0].package_sha256, 'downloaded bytes are the recorded package');
      const key = (await api(page, 'GET', '/api/evidence/public-key')).body.public_key;
      const out = execFileSync(rviBin(), ['evidence', 'verify', '--public-key', key, file], { encoding: 'utf8' });
      assert(out.includes('intact: '), `verify said: ${out}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }));

  await tap.test('the Exports page in Chinese', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.auditor);
    await page.evaluate(() => localStorage.setItem('rvi.lang', 'zh-CN'));
    await page.reload();
    await page.locator('nav [data-section="exports"]').click();
    await page.getByRole('heading', { level: 1, name: '证据导出' }).waitFor();
    await page.getByRole('button', { name: '开始导出' }).waitFor();
    await page.locator('[data-status="done"]', { hasText: '完成' }).first().waitFor();
  }));

  await tap.test('an inspector has no Exports page and the API refuses', () => withPage(async (page) => {
    await login(page, baseUrl, USERS.inspector);
    assert(!(await navSections(page)).includes('exports'), 'no Exports in the navigation');
    const res = await api(page, 'GET', '/api/exports');
    assertEqual(res.status, 403, 'GET /api/exports as inspector');
    await page.goto(`${baseUrl}#/exports`);
    await page.getByRole('heading', { level: 1, name: 'Page not available' }).waitFor();
  }));
}

await runSuite({
  users: USERS,
  camsim: { cameras: 1, size: '640x360', fps: 10 },
  viewport: { width: 1280, height: 900 },
  browserTests,
});
