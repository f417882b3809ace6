// web.mjs: the web UI's source files (web/ of the source tree), for the
// checks that read them or import its modules in Node, without a browser.

import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// $RVI_SOURCE_ROOT (set by meson), else the checkout this file is in.
export const SOURCE_ROOT = process.env.RVI_SOURCE_ROOT ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WEB_DIR = path.join(SOURCE_ROOT, 'web');

// importWeb('js/time.js'): a module of web/, as the browser would load it.
export function importWeb (rel) {
  return import(pathToFileURL(path.join(WEB_DIR, rel)));
}
