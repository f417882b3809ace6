// pages/exports.js: evidence exports (auditor; docs/evidence.md). A form
// asks for a camera and a time range (in the display zone) or a lot, a
// reason and a recipient; the list shows every export with its progress
// while it runs (polled each second then, every 10 s otherwise), its size
// and a download link when done, its error when it failed. The signing
// key is shown with the command that checks a package against it, so the
// auditor can hand both to the recipient.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { describeError } from '../errors.js';
import { displayZone } from '../session.js';
import { formatTime, fromZoneInput, toZoneInput } from '../time.js';
import { zoneName } from '../zone.js';
import { formatBytes } from '../units.js';
import { startPoller } from '../poller.js';
import { button } from '../ui/button.js';
import { dataTable } from '../ui/table.js';
import { emptyState } from '../ui/empty.js';
import { toast } from '../ui/toast.js';
import { selectField, textField, textAreaField, validate } from '../ui/form.js';

export const title = () => t('nav.exports');

const BUSY_POLL_MS = 1000;
const IDLE_POLL_MS = 10000;
const DEFAULT_SPAN_MS = 15 * 60 * 1000;

function statusCell (e) {
  const badge = h('span', { class: `badge ${e.status === 'done' ? 'badge-ok' : e.status === 'failed' ? 'badge-bad' : ''}`, dataset: { status: e.status }, text: t(`export.status.${e.status}`) });
  if (e.status !== 'running' && e.status !== 'queued') return e.status === 'failed' ? [badge, h('p', { class: 'small form-error', text: e.error ?? '' })] : badge;
  const pct = Math.round((e.progress ?? 0) * 100);
  return [badge, h('progress', { class: 'export-progress', max: '100', value: String(pct), 'aria-label': t('export.progress', { pct }) }),
    h('span', { class: 'small muted', text: ` ${pct} %${e.phase ? ` · ${t(`export.phase.${e.phase}`, { phase: e.phase })}` : ''}` })];
}

function scopeCell (e, names) {
  if (e.lot_id) return t('export.scopeLot', { lot: names.lots.get(e.lot_id) ?? e.lot_id.slice(0, 8) });
  return t('export.scopeCamera', { camera: names.cameras.get(e.camera_id) ?? e.camera_id.slice(0, 8) });
}

function columns (zone, names) {
  return [
    { label: t('export.requested'), class: 'nowrap', cell: (e) => h('time', { datetime: e.created_at, text: formatTime(e.created_at, zone) }) },
    { label: t('export.scope'), cell: (e) => scopeCell(e, names) },
    { label: t('export.reason'), cell: (e) => [e.reason, e.recipient ? h('p', { class: 'small muted', text: t('export.for', { recipient: e.recipient }) }) : null] },
    { label: t('export.status'), cell: statusCell },
    {
      label: t('export.package'),
      cell: (e) => e.status === 'done'
        ? [h('a', { class: 'btn btn-secondary', href: `/api/exports/${encodeURIComponent(e.id)}/package`, download: `rvi-evidence-${e.id}.tar`, text: t('export.download', { size: formatBytes(e.package_bytes) }) }),
            h('p', { class: 'small mono muted', title: e.package_sha256 ?? '', text: `SHA-256 ${(e.package_sha256 ?? '').slice(0, 16)}…` })]
        : '',
    },
  ];
}

function keyCard (key) {
  const command = `rvi evidence verify --public-key ${key.public_key} rvi-evidence-ID.tar`;
  return h('section', { class: 'card export-key', dataset: { testid: 'signing-key' } },
    h('h2', { class: 'section-title', text: t('export.keyTitle') }),
    h('p', { text: t('export.keyText', { id: key.key_id }) }),
    h('p', { class: 'mono small break', dataset: { testid: 'public-key' }, text: key.public_key }),
    h('p', { class: 'small muted', text: t('export.verifyHint') }),
    h('pre', { class: 'mono small', text: command }));
}

export function render (view) {
  const zone = displayZone();
  const names = { cameras: new Map(), lots: new Map() };
  const scope = selectField({ name: 'scope', label: t('export.scope'), value: 'camera', options: [{ value: 'camera', label: t('export.scopeCameraRange') }, { value: 'lot', label: t('export.scopeLotAll') }] });
  const camera = selectField({ name: 'camera_id', label: t('export.camera'), options: [] });
  const lot = selectField({ name: 'lot_id', label: t('export.lot'), options: [] });
  const now = Date.now();
  const from = textField({ name: 'from', label: t('export.from', { zone: zoneName(zone) }), type: 'datetime-local', step: 1, value: toZoneInput(now - DEFAULT_SPAN_MS, zone) });
  const to = textField({ name: 'to', label: t('export.to', { zone: zoneName(zone) }), type: 'datetime-local', step: 1, value: toZoneInput(now, zone) });
  const reason = textAreaField({ name: 'reason', label: t('export.reason'), maxlength: 500, hint: t('export.reasonHint'), required: true });
  const recipient = textField({ name: 'recipient', label: t('export.recipient'), maxlength: 200, hint: t('export.recipientHint') });
  const submit = button(t('export.start'), { kind: 'primary', type: 'submit' });
  const cameraFields = h('div', { class: 'export-camera-fields' }, camera.el, from.el, to.el);
  const form = h('form', { class: 'card export-form', novalidate: true, 'aria-label': t('export.newTitle') },
    h('h2', { class: 'section-title', text: t('export.newTitle') }),
    scope.el, cameraFields, lot.el, reason.el, recipient.el, h('div', { class: 'form-actions' }, submit));
  const list = h('div', { class: 'page-body', 'aria-live': 'polite' }, h('p', { class: 'muted', text: t('state.loading') }));
  const key = h('div');
  let busy = false;

  const showScope = () => {
    const byLot = scope.input.value === 'lot';
    cameraFields.hidden = byLot;
    lot.el.hidden = !byLot;
  };
  scope.input.addEventListener('change', showScope);
  showScope();

  async function loadChoices () {
    try {
      const [{ cameras }, { lots }] = await Promise.all([get('/api/cameras'), get('/api/lots')]);
      for (const c of cameras) names.cameras.set(c.id, c.name);
      for (const l of lots) names.lots.set(l.id, l.lot_no);
      camera.input.replaceChildren(...cameras.map((c) => h('option', { value: c.id, text: c.name })));
      lot.input.replaceChildren(...lots.map((l) => h('option', { value: l.id, text: `${l.lot_no}${l.declaration_no ? ` · ${l.declaration_no}` : ''}` })));
    } catch (error) {
      if (!error.handled) toast(describeError(error), 'error');
    }
  }

  async function loadList () {
    try {
      const { exports } = await get('/api/exports');
      busy = exports.some((e) => e.status === 'queued' || e.status === 'running');
      list.replaceChildren(exports.length
        ? dataTable({ caption: t('nav.exports'), columns: columns(zone, names), rows: exports, rowKey: (e) => e.id }).el
        : emptyState({ title: t('export.none'), text: t('export.noneText') }));
    } catch (error) {
      if (!error.handled) list.replaceChildren(emptyState({ title: t('error.loadFailed'), text: describeError(error) }));
    }
  }

  async function loadKey () {
    try {
      key.replaceChildren(keyCard(await get('/api/evidence/public-key')));
    } catch (error) {
      if (!error.handled) key.replaceChildren(h('p', { class: 'form-error', text: describeError(error) }));
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const byLot = scope.input.value === 'lot';
    const body = { reason: reason.input.value.trim() };
    const recipientText = recipient.input.value.trim();
    if (recipientText) body.recipient = recipientText;
    const checks = [[reason, body.reason ? null : t('export.invalid.reason')]];
    if (byLot) {
      body.lot_id = lot.input.value;
      checks.push([lot, body.lot_id ? null : t('export.invalid.lot')]);
    } else {
      body.camera_id = camera.input.value;
      body.from = fromZoneInput(from.input.value, zone);
      body.to = fromZoneInput(to.input.value, zone);
      checks.push([camera, body.camera_id ? null : t('export.invalid.camera')]);
      checks.push([from, body.from ? null : t('export.invalid.time')]);
      checks.push([to, !body.to ? t('export.invalid.time') : body.from && body.to <= body.from ? t('export.invalid.range') : null]);
    }
    if (!validate(checks)) return;
    submit.setBusy(true);
    try {
      await post('/api/exports', body);
      toast(t('export.started'), 'success');
      reason.input.value = '';
      await loadList();
    } catch (error) {
      if (!error.handled) toast(describeError(error), 'error');
    } finally {
      submit.setBusy(false);
    }
  });

  view.append(
    h('h1', { class: 'page-title', tabindex: '-1', text: t('nav.exports') }),
    h('p', { class: 'lead', text: t('section.exports.summary') }),
    form, list, key);
  loadChoices().then(loadList);
  loadKey();
  const alive = () => view.isConnected;
  let last = Date.now();
  startPoller({
    intervalMs: BUSY_POLL_MS,
    alive,
    run: async () => {
      if (!busy && Date.now() - last < IDLE_POLL_MS) return;
      last = Date.now();
      await loadList();
    },
  });
}
