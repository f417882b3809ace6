// pages/users.js: user administration (admin). Lists the users and lets the
// admin create one, edit role / display name / disabled, reset a password
// and delete one after a confirmation. Input is checked here first for
// quick feedback; the server checks again and its refusals show in a toast.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, patch, del } from '../api.js';
import { describeError } from '../errors.js';
import { displayZone } from '../session.js';
import { formatTime } from '../time.js';
import { zoneCaption } from '../zone.js';
import { button } from '../ui/button.js';
import { dataTable } from '../ui/table.js';
import { emptyState } from '../ui/empty.js';
import { toast } from '../ui/toast.js';
import { openDialog, confirmDialog } from '../ui/dialog.js';
import { textField, selectField, checkboxField, validate } from '../ui/form.js';

export const title = () => t('nav.users');

const ROLES = ['inspector', 'operator', 'auditor', 'admin'];
const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;
const PASSWORD_MIN = 8;

const roleOptions = () => ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }));

function usernameError (value) {
  if (!value) return t('users.invalid.usernameRequired');
  return USERNAME.test(value) ? null : t('users.invalid.username');
}

function displayNameError (value) {
  if (!value.trim()) return t('users.invalid.displayNameRequired');
  return value.length > 100 ? t('users.invalid.displayNameLong') : null;
}

function passwordErrors (password, confirm) {
  return [
    [password, password.input.value.length >= PASSWORD_MIN ? null : t('users.invalid.password', { min: PASSWORD_MIN })],
    [confirm, confirm.input.value === password.input.value ? null : t('users.invalid.confirm')],
  ];
}

// A server refusal inside a dialog: toast it (the 401 handler has already
// taken over when error.handled) and keep the dialog open.
function refused (error) {
  if (!error.handled) toast(describeError(error), 'error');
  return error.handled;
}

function createDialog (onDone) {
  const username = textField({ name: 'username', label: t('users.username'), autocomplete: 'off', required: true, maxlength: 64, hint: t('users.usernameHint') });
  const name = textField({ name: 'display_name', label: t('users.displayName'), required: true, maxlength: 100 });
  const role = selectField({ name: 'role', label: t('users.role'), options: roleOptions(), value: 'inspector' });
  const password = textField({ name: 'password', label: t('users.password'), type: 'password', autocomplete: 'new-password', required: true, hint: t('users.passwordHint', { min: PASSWORD_MIN }) });
  const confirm = textField({ name: 'confirm', label: t('users.confirmPassword'), type: 'password', autocomplete: 'new-password', required: true });

  openDialog({
    title: t('users.createTitle'),
    submitLabel: t('users.create'),
    body: [username.el, name.el, role.el, password.el, confirm.el],
    async onSubmit () {
      const ok = validate([
        [username, usernameError(username.input.value.trim())],
        [name, displayNameError(name.input.value)],
        ...passwordErrors(password, confirm),
      ]);
      if (!ok) return false;
      try {
        const { user } = await post('/api/users', {
          username: username.input.value.trim(),
          password: password.input.value,
          role: role.input.value,
          display_name: name.input.value.trim(),
        });
        toast(t('users.created', { name: user?.username ?? username.input.value.trim() }), 'success');
        onDone();
        return true;
      } catch (error) {
        if (error.code === 'conflict') username.setError(t('users.invalid.taken'));
        return refused(error);
      }
    },
  });
}

function editDialog (user, self, onDone) {
  const name = textField({ name: 'display_name', label: t('users.displayName'), value: user.display_name ?? '', maxlength: 100 });
  const role = selectField({ name: 'role', label: t('users.role'), options: roleOptions(), value: user.role, disabled: self });
  const disabled = checkboxField({ name: 'disabled', label: t('users.disabledLabel'), checked: Boolean(user.disabled), disabled: self });
  const note = self ? h('p', { class: 'field-hint', text: t('users.selfNote') }) : null;

  openDialog({
    title: t('users.editTitle', { name: user.username }),
    body: [name.el, role.el, disabled.el, note],
    async onSubmit () {
      if (!validate([[name, displayNameError(name.input.value)]])) return false;
      const changes = {};
      if (name.input.value.trim() !== (user.display_name ?? '')) changes.display_name = name.input.value.trim();
      if (!self && role.input.value !== user.role) changes.role = role.input.value;
      if (!self && disabled.input.checked !== Boolean(user.disabled)) changes.disabled = disabled.input.checked;
      if (Object.keys(changes).length === 0) return true;
      try {
        await patch(`/api/users/${encodeURIComponent(user.id)}`, changes);
        toast(t('users.saved', { name: user.username }), 'success');
        onDone();
        return true;
      } catch (error) {
        return refused(error);
      }
    },
  });
}

function passwordDialog (user) {
  const password = textField({ name: 'password', label: t('users.newPassword'), type: 'password', autocomplete: 'new-password', required: true, hint: t('users.passwordHint', { min: PASSWORD_MIN }) });
  const confirm = textField({ name: 'confirm', label: t('users.confirmPassword'), type: 'password', autocomplete: 'new-password', required: true });
  openDialog({
    title: t('users.passwordTitle', { name: user.username }),
    submitLabel: t('users.setPassword'),
    body: [password.el, confirm.el],
    async onSubmit () {
      if (!validate(passwordErrors(password, confirm))) return false;
      try {
        await patch(`/api/users/${encodeURIComponent(user.id)}`, { password: password.input.value });
        toast(t('users.passwordSet', { name: user.username }), 'success');
        return true;
      } catch (error) {
        return refused(error);
      }
    },
  });
}

function deleteDialog (user, onDone) {
  confirmDialog({
    title: t('users.deleteTitle', { name: user.username }),
    message: t('users.deleteMessage', { name: user.username }),
    confirmLabel: t('action.delete'),
    async onConfirm () {
      try {
        await del(`/api/users/${encodeURIComponent(user.id)}`);
        toast(t('users.deleted', { name: user.username }), 'success');
        onDone();
        return true;
      } catch (error) {
        return refused(error);
      }
    },
  });
}

function usersTable (users, me, reload) {
  const zone = displayZone();
  const actions = (u) => {
    const self = u.id === me.id;
    return h('div', { class: 'row-actions' },
      button(t('action.edit'), { kind: 'link', 'aria-label': t('users.editLabel', { name: u.username }), on: { click: () => editDialog(u, self, reload) } }),
      button(t('users.resetPassword'), { kind: 'link', 'aria-label': t('users.passwordLabel', { name: u.username }), on: { click: () => passwordDialog(u) } }),
      button(t('action.delete'), {
        kind: 'link-danger',
        'aria-label': t('users.deleteLabel', { name: u.username }),
        disabled: self,
        title: self ? t('users.selfDelete') : null,
        on: { click: () => deleteDialog(u, reload) },
      }));
  };
  return dataTable({
    caption: t('nav.users'),
    rowKey: (u) => u.username,
    rows: [...users].sort((a, b) => a.username.localeCompare(b.username)),
    columns: [
      { label: t('users.username'), class: 'mono', cell: (u) => u.username },
      { label: t('users.displayName'), cell: (u) => u.display_name ?? '' },
      { label: t('users.role'), cell: (u) => h('span', { class: `role role-${u.role}`, text: t(`role.${u.role}`) }) },
      { label: t('users.status'), cell: (u) => h('span', { class: u.disabled ? 'status status-off' : 'status status-on', text: t(u.disabled ? 'users.disabled' : 'users.active') }) },
      { label: t('users.createdAt', { zone: zoneCaption(zone) }), class: 'nowrap', cell: (u) => formatTime(u.created_at, zone) },
      { label: t('users.actions'), class: 'actions', cell: actions },
    ],
  }).el;
}

export function render (view, { session }) {
  const list = h('div', { class: 'page-body', 'aria-live': 'polite' });
  async function reload () {
    list.setAttribute('aria-busy', 'true');
    try {
      const { users } = await get('/api/users');
      list.replaceChildren(users.length
        ? usersTable(users, session.user, reload)
        : emptyState({ title: t('users.none') }));
    } catch (error) {
      if (error.handled) return;
      list.replaceChildren(emptyState({ title: t('error.loadFailed'), text: describeError(error) }));
      toast(describeError(error), 'error');
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  view.append(
    h('div', { class: 'page-head' },
      h('h1', { class: 'page-title', tabindex: '-1', text: t('nav.users') }),
      button(t('users.new'), { kind: 'primary', on: { click: () => createDialog(reload) } })),
    list);
  list.append(h('p', { class: 'muted', text: t('state.loading') }));
  reload();
}
