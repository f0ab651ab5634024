#!/usr/bin/env node
// The subscriber's whole journey through `bulletin serve` in headless
// Chromium, as a person would make it:
//   sign-up form (first sent empty: the error summary) -> "check your
//   inbox" -> the confirmation email in the Maildir outbox -> its link ->
//   "Confirm my subscription" -> the store says active -> `bulletin send`
//   delivers the issue -> the unsubscribe link of the delivered message
//   (its List-Unsubscribe header and its visible link) -> "Unsubscribe"
//   -> the store says unsubscribed; the preferences page linked beside it
//   (a topic ticked and saved); signing up again -> the email to come
//   back -> confirmed -> active again;
// then the remaining pages (archive, issue, 400, 404, 405, 413, 429, a
// left address's confirm link). Every page: zero axe-core WCAG 2.x A/AA
// violations, no sideways scrolling at 320 px, nothing loaded from
// elsewhere, no Content-Security-Policy complaint in the console.
//
//   node tests/browser/flow.js --url http://127.0.0.1:PORT --workspace DIR
//        --bulletin PATH --issue ID --shots DIR
'use strict';

const fs = require('fs');
const path = require('path');
const {execFileSync} = require('child_process');
const {ok, fail, expect, waitFor, local, readBaseUrl, decodeMessage, launch} = require('./lib');

const EMAIL = 'reader@example.org';

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!['url', 'workspace', 'bulletin', 'issue', 'shots'].includes(k) || i + 1 >= argv.length) {
      console.error('usage: node tests/browser/flow.js --url URL --workspace DIR ' +
                    '--bulletin PATH --issue ID --shots DIR');
      process.exit(2);
    }
    o[k] = argv[i + 1];
  }
  for (const k of ['url', 'workspace', 'bulletin', 'issue', 'shots'])
    if (!o[k]) { console.error(`flow: --${k} is required`); process.exit(2); }
  return o;
}

// What the store holds about EMAIL, through the command line.
function subscriber(o) {
  const out = execFileSync(o.bulletin, ['subscribers', 'data', EMAIL], {cwd: o.workspace});
  return JSON.parse(out.toString()).subscriber;
}

// Messages in the outbox to EMAIL, oldest first: {file, raw, headers, body}.
function messagesTo(o) {
  const dir = path.join(o.workspace, 'outbox', 'new');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((f) => path.join(dir, f))
      .map((file) => ({file, raw: fs.readFileSync(file, 'latin1'), mtime: fs.statSync(file).mtimeMs}))
      .filter((m) => new RegExp(`^To: .*<${EMAIL}>`, 'm').test(m.raw))
      .sort((a, b) => a.mtime - b.mtime)
      .map((m) => ({file: m.file, ...decodeMessage(m.raw)}));
}

async function journey(c, o) {
  const tab = c.tab;
  const base = readBaseUrl(o);

  // The form, first sent empty.
  await c.goto(`${o.url}/subscribe`);
  await c.check('subscribe', 200);
  await c.submit('button[type=submit]');
  expect((await tab.textContent('.error-summary')).includes('Enter your email address'),
         'empty form: the error summary says what is missing');
  await c.check('subscribe-errors', 400);

  // Filled in as a person would.
  await tab.fill('#email', EMAIL);
  await tab.fill('#name', 'Rita Reader');
  await tab.fill('#organisation', 'Luton Libraries');
  await tab.check('#consent');
  await c.submit('button[type=submit]');
  expect(await c.h1() === 'Check your inbox', 'sign-up: "Check your inbox"');
  await c.check('check-inbox', 200);
  expect(subscriber(o).status === 'pending', 'the store shows pending');

  // The confirmation email.
  const confirmation = await waitFor(() => messagesTo(o).find((m) => /^Subject: Confirm/m.test(m.headers)),
                                     'the confirmation email in outbox/new');
  if (!confirmation) return;
  ok(`confirmation email delivered to the Maildir: ${path.basename(confirmation.file)}`);
  const link = (confirmation.body.match(/https?:\/\/[^\s"<>]*\/confirm\/[A-Za-z0-9_-]{30}/) || [])[0];
  expect(link, `the email holds a confirm link (${link})`);
  if (!link) return;
  await c.goto(local(o, link, base));
  await c.check('confirm', 200);
  expect(subscriber(o).status === 'pending', 'opening the link changes nothing (still pending)');
  await c.submit('text=Confirm my subscription');
  expect(await c.h1() === 'Your subscription is confirmed', 'pressing Confirm: confirmed page');
  await c.check('confirmed', 200);
  expect(subscriber(o).status === 'active', 'the store shows active');

  // The issue, sent, and unsubscribing from the delivered message.
  execFileSync(o.bulletin, ['send', o.issue], {cwd: o.workspace, stdio: ['ignore', 'ignore', 'inherit']});
  const issue = await waitFor(() => messagesTo(o).find((m) => /^List-Unsubscribe:/m.test(m.headers)),
                              'the issue in outbox/new');
  if (!issue) return;
  ok('the issue was delivered to the subscriber');
  const header = (issue.headers.match(/^List-Unsubscribe: *<(https?:[^>]+)>/m) || [])[1];
  expect(header, `List-Unsubscribe names an https link (${header})`);
  expect(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m.test(issue.headers), 'List-Unsubscribe-Post is set');
  if (!header) return;
  expect(issue.body.includes(header), 'the same unsubscribe link is visible in the body');

  // The preferences page, linked beside it.
  const prefs = header.replace('/unsubscribe/', '/preferences/');
  expect(issue.body.includes(prefs), 'the message links to the preferences page');
  await c.goto(local(o, prefs, base));
  await c.check('preferences', 200);
  expect(!(await tab.isChecked('#events')), 'a topic not chosen is not ticked');
  await tab.check('#events');
  await c.submit('button:text("Save my choices")');
  expect((await tab.textContent('main')).includes('Your choices are saved'), 'saving: "Your choices are saved"');
  await c.check('preferences-saved', 200);
  expect(await tab.isChecked('#events'), 'the topic chosen is ticked now');
  expect(subscriber(o).status === 'active', 'still active');

  await c.goto(local(o, header, base));
  await c.check('unsubscribe', 200);
  expect((await tab.textContent('main')).includes('r•••@example.org'), 'the page shows the masked address');
  expect(subscriber(o).status === 'active', 'opening the unsubscribe link changes nothing');
  await c.submit('button:text("Unsubscribe")');
  expect(await c.h1() === 'You have unsubscribed', 'pressing Unsubscribe: done page');
  await c.check('unsubscribed', 200);
  const s = subscriber(o);
  expect(s.status === 'unsubscribed', `the store shows unsubscribed (${s.status})`);

  // A left address's confirm link: told to get in touch.
  await c.goto(local(o, link, base));
  expect(await c.h1() === 'This address has left the list', 'old confirm link: has left the list');
  await c.check('suppressed', 200);

  // Coming back: the form again, an email with a link of its own, confirmed.
  await c.goto(`${o.url}/subscribe`);
  await tab.fill('#email', EMAIL);
  await tab.check('#consent');
  await c.submit('button[type=submit]');
  expect(await c.h1() === 'Check your inbox', 'signing up again: "Check your inbox"');
  expect(subscriber(o).status === 'unsubscribed', 'still unsubscribed until confirmed');
  const rejoin = await waitFor(() => messagesTo(o).find((m) => /^Subject: Joining/m.test(m.headers)),
                               'the email to come back in outbox/new');
  if (!rejoin) return;
  const back = (rejoin.body.match(/https?:\/\/[^\s"<>]*\/confirm\/[A-Za-z0-9_-]{30}/) || [])[0];
  expect(back && back !== link, `the email has a link of its own (${back})`);
  if (!back) return;
  await c.goto(local(o, back, base));
  await c.check('confirm-back', 200);
  expect(subscriber(o).status === 'unsubscribed', 'opening it changes nothing');
  await c.submit('text=Confirm my subscription');
  expect(await c.h1() === 'Your subscription is confirmed', 'coming back: confirmed page');
  expect(subscriber(o).status === 'active', 'the store shows active again');
}

async function otherPages(c, o) {
  const tab = c.tab;

  await c.goto(`${o.url}/`);
  await c.check('archive-index', 200, true);
  await c.goto(`${o.url}/issues/${o.issue}/`);
  await c.check('archive-issue', 200, true);
  await c.goto(`${o.url}/no/such/page`);
  await c.check('404', 404);
  await c.goto(`${o.url}/unsubscribe/AAAAAAAB${'A'.repeat(22)}`);
  await c.check('404-token', 404);
  await c.goto(`${o.url}/bad%zz`);
  await c.check('400', 400);

  // Pages only a form reaches: built in the page by the test itself.
  const post = async (action, field, value) => {
    await tab.evaluate(([a, f, v]) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = a;
      const input = document.createElement('input');
      input.name = f;
      input.value = v;
      form.appendChild(input);
      document.body.appendChild(form);
      form.submit();
    }, [action, field, value]);
    const resp = await tab.waitForNavigation({waitUntil: 'load'});
    c.lastStatus = resp ? resp.status() : 0;
  };
  await c.goto(`${o.url}/subscribe`);
  await post('/subscribe', 'name', 'x'.repeat(9000));
  await c.check('413', 413);
  await c.goto(`${o.url}/subscribe`);
  await post(`/issues/${o.issue}/index.html`, 'x', 'y');
  await c.check('405', 405);
  // The sign-up limit (3 an hour in this workspace) is used up by now.
  let status = 0;
  for (let i = 0; i < 4 && status !== 429; i++) {
    await c.goto(`${o.url}/subscribe`);
    await tab.fill('#email', `extra${i}@example.org`);
    await tab.check('#consent');
    await c.submit('button[type=submit]');
    status = c.lastStatus;
  }
  await c.check('429', 429);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  await launch(o, 'flow', async (c) => {
    await journey(c, o);
    await otherPages(c, o);
  });
}

module.exports = {parseArgs};
if (require.main === module) main();
