// camera/live-overlay.js: what a camera tile says about its live picture,
// at its bottom left, above the camera's name: the transport ("WebRTC",
// "MSE", "JPEG · key frames only"), the state when there is no moving
// picture ("Connecting…", "Waiting for picture", "Camera offline", an
// error) and, when the picture shown is old, its age ("Stale · 5 s").
// The texts follow the language; the state is also in data attributes
// for the tests and the CSS.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { formatDuration } from '../units.js';

// The tile's live state, shown as text (playing shows none).
const STATE_TEXT = {
  connecting: 'liveView.connecting',
  waiting: 'liveView.waiting',
  offline: 'liveView.offline',
  error: 'liveView.failed',
  removed: 'liveView.removed',
};

// liveOverlay() -> {element, render(view)}
// view: {transport, state, stale, ageMs, retrying, detail}
export function liveOverlay () {
  const transport = h('span', { class: 'cam-chip cam-transport', dataset: { testid: 'live-transport' } });
  const state = h('span', { class: 'cam-chip cam-live-state', dataset: { testid: 'live-state' } });
  const stale = h('span', { class: 'cam-chip cam-stale', dataset: { testid: 'live-stale' } });
  const element = h('div', { class: 'cam-live-bar' }, transport, state, stale);
  function render (view) {
    transport.textContent = view.transport ? t(`liveView.transport.${view.transport}`) : '';
    transport.hidden = !view.transport;
    const stateKey = STATE_TEXT[view.state];
    state.hidden = !stateKey;
    state.dataset.state = view.state;
    state.textContent = stateKey
      ? (view.retrying ? t('liveView.retrying', { text: t(stateKey) }) : t(stateKey))
      : '';
    if (view.detail) state.title = view.detail;
    else state.removeAttribute('title');
    stale.hidden = !view.stale;
    stale.textContent = view.stale ? t('liveView.stale', { age: formatDuration(view.ageMs) }) : '';
  }

  return { element, render };
}
