// pages/cameras.js: the linked cameras, one table per site, ordered by
// track, position and name, each with its state. The operator links,
// edits, disables/enables and removes cameras here (camera/form.js holds
// the dialog) and sees the node recording each camera and the nodes it is
// pinned to; inspectors and auditors see a read-only list of where the
// cameras stand and whether they record, without stream addresses. The
// server checks the role again: hiding controls is presentation only.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get, patch, del } from '../api.js';
import { describeError } from '../errors.js';
import { button } from '../ui/button.js';
import { dataTable } from '../ui/table.js';
import { emptyState } from '../ui/empty.js';
import { toast } from '../ui/toast.js';
import { confirmDialog } from '../ui/dialog.js';
import { cameraDialog } from '../camera/form.js';
import { stateBadge, nodeLabel, transportLabel, compareCameras, compareText } from '../camera/state.js';

export const title = () => t('nav.cameras');

// Cameras grouped by site: [[site, [cameras]]], sites in order, the cameras
// without a site last.
function bySite (cameras) {
  const groups = new Map();
  for (const c of [...cameras].sort(compareCameras)) {
    const key = c.site || '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  return [...groups.entries()].sort(([a], [b]) => (!a) - (!b) || compareText(a, b));
}

function refused (error) {
  if (!error.handled) toast(describeError(error), 'error');
  return error.handled;
}

function setRecording (camera, on, reload) {
  const go = async () => {
    try {
      await patch(`/api/cameras/${encodeURIComponent(camera.id)}`, { recording: on });
      toast(t(on ? 'camera.enabled' : 'camera.disabled', { name: camera.name }), 'success');
      reload();
      return true;
    } catch (error) {
      return refused(error);
    }
  };
  if (on) return go();
  return confirmDialog({
    title: t('camera.disableTitle', { name: camera.name }),
    message: t('camera.disableMessage', { name: camera.name }),
    confirmLabel: t('camera.disable'),
    onConfirm: go,
  });
}

function removeCamera (camera, reload) {
  return confirmDialog({
    title: t('camera.removeTitle', { name: camera.name }),
    message: t('camera.removeMessage', { name: camera.name }),
    confirmLabel: t('camera.remove'),
    async onConfirm () {
      try {
        await del(`/api/cameras/${encodeURIComponent(camera.id)}`);
        toast(t('camera.removed', { name: camera.name }), 'success');
        reload();
        return true;
      } catch (error) {
        return refused(error);
      }
    },
  });
}

function columns (operator, reload) {
  const cols = [
    {
      label: t('camera.name'),
      class: 'name',
      cell: (c) => [
        h('span', { class: 'camera-name', text: c.name }),
        c.gacc_id ? h('span', { class: 'mono small block muted', title: t('camera.gacc'), text: c.gacc_id }) : null,
      ],
    },
    { label: t('camera.track'), cell: (c) => c.track ?? '' },
    { label: t('camera.position'), cell: (c) => c.position ?? '' },
    {
      label: t('camera.stateColumn'),
      class: 'nowrap',
      cell: (c) => [stateBadge(c.state),
        operator ? h('span', { class: 'block camera-node' }, nodeLabel(c, { long: true })) : null],
    },
  ];
  if (!operator) return cols;
  cols.push(
    {
      label: t('camera.stream'),
      class: 'stream',
      cell: (c) => [
        h('span', { class: 'mono small block url', text: c.url }),
        h('span', { class: 'small muted block' },
          transportLabel(c.transport), ' · ',
          h('span', { dataset: { testid: 'credentials' }, text: t(c.credentials ? 'camera.credentials.stored' : 'camera.credentials.none') })),
      ],
    },
    {
      label: t('camera.recordingColumn'),
      cell: (c) => c.recording
        ? t('camera.recordingSummary', { segment: c.segment_seconds, days: c.retention_days })
        : h('span', { class: 'muted', text: t('camera.recordingOff') }),
    },
    {
      label: t('users.actions'),
      class: 'actions',
      cell: (c) => h('div', { class: 'row-actions' },
        button(t('action.edit'), { kind: 'link', 'aria-label': t('camera.editLabel', { name: c.name }), on: { click: () => cameraDialog({ camera: c, onSaved: reload }) } }),
        c.recording
          ? button(t('camera.disable'), { kind: 'link', 'aria-label': t('camera.disableLabel', { name: c.name }), on: { click: () => setRecording(c, false, reload) } })
          : button(t('camera.enable'), { kind: 'link', 'aria-label': t('camera.enableLabel', { name: c.name }), on: { click: () => setRecording(c, true, reload) } }),
        button(t('camera.remove'), { kind: 'link-danger', 'aria-label': t('camera.removeLabel', { name: c.name }), on: { click: () => removeCamera(c, reload) } })),
    });
  return cols;
}

function cameraTables (cameras, operator, reload) {
  const cols = columns(operator, reload);
  return bySite(cameras).map(([site, list]) => {
    const heading = site || t('camera.noSite');
    return h('section', { class: 'site-group', dataset: { site } },
      h('h2', { class: 'section-title' }, heading, ' ',
        h('span', { class: 'muted small', text: t('camera.count', { n: list.length }) })),
      dataTable({ caption: t('camera.siteCaption', { site: heading }), columns: cols, rows: list, rowKey: (c) => c.id }).el);
  });
}

export function render (view, { session }) {
  const operator = session.user.role === 'operator';
  const list = h('div', { class: 'page-body', 'aria-live': 'polite' });
  const add = () => cameraDialog({ onSaved: reload });

  async function reload () {
    list.setAttribute('aria-busy', 'true');
    try {
      const { cameras } = await get('/api/cameras');
      list.replaceChildren(...(cameras.length
        ? cameraTables(cameras, operator, reload)
        : [emptyState({
            title: t('camera.none'),
            text: t(operator ? 'camera.noneText' : 'camera.noneTextReader'),
            action: operator ? button(t('camera.add'), { kind: 'primary', class: 'empty-action', on: { click: add } }) : null,
          })]));
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
      h('h1', { class: 'page-title', tabindex: '-1', text: t('nav.cameras') }),
      operator ? button(t('camera.add'), { kind: 'primary', class: 'add-camera', on: { click: add } }) : null),
    h('p', { class: 'lead', text: t(operator ? 'camera.lead' : 'camera.leadReader') }),
    list);
  list.append(h('p', { class: 'muted', text: t('state.loading') }));
  reload();
}
