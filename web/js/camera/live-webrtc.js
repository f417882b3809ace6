// camera/live-webrtc.js: the WebRTC leg of a live view. The server offers
// (sendonly H.264, its profile-level-id already one the browser receives);
// we answer recvonly and trickle ICE both ways over the live socket. No
// STUN or TURN servers: the server and the viewers share a network, and
// host candidates (peer-reflexive ones for the browser's mDNS names) are
// all there is.
//
// startWebRtc(video, {send, onTrack, onConnected, onFailed}) -> {handle(msg), close()}
//   handle() takes the socket's 'offer' and 'ice' messages.
//   onTrack() when the remote stream is set on the video (new media);
//   onConnected() once the peer connection reaches "connected";
//   onFailed(reason, {wasConnected}) once when it cannot: the browser
//   refuses RTCPeerConnection, negotiation fails, "connected" is not
//   reached within CONNECT_MS of the offer, or the connection fails later
//   (wasConnected true), or frames arrive that the browser does not decode
//   (undecodable true; see below).
//
// Frames that arrive but do not decode: Chromium's WebRTC receiver cannot
// reorder, so a stream with B-frames shows its key frames only (the rest
// is dropped, with a picture loss request each time). Once connected, the
// receiver's statistics are read every CHECK_MS; when UNDECODABLE_WINDOWS
// windows in a row decode under half the frames received (at least
// MIN_FRAMES of them), the leg fails with undecodable, and the player uses
// MSE, which plays such streams, for this camera.
//   close() closes the peer connection; no callback runs after it. The
//   video keeps its last picture (the player clears it or the next leg
//   replaces it).

export const CONNECT_MS = 4000;
export const CHECK_MS = 2000;
export const UNDECODABLE_WINDOWS = 2;
export const MIN_FRAMES = 8;

// Whether a window of receiver statistics (the differences of
// framesReceived and framesDecoded) decoded under half its frames.
export function undecodableWindow (received, decoded) {
  return received >= MIN_FRAMES && decoded * 2 < received;
}

export function startWebRtc (video, { send, onTrack, onConnected, onFailed }) {
  let pc = null;
  let closed = false;
  let connected = false;
  let remoteSet = false;
  let timer = null;
  let checker = null;
  const early = []; // server candidates that came before the offer was set

  function fail (reason, undecodable = false) {
    if (closed) return;
    const wasConnected = connected;
    close();
    onFailed(reason, { wasConnected, undecodable });
  }

  // Every CHECK_MS once connected: do the frames that arrive decode?
  function watchDecoding () {
    let last = { received: 0, decoded: 0 };
    let bad = 0;
    checker = setInterval(async () => {
      let stats;
      try {
        stats = await pc.getStats();
      } catch {
        return;
      }
      if (closed) return;
      let now = null;
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') now = { received: r.framesReceived ?? 0, decoded: r.framesDecoded ?? 0 };
      });
      if (!now) return;
      bad = undecodableWindow(now.received - last.received, now.decoded - last.decoded) ? bad + 1 : 0;
      last = now;
      if (bad >= UNDECODABLE_WINDOWS) fail(`${now.received - now.decoded} of ${now.received} frames not decoded`, true);
    }, CHECK_MS);
  }

  function onConnectionState () {
    if (closed) return;
    const state = pc.connectionState;
    if (state === 'connected' && !connected) {
      connected = true;
      clearTimeout(timer);
      watchDecoding();
      onConnected();
    } else if (state === 'failed' || state === 'closed') {
      fail(`connection ${state}`);
    }
  }

  function addCandidate (msg) {
    if (!msg.candidate) return; // end of candidates
    pc.addIceCandidate({ candidate: msg.candidate, sdpMLineIndex: msg.sdpMLineIndex ?? 0 }).catch(() => {
      // a candidate the browser cannot use (another address family): the others may do
    });
  }

  async function answer (sdp) {
    try {
      pc = new RTCPeerConnection({ iceServers: [] });
    } catch (error) {
      fail(`RTCPeerConnection: ${error.message}`);
      return;
    }
    timer = setTimeout(() => fail('not connected in time'), CONNECT_MS);
    pc.addEventListener('connectionstatechange', onConnectionState);
    pc.addEventListener('track', (e) => {
      if (closed) return;
      video.removeAttribute('src');
      video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      onTrack();
      video.play().catch(() => {}); // muted autoplay; a newer srcObject aborts this one
    });
    pc.addEventListener('icecandidate', (e) => {
      if (!closed && e.candidate?.candidate) {
        send({ type: 'ice', candidate: e.candidate.candidate, sdpMLineIndex: e.candidate.sdpMLineIndex ?? 0 });
      }
    });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      if (closed) return;
      remoteSet = true;
      for (const msg of early.splice(0)) addCandidate(msg);
      await pc.setLocalDescription(await pc.createAnswer());
      if (closed) return;
      send({ type: 'answer', sdp: pc.localDescription.sdp });
    } catch (error) {
      fail(`negotiation: ${error.message}`);
    }
  }

  function handle (msg) {
    if (closed) return;
    if (msg.type === 'offer' && typeof msg.sdp === 'string' && !pc) {
      answer(msg.sdp);
    } else if (msg.type === 'ice') {
      if (remoteSet) addCandidate(msg);
      else early.push(msg);
    }
  }

  function close () {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    clearInterval(checker);
    pc?.close();
    pc = null;
  }

  return { handle, close };
}
