// time.js: the server speaks RFC 3339 in UTC; people read wall-clock time in
// the display zone (default Asia/Shanghai, Beijing time, as customs cameras
// show it). Pure functions over Intl, no DOM: also run by the node tests.

export const DEFAULT_ZONE = 'Asia/Shanghai';

const formatters = new Map();

function partsFormatter (zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

function wallClock (ms, zone) {
  const out = {};
  for (const p of partsFormatter(zone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out; // {year, month, day, hour, minute, second}
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// '2026-11-28T03:04:05.250Z' -> '2026-11-28 11:04:05' (in Asia/Shanghai).
// Returns '' for an empty value and the input itself when it is not a time.
export function formatTime (iso, zone = DEFAULT_ZONE) {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return String(iso);
  const c = wallClock(ms, zone);
  return `${c.year}-${pad(c.month)}-${pad(c.day)} ${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}`;
}

// '2026-11-28T03:04:05.250Z' (or milliseconds) -> '11:04:05' in zone: the
// wall-clock time alone, for "updated at" lines and short time ranges.
export function formatClock (value, zone = DEFAULT_ZONE) {
  if (value === null || value === undefined || value === '') return '';
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) return String(value);
  const c = wallClock(ms, zone);
  return `${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}`;
}

// Offset of zone from UTC at instant ms, in minutes (Shanghai: 480).
export function zoneOffsetMinutes (zone, ms = Date.now()) {
  const c = wallClock(ms, zone);
  const asUtc = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

// 'UTC+8', 'UTC-3:30', 'UTC'
export function offsetLabel (zone, ms = Date.now()) {
  const m = zoneOffsetMinutes(zone, ms);
  if (m === 0) return 'UTC';
  const sign = m > 0 ? '+' : '-';
  const abs = Math.abs(m);
  const mins = abs % 60;
  return `UTC${sign}${Math.floor(abs / 60)}${mins ? ':' + pad(mins) : ''}`;
}

// The UTC instant (RFC 3339, milliseconds) at which the wall clock in zone
// shows the start of the given calendar day 'YYYY-MM-DD'. Returns null when
// the value is not a date. Two passes settle a DST change near midnight.
export function startOfDayUtc (date, zone = DEFAULT_ZONE) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  if (!m) return null;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  let ms = wall - zoneOffsetMinutes(zone, wall) * 60000;
  ms = wall - zoneOffsetMinutes(zone, ms) * 60000;
  return new Date(ms).toISOString();
}

// The calendar day after 'YYYY-MM-DD' (for an inclusive "to" date).
export function nextDay (date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1));
  return d.toISOString().slice(0, 10);
}

// An instant as the value of an <input type="datetime-local" step="1"> in
// zone: '2026-11-28T03:04:05.250Z' -> '2026-11-28T11:04:05'.
export function toZoneInput (value, zone = DEFAULT_ZONE) {
  const ms = typeof value === 'number' ? value : Date.parse(value ?? '');
  if (Number.isNaN(ms)) return '';
  const c = wallClock(ms, zone);
  return `${c.year}-${pad(c.month)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}`;
}

// The value of a datetime-local input read as wall-clock time in zone, as
// an RFC 3339 instant: '2026-11-28T11:04' -> '2026-11-28T03:04:00.000Z'.
// null when the value is not a date and time.
export function fromZoneInput (value, zone = DEFAULT_ZONE) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(value ?? '');
  if (!m) return null;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]),
    Number(m[6] ?? 0), Number((m[7] ?? '0').padEnd(3, '0')));
  if (Number.isNaN(wall)) return null;
  let ms = wall - zoneOffsetMinutes(zone, wall) * 60000;
  ms = wall - zoneOffsetMinutes(zone, ms) * 60000;
  return new Date(ms).toISOString();
}
