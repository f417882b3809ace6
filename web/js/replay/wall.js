// replay/wall.js: wall-clock time against a replay playlist's positions.
// The server's replay playlist (GET /api/cameras/{id}/replay.m3u8) lists
// each recorded file after an EXT-X-PROGRAM-DATE-TIME, the wall-clock time
// of its first frame; gaps are left out, so the player's positions run on
// where the wall clock jumps. hls.js gives every fragment its position
// (start, duration in s) and its wall-clock start (programDateTime, ms).
// Pure functions over such fragments (plain objects do as well), also run
// by the node tests: no DOM, no hls.js.

import { formatClock, fromZoneInput, toZoneInput, DEFAULT_ZONE } from '../time.js';

// Holes between two recorded files shorter than this are no gap: the
// rotation from one file to the next leaves about one frame interval.
export const MERGE_MS = 500;

// A fragment's wall-clock start (ms, fractional): hls.js reads the program
// date time with Date.parse, to the millisecond; the server writes
// microseconds, which markPrecise() keeps as pdtFix.
const pdt = (f) => (f.programDateTime === null || f.programDateTime === undefined
  ? null : f.programDateTime + (f.pdtFix ?? 0));
const fragEnd = (f) => pdt(f) + f.duration * 1000;

// Sets pdtFix on every fragment from its file's raw program date time
// (hls.js keeps it as rawProgramDateTime on the file's first fragment):
// the microseconds Date.parse dropped. Fragments may be hls.js's own.
export function markPrecise (fragments) {
  let fix = 0;
  for (const f of fragments ?? []) {
    const raw = f.rawProgramDateTime;
    const m = raw ? /\.(\d{4,})(?:Z|[+-]\d\d:?\d\d)$/.exec(raw) : null;
    if (raw) fix = m ? Number(`0.${m[1].slice(3)}`) : 0;
    f.pdtFix = fix;
  }
}

// The index of the last fragment whose wall-clock start is at or before
// wall, or -1. Fragments are in playlist order, so their starts increase.
function lastStartingBy (fragments, wall) {
  let lo = 0;
  let hi = fragments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = pdt(fragments[mid]);
    if (start !== null && start <= wall) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

// The player position (s) that shows wall-clock time wall (ms): inside
// the fragment whose [programDateTime, + duration) holds it. A time in a
// hole shorter than snapMs before the next fragment snaps to that
// fragment's start. null when nothing recorded holds wall.
export function wallToPosition (fragments, wall, snapMs = MERGE_MS) {
  if (!fragments?.length || !Number.isFinite(wall)) return null;
  const i = lastStartingBy(fragments, wall);
  if (i >= 0 && wall < fragEnd(fragments[i])) {
    const f = fragments[i];
    return f.start + (wall - pdt(f)) / 1000;
  }
  const next = fragments[i + 1];
  if (next && pdt(next) - wall <= snapMs) return next.start;
  return null;
}

// The wall-clock time (ms) the player shows at position pos (s), or null
// outside every fragment. The last fragment's end counts as inside it
// (where a stream ends, the last frame stays).
export function positionToWall (fragments, pos) {
  if (!fragments?.length || !Number.isFinite(pos)) return null;
  let lo = 0;
  let hi = fragments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fragments[mid].start <= pos) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  const f = fragments[Math.max(found, 0)];
  if (pdt(f) === null) return null;
  if (found < 0) return pdt(f);
  const last = found === fragments.length - 1;
  if (pos > f.start + f.duration && !last) return fragEnd(f);
  return pdt(f) + (pos - f.start) * 1000;
}

// [{start, end}] (ms) sorted, overlapping or nearly touching (within
// mergeMs) intervals joined.
export function mergeRuns (intervals, mergeMs = MERGE_MS) {
  const sorted = intervals
    .filter((r) => Number.isFinite(r.start) && Number.isFinite(r.end) && r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const out = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start - last.end <= mergeMs) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

// The recorded runs of a playlist's fragments.
export function runsFromFragments (fragments, mergeMs = MERGE_MS) {
  return mergeRuns((fragments ?? [])
    .filter((f) => pdt(f) !== null)
    .map((f) => ({ start: pdt(f), end: fragEnd(f) })), mergeMs);
}

// The recorded runs of a timeline's segments (an open segment up to now).
export function runsFromSegments (segments, now = Date.now(), mergeMs = MERGE_MS) {
  return mergeRuns((segments ?? []).map((s) => ({
    start: Date.parse(s.start),
    end: s.end ? Date.parse(s.end) : now,
  })), mergeMs);
}

// The run that holds wall, or null.
export function runAt (runs, wall) {
  return runs.find((r) => r.start <= wall && wall < r.end) ?? null;
}

// The start of the first run that begins after wall, or null.
export function nextRunStart (runs, wall) {
  return runs.find((r) => r.start > wall)?.start ?? null;
}

// The timeline's gap that holds wall, or null.
export function gapAt (gaps, wall, now = Date.now()) {
  return (gaps ?? []).find((g) => {
    const s = Date.parse(g.start);
    const e = g.end ? Date.parse(g.end) : now;
    return s <= wall && wall < e;
  }) ?? null;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
const millis = (ms) => pad(((Math.round(ms) % 1000) + 1000) % 1000, 3);

// 1764299045250 -> '11:04:05.250' (Asia/Shanghai): the wall-clock time to
// the millisecond.
export function formatWallClock (ms, zone = DEFAULT_ZONE) {
  if (!Number.isFinite(ms)) return '';
  return `${formatClock(ms, zone)}.${millis(ms)}`;
}

// 'YYYY-MM-DD HH:MM:SS.mmm' of ms in zone.
export function formatWallDateTime (ms, zone = DEFAULT_ZONE) {
  if (!Number.isFinite(ms)) return '';
  return `${toZoneInput(ms, zone).replace('T', ' ')}.${millis(ms)}`;
}

const TIME_ONLY = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,3}))?)?$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,3}))?)?$/;

function instant (date, hh, mm, ss, frac, zone) {
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss ?? 0) > 59) return null;
  const text = `${date}T${pad(hh)}:${mm}:${pad(ss ?? 0)}.${(frac ?? '0').padEnd(3, '0')}`;
  const iso = fromZoneInput(text, zone);
  return iso ? Date.parse(iso) : null;
}

// A time typed into "Go to time", read in zone: 'HH:MM:SS.mmm' (on the day
// of the range that holds it) or 'YYYY-MM-DD HH:MM:SS.mmm'. ->
// {ms} or {error: 'format' | 'range'} for a time outside [from, to].
export function parseGoTo (text, { from, to, zone = DEFAULT_ZONE }) {
  const value = String(text ?? '').trim();
  let candidates = [];
  let m = TIME_ONLY.exec(value);
  if (m) {
    const day = (ms) => toZoneInput(ms, zone).slice(0, 10);
    const days = new Set([day(from), day(to)]);
    candidates = [...days].map((d) => instant(d, m[1], m[2], m[3], m[4], zone));
  } else if ((m = DATE_TIME.exec(value))) {
    candidates = [instant(m[1], m[2], m[3], m[4], m[5], zone)];
  }
  candidates = candidates.filter((ms) => ms !== null && Number.isFinite(ms));
  if (!candidates.length) return { error: 'format' };
  const inside = candidates.find((ms) => ms >= from && ms <= to);
  return inside === undefined ? { error: 'range' } : { ms: inside };
}
