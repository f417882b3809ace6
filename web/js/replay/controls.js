// replay/controls.js: the transport of a synchronised replay: play/pause
// (Space), one frame back and forward (',' and '.'), speed, the master
// clock to the millisecond, "Go to time" (HH:MM:SS.mmm in the display
// zone) and a line for notices (a skipped gap). None of it changes
// anything on the server. Keys never fire while typing in a field, with
// Ctrl, Alt or Meta, or while a dialog is open.

import { h, uid } from '../dom.js';
import { t } from '../i18n.js';
import { zoneName } from '../zone.js';
import { button } from '../ui/button.js';
import { isTyping } from '../lot/shortcuts.js';
import { formatWallClock, formatWallDateTime, parseGoTo } from './wall.js';

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8];

// createControls({from, to, zone, onLeave, alive}) -> {el, bind(sync),
// setClock(wall, playing), notice(text)}; bind() hands it the clock.
export function createControls ({ from, to, zone, onLeave, alive }) {
  let sync = null;
  const playLabel = h('span', { class: 'btn-label', text: t('review.play') });
  const play = h('button', {
    type: 'button',
    class: 'btn btn-primary replay-play',
    'aria-keyshortcuts': 'Space',
    dataset: { testid: 'replay-play' },
    on: { click: () => sync?.toggle() },
  }, playLabel);
  const back = button(t('review.stepBack'), {
    kind: 'secondary',
    'aria-keyshortcuts': ',',
    title: t('review.stepBackTitle'),
    dataset: { testid: 'replay-step-back' },
    on: { click: () => sync?.step(-1) },
  });
  const forward = button(t('review.stepForward'), {
    kind: 'secondary',
    'aria-keyshortcuts': '.',
    title: t('review.stepForwardTitle'),
    dataset: { testid: 'replay-step-forward' },
    on: { click: () => sync?.step(1) },
  });

  const speedId = uid('replay-speed');
  const speed = h('select', {
    id: speedId,
    class: 'input replay-speed',
    dataset: { testid: 'replay-speed' },
    on: { change: () => sync?.setRate(Number(speed.value)) },
  }, SPEEDS.map((s) => h('option', { value: String(s), text: `${s}×`, selected: s === 1 })));

  const clock = h('output', {
    class: 'replay-clock mono',
    dataset: { testid: 'replay-clock' },
    'aria-live': 'off',
  });
  const clockDate = h('span', { class: 'replay-clock-date small muted' });

  const gotoId = uid('replay-goto');
  const gotoError = h('p', { id: `${gotoId}-error`, class: 'field-error', hidden: true });
  const gotoInput = h('input', {
    id: gotoId,
    class: 'input mono replay-goto',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'HH:MM:SS.mmm',
    'aria-describedby': `${gotoId}-error`,
    dataset: { testid: 'replay-goto' },
  });
  const gotoForm = h('form', {
    class: 'replay-goto-form',
    novalidate: true,
    'aria-label': t('review.goto'),
    on: {
      submit: (e) => {
        e.preventDefault();
        const r = parseGoTo(gotoInput.value, { from, to, zone });
        gotoError.hidden = !r.error;
        gotoError.textContent = r.error ? t(`review.gotoInvalid.${r.error}`) : '';
        if (r.error) {
          gotoInput.setAttribute('aria-invalid', 'true');
          return;
        }
        gotoInput.removeAttribute('aria-invalid');
        sync?.pause();
        sync?.seek(r.ms);
      },
    },
  },
  h('label', {
    for: gotoId,
    class: 'field-label',
    text: t('review.gotoLabel', { zone: zoneName(zone) }),
  }),
  h('div', { class: 'replay-goto-row' }, gotoInput,
    button(t('review.gotoSubmit'), {
      kind: 'secondary',
      type: 'submit',
      dataset: { testid: 'replay-goto-submit' },
    })),
  gotoError);

  const notice = h('p', {
    class: 'replay-notice',
    role: 'status',
    dataset: { testid: 'replay-notice' },
  });

  const el = h('div', { class: 'replay-controls' },
    h('div', { class: 'replay-buttons', role: 'group', 'aria-label': t('review.transport') },
      back, play, forward,
      h('label', { for: speedId, class: 'replay-speed-label', text: t('review.speed') }), speed),
    h('div', { class: 'replay-time' },
      h('span', { class: 'small muted', text: t('review.clockLabel', { zone: zoneName(zone) }) }),
      clock, clockDate),
    gotoForm,
    notice);

  let shownPlaying = null;
  function setClock (wall, playing) {
    const text = formatWallClock(wall, zone);
    if (clock.textContent !== text) {
      clock.textContent = text;
      clock.dataset.wall = String(Math.round(wall));
      clockDate.textContent = formatWallDateTime(wall, zone).slice(0, 10);
    }
    if (shownPlaying !== playing) {
      shownPlaying = playing;
      playLabel.textContent = t(playing ? 'review.pause' : 'review.play');
      play.setAttribute('aria-pressed', String(playing));
      play.dataset.playing = String(playing);
    }
  }

  const onKey = (e) => {
    if (!sync || !alive() || e.defaultPrevented) return;
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (isTyping(e.target) || document.querySelector('dialog[open]')) return;
    if (e.key === ' ' || e.code === 'Space') {
      // a focused button takes Space itself
      if (e.target.closest?.('button, a[href]')) return;
      e.preventDefault();
      sync.toggle();
    } else if (e.key === ',' || e.key === '.') {
      e.preventDefault();
      sync.step(e.key === '.' ? 1 : -1);
    }
  };
  document.addEventListener('keydown', onKey);
  onLeave(() => document.removeEventListener('keydown', onKey));

  let noticeTimer = null;
  onLeave(() => clearTimeout(noticeTimer));
  return {
    el,
    bind: (s) => { sync = s; },
    setClock,
    notice (text) {
      notice.textContent = text ?? '';
      clearTimeout(noticeTimer);
      if (text) noticeTimer = setTimeout(() => { notice.textContent = ''; }, 8000);
    },
  };
}
