// camera/strip.js: a one-line timeline of a camera over a time window:
// recorded segments in green, gaps coloured by their cause, nothing where
// the index has neither (before the camera was linked). Plain divs placed
// by percentage; each piece's title names what it is and its times, and the
// whole strip has a summary for screen readers.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { formatClock } from '../time.js';
import { formatDuration } from '../units.js';
import { gapCauseText, gapGroup } from './state.js';

// Clips [start, end ?? now] to [from, to]; null when outside.
function clip (start, end, from, to) {
  const s = Math.max(Date.parse(start), from);
  const e = Math.min(end ? Date.parse(end) : to, to);
  return Number.isNaN(s) || Number.isNaN(e) || e <= s ? null : [s, e];
}

// timelineStrip({label}) -> {el, update(timeline, fromMs, toMs, zone), clear()}
export function timelineStrip ({ label }) {
  const bar = h('div', { class: 'strip-bar', role: 'img', 'aria-label': label });
  const el = h('div', { class: 'strip' }, bar);

  const piece = (kind, range, from, span, title, extra = {}) => h('div', {
    class: `strip-piece strip-${kind}`,
    title,
    style: {
      left: `${((range[0] - from) / span) * 100}%`,
      width: `${Math.max(((range[1] - range[0]) / span) * 100, 0.25)}%`,
    },
    ...extra,
  });

  function update (timeline, from, to, zone) {
    const span = to - from;
    const pieces = [];
    let recorded = 0;
    const causes = new Set();
    for (const s of timeline?.segments ?? []) {
      const r = clip(s.start, s.end, from, to);
      if (!r) continue;
      recorded += r[1] - r[0];
      const until = s.end ? formatClock(s.end, zone) : t('strip.now');
      pieces.push(piece('rec', r, from, span, t('strip.segment', { from: formatClock(s.start, zone), to: until })));
    }
    let gaps = 0;
    for (const g of timeline?.gaps ?? []) {
      const r = clip(g.start, g.end, from, to);
      if (!r) continue;
      gaps += 1;
      causes.add(gapCauseText(g.cause));
      const until = g.end ? formatClock(g.end, zone) : t('strip.now');
      const text = t('strip.gap', { cause: gapCauseText(g.cause), from: formatClock(g.start, zone), to: until });
      pieces.push(piece(`gap strip-gap-${gapGroup(g.cause)}`, r, from, span,
        g.detail ? `${text} (${g.detail})` : text, { dataset: { cause: g.cause } }));
    }
    bar.replaceChildren(...pieces);
    bar.setAttribute('aria-label', `${label}: ${gaps
      ? t('strip.summaryGaps', { recorded: formatDuration(recorded), gaps, causes: [...causes].join(', ') })
      : t('strip.summary', { recorded: formatDuration(recorded) })}`);
  }

  return { el, update, clear: () => bar.replaceChildren() };
}

// The legend under a set of strips: what each colour means.
export function stripLegend () {
  return h('ul', { class: 'strip-legend' },
    h('li', {}, h('span', { class: 'strip-swatch strip-rec', 'aria-hidden': 'true' }), t('strip.legend.rec')),
    ['lost', 'auth', 'off', 'restart', 'storage', 'other'].map((g) =>
      h('li', {}, h('span', { class: `strip-swatch strip-gap-${g}`, 'aria-hidden': 'true' }), t(`strip.legend.${g}`))));
}
