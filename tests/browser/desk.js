#!/usr/bin/env node
// The comms desk in headless Chromium, as its people use it:
//   amina (admin) logs in (by keyboard; a wrong password first) -> the
//   issues -> the issue -> Compile -> a warning with its fix -> the
//   preview at desktop and 375 px, and the plain text -> a test send,
//   which lands in the outbox -> her own approval refused (four eyes) ->
//   logs out; ed (editor) cannot approve or send (403, nothing happens);
//   appr (approver) approves, seeing the digest -> the confirmation names
//   the recipients -> Send -> the progress page, until the end -> the
//   status -> the subscribers, a search, a history, the activity log ->
//   logs out; ed (editor) runs the partners: the list with who has sent
//   a piece to the open issue, a partner added (first with no name: the
//   message beside the field, what was typed kept), a contact added,
//   the partner's link, a reminder that lands in the outbox for those
//   with no piece only.
// Every desk page: zero axe-core violations, no sideways scrolling at
// 320 px, nothing from elsewhere, no policy complaint in the console.
//
//   node tests/browser/desk.js --url URL --workspace DIR --bulletin PATH
//        --issue ID --shots DIR
'use strict';

const fs = require('fs');
const path = require('path');
const {parseArgs} = require('./flow.js');
const {launch: withBrowser, ok, fail, expect, waitFor} = require('./lib');

const PASSWORD = 'correct-horse-battery';

function outbox(o) {
  const dir = path.join(o.workspace, 'outbox', 'new');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'latin1'));
}

function sql(o, query) {
  return require('child_process').execFileSync(
      'sqlite3', [path.join(o.workspace, 'subscribers', 'bulletin.db'), query]).toString().trim();
}

// Logs in by keyboard alone: the name, Tab, the password, Enter.
async function login(c, o, name, password = PASSWORD) {
  const tab = c.tab;
  await c.goto(`${o.url}/desk/`);
  await tab.focus('#name');
  await tab.keyboard.type(name);
  await tab.keyboard.press('Tab');
  await tab.keyboard.type(password);
  const [resp] = await Promise.all([tab.waitForNavigation({waitUntil: 'load'}),
                                    tab.keyboard.press('Enter')]);
  c.lastStatus = resp ? resp.status() : 0;
}

async function logout(c) {
  await c.submit('button:text("Log out")');
  expect(await c.h1() === 'Log in to the desk', 'logged out: the login page');
}

// A POST built in the page with the session's token (what a forged or
// hand-made form would do), for the routes a role does not show.
async function post(c, action) {
  await c.tab.evaluate((a) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = a;
    const input = document.createElement('input');
    input.name = 'csrf';
    input.value = document.querySelector('input[name=csrf]').value;
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  }, action);
  const resp = await c.tab.waitForNavigation({waitUntil: 'load'});
  c.lastStatus = resp ? resp.status() : 0;
}

async function editorSide(c, o) {
  const tab = c.tab;
  const issue = `${o.url}/desk/issues/${o.issue}`;

  await c.goto(`${o.url}/desk/`);
  expect(await c.h1() === 'Log in to the desk', 'without a session: the login page');
  await c.check('desk-login', 200);
  await login(c, o, 'amina', 'not-the-password');
  expect((await tab.textContent('.error')).includes('The name or the password is not right'),
         'a wrong password: one message');
  await c.check('desk-login-error', 200);
  await login(c, o, 'amina');
  expect(await c.h1() === 'Issues', 'logged in: the issues');
  await c.check('desk-issues', 200);

  await c.submit(`a:text("${o.issue}")`);
  await c.check('desk-issue-draft', 200);
  await c.submit('button:text("Compile")');
  expect((await tab.textContent('.notice')).startsWith('Compiled:'), 'compiled');
  const warning = await tab.textContent('.warning');
  expect(/does not say where the link goes: use words/.test(warning), `a warning with its fix: ${warning.trim()}`);
  await c.check('desk-issue-compiled', 200);
  const frames = await waitFor(() => tab.frames().filter((f) => f.url().endsWith('/preview')).length === 2 &&
                               tab.frames(), 'the two previews');
  if (frames) {
    for (const f of frames.filter((f) => f.url().endsWith('/preview')))
      expect((await f.content()).includes('Hello amina'), `the preview greets the user (${f.name() || f.url()})`);
    const widths = await tab.evaluate(() => [...document.querySelectorAll('iframe')].map((f) => f.offsetWidth));
    expect(widths.includes(375), `one preview is 375 px wide (${widths})`);
  }
  await c.goto(`${issue}/text`);
  expect((await tab.textContent('body')).includes('Hello amina'), 'the plain text');
  await c.goto(issue);

  await tab.fill('#to', 'amina@example.org');
  const before = outbox(o).length;
  await c.submit('button:text("Send a test")');
  expect((await tab.textContent('.notice')).includes('Test sent'), 'test send: done');
  await c.check('desk-issue-tested', 200);
  const tests = outbox(o).filter((m) => /^Subject: \[TEST\]/m.test(m) && /^To: .*amina@example\.org/m.test(m));
  expect(outbox(o).length === before + 1 && tests.length === 1, 'the test message is in the outbox');

  await c.submit('button:text("Approve this version")');
  expect((await tab.textContent('.error')).includes('workflow.four_eyes says someone else must approve it'),
         'four eyes: amina compiled it, so she cannot approve it');
  await c.check('desk-issue-four-eyes', 409);
  expect(sql(o, 'SELECT count(*) FROM issue_approvals') === '0', '... and nothing was approved');
  await logout(c);

  await login(c, o, 'ed');
  await c.goto(issue);
  expect(!(await tab.$('button:text("Approve this version")')), 'an editor sees no Approve button');
  await post(c, `/desk/issues/${o.issue}/approve`);
  await c.check('desk-forbidden', 403);
  await c.goto(issue);
  await post(c, `/desk/issues/${o.issue}/send`);
  expect(c.lastStatus === 403, `an editor's send: 403 (${c.lastStatus})`);
  expect(sql(o, 'SELECT count(*) FROM issue_approvals') === '0' && sql(o, 'SELECT count(*) FROM campaigns') === '0',
         '... and nothing happened');
  await c.goto(issue);
  await logout(c);
}

async function approverSide(c, o) {
  const tab = c.tab;
  const issue = `${o.url}/desk/issues/${o.issue}`;
  const n = Number(sql(o, "SELECT count(*) FROM subscribers WHERE status = 'active'"));

  await login(c, o, 'appr');
  await c.goto(issue);
  await c.submit('button:text("Approve this version")');
  const digest = sql(o, 'SELECT digest FROM issue_approvals');
  expect((await tab.textContent('main')).includes(digest), 'approved: the page shows the digest');
  await c.check('desk-issue-approved', 200);
  await c.submit('a:text("Send it to every subscriber")');
  expect((await tab.textContent('main')).includes(`to ${n} subscribers`), `the confirmation names ${n} recipients`);
  await c.check('desk-send-confirm', 200);
  const before = outbox(o).length;
  await c.submit('button.danger');
  expect(c.tab.url().endsWith('/progress'), 'the send starts: its progress page');
  for (let i = 0; i < 100 && await tab.$('meta[http-equiv=refresh]'); i++)
    await c.goto(tab.url());
  expect((await tab.textContent('main')).includes('The send is finished.'), 'the progress runs to the end');
  await c.check('desk-status', 200);
  expect(outbox(o).length === before + n, `${n} messages in the outbox`);

  await c.goto(`${o.url}/desk/subscribers`);
  await c.check('desk-subscribers', 200);
  await tab.fill('#q', 'tom');
  await c.submit('button:text("Search")');
  await c.check('desk-search', 200);
  await c.submit('a:text("tom.baker@example.org")');
  await c.check('desk-subscriber', 200);
  await c.goto(`${o.url}/desk/activity`);
  await c.check('desk-activity', 200);
  await tab.selectOption('#kind', 'send');
  await c.submit('button:text("Show")');
  expect((await tab.textContent('tbody')).includes('appr'), 'the activity log filtered by kind');
  await c.goto(`${o.url}/desk/nothing-here`);
  await c.check('desk-404', 404);
  await logout(c);
  await c.goto(`${o.url}/desk/`);
  expect(await c.h1() === 'Log in to the desk', 'after logging out the desk asks for a login');
}

async function adminSide(c, o) {
  const tab = c.tab;
  const csv = path.join(o.shots, 'import.csv');

  fs.writeFileSync(csv, 'email,name\nbrowser.import@example.org,Browser Import\nnot-an-address,Bad\n');
  await login(c, o, 'amina');
  await c.goto(`${o.url}/desk/subscribers`);
  await c.check('desk-subscribers-admin', 200);
  await tab.setInputFiles('#csv', csv);
  await c.submit('button:text("Check the file")');
  expect((await tab.textContent('main')).includes('Nothing has changed yet'), 'the import: a dry run first');
  await c.check('desk-import-dry-run', 200);
  await c.submit('button:text("Import it")');
  expect(sql(o, "SELECT status FROM subscribers WHERE email = 'browser.import@example.org'") === 'active',
         'the import: confirmed, imported');
  await c.check('desk-imported', 200);
  await c.goto(`${o.url}/desk/subscribers?q=browser`);
  await c.submit('a:text("browser.import@example.org")');
  await c.check('desk-subscriber-admin', 200);
  await tab.fill('#confirm', 'browser.import@example.org');
  await c.submit('button:text("Erase")');
  expect(sql(o, "SELECT count(*) FROM subscribers WHERE email = 'browser.import@example.org'") === '0', 'erased');
  await c.check('desk-erased', 200);
  await logout(c);
}

// The partners, as an editor runs them: t_desk.sh opens issue OPEN to
// partners and registers two, one with a piece in it.
const OPEN = '2027-01';

async function partnersSide(c, o) {
  const tab = c.tab;

  await login(c, o, 'ed');
  await c.submit('nav a:text("Partners")');
  expect(await c.h1() === 'Partners', 'the partners page from the navigation');
  const open = await tab.textContent('main');
  expect(open.includes(`Issue ${OPEN}`) && open.includes('1 of 2 partners have sent a piece to it'),
         'the open issue and who has sent a piece');
  await c.check('desk-partners', 200);

  await tab.fill('#contacts', 'info@ageuk.example.org');
  await c.submit('button:text("Add the partner")');
  expect((await tab.textContent('#name-error')).includes('A partner needs a name'), 'no name: the message beside the field');
  expect(await tab.inputValue('#contacts') === 'info@ageuk.example.org', '... what was typed is kept');
  expect(await tab.getAttribute('#name', 'aria-describedby') === 'name-error', '... and the field points at it');
  await c.check('desk-partners-error', 400);
  await tab.fill('#name', 'Age UK Luton');
  await c.submit('button:text("Add the partner")');
  expect(await c.h1() === 'Age UK Luton', 'added: the partner\'s page');
  const codes = await tab.$$eval('dl.secrets code', (els) => els.map((e) => e.textContent));
  expect(codes.length === 2 && /\/contribute\/[a-z2-7]{26}$/.test(codes[0]) && /^contribute\+[a-z2-7]{26}@/.test(codes[1]),
         `the personal link and the contribution address (${codes.length})`);
  expect(sql(o, "SELECT who FROM desk_events WHERE kind = 'partner-add'") === 'ed', 'the add is an event naming ed');
  await c.check('desk-partner', 200);
  await tab.fill('#address', 'helen@ageuk.example.org');
  await c.submit('button:text("Add the contact")');
  expect((await tab.textContent('.notice')).includes('helen@ageuk.example.org added.'), 'a contact added');
  await c.check('desk-partner-contact', 200);

  await c.submit('a:text("All partners")');
  await tab.check('#kind-remind');
  const before = outbox(o).length;
  await c.submit('button:text("Send")');
  const said = await tab.textContent('.notice');
  expect(said.includes('3 messages sent to 3 partners; 1 already sent a piece'), `the reminder: ${said.trim()}`);
  const reminders = outbox(o).slice(before);
  expect(reminders.length === 3 && reminders.every((m) => /^Subject: Reminder: /m.test(m)),
         `3 reminders in the outbox (${reminders.length})`);
  expect(!reminders.some((m) => /^To: .*years@luton\.gov\.uk/m.test(m)), '... none to the partner with a piece');
  await c.check('desk-partners-reminded', 200);
  await logout(c);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  await withBrowser(o, 'desk', async (c) => {
    await editorSide(c, o);
    await approverSide(c, o);
    await adminSide(c, o);
    await partnersSide(c, o);
  });
}

main();
