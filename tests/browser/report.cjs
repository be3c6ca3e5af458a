// Opens an HTML report written by `--html` and checks what a reader sees.
//   usage: node tests/browser/report.cjs REPORT.html [ARTIFACT_DIR]
// Checks: no console error; the embedded JSON parses; every strategy (group,
// claim) it names appears in the page; for compare and live, the timelines
// SVG has a panel per timeline and the axis toggle switches between the shared
// axis and each row's own. Screenshots go to ARTIFACT_DIR when given.
// Prints one JSON line; exits non-zero when a check fails.
const path = require('path');
const { pathToFileURL } = require('url');
const { launch, watchErrors, finish, shotPath } = require('./common.cjs');

(async () => {
  const [file, artifacts] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node report.cjs REPORT.html [ARTIFACT_DIR]');
    process.exit(2);
  }
  const result = { test: 'report', file, checks: {}, errors: [], screenshots: [] };
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    result.errors = watchErrors(page);
    await page.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: 'load', timeout: 20000 });
    const facts = await page.evaluate(() => {
      const holder = document.getElementById('gil-lab-data');
      let data = null;
      try { data = JSON.parse(holder.textContent); } catch (e) { return { parsed: false }; }
      const byReport = JSON.parse(document.getElementById('gil-lab-timelines').textContent);
      const reports = data.reports || [data];
      const names = [];
      let timelines = 0;
      for (const t of byReport) timelines += t.length;
      for (const r of reports) {
        for (const row of r.results || []) names.push(row.strategy);
        for (const g of r.groups || []) names.push(g.id);
        for (const c of r.claims || []) names.push(c.id);
        for (const c of r.curves || []) names.push(c.model);
      }
      const text = document.body.innerText;
      return {
        parsed: true,
        names: [...new Set(names)],
        missing: [...new Set(names)].filter((n) => !text.includes(n)),
        timelines,
        panels: document.querySelectorAll('svg.timelines g.panel').length,
        svgs: document.querySelectorAll('svg').length,
        enhanced: document.documentElement.classList.contains('enhanced'),
        compare: reports.some((r) => Array.isArray(r.results)),
      };
    });
    Object.assign(result, { names: facts.names, timelines: facts.timelines, panels: facts.panels });
    result.checks.data_parses = facts.parsed;
    result.checks.every_name_shown = facts.parsed && facts.missing.length === 0 && (facts.names.length > 0 || !facts.compare);
    if (facts.missing && facts.missing.length) result.missing = facts.missing;
    // Compare always draws its speedup bars; verify and live draw where they have figures or timelines.
    result.checks.has_svg = facts.svgs > 0 || (!facts.compare && facts.timelines === 0);
    result.checks.script_ran = facts.enhanced;
    if (facts.timelines > 0) {
      result.checks.a_panel_per_timeline = facts.panels === facts.timelines;
      const shot = shotPath(artifacts, path.basename(file, '.html') + '-shared-axis.png');
      if (shot) { await page.screenshot({ path: shot, fullPage: true }); result.screenshots.push(shot); }
      // The toggle: the shared bars hide and each panel's own appear, and back.
      const visible = () => page.evaluate(() => {
        const first = document.querySelector('svg.timelines');
        const shown = (sel) => [...first.querySelectorAll(sel)].filter((g) => getComputedStyle(g).display !== 'none').length;
        return { shared: shown('g.shared'), own: shown('g.own'), panels: first.querySelectorAll('g.panel').length };
      });
      const before = await visible();
      await page.locator('input.own-axis').first().check();
      const after = await visible();
      result.checks.shared_axis_first = before.shared === before.panels && before.own === 0;
      result.checks.toggle_shows_own_axes = after.own > 0 && after.shared === 0;
      const own = shotPath(artifacts, path.basename(file, '.html') + '-own-axis.png');
      if (own) { await page.screenshot({ path: own, fullPage: true }); result.screenshots.push(own); }
      // Hover on the first lane: a tooltip names the strategy.
      const box = await page.locator('svg.timelines g.panel rect').first().boundingBox();
      if (box) {
        await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
        const tip = await page.evaluate(() => { const t = document.getElementById('tip'); return t.hidden ? '' : t.textContent; });
        result.checks.hover_explains_a_lane = tip.includes('worker w0');
      }
      await page.locator('input.own-axis').first().uncheck();
    } else {
      const shot = shotPath(artifacts, path.basename(file, '.html') + '.png');
      if (shot) { await page.screenshot({ path: shot, fullPage: true }); result.screenshots.push(shot); }
    }
  } catch (e) {
    result.errors.push(String(e));
  }
  await browser.close();
  finish(result);
})();
