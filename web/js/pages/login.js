// pages/login.js: the sign-in page. User name and password; the button is
// disabled with a spinner while the request runs; failures are explained
// (wrong name or password, too many attempts with the wait, server down).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { describeError } from '../errors.js';
import { textField, validate } from '../ui/form.js';
import { button } from '../ui/button.js';
import { langSwitch } from '../ui/lang-switch.js';

export const title = () => t('login.title');

function failureText (error) {
  if (error.code === 'invalid_credentials') return t('login.error.invalid');
  if (error.code === 'too_many_attempts') {
    return error.retryAfter !== null
      ? t('login.error.retry', { seconds: error.retryAfter })
      : t('login.error.retryLater');
  }
  return describeError(error);
}

// render(root, {notice, onLogin(body)}): notice is shown above the form
// (e.g. "your session has ended"); onLogin gets the POST /api/session answer.
export function render (root, { notice, onLogin }) {
  const username = textField({
    name: 'username', label: t('login.username'), autocomplete: 'username',
    autocapitalize: 'none', spellcheck: 'false', required: true,
  });
  const password = textField({
    name: 'password', label: t('login.password'), type: 'password',
    autocomplete: 'current-password', required: true,
  });
  const submit = button(t('login.submit'), { kind: 'primary', type: 'submit', class: 'login-submit' });
  const failure = h('p', { class: 'form-error', role: 'alert', dataset: { testid: 'login-error' }, hidden: true });

  const form = h('form', { class: 'login-form', novalidate: true, 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title', class: 'login-title', text: t('login.title') }),
    notice ? h('p', { class: 'notice', role: 'status', dataset: { testid: 'login-notice' }, text: notice }) : null,
    username.el, password.el, failure, submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    failure.hidden = true;
    const ok = validate([
      [username, username.input.value.trim() ? null : t('login.required.username')],
      [password, password.input.value ? null : t('login.required.password')],
    ]);
    if (!ok || submit.busy) return;
    submit.setBusy(true);
    try {
      const body = await post('/api/session', {
        username: username.input.value.trim(),
        password: password.input.value,
      }, { auth: false });
      onLogin(body);
    } catch (error) {
      submit.setBusy(false);
      failure.textContent = failureText(error);
      failure.hidden = false;
      password.input.select();
      password.input.focus();
    }
  });

  root.replaceChildren(h('div', { class: 'login-page' },
    h('div', { class: 'login-top' }, langSwitch()),
    h('main', { class: 'login-main', id: 'main' },
      h('div', { class: 'login-card' },
        h('div', { class: 'login-brand' },
          h('span', { class: 'brand-mark', 'aria-hidden': 'true' }),
          h('span', { class: 'brand-name', text: 'rvi' }),
          h('span', { class: 'login-tagline', text: t('app.tagline') })),
        form)),
    h('footer', { class: 'login-footer', text: t('login.footer') })));
  username.input.focus();
}
