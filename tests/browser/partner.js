#!/usr/bin/env node
// A partner's journey through the contribution form in headless
// Chromium, as a person would make it:
//   the call for contributions in the Maildir outbox (bulletin call) ->
//   its personal link -> the partner's page -> "Write a new piece" -> a
//   case study with a picture but no description of it -> the check
//   message beside the description -> the description written, the
//   link text fixed, saved with the Enter key -> no more to fix, the
//   preview shows the piece and its picture -> the receipts in the
//   outbox -> `bulletin compile` takes the piece into the newsletter.
// Every page: zero axe-core WCAG 2.x A/AA violations, no sideways
// scrolling at 320 px, nothing loaded from elsewhere, no policy complaint.
//
//   node tests/browser/partner.js --url http://127.0.0.1:PORT
//        --workspace DIR --bulletin PATH --issue ID --contact ADDR
//        --image PNG --shots DIR
'use strict';

const fs = require('fs');
const path = require('path');
const {execFileSync} = require('child_process');
const {ok, fail, expect, waitFor, local, readBaseUrl, decodeMessage, launch} = require('./lib');

const KEYS = ['url', 'workspace', 'bulletin', 'issue', 'contact', 'image', 'shots'];
const TITLE = 'Warm homes: 40 lofts insulated';

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!KEYS.includes(k) || i + 1 >= argv.length) {
      console.error(`usage: node tests/browser/partner.js ${KEYS.map((k) => `--${k} X`).join(' ')}`);
      process.exit(2);
    }
    o[k] = argv[i + 1];
  }
  for (const k of KEYS)
    if (!o[k]) { console.error(`partner: --${k} is required`); process.exit(2); }
  return o;
}

// Messages in the outbox to the contact, oldest first.
function messagesTo(o) {
  const dir = path.join(o.workspace, 'outbox', 'new');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((f) => path.join(dir, f))
      .map((file) => ({file, raw: fs.readFileSync(file, 'latin1'), mtime: fs.statSync(file).mtimeMs}))
      .filter((m) => m.raw.includes(`<${o.contact}>`))
      .sort((a, b) => a.mtime - b.mtime)
      .map((m) => ({file: m.file, ...decodeMessage(m.raw)}));
}

async function fromCall(c, o) {
  const base = readBaseUrl(o);
  const call = messagesTo(o).find((m) => /^Subject: .*call for contributions/m.test(m.headers));
  expect(call, 'the call for contributions is in the outbox');
  if (!call) return null;
  const link = (call.body.match(/https?:\/\/[^\s"<>]*\/contribute\/[a-z2-7]{26}/) || [])[0];
  expect(link, `the call holds the partner's link (${link && link.replace(/[a-z2-7]{26}$/, 'SECRET')})`);
  if (!link) return null;
  await c.goto(local(o, link, base));
  await c.check('partner-home', 200);
  return link;
}

async function firstSave(c, o) {
  const tab = c.tab;

  await c.submit('a.button');
  expect(await c.h1() === 'A new piece', 'the new piece form');
  await c.check('piece-new', 200);
  await tab.fill('#title', TITLE);
  await tab.selectOption('#section', 'living-standards');
  await tab.check('#type-case-study');
  await tab.fill('#summary', 'We insulated 40 lofts this winter, and bills fell.');
  await tab.fill('#body', 'We insulated 40 lofts in Marsh Farm this winter.\n\n' +
                 '## What changed\n\nBills fell by a third. Read [click here](https://example.org/warm).\n');
  await tab.fill('#author', 'Warm Homes team');
  await tab.setInputFiles('#image', o.image);
  await c.submit('button[value=save]');
  const check = await tab.textContent('#image_alt-check').catch(() => '');
  expect(check.includes('Describe what the picture shows'),
         'the missing description is shown beside its field');
  expect((await tab.textContent('#body-check').catch(() => '')).includes('click here'),
         'the vague link text is shown beside the text');
  expect((await tab.textContent('.error-summary')).includes('Fix:'), 'the summary says what to fix');
  await c.check('piece-checks', 200);
}

async function fixIt(c, o) {
  const tab = c.tab;

  await tab.fill('#body', 'We insulated 40 lofts in Marsh Farm this winter.\n\n' +
                 '## What changed\n\nBills fell by a third. Read ' +
                 '[how to apply for a warm homes grant](https://example.org/warm).\n');
  await tab.focus('#image_alt');
  await tab.keyboard.type('A fitter laying insulation between the joists of a loft');
  // Saved from the keyboard: Enter in a text field sends the form.
  const [resp] = await Promise.all([
    tab.waitForNavigation({waitUntil: 'load'}),
    tab.keyboard.press('Enter'),
  ]);
  c.lastStatus = resp ? resp.status() : 0;
  expect(await tab.$('.error-summary') === null, 'nothing left to fix');
  const preview = await tab.textContent('.preview');
  expect(preview.includes(TITLE) && preview.includes('Bills fell by a third'), 'the preview shows the piece');
  const width = await tab.evaluate(() => document.querySelector('.preview img').naturalWidth);
  expect(width > 0, `the preview shows the picture (${width} px wide)`);
  await c.check('piece-preview', 200);
  await c.goto(o.home);
  expect((await tab.textContent('main')).includes(TITLE), 'the partner page lists the piece');
  await c.check('partner-pieces', 200);
}

async function receiptsAndCompile(o) {
  const receipts = await waitFor(() => {
    const r = messagesTo(o).filter((m) => /^Subject: Received:/m.test(m.headers));
    return r.length >= 2 ? r : null;
  }, 'two receipts in the outbox', 20000);
  if (!receipts) return;
  ok(`${receipts.length} receipts in the outbox`);
  expect(receipts[0].body.includes('Describe what the picture shows'), 'the first receipt says what to fix');
  expect(!receipts[1].body.includes('Please fix'), 'the second has nothing to fix');
  expect(/\/contribute\/[a-z2-7]{26}\/[^/\s]+\/warm-homes-40-lofts-insulated/.test(receipts[1].body),
         'the receipt links to the piece');
  try {
    execFileSync(o.bulletin, ['compile', o.issue], {cwd: o.workspace, stdio: ['ignore', 'pipe', 'pipe']});
    ok('bulletin compile succeeds');
  } catch (e) {
    fail(`bulletin compile failed: ${e.stderr}`);
    return;
  }
  const html = fs.readFileSync(path.join(o.workspace, 'issues', o.issue, 'build', 'email.html'), 'utf8');
  expect(html.includes('Warm homes: 40 lofts insulated') &&
         html.includes('A fitter laying insulation between the joists of a loft'),
         'the newsletter holds the piece and its picture\'s description');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  await launch(o, 'partner', async (c) => {
    const link = await fromCall(c, o);
    if (!link) return;
    o.home = c.tab.url();
    await firstSave(c, o);
    await fixIt(c, o);
    await receiptsAndCompile(o);
  });
}

main();
