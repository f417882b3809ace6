// camera/node-pick.js: the camera form's "Recording node" control
// (operator). A camera is recorded by any node (pinned_nodes null, the
// default) or only by the nodes pinned here (docs/nodes.md, Pinning).
//
// Two radio buttons, "Any node" and "Only these nodes". The second opens a
// checkbox per node of GET /api/nodes, each saying whether the node runs,
// and one per pinned name that list no longer holds, marked unknown, so a
// pin to a node gone for good can be seen and taken off. Under "Any node"
// the list stays closed, so a yard with one node sees two short lines:
// "Any node (1 node running)" and "Only these nodes". The list loads after
// the dialog opens; until then (or when it cannot load) the pinned names
// stand alone and saving keeps them.

import { h, uid } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { describeError } from '../errors.js';
import { compareText } from './state.js';

export const MAX_PINNED = 16; // the server's limit (api-cameras.c)

const STATES = {
  running: { badge: 'badge-ok', text: 'health.nodeAlive' },
  stopped: { badge: 'badge-bad', text: 'health.nodeDown' },
  unknown: { badge: 'badge-off', text: 'camera.nodeUnknown' },
};

// nodeOptions(nodes, pinned) -> [{name, state}]: the nodes of GET
// /api/nodes by name (state 'running' or 'stopped'), then the pinned names
// that list does not hold ('unknown'); nodes null (not loaded) gives the
// pinned names with state null.
export function nodeOptions (nodes, pinned) {
  const names = [...new Set(pinned ?? [])];
  if (!nodes) return names.map((name) => ({ name, state: null }));
  const known = new Set(nodes.map((n) => n.name));
  return [
    ...[...nodes].sort((a, b) => compareText(a.name, b.name))
      .map((n) => ({ name: n.name, state: n.alive ? 'running' : 'stopped' })),
    ...names.filter((name) => !known.has(name)).map((name) => ({ name, state: 'unknown' })),
  ];
}

// samePins(a, b): whether two pinned_nodes values allow the same nodes
// (null: any node; the order of the names does not matter).
export function samePins (a, b) {
  if (!a?.length || !b?.length) return !a?.length && !b?.length;
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((n) => y.has(n));
}

// "(1 node running)", "(3 nodes running)", "(2 of 3 nodes running)"; ''
// before the list has loaded or when no node has reported.
function runningNote (nodes) {
  if (!nodes?.length) return '';
  const running = nodes.filter((n) => n.alive).length;
  if (running === nodes.length) return t(running === 1 ? 'camera.pinAnyOne' : 'camera.pinAnyAll', { n: running });
  return t('camera.pinAnySome', { running, n: nodes.length });
}

function radio (name, value, checked, label) {
  const id = uid(`f-${name}`);
  const input = h('input', { id, type: 'radio', class: 'checkbox', name, value, checked });
  return { input, el: h('div', { class: 'check-option' }, input, h('label', { for: id }, label)) };
}

// nodePicker({pinned}) -> {el, input, setError(text|null), value(), problem(), load()}
// value() is the pinned_nodes to send: null for any node, else the names
// ticked. problem() is the message for a choice the server would refuse,
// or null. load() fetches the node list (once, after the dialog opened).
// input is what to focus when the choice is refused.
export function nodePicker ({ pinned = null } = {}) {
  const id = uid('g-pinned');
  const chosen = new Set(pinned ?? []);
  const anyNote = h('span', { class: 'pin-note', dataset: { testid: 'nodes-running' } });
  const any = radio(id, 'any', !chosen.size, [t('camera.pinAny'), ' ', anyNote]);
  const only = radio(id, 'only', chosen.size > 0, t('camera.pinOnly'));
  const list = h('div', { class: 'pin-options', role: 'group', 'aria-label': t('camera.pinListLabel') });
  const status = h('p', { class: 'field-hint', role: 'status' });
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const box = h('div', { class: 'pin-list', dataset: { testid: 'node-list' } },
    list, status, h('p', { id: hintId, class: 'field-hint', text: t('camera.pinHint') }));
  const error = h('p', { id: errorId, class: 'field-error', hidden: true });
  const el = h('fieldset', { class: 'field check-group node-pick', 'aria-describedby': `${hintId} ${errorId}` },
    h('legend', { class: 'field-label', text: t('camera.pinLegend') }),
    h('div', { class: 'check-options' }, any.el, only.el, box),
    error);
  let options = nodeOptions(null, pinned);

  function show () {
    box.hidden = !only.input.checked;
  }

  function render () {
    list.replaceChildren(...options.map((o) => {
      const boxId = uid(`f-${id}`);
      const input = h('input', { id: boxId, type: 'checkbox', class: 'checkbox', name: `${id}-node`, value: o.name, checked: chosen.has(o.name) });
      input.addEventListener('change', () => {
        if (input.checked) chosen.add(o.name);
        else chosen.delete(o.name);
      });
      const state = STATES[o.state];
      return h('div', { class: 'check-option', dataset: { node: o.name, state: o.state ?? 'loading' } }, input,
        h('label', { for: boxId }, h('span', { class: 'mono', text: o.name }), ' ',
          state ? h('span', { class: `badge ${state.badge}`, text: t(state.text) }) : null));
    }));
  }

  async function load () {
    status.textContent = t('camera.nodesLoading');
    try {
      const { nodes } = await get('/api/nodes');
      options = nodeOptions(nodes, pinned);
      anyNote.textContent = runningNote(nodes);
      status.textContent = nodes.length ? '' : t('health.noNodes');
      render();
    } catch (error) {
      if (error.handled) return;
      status.textContent = t('camera.nodesFailed', { detail: describeError(error) });
    }
    status.hidden = !status.textContent;
  }

  const setError = (text) => {
    error.textContent = text ?? '';
    error.hidden = !text;
    if (text) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  };

  for (const r of [any, only]) {
    r.input.addEventListener('change', () => {
      show();
      setError(null);
    });
  }
  render();
  show();

  return {
    el,
    get input () {
      return only.input.checked ? (list.querySelector('input') ?? only.input) : any.input;
    },
    setError,
    value: () => (any.input.checked ? null : options.map((o) => o.name).filter((n) => chosen.has(n))),
    problem () {
      if (any.input.checked) return null;
      if (!chosen.size) return t('camera.invalid.nodesNone');
      return chosen.size > MAX_PINNED ? t('camera.invalid.nodesMany', { max: MAX_PINNED }) : null;
    },
    load,
  };
}
