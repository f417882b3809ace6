// sections.js: the registry of application sections. Each names the roles
// that may use it; the navigation and the router show a section only to
// those roles (the server checks again: this is presentation, not security).
// Later pages add an entry here and a module under pages/.

import * as lots from './pages/lots.js';
import * as cameras from './pages/cameras.js';
import * as health from './pages/health.js';
import * as audit from './pages/audit.js';
import * as exportsPage from './pages/exports.js';
import * as users from './pages/users.js';
import * as review from './pages/review.js';

export const SECTIONS = [
  // auditors read the queue and the lots, without any form
  { id: 'lots', roles: ['inspector', 'auditor'], page: lots },
  // the auditor's console: decision search and synchronised replay
  { id: 'review', roles: ['auditor'], page: review },
  // inspectors and auditors see a read-only list of where the cameras stand
  { id: 'cameras', roles: ['operator', 'inspector', 'auditor'], page: cameras },
  { id: 'health', roles: ['operator'], page: health },
  { id: 'audit', roles: ['auditor'], page: audit },
  { id: 'exports', roles: ['auditor'], page: exportsPage },
  { id: 'users', roles: ['admin'], page: users },
];

export function sectionsFor (role) {
  return SECTIONS.filter((s) => s.roles.includes(role));
}

export function findSection (id) {
  return SECTIONS.find((s) => s.id === id) ?? null;
}
