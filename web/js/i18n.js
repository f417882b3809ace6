// i18n.js: every UI string goes through t(). Two languages, English and
// Simplified Chinese; the choice is remembered in localStorage. Keys missing
// from a dictionary fall back to English, then to the key itself (visible,
// so a missing string is noticed rather than hidden).

import en from './i18n/en.js';
import zhCN from './i18n/zh-CN.js';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '中文' },
];

const DICTIONARIES = { en, 'zh-CN': zhCN };
const STORAGE_KEY = 'rvi.lang';
const listeners = new Set();
let current = initialLanguage();

function storedLanguage () {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null; // storage disabled: fall through to the browser language
  }
}

function initialLanguage () {
  const stored = storedLanguage();
  if (stored && DICTIONARIES[stored]) return stored;
  const nav = globalThis.navigator?.language ?? 'en';
  return nav.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

// t('login.error.retry', {seconds: 30}) -> "... 30 s"
export function t (key, params = {}) {
  const text = DICTIONARIES[current][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) =>
    name in params ? String(params[name]) : match);
}

// Whether a key exists (used to translate optional codes such as
// error codes the UI may not know).
export function has (key) {
  return key in DICTIONARIES[current] || key in en;
}

export function language () {
  return current;
}

export function setLanguage (code) {
  if (!DICTIONARIES[code] || code === current) return;
  current = code;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, code);
  } catch {
    // not remembered; the switch still works for this page
  }
  applyDocumentLanguage();
  for (const fn of listeners) fn(code);
}

export function onLanguageChange (fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function applyDocumentLanguage () {
  if (globalThis.document) document.documentElement.lang = current;
}
