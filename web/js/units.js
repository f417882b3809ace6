// units.js: numbers for people: bit rates, disk sizes, frame rates, ages
// ("2 s ago") and countdowns ("in 12 s"). Decimal units (kbit/s, GB), as
// camera and disk vendors print them. No DOM: also run by the node tests.

import { t } from './i18n.js';

const round1 = (n) => (n >= 100 ? Math.round(n) : Math.round(n * 10) / 10);

// 693519 -> '694 kbit/s'; 4200000 -> '4.2 Mbit/s'; null -> ''
export function formatBitrate (bps) {
  if (bps === null || bps === undefined || !Number.isFinite(Number(bps))) return '';
  const n = Number(bps);
  if (n >= 1e6) return `${round1(n / 1e6)} Mbit/s`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kbit/s`;
  return `${Math.round(n)} bit/s`;
}

// 83858993152 -> '83.9 GB'
export function formatBytes (bytes) {
  if (bytes === null || bytes === undefined || !Number.isFinite(Number(bytes))) return '';
  const n = Number(bytes);
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return i === 0 ? `${n} B` : `${round1(v)} ${units[i]}`;
}

// 9.87 -> '9.9 fps' (in the current language)
export function formatFps (fps) {
  if (fps === null || fps === undefined || !Number.isFinite(Number(fps))) return '';
  return t('unit.fps', { n: round1(Number(fps)) });
}

// A duration in milliseconds as the largest whole unit: {n, unit} with
// unit 's', 'min', 'h' or 'd'.
function wholeUnit (ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return { n: s, unit: 's' };
  if (s < 7200) return { n: Math.floor(s / 60), unit: 'min' };
  if (s < 172800) return { n: Math.floor(s / 3600), unit: 'h' };
  return { n: Math.floor(s / 86400), unit: 'd' };
}

// How long ago an instant was: 2300 -> '2 s ago'. A negative age (a clock
// slightly ahead of this browser's) reads as '0 s ago'.
export function formatAge (ms) {
  const { n, unit } = wholeUnit(ms);
  return t(`unit.ago.${unit}`, { n });
}

// A span of time: 95000 -> '95 s', 600000 -> '10 min'.
export function formatDuration (ms) {
  const { n, unit } = wholeUnit(ms);
  return t(`unit.span.${unit}`, { n });
}

// Seconds until an instant, rounded up, never negative.
export function secondsUntil (iso, now = Date.now()) {
  const ms = Date.parse(iso ?? '');
  if (Number.isNaN(ms)) return null;
  return Math.max(0, Math.ceil((ms - now) / 1000));
}

// Free share of a disk in percent (0-100), or null when unknown.
export function freePercent (free, total) {
  const f = Number(free);
  const tot = Number(total);
  if (!Number.isFinite(f) || !Number.isFinite(tot) || tot <= 0 || free === null || total === null) return null;
  return Math.max(0, Math.min(100, (f / tot) * 100));
}
