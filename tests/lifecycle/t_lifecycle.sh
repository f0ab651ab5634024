# The editorial lifecycle end to end on the sample: draft -> compiled ->
# approved -> sending -> sent (and so published), shown by 'bulletin
# issues' and 'status';
# the full send refuses a version that is not the one approved, naming
# every file changed, added or removed, by content: one byte changed
# with the modification time kept, and a file copied in with an old time
# (cp -p), are both caught. Test sends and dry runs need no approval;
# with workflow.approval: optional the send needs none, but still
# refuses a build made from inputs that changed since.
source tests/lib.sh
sample_workspace
cd "$T/sample"
I=issues/2026-12
"$BULLETIN" subscribers import subscribers/sample.csv >/dev/null
N=$(sqlite3 subscribers/bulletin.db "SELECT count(*) FROM subscribers WHERE status = 'active'")
outbox() { find outbox/new -type f 2>/dev/null | wc -l; }
# state_of ISSUE: its STATE column in 'bulletin issues'.
state_of() { "$BULLETIN" issues | awk -v id="$1" '$1 == id { print $2 }'; }
# full_send NAME: a full send, its output in $T/NAME.out; sets rc.
full_send() { rc=0; "$BULLETIN" send 2026-12 >"$T/$1.out" 2>&1 || rc=$?; }
me=$(python3 -c 'import os, pwd
try:
    print(os.getlogin())
except OSError:
    print(pwd.getpwuid(os.geteuid()).pw_name)')

# --- draft
[ "$(state_of 2026-12)" = draft ] && pass "a never compiled issue is a draft" ||
  { fail "not a draft:"; "$BULLETIN" issues >&2; }
"$BULLETIN" status 2026-12 >"$T/status0.out"
expect_grep "$T/status0.out" "issues/2026-12: draft" "status: draft"
"$BULLETIN" approve 2026-12 >"$T/approve0.out" 2>&1 && fail "approve of a draft exited 0" ||
  expect_grep "$T/approve0.out" "issues/2026-12 has not been compiled yet: run 'bulletin compile 2026-12' before approving" "a draft cannot be approved"
full_send draft
[ "$rc" = 1 ] && expect_grep "$T/draft.out" "issues/2026-12 has not been compiled yet: run 'bulletin compile 2026-12' before sending" "a draft cannot be sent" ||
  fail "the send of a draft exited $rc"

# --- compiled: the manifest and the browser preview
"$BULLETIN" compile 2026-12 >"$T/compile.out"
expect_grep "$T/compile.out" "$I/build/preview.html" "compile names the preview"
expect_grep $I/build/inputs "  $I/flying-start.md" "the manifest lists a contribution"
expect_grep $I/build/inputs "  $I/flying-start.png" "... and a picture"
expect_grep $I/build/inputs "  $I/issue.yaml" "... and issue.yaml"
expect_grep $I/build/inputs "  templates/email.html.mustache" "... and the templates"
expect_grep $I/build/inputs "  bulletin.yaml (newsletter and sections)" "... and the settings"
want=$(sha256sum $I/flying-start.md | cut -d' ' -f1)
expect_grep $I/build/inputs "$want  $I/flying-start.md" "... with the SHA-256 of its content"
expect_no_grep $I/build/preview.html "[[bulletin:" "the preview has no placeholders left"
expect_grep $I/build/preview.html 'href="#"' "the preview's unsubscribe link is inert"
expect_grep $I/build/preview.html "Hello Sample Reader," "the preview greets a sample reader"
python3 - $I/build/preview.html <<'PY' && pass "every picture in the preview is found from its folder" || fail "a picture in the preview is missing"
import os, re, sys
page = sys.argv[1]
srcs = re.findall(r'<img src="([^"]+)"', open(page).read())
sys.exit(0 if srcs and all(os.path.isfile(os.path.join(os.path.dirname(page), s)) for s in srcs) else 1)
PY
[ "$(state_of 2026-12)" = compiled ] && pass "compiled" || { fail "not compiled:"; "$BULLETIN" issues >&2; }
"$BULLETIN" issues >"$T/issues1.out"
expect_grep "$T/issues1.out" "ISSUE    STATE     DEADLINE    PIECES  COMPILED" "issues: a table with its headings"
expect_grep "$T/issues1.out" "2026-12  compiled  2026-11-26  7" "issues: state, deadline and pieces"

# --- a full send needs an approval; a test send and a dry run do not
full_send unapproved
[ "$rc" = 1 ] && pass "the full send of an unapproved issue exits 1" || fail "unapproved send exited $rc"
expect_grep "$T/unapproved.out" "issues/2026-12 has not been approved" "it says so"
expect_grep "$T/unapproved.out" "bulletin approve 2026-12" "... and what to run"
[ "$(outbox)" = 0 ] && pass "nothing was sent" || fail "$(outbox) messages sent unapproved"
"$BULLETIN" send 2026-12 --dry-run >"$T/dry.out" 2>&1 && pass "a dry run needs no approval" ||
  { fail "dry run:"; cat "$T/dry.out" >&2; }
"$BULLETIN" send 2026-12 --to test@example.net >"$T/to.out" 2>&1 && pass "a test send needs no approval" ||
  { fail "test send:"; cat "$T/to.out" >&2; }
rm -rf outbox

# --- approved, by the login name by default
"$BULLETIN" approve 2026-12 >"$T/approve1.out" 2>&1 && pass "approve exits 0" ||
  { fail "approve:"; cat "$T/approve1.out" >&2; }
by=$(sqlite3 subscribers/bulletin.db "SELECT approved_by FROM issue_approvals ORDER BY id DESC LIMIT 1")
[ "$by" = "$me" ] && pass "approved by the login name ($me)" || fail "approved by '$by', not '$me'"
digest=$(sqlite3 subscribers/bulletin.db "SELECT digest FROM issue_approvals ORDER BY id DESC LIMIT 1")
[ "$digest" = "$(grep -v '^#' $I/build/inputs | sha256sum | cut -d' ' -f1)" ] &&
  pass "the approval records the manifest's digest" || fail "approval digest $digest"
[ "$(state_of 2026-12)" = approved ] && pass "approved" || { fail "not approved:"; "$BULLETIN" issues >&2; }
"$BULLETIN" status 2026-12 >"$T/status1.out"
expect_grep "$T/status1.out" "issues/2026-12: approved" "status: approved"
expect_grep "$T/status1.out" "approved: " "status: when and by whom"

# --- one byte of one contribution, the modification time kept
cp -p $I/flying-start.md "$T/flying-start.orig"
sed -i 's/The first years of life/The first years of lifE/' $I/flying-start.md
touch -r "$T/flying-start.orig" $I/flying-start.md
cmp -s "$T/flying-start.orig" $I/flying-start.md && fail "the byte did not change"
[ "$(stat -c %s%Y "$T/flying-start.orig")" = "$(stat -c %s%Y $I/flying-start.md)" ] &&
  pass "same size and modification time, one byte different"
full_send byte
[ "$rc" = 1 ] && pass "the full send refuses" || fail "send after a changed byte exited $rc"
expect_grep "$T/byte.out" "bulletin: $I/flying-start.md changed since it was approved on " "it names the contribution"
expect_grep "$T/byte.out" "compile and approve again" "... and says what to do"
expect_no_grep "$T/byte.out" "templates/" "it does not blame a template"
[ "$(outbox)" = 0 ] && pass "nothing was sent" || fail "$(outbox) messages sent after a change"
"$BULLETIN" approve 2026-12 >"$T/approve-stale.out" 2>&1 && fail "approve of a stale build exited 0" ||
  expect_grep "$T/approve-stale.out" "$I/flying-start.md changed since it was compiled" "approve refuses a stale build, naming the file"
[ "$(state_of 2026-12)" = draft ] && pass "changed since compiled: a draft again" || { fail "state:"; "$BULLETIN" issues >&2; }
"$BULLETIN" issues >"$T/issues2.out"
expect_grep "$T/issues2.out" "changed since compiled" "issues says why"

# --- a file copied in with an old time, another added, a picture removed
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 --by "Amina Khan" >/dev/null
cp -p "$T/flying-start.orig" $I/flying-start.md
cp -p "$ROOT/issues/2026-12/partner-learning-session.md" $I/zz-extra-session.md
rm $I/one-year-on.png
full_send old
[ "$rc" = 1 ] && pass "the full send refuses files copied in with cp -p" || fail "send after cp -p exited $rc"
expect_grep "$T/old.out" "$I/flying-start.md changed since it was approved on " "the old copy is named"
expect_grep "$T/old.out" "by Amina Khan" "... with who approved it"
expect_grep "$T/old.out" "$I/zz-extra-session.md was added since it was approved" "the added file is named"
expect_grep "$T/old.out" "$I/one-year-on.png was removed since it was approved" "the removed picture is named"
rm $I/zz-extra-session.md
cp -p "$ROOT/issues/2026-12/one-year-on.png" $I/

# --- a template, and a setting that reaches the message
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 --by "Amina Khan" >/dev/null
cp -p templates/email.txt.mustache "$T/email.txt.orig"
echo "A line more" >>templates/email.txt.mustache
full_send template
expect_grep "$T/template.out" "templates/email.txt.mustache changed since it was approved" "a changed template is named"
cp -p "$T/email.txt.orig" templates/email.txt.mustache
sed -i 's/^  name: .*/  name: Another Name/' bulletin.yaml
full_send setting
expect_grep "$T/setting.out" "bulletin.yaml (newsletter and sections) changed since it was approved" "a changed setting is named"
sed -i "s/^  name: .*/  name: $(grep '^  name:' "$ROOT/bulletin.yaml" | sed 's/^  name: //')/" bulletin.yaml
sed -i 's/^  connections: .*/  connections: 2/' bulletin.yaml
[ "$(state_of 2026-12)" = approved ] && pass "back as approved; delivery settings do not count" ||
  { fail "state after restoring:"; "$BULLETIN" issues >&2; }

# --- errors: nothing to approve
cp -r $I issues/2027-01
printf -- '---\ntitle: A piece\npartner: Somebody\nsection: no-such-section\ntype: news\n---\nText.\n' >issues/2027-01/bad.md
"$BULLETIN" approve 2027-01 >"$T/approve-errors.out" 2>&1 && fail "approve of an issue with errors exited 0" ||
  expect_grep "$T/approve-errors.out" "issues/2027-01/bad.md" "approve names the file with the error"
expect_grep "$T/approve-errors.out" "nothing was approved" "... and approves nothing"
rm -r issues/2027-01

# --- sent, and so published
[ ! -e public/issues/2026-12/index.html ] && pass "nothing public before the send" || fail "public/issues/2026-12/ before the send"
full_send real
[ "$rc" = 0 ] && pass "the approved issue is sent" || { fail "send exited $rc:"; cat "$T/real.out" >&2; }
[ -f public/issues/2026-12/index.html ] && pass "the complete send published it on the site" ||
  { fail "not on the site after the send:"; cat "$T/real.out" >&2; }
[ "$(sqlite3 subscribers/bulletin.db "SELECT published_by FROM published WHERE issue_id = '2026-12'")" = "$me" ] &&
  pass "published by who sent it" || fail "not recorded as published by $me"
[ "$(outbox)" = "$N" ] && pass "$N messages" || fail "$(outbox) messages, not $N"
[ "$(state_of 2026-12)" = sent ] && pass "sent" || { fail "not sent:"; "$BULLETIN" issues >&2; }
"$BULLETIN" issues --json >"$T/issues.json"
python3 - "$T/issues.json" <<'PY' && pass "issues --json: state, approver, pieces" || { fail "issues --json:"; cat "$T/issues.json" >&2; }
import json, sys
v = json.load(open(sys.argv[1]))
e = [x for x in v if x["issue"] == "2026-12"][0]
sys.exit(0 if e["state"] == "sent" and e["approved_by"] == "Amina Khan" and e["pieces"] == 7
         and e["site"] == "published"
         and e["deadline"] == "2026-11-26" and e["last_compile"] else 1)
PY
"$BULLETIN" status 2026-12 >"$T/status2.out"
expect_grep "$T/status2.out" "issues/2026-12: sent" "status: sent"
expect_grep "$T/status2.out" "  approved: " "status: when it was approved"
expect_grep "$T/status2.out" " by Amina Khan" "... and by whom"
expect_grep "$T/status2.out" "  sent:     " "status: when it was sent"
expect_grep "$T/status2.out" "  on the public site" "status: on the site"
expect_grep "$T/status2.out" "sent $N, deferred 0" "status: the journal as before"
events=$(sqlite3 subscribers/bulletin.db "SELECT event || ':' || who FROM issue_events WHERE issue = '2026-12' ORDER BY id" | tr '\n' ' ')
want="compiled:$me approved:$me compiled:$me approved:Amina Khan compiled:$me approved:Amina Khan sending:$me sent:$me "
[ "$events" = "$want" ] && pass "every step recorded with who took it" ||
  fail "events: $events; want: $want"
# A send under way (its journal not finished) is 'sending'.
sqlite3 subscribers/bulletin.db "UPDATE campaigns SET finished_at = NULL"
[ "$(state_of 2026-12)" = sending ] && pass "sending while the journal is not finished" ||
  { fail "not sending:"; "$BULLETIN" issues >&2; }
"$BULLETIN" approve 2026-12 >"$T/approve-same.out" 2>&1 &&
  expect_grep "$T/approve-same.out" "nothing to do" "approving the version being sent is nothing to do" ||
  { fail "approve of the version being sent:"; cat "$T/approve-same.out" >&2; }
echo "A late sentence." >>$I/flying-start.md
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >"$T/approve-other.out" 2>&1 && fail "approved another version during a send" ||
  expect_grep "$T/approve-other.out" "is not finished" "another version cannot be approved during a send"

# --- workflow.approval: optional
cp -r "$ROOT/issues/2026-12" issues/2027-02
rm -rf issues/2027-02/build
sed -i 's/^title: .*/title: "February 2027"/' issues/2027-02/issue.yaml
sed -i 's/^  approval: required/  approval: optional/' bulletin.yaml
"$BULLETIN" compile 2027-02 >/dev/null
echo "One more sentence." >>issues/2027-02/flying-start.md
rc=0; "$BULLETIN" send 2027-02 >"$T/opt-stale.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && pass "optional: a stale build is still refused" || fail "optional stale send exited $rc"
expect_grep "$T/opt-stale.out" "issues/2027-02/flying-start.md changed since it was compiled" "... naming the file"
"$BULLETIN" compile 2027-02 >/dev/null
rm -rf outbox
"$BULLETIN" send 2027-02 >"$T/opt.out" 2>&1 && pass "optional: sent without an approval" ||
  { fail "optional send:"; cat "$T/opt.out" >&2; }
[ "$(outbox)" = "$N" ] && pass "optional: $N messages" || fail "optional: $(outbox) messages"
[ "$(state_of 2027-02)" = sent ] && pass "optional: sent" || { fail "optional state:"; "$BULLETIN" issues >&2; }
sed -i 's/approval: optional/approval: sometimes/' bulletin.yaml
"$BULLETIN" issues >"$T/bad-key.out" 2>&1 && fail "a bad workflow.approval was accepted" ||
  expect_grep "$T/bad-key.out" "'workflow.approval' must be 'required'" "a bad workflow.approval is refused"

# --- preview --html for one subscriber, from a sub-folder
sed -i 's/approval: sometimes/approval: required/' bulletin.yaml
mkdir -p "$T/sample/drafts"
(cd "$T/sample/drafts" && "$BULLETIN" preview 2026-12 --subscriber amira.hassan@example.org --html amira.html) >/dev/null 2>"$T/prev.err" ||
  { fail "preview --html:"; cat "$T/prev.err" >&2; }
expect_grep drafts/amira.html "Hello Amira Hassan," "preview --html greets the subscriber"
expect_grep drafts/amira.html 'src="../issues/2026-12/flying-start.png"' "... pictures relative to the file"
expect_no_grep drafts/amira.html "[[bulletin:" "... no placeholders"
finish
