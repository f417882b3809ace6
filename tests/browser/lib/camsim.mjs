// camsim.mjs: runs `rvi camsim` (simulated RTSP cameras) on a free port for
// a test. It prints one line naming its URLs; setScene() changes what its
// cameras show at run time (a `scene` command on its stdin, answered on its
// stdout, docs/camsim.md); stop() ends it (and its process group, should it
// ignore SIGTERM).

import { spawn } from 'node:child_process';
import { rviBin } from './rvi-server.mjs';

const READY = /camsim: serving (rtsp:\/\/\S+) \.\. (rtsp:\/\/\S+)/;
export const SCENES = ['normal', 'covered', 'defocused', 'moved', 'frozen'];

// startCamsim({bin, cameras, size, fps, user, password, codec, mode, bframes, profile}) ->
// {urls: ['rtsp://127.0.0.1:PORT/cam1', ...], setScene(kind, camera), stop(), log()}
// codec, mode, bframes and profile are camsim's flags (absent: camsim's defaults,
// H.264 live). Should this process exit without stop(), camsim is killed.
export function startCamsim ({ bin = rviBin(), cameras = 2, size = '640x360', fps = 10, user, password, codec, mode, bframes, profile, timeoutMs = 30000 }) {
  const args = ['camsim', '--listen', '127.0.0.1:0', '--cameras', String(cameras), '--size', size, '--fps', String(fps)];
  if (user) args.push('--user', user);
  if (password) args.push('--password', password);
  if (codec) args.push('--codec', codec);
  if (mode) args.push('--mode', mode);
  if (bframes) args.push('--bframes', String(bframes));
  if (profile) args.push('--profile', profile);
  const child = spawn(bin, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const killOnExit = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  child.stdin.on('error', () => {}); // EPIPE once camsim is gone; setScene() then fails by its timeout
  const lines = [];
  const listeners = new Set(); // fn(line, stream) for each whole line camsim prints
  const splitLines = (stream) => {
    let rest = '';
    child[stream].on('data', (chunk) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop();
      for (const line of parts.filter(Boolean)) {
        lines.push(`[camsim] ${line}`);
        for (const fn of listeners) fn(line, stream);
      }
    });
    child[stream].on('end', () => { if (rest) lines.push(`[camsim] ${rest}`); });
  };
  splitLines('stdout');
  splitLines('stderr');

  const gone = () => child.exitCode !== null || child.signalCode !== null;
  async function stop () {
    if (gone()) return;
    child.stdin.end();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try { process.kill(child.pid, 'SIGTERM'); } catch { return; }
    const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000));
    if (await Promise.race([exited, timer]) === 'timeout') {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }

  // setScene(kind, camera = 'all'): sends `scene CAMERA KIND` and resolves
  // once camsim answered `camsim: camN scene KIND` for each camera it names
  // (1 to `cameras`, or 'all'); rejects on camsim's error line or when the
  // answers do not come within 10 s. One change at a time.
  async function setScene (kind, camera = 'all') {
    if (!SCENES.includes(kind)) throw new Error(`unknown scene "${kind}"`);
    const all = Array.from({ length: cameras }, (_, i) => i + 1);
    const named = camera === 'all' ? all : all.filter((n) => n === Number(camera));
    if (!named.length) throw new Error(`camsim has no camera "${camera}" (1 to ${cameras} or all)`);
    const command = `scene ${camera} ${kind}`;
    const waiting = new Set(named.map((n) => `camsim: cam${n} scene ${kind}`));
    let listener;
    const answered = new Promise((resolve, reject) => {
      listener = (line, stream) => {
        if (stream === 'stderr' && line.startsWith('camsim: error:')) reject(new Error(`"${command}": ${line}`));
        if (stream === 'stdout' && waiting.delete(line) && waiting.size === 0) resolve();
      };
      listeners.add(listener);
    });
    let timer;
    const late = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`camsim did not answer "${command}" within 10 s (missing: ${[...waiting].join(', ')})`)), 10000);
    });
    try {
      if (gone()) throw new Error(`"${command}": camsim is not running`);
      child.stdin.write(`${command}\n`);
      await Promise.race([answered, late]);
    } finally {
      clearTimeout(timer);
      listeners.delete(listener);
    }
  }

  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`camsim printed no URL within ${timeoutMs} ms`)), timeoutMs);
    const listener = (line, stream) => {
      const m = stream === 'stdout' && READY.exec(line);
      if (m) {
        clearTimeout(timer);
        listeners.delete(listener);
        const base = m[1].replace(/\d+$/, '');
        resolve(Array.from({ length: cameras }, (_, i) => `${base}${i + 1}`));
      }
    };
    listeners.add(listener);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`camsim exited early (code ${code}, signal ${signal})`));
    });
  });

  return ready.then(
    (urls) => ({ urls, setScene, stop, log: () => lines.slice(-50).join('\n') }),
    async (error) => {
      await stop();
      error.log = lines.join('\n');
      throw error;
    });
}
