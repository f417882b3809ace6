// nodes.test.mjs: the operator's view of the nodes and of pinning
// (docs/nodes.md, "In the browser") in headless Chromium against a real
// rvi: one node (the test server, named after the host) and one camera
// linked through the API at an address nothing answers (a node holds a
// camera's lease whether or not it streams). Checks the camera list's
// node column, the camera form's "Recording node" choice from the
// keyboard (the running node listed, a pin saved as pinned_nodes [node], a
// pin to a node the list lacks marked unknown, "Any node" sent as null),
// the form's refusal of an empty choice and its display of a server 400,
// the health page's node list, a new camera pinned from the Add form, and
// the control in Chinese. Prints TAP.
//
// Run: node tests/browser/nodes.test.mjs (RVI_BIN defaults to build/server/rvi)

import { assert, assertEqual } from './lib/tap.mjs';
import { runSuite } from './lib/run-suite.mjs';
import { apiSession } from './lib/api-session.mjs';
import { importWeb } from './lib/web.mjs';
import { login, toastText } from './lib/ui.mjs';

const LEASE_MS = 20000; // a lease tick is 2.5 s; generous on a shared 2-core machine

const PASSWORD = 'Correct-Horse-7391';
const USERS = {
  operator: { name: 'oper1', displayName: 'Zhao Gang', role: 'operator', password: PASSWORD },
};
const CAM = 'Erenhot T5 gate';
const CAM_NEW = 'Erenhot T6 gate';
const GONE = 'yard-gone'; // a node name no node runs under
// port 9 (discard): refused at once, so the camera backs off quietly
const CAM_URL = 'rtsp://127.0.0.1:9/none';

// ---- checks that need no browser -------------------------------------------

async function moduleTests (tap) {
  await tap.test('node choices: the listed nodes by name, then pinned names the list lacks, as unknown', async () => {
    const { nodeOptions, samePins } = await importWeb('js/camera/node-pick.js');
    const nodes = [{ name: 'yard-b', alive: false }, { name: 'yard-a', alive: true }];
    assertEqual(nodeOptions(nodes, null),
      [{ name: 'yard-a', state: 'running' }, { name: 'yard-b', state: 'stopped' }], 'nothing pinned');
    assertEqual(nodeOptions(nodes, ['yard-z', 'yard-b', 'yard-z']),
      [{ name: 'yard-a', state: 'running' }, { name: 'yard-b', state: 'stopped' }, { name: 'yard-z', state: 'unknown' }], 'pinned to one gone');
    assertEqual(nodeOptions(null, ['yard-b']), [{ name: 'yard-b', state: null }], 'before the list loads');
    assert(samePins(null, null) && samePins(['a', 'b'], ['b', 'a']), 'same pins');
    assert(!samePins(null, ['a']) && !samePins(['a'], ['a', 'b']) && !samePins(['a'], null), 'other pins');
  });
}

// ---- browser tests -----------------------------------------------------------

async function browserTests (tap, { baseUrl, withPage }) {
  const api = await apiSession(baseUrl, USERS.operator);
  const { body: listed } = await api('GET', '/api/nodes');
  const node = listed?.nodes?.[0]?.name;
  const camera = async (name) => (await api('GET', '/api/cameras')).body.cameras.find((c) => c.name === name);
  // Polls the camera each half second until done(camera) holds.
  const untilCamera = async (name, what, done) => {
    const end = Date.now() + LEASE_MS;
    for (;;) {
      const c = await camera(name);
      if (c && done(c)) return c;
      if (Date.now() > end) throw new Error(`${what}: not within ${LEASE_MS / 1000} s; camera: ${JSON.stringify(c)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  const openCameras = async (page) => {
    await login(page, baseUrl, USERS.operator);
    await page.locator('nav [data-section="cameras"]').click();
    await page.getByRole('heading', { level: 1, name: 'Cameras' }).waitFor();
  };
  const row = (page, name) => page.locator('.data-table tbody tr', { hasText: name });
  const openEdit = async (page, name) => {
    await page.getByRole('button', { name: `Edit ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Edit camera ${name}` });
    await dialog.waitFor();
    return dialog;
  };
  const nodeGroup = (dialog) => dialog.getByRole('group', { name: 'Recording node' });
  const option = (group, name) => group.locator(`.check-option[data-node="${name}"]`);
  // The bodies of the camera requests the page sends (PATCH and POST).
  const watchSaves = (page) => {
    const sent = [];
    page.on('request', (r) => {
      if (['PATCH', 'POST'].includes(r.method()) && /^\/api\/cameras(\/[^/]+)?$/.test(new URL(r.url()).pathname)) sent.push(r.postDataJSON());
    });
    return sent;
  };

  await tap.test('the test server runs one node, alive', async () => {
    assertEqual(listed.nodes.map((n) => [typeof n.name, n.alive]), [['string', true]], 'GET /api/nodes');
  });

  await tap.test('camera list: the node recording the camera, no pin', () => withPage(async (page) => {
    const made = await api('POST', '/api/cameras', { name: CAM, url: CAM_URL, site: 'Erenhot', track: '5' });
    assertEqual(made.status, 201, 'POST /api/cameras');
    await untilCamera(CAM, `the camera held by ${node}`, (c) => c.node === node);
    await openCameras(page);
    const r = row(page, CAM);
    assertEqual(await r.locator('[data-testid="node"]').innerText(), `on node ${node}`, 'node line');
    assertEqual(await r.locator('[data-testid="pinned"]').count(), 0, 'pin line');
  }));

  await tap.test('edit form: "Any node (1 node running)"; from the keyboard, Only these nodes lists the node running and pins the camera to it', () => withPage(async (page) => {
    await openCameras(page);
    const sent = watchSaves(page);
    const dialog = await openEdit(page, CAM);
    const group = nodeGroup(dialog);
    const any = group.getByRole('radio', { name: 'Any node' });
    const only = group.getByRole('radio', { name: 'Only these nodes' });
    assert(await any.isChecked(), 'Any node chosen');
    await group.locator('[data-testid="nodes-running"]', { hasText: '(1 node running)' }).waitFor();
    assertEqual(await any.evaluate((el) => el.labels[0].textContent), 'Any node (1 node running)', 'Any node label');
    assert(await group.locator('[data-testid="node-list"]').isHidden(), 'the list stays closed under Any node');

    await any.focus();
    await page.keyboard.press('ArrowDown');
    assert(await only.isChecked(), 'ArrowDown chooses Only these nodes');
    const mine = option(group, node);
    await mine.waitFor();
    assertEqual(await mine.getAttribute('data-state'), 'running', 'node state');
    assertEqual(await mine.locator('.badge').innerText(), 'Running', 'node badge');
    assertEqual(await group.locator('.check-option[data-node]').count(), 1, 'nodes listed');
    const box = group.getByRole('checkbox', { name: node });
    assert(!(await box.isChecked()), 'not ticked yet');
    await page.keyboard.press('Tab');
    assert(await box.evaluate((el) => el === document.activeElement), 'Tab reaches the node');
    await page.keyboard.press('Space');
    assert(await box.isChecked(), 'Space ticks it');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert((await toastText(page, 'success')).includes(CAM), 'saved toast');
    assertEqual(sent, [{ pinned_nodes: [node] }], 'PATCH bodies');

    const id = (await camera(CAM)).id;
    const { status, body } = await api('GET', `/api/cameras/${id}`);
    assertEqual([status, body.camera.pinned_nodes], [200, [node]], `GET /api/cameras/${id}`);
    const r = row(page, CAM);
    assertEqual(await r.locator('[data-testid="pinned"]').innerText(), `pinned: ${node}`, 'pin line');
    assertEqual(await r.locator('[data-testid="node"]').innerText(), `on node ${node}`, 'node line');
  }));

  await tap.test('edit form: Only these nodes with none ticked is refused in the form; nothing is sent', () => withPage(async (page) => {
    await openCameras(page);
    const sent = watchSaves(page);
    const dialog = await openEdit(page, CAM);
    const group = nodeGroup(dialog);
    assert(await group.getByRole('radio', { name: 'Only these nodes' }).isChecked(), 'a pinned camera opens on Only these nodes');
    const box = group.getByRole('checkbox', { name: node });
    assert(await box.isChecked(), 'its node ticked');
    await box.uncheck();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await group.getByText('Tick at least one node, or choose “Any node”.').waitFor();
    assertEqual(await group.getAttribute('aria-invalid'), 'true', 'group marked invalid');
    assert(await box.evaluate((el) => el === document.activeElement), 'focus on the node list');
    assertEqual(sent, [], 'requests sent');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  }));

  await tap.test('edit form: a 400 from the server shows beside the node choice and in a toast; the dialog stays open', () => withPage(async (page) => {
    await openCameras(page);
    const refusal = 'pinned_nodes[0] must be a node name (letters, digits, \'.\', \'_\', \'-\'; at most 63)';
    await page.route('**/api/cameras/*', (route) => (route.request().method() === 'PATCH'
      ? route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: { code: 'invalid_input', message: refusal } }) })
      : route.continue()));
    const dialog = await openEdit(page, CAM);
    const group = nodeGroup(dialog);
    await group.getByRole('radio', { name: 'Any node' }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await group.getByText(`Refused by the server: ${refusal}`).waitFor();
    assertEqual(await group.getAttribute('aria-invalid'), 'true', 'group marked invalid');
    assert((await toastText(page, 'error')).includes(refusal), 'error toast');
    assert(await dialog.isVisible(), 'dialog still open');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assertEqual((await camera(CAM)).pinned_nodes, [node], 'pin unchanged');
  }, { allow: /status of 400/ }));

  await tap.test('a pin to a node the list lacks: not recorded, the form marks it unknown; Any node sends null and the node records the camera again', () => withPage(async (page) => {
    const id = (await camera(CAM)).id;
    assertEqual((await api('PATCH', `/api/cameras/${id}`, { pinned_nodes: [GONE] })).status, 200, 'PATCH pinned_nodes');
    await untilCamera(CAM, `${node} letting the camera go`, (c) => c.node === null);
    await openCameras(page);
    const r = row(page, CAM);
    assertEqual(await r.locator('[data-testid="node"]').innerText(), 'Not recorded', 'node line');
    assertEqual(await r.locator('[data-testid="pinned"]').innerText(), `pinned: ${GONE}`, 'pin line');

    const sent = watchSaves(page);
    const dialog = await openEdit(page, CAM);
    const group = nodeGroup(dialog);
    assert(await group.getByRole('radio', { name: 'Only these nodes' }).isChecked(), 'Only these nodes chosen');
    await option(group, node).waitFor();
    assertEqual(await group.locator('.check-option[data-node]').evaluateAll((els) => els.map((e) => [e.dataset.node, e.dataset.state, e.querySelector('input').checked])),
      [[node, 'running', false], [GONE, 'unknown', true]], 'options');
    assertEqual(await option(group, GONE).locator('.badge').innerText(), 'Unknown node', 'unknown badge');

    await group.getByRole('radio', { name: 'Any node' }).check();
    assert(await group.locator('[data-testid="node-list"]').isHidden(), 'the list closes');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    assertEqual(sent, [{ pinned_nodes: null }], 'PATCH bodies');
    assertEqual((await api('GET', `/api/cameras/${id}`)).body.camera.pinned_nodes, null, 'pinned_nodes after saving');
    await untilCamera(CAM, `${node} taking the camera again`, (c) => c.node === node);
    await page.reload();
    await r.locator('[data-testid="node"]', { hasText: `on node ${node}` }).waitFor();
    assertEqual(await r.locator('[data-testid="pinned"]').count(), 0, 'pin line');
  }));

  await tap.test('health: the node is listed running, recording the camera; the camera\'s tile names the node and its pin', () => withPage(async (page) => {
    const id = (await camera(CAM)).id;
    assertEqual((await api('PATCH', `/api/cameras/${id}`, { pinned_nodes: [node] })).status, 200, 'PATCH pinned_nodes');
    await untilCamera(CAM, `the camera held by ${node}`, (c) => c.node === node);
    await login(page, baseUrl, USERS.operator);
    await page.locator('nav [data-section="health"]').click();
    const item = page.locator(`.nodes li[data-node="${node}"]`);
    await item.waitFor();
    assertEqual(await page.locator('.nodes li[data-node]').count(), 1, 'nodes listed');
    assertEqual(await item.locator('.node-name').innerText(), node, 'node name');
    assertEqual(await item.locator('.badge').innerText(), 'Running', 'node badge');
    await item.locator('[data-testid="node-cameras"]', { hasText: 'Records 1 camera(s)' }).waitFor();
    assert(/free of .* \(\d+ %\)/.test(await item.locator('[data-testid="disk"]').innerText()), 'free disk line');
    const metric = page.locator('.tile', { has: page.getByRole('heading', { name: CAM }) }).locator('[data-metric="node"]');
    assertEqual(await metric.locator('[data-testid="node"]').innerText(), node, 'tile node');
    assertEqual(await metric.locator('[data-testid="pinned"]').innerText(), `pinned: ${node}`, 'tile pin');
  }));

  await tap.test('add form: a new camera pinned to the node is created with pinned_nodes [node]', () => withPage(async (page) => {
    await openCameras(page);
    const sent = watchSaves(page);
    await page.locator('.add-camera').click();
    const dialog = page.getByRole('dialog', { name: 'Add camera' });
    await dialog.getByLabel('Name', { exact: true }).fill(CAM_NEW);
    await dialog.getByLabel('RTSP address').fill(CAM_URL);
    const group = nodeGroup(dialog);
    assert(await group.getByRole('radio', { name: 'Any node' }).isChecked(), 'Any node is the default');
    await group.getByRole('radio', { name: 'Only these nodes' }).check();
    await group.getByRole('checkbox', { name: node }).check();
    await dialog.getByRole('button', { name: 'Add camera' }).click();
    await dialog.waitFor({ state: 'detached' });
    assertEqual(sent.map((b) => [b.name, b.pinned_nodes]), [[CAM_NEW, [node]]], 'POST bodies');
    assertEqual((await camera(CAM_NEW))?.pinned_nodes, [node], 'pinned_nodes of the new camera');
    await row(page, CAM_NEW).locator('[data-testid="pinned"]', { hasText: `pinned: ${node}` }).waitFor();
  }));

  await tap.test('the node choice in Chinese', () => withPage(async (page) => {
    await openCameras(page);
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('button', { name: `编辑 ${CAM}` }).click();
    const dialog = page.getByRole('dialog', { name: `编辑摄像机 ${CAM}` });
    const group = dialog.getByRole('group', { name: '录像节点' });
    await group.getByRole('radio', { name: '任意节点' }).waitFor();
    const only = group.getByRole('radio', { name: '仅限以下节点' });
    assert(await only.isChecked(), 'pinned camera: Only these nodes');
    assertEqual(await option(group, node).locator('.badge').innerText(), '运行中', 'node badge');
    await group.locator('[data-testid="nodes-running"]', { hasText: '（1 个节点运行中）' }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await row(page, CAM).locator('[data-testid="pinned"]', { hasText: `限定节点：${node}` }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
  }));
}

await runSuite({
  users: USERS,
  viewport: { width: 1280, height: 900 },
  unitTests: moduleTests,
  browserTests,
});
