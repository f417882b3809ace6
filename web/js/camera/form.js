// camera/form.js: the dialog that links a camera or edits a linked one
// (operator). Stream (name, RTSP URL, user name, password, transport) with
// "Test connection", location (site, track, position, GACC camera id) and
// recording (on/off, segment length, retention, the nodes that may record
// it: camera/node-pick.js).
//
// Credentials are write-only: the server never returns them, so the edit
// dialog starts with empty user name and password fields and says whether
// credentials are stored; typing replaces them, "Remove credentials" clears
// them on save. A user name and password typed into the URL are moved into
// their fields, so they never travel inside the URL.
//
// Input is checked here first; the server checks again, and its refusals
// show in a toast and, when the message names a field, next to that field.

import { h, append } from '../dom.js';
import { t } from '../i18n.js';
import { post, patch } from '../api.js';
import { describeError } from '../errors.js';
import { button } from '../ui/button.js';
import { toast } from '../ui/toast.js';
import { openDialog } from '../ui/dialog.js';
import { textField, selectField, checkboxField, validate } from '../ui/form.js';
import { nodePicker, samePins } from './node-pick.js';
import { probeReasonText, codecLabel, resolutionLabel, transportLabel } from './state.js';
import { formatFps } from '../units.js';

const RTSP_URL = /^rtsps?:\/\/[^\s/?#@]*@?[^\s/?#@]+/i;
const GACC_ID = /^\d{20}$/;
const SEGMENT = { min: 5, max: 3600, default: 60 };
const RETENTION = { min: 1, max: 3650, default: 90 };
const TRANSPORTS = ['auto', 'tcp', 'udp'];

// 'rtsp://u:p@host/x' -> {url: 'rtsp://host/x', username: 'u', password: 'p'};
// a URL without credentials (or not parseable) comes back unchanged.
export function splitCredentials (value) {
  const raw = value.trim();
  if (!/^rtsps?:\/\//i.test(raw) || !raw.includes('@')) return { url: raw };
  let parsed;
  try {
    parsed = new URL(raw);
  } catch {
    return { url: raw };
  }
  if (!parsed.username && !parsed.password) return { url: raw };
  const decode = (s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const username = decode(parsed.username);
  const password = decode(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), username, password };
}

function urlError (value) {
  if (!value) return t('camera.invalid.urlRequired');
  return RTSP_URL.test(value) ? null : t('camera.invalid.url');
}

function gaccError (value) {
  if (!value) return null;
  return GACC_ID.test(value) ? null : t('camera.invalid.gacc', { n: value.replace(/\D/g, '').length });
}

function rangeError (value, { min, max }) {
  if (!/^\d+$/.test(value)) return t('camera.invalid.range', { min, max });
  const n = Number(value);
  return n >= min && n <= max ? null : t('camera.invalid.range', { min, max });
}

// 'gacc_id must be the 20-digit ...' -> the gacc field: which field a
// server message is about, from the field name it starts with.
function fieldOfMessage (message, fields) {
  const m = message ?? '';
  if (/url/i.test(m)) return fields.url;
  for (const [name, field] of Object.entries(fields)) {
    if (m.startsWith(name)) return field;
  }
  if (/username|password/.test(m)) return fields.username;
  return null;
}

// The "Test connection" part: a button and a live result line.
function probePanel ({ url, username, password, transport, camera, credentialsRemoved }) {
  const result = h('div', { class: 'probe-result', role: 'status', 'aria-live': 'polite', dataset: { testid: 'probe-result' } });
  let seq = 0;

  const show = (kind, title, detail) => {
    result.className = `probe-result probe-${kind}`;
    result.dataset.state = kind;
    result.replaceChildren();
    append(result, [
      kind === 'busy' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null,
      h('p', { class: 'probe-title', text: title }),
      detail]);
  };

  const details = (r) => h('dl', { class: 'probe-details' },
    [
      [t('camera.codec'), codecLabel(r.codec), r.codec_string],
      [t('camera.resolution'), resolutionLabel(r.width, r.height)],
      [t('camera.fps'), formatFps(r.fps)],
      [t('camera.transport'), transportLabel(r.transport)],
    ].map(([k, v, title]) => h('div', {}, h('dt', { text: k }), h('dd', { text: v, title, dataset: { field: k } }))));

  async function run () {
    const fixed = splitCredentials(url.input.value);
    moveCredentials(fixed, { url, username, password });
    if (!validate([[url, urlError(url.input.value.trim())]])) return;
    seq += 1;
    const mine = seq;
    probe.setBusy(true);
    show('busy', t('probe.running'));
    const body = { url: url.input.value.trim(), transport: transport.input.value };
    if (username.input.value.trim()) body.username = username.input.value.trim();
    if (password.input.value) body.password = password.input.value;
    if (camera?.credentials && !credentialsRemoved()) body.camera_id = camera.id;
    try {
      const r = await post('/api/cameras/probe', body);
      if (mine !== seq) return;
      if (r?.ok) {
        show('ok', t('probe.ok'), details(r));
      } else {
        show('fail', probeReasonText(r?.reason),
          r?.message ? h('p', { class: 'probe-detail', text: t('probe.serverSaid', { message: r.message }) }) : null);
      }
    } catch (error) {
      if (mine !== seq || error.handled) return;
      show('fail', t('probe.failed'), h('p', { class: 'probe-detail', text: describeError(error) }));
    } finally {
      if (mine === seq) probe.setBusy(false);
    }
  }

  const probe = button(t('probe.button'), { kind: 'secondary', class: 'probe-button', on: { click: run } });

  // A change of what would be tested makes an earlier answer meaningless.
  const forget = () => {
    if (!seq && !result.childElementCount) return;
    seq += 1;
    probe.setBusy(false);
    result.replaceChildren();
    result.className = 'probe-result';
    delete result.dataset.state;
  };
  for (const f of [url, username, password, transport]) f.input.addEventListener('input', forget);

  return { el: h('div', { class: 'probe' }, probe, result), forget };
}

function moveCredentials (split, { url, username, password }) {
  if (split.username === undefined) return;
  url.input.value = split.url;
  if (split.username) username.input.value = split.username;
  if (split.password) password.input.value = split.password;
  url.setError(null);
  toast(t('camera.credentialsMoved'), 'info');
}

// cameraDialog({camera, onSaved}): camera null adds a new one.
export function cameraDialog ({ camera = null, onSaved }) {
  const editing = Boolean(camera);
  const c = camera ?? {};
  const name = textField({ name: 'name', label: t('camera.name'), value: c.name ?? '', required: true, maxlength: 100, autocomplete: 'off', hint: t('camera.nameHint') });
  const url = textField({ name: 'url', label: t('camera.url'), value: c.url ?? '', required: true, maxlength: 1000, autocomplete: 'off', spellcheck: 'false', inputmode: 'url', hint: t('camera.urlHint') });
  const username = textField({ name: 'camera-username', label: t('camera.username'), maxlength: 200, autocomplete: 'off', spellcheck: 'false', hint: editing && c.credentials ? t('camera.usernameKeep') : null });
  const password = textField({ name: 'camera-password', label: t('camera.password'), type: 'password', maxlength: 200, autocomplete: 'new-password', hint: editing && c.credentials ? t('camera.passwordKeep') : null });
  const transport = selectField({ name: 'transport', label: t('camera.transport'), value: c.transport ?? 'auto', options: TRANSPORTS.map((v) => ({ value: v, label: t(`camera.transport.${v}`) })), hint: t('camera.transportHint') });
  const site = textField({ name: 'site', label: t('camera.site'), value: c.site ?? '', maxlength: 100, autocomplete: 'off', hint: t('camera.siteHint') });
  const track = textField({ name: 'track', label: t('camera.track'), value: c.track ?? '', maxlength: 100, autocomplete: 'off' });
  const position = textField({ name: 'position', label: t('camera.position'), value: c.position ?? '', maxlength: 100, autocomplete: 'off', hint: t('camera.positionHint') });
  const gacc = textField({ name: 'gacc_id', label: t('camera.gacc'), value: c.gacc_id ?? '', maxlength: 24, inputmode: 'numeric', autocomplete: 'off', hint: t('camera.gaccHint') });
  const recording = checkboxField({ name: 'recording', label: t('camera.recordingOn'), checked: editing ? Boolean(c.recording) : true, hint: t('camera.recordingHint') });
  const segment = textField({ name: 'segment_seconds', label: t('camera.segment'), type: 'number', value: String(c.segment_seconds ?? SEGMENT.default), min: SEGMENT.min, max: SEGMENT.max, step: 1, hint: t('camera.segmentHint', SEGMENT) });
  const retention = textField({ name: 'retention_days', label: t('camera.retention'), type: 'number', value: String(c.retention_days ?? RETENTION.default), min: RETENTION.min, max: RETENTION.max, step: 1, hint: t('camera.retentionHint', RETENTION) });
  const pins = nodePicker({ pinned: c.pinned_nodes ?? null });

  // Stored credentials: a status line and a "Remove credentials" toggle.
  let removeCredentials = false;
  const credStatus = h('p', { class: 'cred-status', dataset: { testid: 'credentials-status' } });
  const removeButton = button(t('camera.removeCredentials'), { kind: 'link-danger', class: 'cred-remove' });
  const showCredentials = () => {
    const stored = Boolean(c.credentials);
    credStatus.textContent = removeCredentials
      ? t('camera.credentials.removing')
      : t(stored ? 'camera.credentials.stored' : 'camera.credentials.none');
    credStatus.dataset.state = removeCredentials ? 'removing' : (stored ? 'stored' : 'none');
    removeButton.hidden = !stored;
    removeButton.querySelector('.btn-label').textContent = t(removeCredentials ? 'camera.keepCredentials' : 'camera.removeCredentials');
    username.input.disabled = removeCredentials;
    password.input.disabled = removeCredentials;
  };
  removeButton.addEventListener('click', () => {
    removeCredentials = !removeCredentials;
    if (removeCredentials) {
      username.input.value = '';
      password.input.value = '';
    }
    probe.forget();
    showCredentials();
  });
  showCredentials();

  const probe = probePanel({ url, username, password, transport, camera, credentialsRemoved: () => removeCredentials });

  url.input.addEventListener('change', () => moveCredentials(splitCredentials(url.input.value), { url, username, password }));
  // Errors appear on submit; leaving a field only clears a fixed one (an
  // error appearing on blur would shift the buttons under the pointer).
  gacc.input.addEventListener('change', () => {
    gacc.input.value = gacc.input.value.replace(/[\s-]/g, '');
    if (!gaccError(gacc.input.value)) gacc.setError(null);
  });

  const fields = { name, url, username, password, transport, site, track, position, gacc_id: gacc, recording, segment_seconds: segment, retention_days: retention, pinned_nodes: pins };

  // The body of the request: everything for a new camera, the changes for
  // an edit (null when nothing changed).
  function body () {
    const v = {
      name: name.input.value.trim(),
      url: url.input.value.trim(),
      transport: transport.input.value,
      site: site.input.value.trim(),
      track: track.input.value.trim(),
      position: position.input.value.trim(),
      gacc_id: gacc.input.value.trim() || null,
      recording: recording.input.checked,
      segment_seconds: Number(segment.input.value),
      retention_days: Number(retention.input.value),
    };
    const user = username.input.value.trim();
    const pass = password.input.value;
    const pinned = pins.value();
    if (!editing) {
      for (const k of ['site', 'track', 'position']) if (!v[k]) delete v[k];
      if (!v.gacc_id) delete v.gacc_id;
      if (user) v.username = user;
      if (pass) v.password = pass;
      if (pinned) v.pinned_nodes = pinned;
      return v;
    }
    const changes = {};
    for (const [k, value] of Object.entries(v)) {
      if (value !== (c[k] ?? (k === 'gacc_id' ? null : ''))) changes[k] = value;
    }
    if (!samePins(pinned, c.pinned_nodes ?? null)) changes.pinned_nodes = pinned;
    if (removeCredentials) changes.username = null;
    else {
      if (user) changes.username = user;
      if (pass) changes.password = pass;
    }
    return Object.keys(changes).length ? changes : null;
  }

  function check () {
    moveCredentials(splitCredentials(url.input.value), { url, username, password });
    gacc.input.value = gacc.input.value.replace(/[\s-]/g, '');
    const nameValue = name.input.value.trim();
    const needsUser = password.input.value && !username.input.value.trim() && !(editing && c.credentials);
    return validate([
      [name, nameValue ? (nameValue.length > 100 ? t('camera.invalid.nameLong') : null) : t('camera.invalid.nameRequired')],
      [url, urlError(url.input.value.trim())],
      [username, needsUser ? t('camera.invalid.usernameNeeded') : null],
      [password, null],
      [gacc, gaccError(gacc.input.value)],
      [segment, rangeError(segment.input.value, SEGMENT)],
      [retention, rangeError(retention.input.value, RETENTION)],
      [pins, pins.problem()],
    ]);
  }

  const credentialsBox = h('div', { class: 'cred-box' }, credStatus, removeButton);
  openDialog({
    title: editing ? t('camera.editTitle', { name: c.name }) : t('camera.addTitle'),
    submitLabel: editing ? t('action.save') : t('camera.add'),
    wide: true,
    body: [
      h('fieldset', { class: 'form-group' },
        h('legend', { text: t('camera.groupStream') }),
        h('div', { class: 'form-grid' },
          name.el, transport.el,
          h('div', { class: 'span-all' }, url.el),
          username.el, password.el,
          editing ? h('div', { class: 'span-all' }, credentialsBox) : null,
          h('div', { class: 'span-all' }, probe.el))),
      h('fieldset', { class: 'form-group' },
        h('legend', { text: t('camera.groupPlace') }),
        h('div', { class: 'form-grid' }, site.el, track.el, position.el, gacc.el)),
      h('fieldset', { class: 'form-group' },
        h('legend', { text: t('camera.groupRecording') }),
        h('div', { class: 'form-grid' }, h('div', { class: 'span-all' }, recording.el), segment.el, retention.el,
          h('div', { class: 'span-all' }, pins.el))),
    ],
    async onSubmit () {
      if (!check()) return false;
      const changes = body();
      if (!changes) return true;
      try {
        const answer = editing
          ? await patch(`/api/cameras/${encodeURIComponent(c.id)}`, changes)
          : await post('/api/cameras', changes);
        const saved = answer?.camera ?? null;
        toast(t(editing ? 'camera.saved' : 'camera.added', { name: saved?.name ?? changes.name ?? c.name }), 'success');
        onSaved?.(saved);
        return true;
      } catch (error) {
        if (error.handled) return true;
        if (error.code === 'conflict') name.setError(t('camera.invalid.nameTaken'));
        else if (error.status === 400) {
          const field = fieldOfMessage(error.serverMessage, fields);
          if (field) {
            field.setError(t('camera.invalid.server', { detail: error.serverMessage }));
            field.input.focus();
          }
        }
        toast(describeError(error), 'error');
        return false;
      }
    },
  });
  pins.load();
}
