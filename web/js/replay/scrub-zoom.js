// replay/scrub-zoom.js: the part of the replay's range the scrub bar
// shows. A 30 s inspection in a range with 5-minute margins is a narrow
// strip at full width, so the bar zooms: each step halves or doubles the
// time shown, down to MIN_VIEW_MS, keeping the time under the pointer (or
// the playhead) where it is on the bar. While playing the view pages on
// when the playhead leaves it. The controls are a small toolbar under the
// bar: zoom out, zoom in, whole range, and what is shown.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { formatClock } from '../time.js';

export const MIN_VIEW_MS = 10000;
const STEP = 2;
const FOLLOW_LEAD = 0.1;   // a paged view puts the playhead this far in

// createZoomView(from, to, onChange) -> {from, span, zoom(factor, at), pan(ms),
//   reset(), follow(ms), zoomed}: the view [from, from + span) within the
//   range; onChange() after every change.
export function createZoomView (from, to, onChange) {
  const whole = Math.max(to - from, 1);
  const least = Math.min(MIN_VIEW_MS, whole);
  const view = { from, span: whole };
  const place = (start) => Math.min(Math.max(start, from), to - view.span);

  return {
    get from () { return view.from; },
    get span () { return view.span; },
    get zoomed () { return view.span < whole; },
    get canZoomIn () { return view.span > least; },
    // @factor > 1 zooms in; @at stays where it is on the bar
    zoom (factor, at) {
      const span = Math.min(Math.max(view.span / factor, least), whole);
      if (span === view.span) return;
      const frac = (at - view.from) / view.span;
      view.span = span;
      view.from = place(at - frac * span);
      onChange();
    },
    pan (ms) {
      const start = place(view.from + ms);
      if (start === view.from) return;
      view.from = start;
      onChange();
    },
    reset () {
      if (view.span === whole) return;
      view.from = from;
      view.span = whole;
      onChange();
    },
    // keeps @ms on the bar: a view it left moves to put it near the start
    follow (ms) {
      if (ms >= view.from && ms <= view.from + view.span) return;
      view.from = place(ms - view.span * FOLLOW_LEAD);
      onChange();
    },
  };
}

// The toolbar: −, +, whole range, and the time shown. @playhead() is the
// time the buttons zoom around.
export function createZoomControls (view, zone, playhead) {
  const button = (text, label, testid, onClick) => h('button', {
    type: 'button',
    class: 'btn btn-secondary scrub-zoom-btn',
    title: label,
    'aria-label': label,
    dataset: { testid },
    text,
    on: { click: onClick },
  });
  const out = button('−', t('review.zoomOut'), 'scrub-zoom-out',
    () => view.zoom(1 / STEP, playhead()));
  const into = button('+', t('review.zoomIn'), 'scrub-zoom-in', () => view.zoom(STEP, playhead()));
  const whole = button(t('review.zoomWhole'), t('review.zoomWhole'), 'scrub-zoom-whole',
    () => view.reset());
  const shown = h('span', { class: 'scrub-zoom-shown', dataset: { testid: 'scrub-zoom-shown' } });
  const el = h('div', { class: 'scrub-zoom', title: t('review.zoomHint') },
    out, into, whole, shown);

  return {
    el,
    update () {
      const a = view.from;
      const b = view.from + view.span;
      out.disabled = !view.zoomed;
      whole.disabled = !view.zoomed;
      into.disabled = !view.canZoomIn;
      shown.textContent = view.zoomed
        ? t('review.zoomShown', { from: formatClock(a, zone), to: formatClock(b, zone) })
        : t('review.zoomAll');
      el.dataset.viewFrom = String(Math.round(a));
      el.dataset.viewTo = String(Math.round(b));
    },
  };
}

// Keys on the focused bar: '+' / '=' zoom in, '-' zoom out, '0' the whole
// range, all around @at; true when the key was one of them.
export function zoomKey (view, key, at) {
  if (key === '+' || key === '=') view.zoom(STEP, at);
  else if (key === '-' || key === '_') view.zoom(1 / STEP, at);
  else if (key === '0') view.reset();
  else return false;
  return true;
}

// Ctrl (or ⌘) + wheel over the bar zooms around the pointer; Shift +
// wheel, or a sideways wheel, pans. A plain wheel scrolls the page.
export function zoomWheel (view, e, at) {
  if (e.ctrlKey || e.metaKey) {
    view.zoom(e.deltaY < 0 ? STEP : 1 / STEP, at);
    return true;
  }
  const sideways = e.shiftKey ? e.deltaY || e.deltaX : e.deltaX;
  if (!sideways || Math.abs(e.deltaX) < Math.abs(e.deltaY) && !e.shiftKey) return false;
  view.pan(Math.sign(sideways) * view.span * 0.1);
  return true;
}
