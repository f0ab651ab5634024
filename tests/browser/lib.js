// Shared by the browser journeys (flow.js, partner.js): the browser and
// axe-core, the page checker (axe, 320 px, nothing from elsewhere, no
// policy complaints, screenshots), waiting, and the pass/fail counts.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM = process.env.BULLETIN_CHROMIUM || '/usr/bin/chromium';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const NARROW = 320;

function loadDeps() {
  const missing = [];
  let playwright = null;
  let axeSource = null;
  if (!fs.existsSync(CHROMIUM)) missing.push(`the browser (${CHROMIUM}, Debian package chromium)`);
  try { playwright = require('playwright-core'); } catch (e) { missing.push('the npm package playwright-core'); }
  try { axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'); } catch (e) {
    missing.push('the npm package axe-core');
  }
  if (missing.length) {
    console.error(`flow: missing ${missing.join(', ')}; run scripts/deps test`);
    process.exit(1);
  }
  return {chromium: playwright.chromium, axeSource};
}

let failures = 0;
function ok(what) { console.log(`ok: ${what}`); }
function fail(what) { console.log(`FAIL: ${what}`); failures++; }
function expect(cond, what) { if (cond) ok(what); else fail(what); }


const counts = {failures: 0};
function ok(what) { console.log(`ok: ${what}`); }
function fail(what) { console.log(`FAIL: ${what}`); counts.failures++; }
function expect(cond, what) { if (cond) ok(what); else fail(what); }

// The public address in a link becomes the local server's (the reverse
// proxy's job in production).
function local(o, url, base) {
  expect(url.startsWith(base + '/'), `link ${url} is under base_url`);
  return o.url + url.slice(base.length);
}

async function waitFor(pred, what, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) { fail(`timed out waiting for ${what}`); return null; }
    await new Promise((r) => setTimeout(r, 100));
  }
}

class Checker {
  constructor(tab, o, axeSource) {
    this.tab = tab;
    this.o = o;
    this.axeSource = axeSource;
    this.console = [];
    this.external = new Set();
    this.checked = [];
    // The document's own error status is the point of an error page;
    // anything else failing to load (a style sheet, an image) is not.
    tab.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        this.console.push(m.text());
    });
    tab.on('pageerror', (e) => this.console.push(String(e)));
    tab.on('response', (r) => {
      if (r.request().resourceType() !== 'document' && r.status() >= 400)
        this.console.push(`${r.url()}: HTTP ${r.status()}`);
    });
  }

  // The page now shown: axe, 320 px, external loads, console, screenshot.
  // Archive pages come from compile, whose article HTML is shared with
  // the email and carries inline link styles: the policy blocks those
  // (the style sheet styles links anyway), which is noted, not failed.
  async check(name, status, archive = false) {
    const tab = this.tab;
    await tab.waitForLoadState('load');
    // evaluate() runs through the DevTools protocol: the page's CSP
    // (no script at all) does not apply to it, so axe needs no exception.
    await tab.evaluate(this.axeSource);
    const result = await tab.evaluate((tags) => window.axe.run(document, {
      runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}), AXE_TAGS);
    for (const v of result.violations)
      fail(`${name}: axe ${v.id} [${v.impact}]: ${v.help} at ` +
           v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
    if (!result.violations.length) ok(`${name}: no axe violations`);
    await tab.screenshot({path: path.join(this.o.shots, `web-${name}-1024.png`), fullPage: true});
    await tab.setViewportSize({width: NARROW, height: 640});
    await tab.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    const width = await tab.evaluate(() => document.documentElement.scrollWidth);
    expect(width <= NARROW, `${name}: no sideways scrolling at ${NARROW} px (${width})`);
    await tab.screenshot({path: path.join(this.o.shots, `web-${name}-${NARROW}.png`), fullPage: true});
    await tab.setViewportSize({width: 1024, height: 800});
    const css = await tab.evaluate(() => getComputedStyle(document.querySelector('header.site, header.desk')).backgroundColor);
    expect(css === 'rgb(11, 61, 98)', `${name}: the style sheet applies (${css})`);
    const blocked = this.console.filter((m) => m.startsWith('Applying inline style violates'));
    const others = this.console.filter((m) => !m.startsWith('Applying inline style violates'));
    if (archive && blocked.length)
      console.log(`note: ${name}: ${blocked.length} inline style attribute(s) from the article HTML blocked by the policy`);
    else if (blocked.length)
      fail(`${name}: inline styles blocked by the policy (${blocked.length})`);
    if (others.length) fail(`${name}: console errors: ${others.join(' | ')}`);
    if (this.external.size) fail(`${name}: loads from elsewhere: ${[...this.external].join(' ')}`);
    this.console = [];
    this.external.clear();
    this.checked.push(name);
    if (status !== undefined) expect(this.lastStatus === status, `${name}: HTTP ${status} (${this.lastStatus})`);
  }

  async goto(url) {
    const resp = await this.tab.goto(url, {waitUntil: 'load'});
    this.lastStatus = resp ? resp.status() : 0;
  }

  // Clicks and waits for the page the click leads to.
  async submit(selector) {
    const [resp] = await Promise.all([
      this.tab.waitForNavigation({waitUntil: 'load'}),
      this.tab.click(selector),
    ]);
    this.lastStatus = resp ? resp.status() : 0;
  }

  async h1() {
    return (await this.tab.textContent('h1')).trim();
  }
}


function readBaseUrl(o) {
  const yaml = fs.readFileSync(path.join(o.workspace, 'bulletin.yaml'), 'utf8');
  return yaml.match(/^\s*base_url:\s*(\S+)/m)[1].replace(/\/$/, '');
}

// Quoted-printable undone well enough to read a message and find links.
function decodeMessage(raw) {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = Buffer.from(raw.slice(split).replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1')
      .toString('utf8');
  return {headers, body};
}

// Starts Chromium, runs run(checker) with every load from elsewhere
// blocked and counted, and exits with the result.
async function launch(o, name, run) {
  const {chromium, axeSource} = loadDeps();
  fs.mkdirSync(o.shots, {recursive: true});
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bulletin-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: {width: 1024, height: 800},
    });
  } catch (e) {
    fs.rmSync(profile, {recursive: true, force: true});
    console.error(`${name}: could not start ${CHROMIUM}: ${e.message.split('\n')[0]}`);
    process.exit(1);
  }
  try {
    const tab = await context.newPage();
    const c = new Checker(tab, o, axeSource);
    await tab.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(o.url + '/')) return route.continue();
      c.external.add(url);
      return route.abort('blockedbyclient');
    });
    await run(c);
    console.log(`${name}: ${c.checked.length} pages checked: ${c.checked.join(', ')}; screenshots in ${o.shots}`);
  } catch (e) {
    fail(`the journey broke: ${e.stack || e}`);
  } finally {
    await context.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
  console.log(counts.failures ? `${name}: ${counts.failures} check(s) failed` : `${name}: all checks passed`);
  process.exit(counts.failures ? 1 : 0);
}

module.exports = {ok, fail, expect, waitFor, local, readBaseUrl, decodeMessage, launch, Checker};
