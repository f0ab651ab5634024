#!/usr/bin/env node
// Opens bulletin's pages in headless Chromium and fails on what a reader
// would suffer from: axe-core WCAG 2.x A/AA violations, horizontal scrolling
// on a 320 px wide phone, and anything fetched from outside (an email or an
// archive page must be complete on its own).
//
//   node tests/browser/check-pages.js --shots DIR [--allow URLPREFIX] page.html [page2.html|URL ...]
//
// Exit 0 when every page passes, 1 on any failure (or missing browser or
// npm packages), 2 on bad usage.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM = process.env.BULLETIN_CHROMIUM || '/usr/bin/chromium';
const NARROW = 320;
const WIDE = 1024;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const LOAD_TIMEOUT_MS = 30000;
// A violation can hit hundreds of nodes; a few selectors are enough to find it.
const MAX_TARGETS = 3;

function usage(msg) {
  if (msg) console.error(`check-pages: ${msg}`);
  console.error('usage: node tests/browser/check-pages.js --shots DIR ' +
                'FILE.html|http://127.0.0.1:PORT/... [...]');
  process.exit(2);
}

const allowed = [];

function parseArgs(argv) {
  const opts = {shots: null, pages: []};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--shots') {
      if (i + 1 >= argv.length) usage('--shots needs a directory');
      opts.shots = argv[++i];
    } else if (a.startsWith('--shots=')) {
      opts.shots = a.slice('--shots='.length);
    } else if (a === '--allow') {
      // Addresses the page may refer to (e.g. the email's images on the
      // public archive): not fetched, and not reported.
      if (i + 1 >= argv.length) usage('--allow needs an address prefix');
      allowed.push(argv[++i]);
    } else if (a === '-h' || a === '--help') {
      usage();
    } else if (a.startsWith('-')) {
      usage(`unknown option ${a}`);
    } else {
      opts.pages.push(a);
    }
  }
  if (!opts.shots) usage('--shots DIR is required');
  if (opts.pages.length === 0) usage('no page given');
  return opts;
}

// Both the browser and the npm packages come from `scripts/deps test`;
// say so rather than failing with a stack trace.
function loadDeps() {
  const missing = [];
  if (!fs.existsSync(CHROMIUM)) missing.push(`the browser (${CHROMIUM}, Debian package chromium)`);
  let playwright = null;
  let axePath = null;
  try {
    playwright = require('playwright-core');
  } catch (e) {
    missing.push('the npm package playwright-core');
  }
  try {
    axePath = require.resolve('axe-core/axe.min.js');
  } catch (e) {
    missing.push('the npm package axe-core');
  }
  if (missing.length) {
    console.error(`check-pages: missing ${missing.join(', ')}; ` +
                  'run scripts/deps test (it installs chromium and runs ' +
                  'npm install in tests/browser)');
    process.exit(1);
  }
  return {chromium: playwright.chromium, axePath};
}

// A page argument is a local file or an http(s) URL; the label is what
// messages call it, the stem names its screenshots.
function describePage(arg) {
  if (/^https?:\/\//i.test(arg)) {
    const u = new URL(arg);
    const stem = (u.host + u.pathname).replace(/\.html?$/i, '')
                     .replace(/[^A-Za-z0-9._-]+/g, '_')
                     .replace(/^_+|_+$/g, '');
    return {label: arg, url: arg, file: null, stem: stem || 'page'};
  }
  const abs = path.resolve(arg);
  let rel = path.relative(process.cwd(), abs);
  if (rel.startsWith('..')) rel = abs;
  const stem = rel.replace(/\.html?$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_')
                   .replace(/^_+|_+$/g, '');
  return {label: arg, url: 'file://' + abs, file: abs, stem: stem || 'page'};
}

// Pages may load their own files and the local test server, nothing else
// (addresses given with --allow are blocked without complaint).
function isLocal(url) {
  if (url.startsWith('file:') || url.startsWith('data:') ||
      url.startsWith('blob:') || url === 'about:blank')
    return true;
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') &&
           u.hostname === '127.0.0.1';
  } catch (e) {
    return false;
  }
}

async function checkPage(context, axePath, page, shotsDir) {
  const failures = [];
  if (page.file && !fs.existsSync(page.file)) {
    failures.push(`file not found: ${page.file}`);
    return {failures, summary: 'not found'};
  }

  const external = new Set();
  const tab = await context.newPage();
  await tab.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    if (!allowed.some((p) => url.startsWith(p))) external.add(url);
    return route.abort('blockedbyclient');
  });

  let violations = [];
  let scrollWidth = 0;
  try {
    await tab.setViewportSize({width: WIDE, height: 800});
    const resp = await tab.goto(page.url, {waitUntil: 'load', timeout: LOAD_TIMEOUT_MS});
    if (resp && !resp.ok() && !page.file)
      failures.push(`HTTP ${resp.status()} loading ${page.url}`);

    await tab.addScriptTag({path: axePath});
    const result = await tab.evaluate(
        (tags) => window.axe.run(document, {runOnly: {type: 'tag', values: tags},
                                            resultTypes: ['violations']}),
        AXE_TAGS);
    violations = result.violations;
    await tab.screenshot({path: path.join(shotsDir, `${page.stem}-${WIDE}.png`),
                          fullPage: true});

    await tab.setViewportSize({width: NARROW, height: 640});
    // Let the layout settle at the new width before measuring it.
    await tab.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    scrollWidth = await tab.evaluate(() => document.documentElement.scrollWidth);
    await tab.screenshot({path: path.join(shotsDir, `${page.stem}-${NARROW}.png`),
                          fullPage: true});
  } catch (e) {
    failures.push(`could not check the page: ${e.message.split('\n')[0]}`);
  } finally {
    await tab.close();
  }

  for (const v of violations) {
    const targets = v.nodes.slice(0, MAX_TARGETS)
                        .map((n) => n.target.join(' '))
                        .join(', ');
    const more = v.nodes.length > MAX_TARGETS ? ` (+${v.nodes.length - MAX_TARGETS} more)` : '';
    failures.push(`axe ${v.id} [${v.impact}]: ${v.help} at ${targets}${more}`);
  }
  if (scrollWidth > NARROW)
    failures.push(`scrolls sideways at ${NARROW} px: content is ${scrollWidth} px wide ` +
                  '(make wide elements fluid: max-width:100%)');
  for (const url of [...external].sort())
    failures.push(`loads an external resource: ${url} (pages must load nothing from outside)`);

  const summary = `${violations.length} axe violation(s), ` +
                  `width at ${NARROW} px ${scrollWidth}, ${external.size} external load(s)`;
  return {failures, summary};
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const {chromium, axePath} = loadDeps();
  fs.mkdirSync(opts.shots, {recursive: true});

  // A fresh profile each run, so nothing cached or remembered from an
  // earlier run (or the machine's own Chromium use) can change the result.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bulletin-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
             '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync'],
      viewport: {width: WIDE, height: 800},
    });
  } catch (e) {
    fs.rmSync(profile, {recursive: true, force: true});
    console.error(`check-pages: could not start ${CHROMIUM}: ${e.message.split('\n')[0]}`);
    console.error('check-pages: run scripts/deps test to install chromium');
    process.exit(1);
  }

  let failed = 0;
  try {
    for (const arg of opts.pages) {
      const page = describePage(arg);
      const {failures, summary} = await checkPage(context, axePath, page, opts.shots);
      if (failures.length) {
        failed++;
        console.log(`FAIL ${page.label}: ${summary}`);
        for (const f of failures) console.log(`  ${page.label}: ${f}`);
      } else {
        console.log(`ok   ${page.label}: ${summary}`);
      }
    }
  } finally {
    await context.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
  const total = opts.pages.length;
  console.log(`check-pages: ${total - failed} of ${total} page(s) passed; ` +
              `screenshots in ${opts.shots}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`check-pages: ${e.stack || e}`);
  process.exit(1);
});
