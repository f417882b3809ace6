// camera/live-mse.js: the MSE leg of a live view, for networks where
// WebRTC cannot connect (no UDP). The server sends the MediaSource type,
// then fragmented MP4 over the live socket: the init segment, then one
// moof+mdat per frame, starting with the cached group of pictures (from the
// latest key frame). They are appended in order to one SourceBuffer.
//
// DESIGN. Appends are queued while the SourceBuffer is busy; the queue is
// bounded (MAX_QUEUE messages or MAX_QUEUE_BYTES): a browser that falls that
// far behind is better served by a fresh start from the server's latest
// key frame than by dropping frames (a P-frame without its references
// decodes as garbage), so an overflow ends the leg (onOverflow) and the
// player reconnects. Only about KEEP_SECONDS stay buffered behind the
// playhead; a QuotaExceededError removes all but the last second and
// retries the append.
//
// Catch-up (catchUp() below): a live picture must not drift behind the
// camera (the issue asks for at most about a second). The lag is the end
// of the last buffered range minus the playhead. Over JUMP_LAG (0.5 s),
// or with the playhead outside the last range (the start, a gap), we jump
// to JUMP_TARGET (0.15 s) before the end: one short skip instead of a
// picture that stays late. Between FAST_LAG (0.3 s) and JUMP_LAG the
// playback rate goes to FAST_RATE (1.1, unnoticeable on a yard camera)
// until the lag is under SLOW_LAG (0.15 s): small drifts (a stall waiting
// for a late frame, timer jitter) go without a skip. Under 0.15 s of lead
// the element would stall at every late frame.
//
// Why 0.5 s and not 1 s: a new viewer gets the cached group of pictures
// (up to a key-frame interval) in one burst; the playhead jumps when the
// lag first passes the threshold, the rest of the burst lands after it,
// and with 1 s the lag left (0.5-0.7 s) took 5 s at 1.1x to drain.
// tests/bench/live (720p15), p50 / p95 of the MSE picture's age:
// thresholds 1 / 0.5 / 0.25 s: 334 / 684 ms; 1 / 0.3 / 0.15 s: 141-181 /
// 174-634 ms (the start); 0.5 / 0.3 / 0.15 s: 167-175 / 181-189 ms.

// startMse(video, mime, {onOverflow, onError}) -> {push(arrayBuffer), close()}

export const KEEP_SECONDS = 10;
export const JUMP_LAG = 0.5;
export const JUMP_TARGET = 0.15;
export const FAST_LAG = 0.3;
export const SLOW_LAG = 0.15;
export const FAST_RATE = 1.1;
export const MAX_QUEUE = 300;
export const MAX_QUEUE_BYTES = 16 * 1024 * 1024;

// What to do about the playhead: {seek: seconds}, {rate: r} or null.
// ranges: [[start, end], ...] (video.buffered), current: currentTime,
// rate: playbackRate.
export function catchUp (ranges, current, rate) {
  if (!ranges.length) return null;
  const [start, end] = ranges[ranges.length - 1];
  const lag = end - current;
  if (current < start || lag > JUMP_LAG) return { seek: Math.max(start, end - JUMP_TARGET) };
  if (lag > FAST_LAG && rate === 1) return { rate: FAST_RATE };
  if (lag < SLOW_LAG && rate !== 1) return { rate: 1 };
  return null;
}

// The range to remove before the playhead, [from, to], or null: all but
// KEEP_SECONDS (or, after a QuotaExceededError, all but one second).
export function trimRange (ranges, current, keep = KEEP_SECONDS) {
  if (!ranges.length) return null;
  const from = ranges[0][0];
  const to = current - keep;
  return to - from > 1 ? [from, to] : null; // trimmed in steps of over a second
}

function rangesOf (buffered) {
  const out = [];
  for (let i = 0; i < buffered.length; i++) out.push([buffered.start(i), buffered.end(i)]);
  return out;
}

export function startMse (video, mime, { onOverflow, onError }) {
  const source = new MediaSource();
  const url = URL.createObjectURL(source);
  let buffer = null;
  let queue = [];
  let queued = 0;
  let closed = false;
  let started = false;
  let keep = KEEP_SECONDS;

  function fail (reason, fn = onError) {
    if (closed) return;
    close();
    fn(reason);
  }

  function adjust () {
    if (closed || !buffer || video.seeking) return;
    const step = catchUp(rangesOf(video.buffered), video.currentTime, video.playbackRate);
    if (step?.seek !== undefined) video.currentTime = step.seek;
    else if (step?.rate !== undefined) video.playbackRate = step.rate;
  }

  function pump () {
    if (closed || !buffer || buffer.updating) return;
    const trim = trimRange(rangesOf(buffer.buffered), video.currentTime, keep);
    if (trim) {
      keep = KEEP_SECONDS;
      buffer.remove(trim[0], trim[1]);
      return;
    }
    if (!queue.length) return;
    const chunk = queue.shift();
    try {
      buffer.appendBuffer(chunk);
      queued -= chunk.byteLength;
    } catch (error) {
      if (error.name !== 'QuotaExceededError') {
        fail(`append: ${error.message}`);
        return;
      }
      queue.unshift(chunk);
      if (keep === 1) { // already trimmed to a second: nothing left to free
        fail('buffer full', onOverflow);
        return;
      }
      keep = 1;
      pump();
    }
  }

  function onUpdateEnd () {
    if (closed) return;
    if (!started && buffer.buffered.length) {
      started = true;
      video.play().catch(() => {}); // muted autoplay; a later source aborts it
    }
    adjust();
    pump();
  }

  function onVideoError () {
    fail(`video: ${video.error?.message || video.error?.code || 'error'}`);
  }

  source.addEventListener('sourceopen', () => {
    URL.revokeObjectURL(url);
    if (closed) return;
    try {
      buffer = source.addSourceBuffer(mime);
      buffer.mode = 'segments';
    } catch (error) {
      fail(`addSourceBuffer: ${error.message}`);
      return;
    }
    buffer.addEventListener('updateend', onUpdateEnd);
    buffer.addEventListener('error', () => fail('SourceBuffer error'));
    pump();
  }, { once: true });
  video.addEventListener('timeupdate', adjust);
  video.addEventListener('waiting', adjust);
  video.addEventListener('error', onVideoError);
  video.srcObject = null;
  video.playbackRate = 1;
  video.src = url;

  function push (data) {
    if (closed) return;
    queue.push(data);
    queued += data.byteLength;
    if (queue.length > MAX_QUEUE || queued > MAX_QUEUE_BYTES) {
      fail(`queue over ${queue.length} messages, ${queued} bytes`, onOverflow);
      return;
    }
    pump();
  }

  function close () {
    if (closed) return;
    closed = true;
    queue = [];
    queued = 0;
    video.removeEventListener('timeupdate', adjust);
    video.removeEventListener('waiting', adjust);
    video.removeEventListener('error', onVideoError);
    buffer?.removeEventListener('updateend', onUpdateEnd);
  }

  return { push, close };
}
