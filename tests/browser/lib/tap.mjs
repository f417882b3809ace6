// tap.mjs: a minimal TAP producer for meson (protocol: 'tap'). Tests run in
// order; a failure prints the error as '#' comments and the run goes on.
// Only TAP lines go to stdout; everything else must be a '#' comment.

export function comment (text) {
  for (const line of String(text).split('\n')) console.log(`# ${line}`);
}

export function createTap () {
  let count = 0;
  let failed = 0;

  // test(name, async fn): one TAP line, 'ok' when fn resolves.
  async function test (name, fn) {
    count += 1;
    const n = count;
    try {
      await fn();
      console.log(`ok ${n} - ${name}`);
    } catch (error) {
      failed += 1;
      console.log(`not ok ${n} - ${name}`);
      comment(error?.stack ?? String(error));
      // meson prints a failing test's stderr (--print-errorlogs): say why there too
      console.error(`not ok ${n} - ${name}\n${error?.stack ?? String(error)}`);
    }
  }

  // Prints the plan; returns the number of failed tests.
  function end () {
    console.log(`1..${count}`);
    return failed;
  }

  return { test, end, failed: () => failed };
}

export function assert (cond, message) {
  if (!cond) throw new Error(message);
}

export function assertEqual (actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}: expected ${e}, got ${a}`);
}
