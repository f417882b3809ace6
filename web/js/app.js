// app.js: boot and router. At start it asks the server whether a session
// exists (GET /api/session), then renders either the login page or the shell
// with the page named by the location hash (#/users, #/audit, ...). Hash
// routing keeps the static server simple: it serves only real files.
// '#/lots/ID' is section 'lots' with params ['ID']. A page gets
// render(view, {session, navigate, params, onLeave}); what it hands to
// onLeave (listeners, subscriptions) runs before the next page renders.

import { get, del, onUnauthorized } from './api.js';
import { t, onLanguageChange, applyDocumentLanguage } from './i18n.js';
import { session, setSession, clearSession } from './session.js';
import { findSection } from './sections.js';
import { createShell } from './shell.js';
import { stopEvents } from './events.js';
import { toast, clearToasts } from './ui/toast.js';
import { emptyState } from './ui/empty.js';
import { h } from './dom.js';
import * as loginPage from './pages/login.js';
import * as homePage from './pages/home.js';

const root = document.getElementById('app');
let shell = null;
let loginNotice = null; // i18n key of a message for the login page, until the next login

// '#/users' -> 'users'; '', '#', '#/' -> 'home'
function currentRoute () {
  const path = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return path || 'home';
}

// '#/lots/abc' -> ['abc']
function routeParams () {
  const path = location.hash.replace(/^#\/?/, '').split('?')[0];
  return path.split('/').slice(1).filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
}

// What the current page asked to run when it is left.
let leaveHandlers = [];
function leavePage () {
  const handlers = leaveHandlers;
  leaveHandlers = [];
  for (const fn of handlers) {
    try {
      fn();
    } catch (error) {
      console.error(error);
    }
  }
}

function navigate (route) {
  const hash = route === 'home' ? '#/' : `#/${route}`;
  if (location.hash === hash) render();
  else location.hash = hash;
}

const notFound = {
  title: () => t('notfound.title'),
  render (view) {
    view.append(h('h1', { class: 'page-title', tabindex: '-1', text: t('notfound.title') }),
      emptyState({ title: t('notfound.title'), text: t('notfound.text') }));
  },
};

function pageFor (route, role) {
  if (route === 'home') return homePage;
  const section = findSection(route);
  if (!section || !section.roles.includes(role)) return notFound;
  return section.page;
}

function renderLogin () {
  shell = null;
  document.title = `${t('login.title')} · rvi`;
  loginPage.render(root, {
    notice: loginNotice ? t(loginNotice) : null,
    onLogin (body) {
      loginNotice = null;
      setSession(body);
      if (currentRoute() === 'login') navigate('home');
      else render();
    },
  });
}

async function logout () {
  shell?.logoutButton.setBusy(true);
  let failed = false;
  try {
    await del('/api/session', { auth: false });
  } catch (e) {
    failed = e.status !== 401; // 401: the session had already ended
  }
  clearSession();
  stopEvents();
  closeDialogs();
  clearToasts();
  if (failed) toast(t('shell.logoutFailed'), 'error');
  navigate('login');
}

function render () {
  leavePage();
  root.removeAttribute('aria-busy');
  const s = session();
  if (!s) {
    renderLogin();
    return;
  }
  const route = currentRoute();
  if (route === 'login') {
    navigate('home');
    return;
  }
  const fresh = !shell;
  if (fresh) shell = createShell(root, s, { onLogout: logout });
  shell.setActive(route);
  const page = pageFor(route, s.user.role);
  document.title = `${page.title()} · rvi`;
  // A fresh view per render: a page's late answer lands in a detached node.
  const view = h('div', { class: 'view', dataset: { page: route } });
  shell.main.replaceChildren(view);
  page.render(view, { session: s, navigate, params: routeParams(), onLeave: (fn) => leaveHandlers.push(fn) });
  // After a navigation, focus goes to the new page's heading so a screen
  // reader announces it; on a fresh shell it stays at the top (skip link).
  if (!fresh) (view.querySelector('h1') ?? shell.main).focus();
}

function closeDialogs () {
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
}

function sessionEnded () {
  if (!session()) return;
  clearSession();
  stopEvents();
  closeDialogs();
  clearToasts();
  loginNotice = 'login.sessionExpired';
  render();
}

async function boot () {
  applyDocumentLanguage();
  onUnauthorized(sessionEnded);
  onLanguageChange(() => {
    shell = null; // rebuild the frame with the new texts
    render();
    document.querySelector('.lang-option[aria-pressed="true"]')?.focus();
  });
  window.addEventListener('hashchange', render);
  try {
    setSession(await get('/api/session', undefined, { auth: false }));
  } catch (e) {
    if (e.status !== 401) loginNotice = 'login.serverUnreachable';
  }
  render();
}

boot();
