// Reads the TAP that `node --test --test-reporter=tap` prints and says what failed. Node's own closing counts are not
// enough: a failing `before` hook counts its tests as `# cancelled`, not `# fail`, and a failing `after` hook of a
// suite counts nowhere (only the suite is `not ok`), so a run can end `# fail 0` with whole files not run.

/**
 * Every failure of a TAP run: each `not ok` test point none of whose own subtests is `not ok` (a suite whose `before`
 * hook failed shows up as its cancelled tests; a suite whose `after` hook failed, or a file that crashed or exited
 * non-zero, as itself), with Node's `failureType`, `location` and `error` when its YAML block has them.
 * @param {string} tap
 * @returns {{ counts: { tests: number, pass: number, fail: number, cancelled: number, skipped: number, todo: number }, failures: Array<{ name: string, type: string, location: string, error: string }> }}
 */
export function summarizeTap(tap) {
  const lines = tap.split('\n');
  const failures = [];
  /** Points seen at deeper indentation than the current one: the subtests of the next shallower point. */
  const open = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^( *)(ok|not ok) \d+ - (.*?)(?: # (SKIP|TODO)\b.*)?$/.exec(lines[i]);
    if (!m) continue;
    const depth = m[1].length;
    const notOk = m[2] === 'not ok' && m[4] !== 'TODO';
    let failingChild = false;
    while (open.length > 0 && open[open.length - 1].depth > depth) failingChild = open.pop().failing || failingChild;
    open.push({ depth, failing: notOk || failingChild });
    if (!notOk || failingChild) continue;
    const yaml = {};
    if (lines[i + 1]?.trim() === '---') {
      for (let j = i + 2; j < lines.length && lines[j].trim() !== '...'; j++) {
        const kv = /^\s*(failureType|location|error): (.*)$/.exec(lines[j]);
        if (kv) yaml[kv[1]] = unquote(kv[2]);
      }
    }
    failures.push({
      name: m[3],
      type: yaml.failureType ?? 'failed',
      location: yaml.location ?? '',
      error: yaml.error ?? '',
    });
  }
  const count = (key) => {
    const all = [...tap.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))];
    return all.length > 0 ? Number(all[all.length - 1][1]) : 0;
  };
  return {
    counts: {
      tests: count('tests'),
      pass: count('pass'),
      fail: count('fail'),
      cancelled: count('cancelled'),
      skipped: count('skipped'),
      todo: count('todo'),
    },
    failures,
  };
}

function unquote(s) {
  const t = s.trim();
  return t.startsWith("'") && t.endsWith("'") ? t.slice(1, -1).replace(/''/g, "'") : t;
}

/**
 * Adds one run's results to `totals`: passes and skips from Node's counts; as failures, those found in the TAP (else
 * Node's `fail + cancelled`), or one when the runner exited non-zero with no failure to show for it. Returns the lines naming each failure, for the closing report.
 * @param {{ pass: number, fail: number, skipped: number }} totals
 * @param {string} label the tier, e.g. 'unit tests'
 * @param {string} tap
 * @param {number | null} exitStatus the runner's exit status (null: killed)
 * @returns {string[]}
 */
export function addRun(totals, label, tap, exitStatus) {
  const { counts, failures } = summarizeTap(tap);
  totals.pass += counts.pass;
  totals.skipped += counts.skipped;
  const lines = failures.map(
    (f) =>
      `${label}: ${f.type === 'cancelledByParent' ? 'cancelled' : f.type}: ${f.name}${f.location ? ` (${f.location})` : ''}${f.error ? `: ${f.error}` : ''}`,
  );
  // Node's own `fail` also counts each parent of a failed subtest; it is only the fallback should no failure be named.
  let failed = failures.length;
  if (failed === 0 && counts.fail + counts.cancelled > 0) {
    failed = counts.fail + counts.cancelled;
    lines.push(
      `${label}: ${counts.fail} failed and ${counts.cancelled} cancelled test(s), by Node's count (see the TAP above)`,
    );
  }
  if (exitStatus !== 0 && failed === 0) {
    failed = 1;
    lines.push(
      `${label}: the test runner exited with ${exitStatus === null ? 'a signal' : `status ${exitStatus}`} and no failing test`,
    );
  }
  totals.fail += failed;
  return lines;
}
