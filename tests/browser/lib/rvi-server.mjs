// rvi-server.mjs: runs a real `rvi serve` on a fresh data directory and
// port 0 for a test, and creates users with `rvi user add`. The server gets
// its own process group so that stop() can also take down whatever it
// started (the private PostgreSQL) if it ignores SIGTERM.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const READY = /rvi: listening on (http:\/\/\S+?)\/?\s*$/m;
const LOG_LINES = 200;

// The binary under test: $RVI_BIN (set by meson), else <repo>/build/server/rvi.
export function rviBin () {
  if (process.env.RVI_BIN) return process.env.RVI_BIN;
  const root = process.env.RVI_SOURCE_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  return path.join(root, 'build', 'server', 'rvi');
}

// A fresh data directory, mode 0755: the private PostgreSQL runs as user
// postgres and must be able to traverse it.
export function makeDataDir () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rvi-browser-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

function waitExit (child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
  });
}

// startServer({bin, dataDir, timeoutMs}) -> {url, stop(), log()}
// Rejects when the server exits or does not print its URL in time.
export function startServer ({ bin = rviBin(), dataDir, timeoutMs = 90000 }) {
  const child = spawn(bin, ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const keep = (prefix) => (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line) lines.push(`${prefix}${line}`);
    }
    if (lines.length > LOG_LINES) lines.splice(0, lines.length - LOG_LINES);
  };
  child.stderr.on('data', keep('[stderr] '));

  async function stop () {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try { process.kill(child.pid, 'SIGTERM'); } catch { return; }
    if (await waitExit(child, 20000)) return;
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    await waitExit(child, 5000);
  }

  const ready = new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`rvi serve printed no URL within ${timeoutMs} ms`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      keep('')(chunk);
      stdout += chunk.toString();
      const m = READY.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`rvi serve exited early (code ${code}, signal ${signal})`));
    });
  });

  return ready.then(
    (url) => ({ url, stop, log: () => lines.join('\n'), pid: child.pid }),
    async (error) => {
      await stop();
      error.log = lines.join('\n');
      throw error;
    });
}

// addUser({bin, dataDir, name, role, displayName, password}): `rvi user add`,
// password on stdin. Rejects with the command's stderr on failure.
export function addUser ({ bin = rviBin(), dataDir, name, role, displayName, password }) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['user', 'add', name, '--role', role, '--display-name', displayName, '--data-dir', dataDir], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, 30000);
    child.stderr.on('data', (c) => { stderr += c; });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`rvi user add ${name} failed (code ${code}, signal ${signal}): ${stderr.trim()}`));
    });
    child.stdin.end(`${password}\n`);
  });
}
