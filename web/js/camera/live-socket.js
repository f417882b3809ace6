// camera/live-socket.js: the live view's WebSocket,
// GET /api/cameras/{id}/live?transport=webrtc|mse|jpeg (docs/live.md).
// Its URL, its close codes and the parsing of the server's text messages;
// no DOM, so it loads in Node for the unit tests.

import { socketUrl } from '../events.js';

export const TRANSPORTS = ['webrtc', 'mse', 'jpeg'];

// Close codes of the live socket (docs/live.md).
export const CLOSE = {
  GOING_AWAY: 1001,
  POLICY: 1008,
  SESSION: 4001,     // session ended or due a check: ask GET /api/session
  TOO_SLOW: 4008,    // mse/jpeg: the viewer's queue overflowed
  REMOVED: 4404,     // the camera was removed: do not reconnect
  CODEC: 4415,       // the codec cannot go over this transport: use jpeg
};

// The largest message the server accepts from us.
export const MAX_CLIENT_MESSAGE = 64 * 1024;

// liveUrl('cam id', 'mse', location) -> 'ws://host/api/cameras/cam%20id/live?transport=mse'
export function liveUrl (cameraId, transport, loc = globalThis.location) {
  return socketUrl(`/api/cameras/${encodeURIComponent(cameraId)}/live?transport=${encodeURIComponent(transport)}`, loc);
}

// A text message of the server as {type, ...}, or null when it is not one
// (not JSON, no string type). Unknown types are returned; callers ignore them.
export function parseLiveMessage (data) {
  if (typeof data !== 'string') return null;
  let msg;
  try {
    msg = JSON.parse(data);
  } catch {
    return null;
  }
  return msg && typeof msg === 'object' && typeof msg.type === 'string' ? msg : null;
}

// The transport to start with in this browser for a camera whose codec is
// not known yet (the hello tells): WebRTC when the browser has it, else MSE,
// else JPEG. env: {RTCPeerConnection, MediaSource} (globalThis).
export function firstTransport (env = globalThis) {
  if (typeof env.RTCPeerConnection === 'function') return 'webrtc';
  if (typeof env.MediaSource === 'function') return 'mse';
  return 'jpeg';
}

// The transport to use after the hello named the camera's codec: H.265
// goes over JPEG (no browser here decodes it over WebRTC, and MSE only
// where MediaSource says so; the server refuses both: docs/live.md); a
// stream with B-frames goes over MSE (Chromium's WebRTC receiver shows
// only its key frames).
export function transportForCodec (transport, codec, bframes = false) {
  if (codec === 'h265' && transport !== 'jpeg') return 'jpeg';
  if (bframes && transport === 'webrtc') return 'mse';
  return transport;
}
