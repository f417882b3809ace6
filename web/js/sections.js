// sections.js: the registry of application sections. Each names the roles
// that may use it; the navigation and the router show a section only to
// those roles (the server checks again: this is presentation, not security).
// Later pages add an entry here and a module under pages/.

import * as lots from './pages/lots.js';
import * as cameras from './pages/cameras.js';
import * as health from './pages/health.js';
import * as audit from './pages/audit.js';
import * as users from './pages/users.js';

export const SECTIONS = [
  { id: 'lots', roles: ['inspector'], page: lots },
  { id: 'cameras', roles: ['operator'], page: cameras },
  { id: 'health', roles: ['operator'], page: health },
  { id: 'audit', roles: ['auditor'], page: audit },
  { id: 'users', roles: ['admin'], page: users },
];

export function sectionsFor (role) {
  return SECTIONS.filter((s) => s.roles.includes(role));
}

export function findSection (id) {
  return SECTIONS.find((s) => s.id === id) ?? null;
}
