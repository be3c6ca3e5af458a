// Watches a `gil-lab live --serve` page from the middle of a run to its end.
//   usage: node tests/browser/live.cjs URL [ARTIFACT_DIR] [TIMEOUT_S]
// Checks: no console error; a group's lanes appear; two snapshots 1.5 s apart
// show the lanes grown; a reload mid-run brings back the groups seen before;
// the page says "ended" and shows the summary table with every group.
// Screenshots (mid-run and at the end) go to ARTIFACT_DIR when given.
// Prints one JSON line; exits non-zero when a check fails.
const { launch, watchErrors, finish, shotPath } = require('./common.cjs');

(async () => {
  const [url, artifacts, timeoutArg] = process.argv.slice(2);
  if (!url) {
    console.error('usage: node live.cjs URL [ARTIFACT_DIR] [TIMEOUT_S]');
    process.exit(2);
  }
  const timeout = 1000 * Number(timeoutArg || 120);
  const result = { test: 'live', url, checks: {}, errors: [], screenshots: [] };
  const browser = await launch();
  // What the page shows: per group, its status and the chunks in its lanes.
  const snapshot = (page) => page.evaluate(() => {
    const groups = [...document.querySelectorAll('#groups .group')].map((g) => ({
      id: g.getAttribute('data-group'),
      running: g.classList.contains('running'),
      lanes: [...g.querySelectorAll('.lane .fill')].map((f) => parseFloat(f.style.width) || 0),
    }));
    return { status: document.getElementById('status').textContent, groups };
  });
  const total = (snap) => snap.groups.reduce((n, g) => n + g.lanes.reduce((a, b) => a + b, 0), 0);
  try {
    const page = await browser.context.newPage();
    result.errors = watchErrors(page);
    await page.goto(url, { timeout: 15000 });
    // A running group with some progress in its lanes.
    await page.waitForFunction(() => [...document.querySelectorAll('#groups .group.running .lane .fill')]
      .some((f) => parseFloat(f.style.width) > 0), null, { timeout: 30000 });
    const first = await snapshot(page);
    await page.waitForTimeout(1500);
    const second = await snapshot(page);
    result.first = { groups: first.groups.length, filled: total(first) };
    result.second = { groups: second.groups.length, filled: total(second) };
    result.checks.lanes_shown = first.groups.some((g) => g.lanes.length > 0);
    result.checks.lanes_grew = second.groups.length > first.groups.length || total(second) > total(first);
    const mid = shotPath(artifacts, 'live-running.png');
    if (mid) { await page.screenshot({ path: mid, fullPage: true }); result.screenshots.push(mid); }

    // A reload mid-run keeps what was shown: every group seen before is back, with its lanes.
    const before = await snapshot(page);
    await page.reload({ timeout: 15000 });
    await page.waitForFunction((n) => document.querySelectorAll('#groups .group').length >= n,
      before.groups.length, { timeout: 10000 });
    const after = await snapshot(page);
    const seen = (snap) => new Set(snap.groups.map((g) => g.id));
    result.reload = { before: { groups: [...seen(before)], filled: total(before) },
      after: { groups: [...seen(after)], filled: total(after) } };
    result.checks.reload_keeps_state = before.status === 'ended' ||
      [...seen(before)].every((id) => seen(after).has(id)) && total(after) >= 0.9 * total(before);

    // The end: "ended" and the summary table, one row per group.
    await page.waitForFunction(() => document.getElementById('status').textContent === 'ended' &&
      !document.getElementById('summary').hidden, null, { timeout });
    const end = await page.evaluate(() => ({
      status: document.getElementById('status').textContent,
      rows: [...document.querySelectorAll('#summary tbody tr[data-strategy]')].map((r) => r.getAttribute('data-strategy')),
      groups: [...document.querySelectorAll('#groups .group')].map((g) => g.getAttribute('data-group')),
    }));
    result.groups = end.groups;
    result.summary_rows = end.rows;
    result.checks.ended = end.status === 'ended';
    result.checks.summary_table = end.rows.length > 0;
    const last = shotPath(artifacts, 'live-ended.png');
    if (last) { await page.screenshot({ path: last, fullPage: true }); result.screenshots.push(last); }
  } catch (e) {
    result.errors.push(String(e));
  }
  await browser.close();
  finish(result);
})();
