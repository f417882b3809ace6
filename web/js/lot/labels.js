// lot/labels.js: the words and badges of the inspection workflow: lot
// statuses, decision categories and states, reason codes, wagon number
// schemes, lab elements. The codes are the server's (sql/003_inspection.sql);
// a code this UI does not know shows as itself rather than as a raw key.

import { h } from '../dom.js';
import { t, has } from '../i18n.js';

export const LOT_STATUSES = ['awaiting_review', 'under_inspection', 'pending_approval', 'decided', 'closed'];
// The statuses of the work queue: lots that still need an inspector.
export const OPEN_STATUSES = ['awaiting_review', 'under_inspection', 'pending_approval'];

// Decision categories and whether they need a second inspector's approval
// (four eyes), as the decision_categories table of sql/003 says. The server
// decides: a decision it stores answers pending_approval or effective.
export const CATEGORIES = [
  ['RELEASE_ONWARD', false],
  ['SAMPLE_RELEASE', false],
  ['SAMPLE_HOLD', false],
  ['ONSITE_INSPECTION', false],
  ['TECH_TREATMENT', false],
  ['HOLD_RADIATION', true],
  ['HOLD_SOLID_WASTE', true],
  ['RETURN', true],
  ['DESTROY', true],
  ['CASE_TRANSFER', true],
];
const APPROVAL = new Map(CATEGORIES);
export const needsApproval = (category) => APPROVAL.get(category) ?? false;

export const REASONS = [
  'FOREIGN_MATTER', 'COLOUR_ANOMALY', 'SINTERED_GLASSY', 'MOISTURE_ABNORMAL', 'FROZEN_CAKED',
  'SEAL_BROKEN', 'SEAL_MISMATCH', 'WAGON_NO_MISMATCH', 'WAGON_CHECKDIGIT_FAIL', 'COVER_DAMAGED',
  'SPILLAGE', 'VIEW_OBSTRUCTED', 'RAD_ALARM', 'DOC_MISMATCH', 'RISK_SYSTEM_ORDER', 'RANDOM_SELECTION',
];
export const CHECKDIGIT_REASON = 'WAGON_CHECKDIGIT_FAIL';

// The elements of the lab rule table (its limits live on the server).
export const ELEMENTS = ['Pb', 'As', 'F', 'Cd', 'Hg'];

function label (prefix, code) {
  const key = `${prefix}.${code}`;
  return has(key) ? t(key) : String(code ?? '');
}

export const statusLabel = (status) => label('lot.status', status);
export const categoryLabel = (code) => label('category', code);
export const reasonLabel = (code) => label('reason', code);
export const schemeLabel = (scheme) => label('wagon.scheme', scheme);
export const elementLabel = (element) => label('element', element);
export const decisionStateLabel = (state) => label('decision.state', state);

const STATUS_TONE = {
  awaiting_review: 'wait',
  under_inspection: 'wait',
  pending_approval: 'wait',
  decided: 'ok',
  closed: 'off',
};
const DECISION_TONE = { effective: 'ok', pending_approval: 'wait', rejected: 'bad', superseded: 'off' };

export function statusBadge (status) {
  return h('span', { class: `badge badge-${STATUS_TONE[status] ?? 'off'}`, dataset: { status: status ?? '' }, text: statusLabel(status) });
}

export function decisionBadge (state) {
  return h('span', { class: `badge badge-${DECISION_TONE[state] ?? 'off'}`, dataset: { state: state ?? '' }, text: decisionStateLabel(state) });
}

// A wagon number as it is painted: UIC '21 81 2471 217-3', container
// 'MSKU 123456 5'; other numbers as stored.
export function formatWagonNumber (number, scheme) {
  const n = String(number ?? '');
  if (scheme === 'uic' && /^\d{12}$/.test(n)) return `${n.slice(0, 2)} ${n.slice(2, 4)} ${n.slice(4, 8)} ${n.slice(8, 11)}-${n[11]}`;
  if (scheme === 'container' && /^[A-Z]{4}\d{7}$/.test(n)) return `${n.slice(0, 4)} ${n.slice(4, 10)} ${n[10]}`;
  return n;
}

// Whether the server flagged the wagon's check digit.
export const isFlagged = (wagon) => (wagon.warnings ?? []).includes(CHECKDIGIT_REASON);

// "Check digit wrong: 3 expected" for a flagged wagon, else null.
export function checkDigitWarning (wagon) {
  if (!isFlagged(wagon)) return null;
  return wagon.expected_check_digit === null || wagon.expected_check_digit === undefined
    ? t('wagon.checkFail')
    : t('wagon.checkFailExpected', { digit: wagon.expected_check_digit });
}

// The siding of a lot or a camera: "Erenhot · track 3".
export function sidingLabel (site, track) {
  return [site || null, track ? t('camera.trackN', { track }) : null].filter(Boolean).join(' · ');
}
