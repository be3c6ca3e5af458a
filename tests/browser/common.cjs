// Shared by the browser tests: Debian's Chromium driven headless through
// playwright-core (scripts/install-browser.sh installs both), and one JSON
// line as the result.
const fs = require('fs');
const os = require('os');
const path = require('path');

function playwright() {
  try {
    return require('playwright-core');
  } catch (e) {
    const fallback = path.join(os.homedir(), '.cache', 'gil-lab', 'node', 'node_modules', 'playwright-core');
    return require(fallback);
  }
}

const FLAGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/// A headless Chromium with a fresh profile; `close()` removes the profile too.
async function launch() {
  const { chromium } = playwright();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gil-lab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/// Records console errors and uncaught exceptions of a page.
function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push('pageerror: ' + String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('requestfailed', (r) => {
    // An EventSource closed by a reload or by the end of the test is not a failure of the page.
    if (!/\/events$/.test(r.url())) errors.push('request failed: ' + r.url());
  });
  return errors;
}

/// Prints the result as one JSON line and exits 0 when every check passed.
function finish(result) {
  const failed = Object.entries(result.checks || {}).filter(([, ok]) => !ok).map(([k]) => k);
  result.ok = failed.length === 0 && (result.errors || []).length === 0;
  if (failed.length) result.failed = failed;
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}

function shotPath(dir, name) {
  if (!dir) return null;
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

module.exports = { launch, watchErrors, finish, shotPath };
