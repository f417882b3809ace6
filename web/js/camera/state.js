// camera/state.js: the words and badges for a camera's state and its
// recording node, for the reasons a connection test fails and for the
// causes of recording gaps.
// The server's codes are stable; unknown ones fall back to a generic text
// so a newer server never shows a raw key.

import { h } from '../dom.js';
import { t, has } from '../i18n.js';

export const STATES = ['connecting', 'streaming', 'backing_off', 'auth_failed', 'disabled', 'disk_full', 'db_unavailable'];

// The tone of a state: ok (streaming), wait (connecting, backing off),
// off (disabled) or bad (everything that needs a person).
const TONE = {
  streaming: 'ok',
  connecting: 'wait',
  backing_off: 'wait',
  disabled: 'off',
  auth_failed: 'bad',
  disk_full: 'bad',
  db_unavailable: 'bad',
};

export function stateLabel (state) {
  const key = `camera.state.${state}`;
  return has(key) ? t(key) : String(state ?? '');
}

export function stateBadge (state) {
  return h('span', {
    class: `badge badge-${TONE[state] ?? 'bad'}`,
    dataset: { state: state ?? '' },
    text: stateLabel(state),
  });
}

// The node recording a camera ("Not recorded" while no node holds it)
// and, for a pinned camera, the nodes it is pinned to: an array of nodes.
// long says "on node NAME" rather than the bare name.
export function nodeLabel (camera, { long = false } = {}) {
  return [
    camera.node
      ? h('span', { dataset: { testid: 'node' }, text: long ? t('camera.onNode', { node: camera.node }) : camera.node })
      : h('span', { class: camera.recording ? 'node-none' : 'muted', dataset: { testid: 'node' }, text: t('camera.notRecorded') }),
    camera.pinned_nodes?.length
      ? h('span', { class: 'small muted block', dataset: { testid: 'pinned' }, text: t('camera.pinnedTo', { nodes: camera.pinned_nodes.join(', ') }) })
      : null,
  ];
}

// "Authentication failed: check user name and password", ...
export function probeReasonText (reason) {
  const key = `probe.reason.${reason}`;
  return has(key) ? t(key) : t('probe.reason.other');
}

export function gapCauseText (cause) {
  const key = `gap.cause.${cause}`;
  return has(key) ? t(key) : t('gap.cause.error');
}

// The colour group of a gap cause on the timeline strip.
export function gapGroup (cause) {
  switch (cause) {
    case 'unreachable':
    case 'timeout':
    case 'stream_ended':
      return 'lost';
    case 'auth_failed':
      return 'auth';
    case 'disabled':
      return 'off';
    case 'server_restart':
      return 'restart';
    case 'disk_full':
    case 'db_unavailable':
      return 'storage';
    default:
      return 'other';
  }
}

export const GAP_GROUPS = ['lost', 'auth', 'off', 'restart', 'storage', 'other'];

// 'h264' -> 'H.264'
export function codecLabel (codec) {
  if (codec === 'h264') return 'H.264';
  if (codec === 'h265') return 'H.265';
  return codec ? String(codec).toUpperCase() : '';
}

export function resolutionLabel (width, height) {
  return width && height ? `${width} × ${height}` : '';
}

export function transportLabel (transport) {
  const key = `camera.transport.${transport}`;
  return has(key) ? t(key) : String(transport ?? '');
}

// Site, track and position as one line: "Erenhot · track 3 · overhead 1".
export function placeLabel (camera) {
  return [
    camera.site || null,
    camera.track ? t('camera.trackN', { track: camera.track }) : null,
    camera.position || null,
  ].filter(Boolean).join(' · ');
}

// Order cameras by site, track, position and name; numbers in names and
// tracks compare as numbers ("track 2" before "track 10").
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
export function compareCameras (a, b) {
  return collator.compare(a.site ?? '', b.site ?? '') ||
    collator.compare(a.track ?? '', b.track ?? '') ||
    collator.compare(a.position ?? '', b.position ?? '') ||
    collator.compare(a.name ?? '', b.name ?? '');
}

export function compareText (a, b) {
  return collator.compare(a ?? '', b ?? '');
}
