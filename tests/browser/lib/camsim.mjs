// camsim.mjs: runs `rvi camsim` (simulated RTSP cameras) on a free port for
// a test. It prints one line naming its URLs; stop() ends it (and its
// process group, should it ignore SIGTERM).

import { spawn } from 'node:child_process';
import { rviBin } from './rvi-server.mjs';

const READY = /camsim: serving (rtsp:\/\/\S+) \.\. (rtsp:\/\/\S+)/;

// startCamsim({bin, cameras, size, fps, user, password}) ->
// {urls: ['rtsp://127.0.0.1:PORT/cam1', ...], stop(), log()}
export function startCamsim ({ bin = rviBin(), cameras = 2, size = '640x360', fps = 10, user, password, timeoutMs = 30000 }) {
  const args = ['camsim', '--listen', '127.0.0.1:0', '--cameras', String(cameras), '--size', size, '--fps', String(fps)];
  if (user) args.push('--user', user);
  if (password) args.push('--password', password);
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  child.stderr.on('data', (c) => lines.push(...c.toString().split('\n').filter(Boolean).map((l) => `[camsim] ${l}`)));

  const gone = () => child.exitCode !== null || child.signalCode !== null;
  async function stop () {
    if (gone()) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try { process.kill(child.pid, 'SIGTERM'); } catch { return; }
    const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000));
    if (await Promise.race([exited, timer]) === 'timeout') {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }

  const ready = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`camsim printed no URL within ${timeoutMs} ms`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const m = READY.exec(out);
      if (m) {
        clearTimeout(timer);
        const base = m[1].replace(/\d+$/, '');
        resolve(Array.from({ length: cameras }, (_, i) => `${base}${i + 1}`));
      }
    });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`camsim exited early (code ${code}, signal ${signal})`));
    });
  });

  return ready.then(
    (urls) => ({ urls, stop, log: () => lines.slice(-50).join('\n') }),
    async (error) => {
      await stop();
      error.log = lines.join('\n');
      throw error;
    });
}
