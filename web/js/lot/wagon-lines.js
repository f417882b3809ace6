// lot/wagon-lines.js: the wagons of the "New lot" form, typed one per line
// as "number seal1;seal2". Pure functions (the node tests run them): they
// read the lines and say which cannot be a wagon; the check digit is the
// server's to judge (a wrong one is stored and flagged, not refused).
//
// A number may itself hold spaces ("21 81 2471 217-3 S-1;S-2"), so the
// seals are the last word, unless the whole line already reads as a
// number. When a seal is only digits that is ambiguous: a comma or a tab
// between number and seals settles it ("1234567, 88001").

export const WAGONS_MAX = 200;
export const SEALS_MAX = 16;
export const SEAL_MAX_CHARS = 64;

// '21 81 2471 217-3' -> '218124712173'; as the server normalizes.
export function normalizeWagonNumber (text) {
  return String(text ?? '').replace(/[\s.-]/g, '').toUpperCase();
}

// Whether normalized text has the shape of a wagon or container number:
// 12 digits (UIC), 8 (1520 mm), 7 (Chinese), or 4 letters and 7 digits.
export function isWagonNumber (normalized) {
  return /^(\d{7}|\d{8}|\d{12}|[A-Z]{4}\d{7})$/.test(normalized);
}

function splitSeals (text) {
  return text.split(';').map((s) => s.trim()).filter(Boolean);
}

// One line -> {number, seals} (number as typed, trimmed), or null when blank.
export function parseWagonLine (line) {
  const text = line.trim();
  if (!text) return null;
  const cut = text.search(/[,\t]/);
  if (cut >= 0) return { number: text.slice(0, cut).trim(), seals: splitSeals(text.slice(cut + 1)) };
  const words = text.split(/\s+/);
  if (words.length === 1 || isWagonNumber(normalizeWagonNumber(text))) return { number: text, seals: [] };
  return { number: words.slice(0, -1).join(' '), seals: splitSeals(words[words.length - 1]) };
}

// The textarea -> {wagons: [{number, seals, line}], problems: [{line, code, value}]}
// code: number (not a wagon number), repeated (same number as line value),
// seals (more than SEALS_MAX), sealLong (a seal over SEAL_MAX_CHARS),
// none (no wagon at all), tooMany (over WAGONS_MAX).
export function parseWagonLines (text) {
  const wagons = [];
  const problems = [];
  const seen = new Map();
  String(text ?? '').split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = i + 1;
    const w = parseWagonLine(raw);
    if (!w) return;
    const normalized = normalizeWagonNumber(w.number);
    if (!w.number || !isWagonNumber(normalized)) {
      problems.push({ line, code: 'number', value: w.number || raw.trim() });
    } else if (seen.has(normalized)) {
      problems.push({ line, code: 'repeated', value: seen.get(normalized) });
    } else {
      seen.set(normalized, line);
    }
    if (w.seals.length > SEALS_MAX) problems.push({ line, code: 'seals', value: SEALS_MAX });
    else if (w.seals.some((s) => s.length > SEAL_MAX_CHARS)) problems.push({ line, code: 'sealLong', value: SEAL_MAX_CHARS });
    wagons.push({ ...w, line });
  });
  if (!wagons.length) problems.push({ line: 0, code: 'none', value: '' });
  if (wagons.length > WAGONS_MAX) problems.push({ line: 0, code: 'tooMany', value: WAGONS_MAX });
  return { wagons, problems };
}

// A customs declaration number: 18 digits, a year from 2000 to next year
// at digits 5-8, and 0 or 1 (export, import) at digit 9. Returns the
// digits, or null.
export function checkDeclarationNumber (text, now = new Date()) {
  const s = String(text ?? '').trim();
  if (!/^\d{18}$/.test(s)) return null;
  const year = Number(s.slice(4, 8));
  if (year < 2000 || year > now.getUTCFullYear() + 1) return null;
  return s[8] === '0' || s[8] === '1' ? s : null;
}
