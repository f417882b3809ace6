// replay/sync.js: the master wall clock of a synchronised replay. One
// time, `wall` (ms since the epoch), drives every camera's player
// (replay/player.js).
//
// DESIGN. While paused, wall is what the auditor chose (a seek, a frame
// step) and every player that recorded that instant is moved to it. While
// playing, the clock follows a leader: a player that recorded the current
// time and plays; wall is the wall-clock time of the leader's frame, read
// on every animation frame, so a leader that waits for data holds the
// clock rather than letting the others run ahead. The other players
// follow: one that recorded wall plays at the same speed and is moved
// (a seek) when it is more than DRIFT_MS off; one that did not is paused
// and its tile says so. A leader whose playlist runs on past the end of
// its recording (the playlists leave gaps out) would jump the clock: its
// time is capped at the end of what it recorded, and another player
// leads from there. When no camera recorded wall, the clock skips to the
// next time any camera recorded and reports the skipped gap.

const DRIFT_MS = 200;
const SEEK_GRACE_MS = 750; // a follower just moved is given time to settle
const HAVE_FUTURE_DATA = 3;

const playVideo = (video) => video.play().catch(() => {}); // a pause during play() rejects

// createSync({players, from, to, frameMs, onClock(wall, playing),
//   onTile(player, state), onSkip(fromWall, toWall), onEnd()}) -> sync
// state: 'loading' | 'recorded' | 'gap' | 'failed'.
export function createSync ({ players, from, to, frameMs, onClock, onTile, onSkip, onEnd }) {
  let wall = from;
  let playing = false;
  let rate = 1;
  let leader = null;
  let raf = 0;
  let stopped = false;
  const moved = new Map(); // player -> performance.now() of its last seek
  const states = new Map();

  const clamp = (ms) => Math.min(Math.max(ms, from), to);
  const live = () => players.filter((p) => !p.failed());

  // A gap is told again: its overlay names the gap at the clock, which
  // changes when the clock goes from one gap to another.
  function tileState (p, state) {
    if (states.get(p) === state && state !== 'gap') return;
    states.set(p, state);
    onTile(p, state);
  }

  // Puts p at wall; plays it when the clock plays. -> whether p recorded wall.
  function place (p, force = false) {
    if (p.failed()) {
      tileState(p, 'failed');
      return false;
    }
    if (!p.ready) {
      p.seekWall(wall); // remembered for when its playlist is in
      tileState(p, 'loading');
      return false;
    }
    if (!p.recordedAt(wall) || !p.seekWall(wall, force)) {
      if (!p.video.paused) p.video.pause();
      tileState(p, 'gap');
      return false;
    }
    moved.set(p, performance.now());
    p.video.playbackRate = rate;
    tileState(p, 'recorded');
    if (playing) playVideo(p.video);
    else if (!p.video.paused) p.video.pause();
    return true;
  }

  function seek (ms, force = false) {
    wall = clamp(ms);
    leader = null;
    for (const p of players) place(p, force);
    onClock(wall, playing);
  }

  function follow (now) {
    for (const p of players) {
      if (p === leader || !p.ready || p.failed()) continue;
      if (!p.recordedAt(wall)) {
        if (!p.video.paused) p.video.pause();
        tileState(p, 'gap');
        continue;
      }
      const v = p.video;
      if (v.playbackRate !== rate) v.playbackRate = rate;
      if (v.paused || states.get(p) !== 'recorded') {
        place(p);
        continue;
      }
      if (v.seeking || now - (moved.get(p) ?? -Infinity) < SEEK_GRACE_MS) continue;
      const w = p.wallNow();
      if (w === null || Math.abs(w - wall) > DRIFT_MS) {
        // it will lag by the time the seek takes: aim a little ahead
        p.seekWall(Math.min(wall + 100 * rate, p.runAt(wall)?.end ?? wall));
        moved.set(p, now);
      }
    }
  }

  // No camera recorded wall: go on at the next recorded time, or stop.
  function skipGap () {
    const pending = live().some((p) => !p.ready);
    if (pending) return; // a player still loading may hold wall
    const next = live().map((p) => p.nextStart(wall)).filter((n) => n !== null && n < to);
    if (!next.length) {
      pause();
      onEnd?.();
      return;
    }
    const target = Math.min(...next);
    const skipped = wall;
    seek(target);
    onSkip?.(skipped, target);
  }

  function pickLeader () {
    const keeps = leader && leader.ready && !leader.failed() && leader.recordedAt(wall);
    if (keeps && !leader.video.paused) return leader;
    const next = live().find((p) => p.ready && p.recordedAt(wall)) ?? null;
    // a playing follower is within DRIFT_MS of wall and leads from where it
    // is; putting it back on wall (which trails it by up to a frame) would
    // show a frame twice and stall the clock
    if (next?.video.paused) place(next);
    return next;
  }

  function tick () {
    raf = 0;
    if (!playing || stopped) return;
    const now = performance.now();
    if (leader?.video.ended) wall = Math.max(wall, leader.runAt(wall)?.end ?? wall); // played out
    leader = pickLeader();
    if (!leader) {
      skipGap();
    } else {
      const v = leader.video;
      const run = leader.runAt(wall);
      if (!v.seeking && v.readyState >= HAVE_FUTURE_DATA) {
        let w = leader.wallNow();
        if (w !== null && run && w > run.end) w = run.end; // ran past a gap of its own
        if (w !== null && w > wall) wall = w;
      }
      if (wall >= to) {
        wall = to;
        pause();
        onEnd?.();
      } else {
        follow(now);
      }
    }
    onClock(wall, playing);
    if (playing) raf = requestAnimationFrame(tick);
  }

  function play () {
    if (playing || stopped) return;
    if (wall >= to - frameMs) wall = from;
    playing = true;
    seek(wall);
    raf = requestAnimationFrame(tick);
  }

  // Stops at the leader's time and puts every player on it, the leader
  // too: a playing video may present the frame after its currentTime.
  function pause () {
    if (!playing) return;
    playing = false;
    cancelAnimationFrame(raf);
    raf = 0;
    for (const p of players) p.video.pause();
    const w = leader?.wallNow();
    if (w !== null && w !== undefined && leader.recordedAt(w)) wall = clamp(w);
    seek(wall, true);
  }

  return {
    play,
    pause,
    toggle: () => (playing ? pause() : play()),
    seek: (ms) => seek(ms),
    // One frame forward (1) or back (-1); pauses first.
    step (dir) {
      pause();
      seek(wall + dir * frameMs);
    },
    setRate (r) {
      rate = r;
      for (const p of players) if (p.ready) p.video.playbackRate = r;
    },
    // A player's playlist is in: put it on the clock.
    ready (p) {
      place(p);
      onClock(wall, playing);
    },
    failed (p) {
      tileState(p, 'failed');
      if (p === leader) leader = null;
    },
    time: () => wall,
    playing: () => playing,
    rate: () => rate,
    stop () {
      stopped = true;
      playing = false;
      cancelAnimationFrame(raf);
    },
  };
}
