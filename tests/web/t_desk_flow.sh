# An issue through the desk, with curl, on the sample and with
# workflow.four_eyes: compile (its warnings shown with each piece), the
# preview (framed by the desk only, sandboxed, its pictures from the
# issue folder), the plain text, a test send that lands in the outbox,
# approve refused to the person who compiled it and allowed to another,
# showing the digest and what changed since; the send's confirmation
# naming the number of recipients, the send on the server's thread, its
# progress page refreshing itself until the end, then the status; the
# issue published; unpublish and publish; the subscribers (counts, the
# chart, search, a history, add, unsubscribe, resubscribe); the
# activity log filtered by kind and by user.
source tests/lib.sh
source tests/web/lib.sh
source tests/web/desk_lib.sh
desk_workspace four-eyes
N=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT count(*) FROM subscribers WHERE status = 'active'")
desk_user amina admin
desk_user appr approver
start_server
desk_login "$T/amina" amina >/dev/null
desk_login "$T/appr" appr "$DESK_PW" 192.0.2.12 >/dev/null
I=/desk/issues/2026-12

# --- compile, warnings (a link that does not say where it goes)
printf '\nMore about it [here](https://example.org/flying-start).\n' >> "$WS/issues/2026-12/flying-start.md"
code=$(desk_post "$T/amina" compile $I/compile)
[ "$code" = 200 ] && expect_grep "$T/compile.b" "Compiled: 7 pieces, 1 warning." "compiled from the desk" || fail "compile: $code"
expect_grep "$T/compile.b" "<strong>Warning</strong> (line" "a warning is shown with its piece"
expect_grep "$T/compile.b" "link text &#39;here&#39; does not say where the link goes: use words that describe the page" "... with its fix"
expect_grep "$T/compile.b" "reading ease" "each piece with its reading ease"
expect_grep "$T/compile.b" "Flying Start" "the pieces are listed"
(cd "$WS" && "$BULLETIN" issues) >"$T/issues.out"
expect_grep "$T/issues.out" "2026-12  compiled" "the command sees the desk's compile"

# --- preview, text, pictures
expect_status preview 200 "the preview" -b "$T/amina" "$URL$I/preview"
has_header preview "Content-Security-Policy: .*sandbox" && pass "the preview is sandboxed" || fail "preview CSP"
has_header preview "X-Frame-Options: SAMEORIGIN" && pass "the preview may be framed by the desk" || fail "preview framing"
expect_grep "$T/preview.b" 'src="files/flying-start.png"' "its pictures from the issue folder"
expect_status picture 200 "a picture" -b "$T/amina" "$URL$I/files/flying-start.png"
has_header picture "Content-Type: image/png" && pass "... as a PNG" || fail "picture type"
expect_status nopic 404 "no such picture" -b "$T/amina" "$URL$I/files/issue.yaml"
expect_status text 200 "the plain text" -b "$T/amina" "$URL$I/text"
has_header text "Content-Type: text/plain" && pass "... as text" || fail "text type"
expect_no_grep "$T/text.b" "[[bulletin:" "no markers left in the text"
curl -s -b "$T/amina" "$URL$I" >"$T/issue.b"
expect_grep "$T/issue.b" "iframe class=\"phone\" src=\"$I/preview\"" "the issue page frames the preview at phone width"
has_header issue "X-Frame-Options: DENY" 2>/dev/null || true

# --- test send
code=$(desk_post "$T/amina" test $I/test --data-urlencode "to=amina@example.org, second@example.org")
[ "$code" = 200 ] && pass "test send" || { fail "test send: $code"; cat "$T/test.b" >&2; }
[ "$(outbox_count)" = 2 ] && pass "two test messages in the outbox" || fail "outbox: $(outbox_count)"
grep -l "^Subject: \[TEST\]" "$WS"/outbox/new/* >/dev/null && pass "... marked [TEST]" || fail "no [TEST] subject"
code=$(desk_post "$T/amina" test2 $I/test --data-urlencode "to=not an address")
[ "$code" = 400 ] && expect_grep "$T/test2.b" "Test addresses: one is not an email address" "a bad test address is named" ||
  fail "bad test address: $code"

# --- four eyes
code=$(desk_post "$T/amina" selfapprove $I/approve)
[ "$code" = 409 ] && expect_grep "$T/selfapprove.b" "amina made the last change (compiled it), and workflow.four_eyes says someone else must approve it" "the compiler cannot approve" ||
  fail "self approve: $code"
code=$(desk_post "$T/appr" approve $I/approve)
[ "$code" = 200 ] && expect_grep "$T/approve.b" "Last approved by appr" "another approves" || { fail "approve: $code"; cat "$T/approve.b" >&2; }
digest=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT digest FROM issue_approvals ORDER BY id DESC LIMIT 1")
expect_grep "$T/approve.b" "$digest" "the page shows the digest approved"
echo "<!-- a change -->" >> "$WS/issues/2026-12/flying-start.md"
curl -s -b "$T/appr" "$URL$I" >"$T/changed.b"
expect_grep "$T/changed.b" "issues/2026-12/flying-start.md changed since the last approval" "what changed since the approval"
sed -i '$ d' "$WS/issues/2026-12/flying-start.md"

# --- send
code=$(req confirm -b "$T/appr" "$URL$I/send")
[ "$code" = 200 ] && expect_grep "$T/confirm.b" "to <strong>$N subscribers</strong>" "the confirmation names the recipients" ||
  { fail "confirm: $code"; cat "$T/confirm.b" >&2; }
code=$(desk_post "$T/appr" send $I/send)
[ "$code" = 303 ] && pass "the send starts" || { fail "send: $code"; cat "$T/send.b" >&2; }
for _ in $(seq 100); do
  curl -s -b "$T/appr" "$URL$I/progress" >"$T/progress.b"
  grep -q 'http-equiv="refresh"' "$T/progress.b" || break
  sleep 0.2
done
expect_no_grep "$T/progress.b" 'http-equiv="refresh"' "the progress page stops refreshing at the end"
expect_grep "$T/progress.b" "The send is finished." "it says the send is finished"
expect_grep "$T/progress.b" "<strong>$N</strong> sent" "... with the number sent"
[ "$(outbox_count)" = $((N + 2)) ] && pass "$N messages in the outbox" || fail "outbox: $(outbox_count)"
who=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT who FROM issue_events WHERE event = 'sent'")
[ "$who" = "appr (desk)" ] && pass "the send is recorded as appr's, from the desk" || fail "sent by '$who'"
n=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT count(*) FROM published WHERE issue_id = '2026-12'")
[ "$n" = 1 ] && [ -s "$WS/public/issues/2026-12/index.html" ] && pass "the sent issue is published" || fail "not published"
code=$(desk_post "$T/appr" unpub $I/unpublish)
[ "$code" = 200 ] && [ ! -e "$WS/public/issues/2026-12/index.html" ] && pass "unpublish takes it off the site" || fail "unpublish: $code"
code=$(desk_post "$T/appr" pub $I/publish)
[ "$code" = 200 ] && [ -s "$WS/public/issues/2026-12/index.html" ] && pass "publish puts it back" || fail "publish: $code"

# --- subscribers
expect_status subs 200 "the subscribers page" -b "$T/amina" "$URL/desk/subscribers"
expect_grep "$T/subs.b" "<strong>$N</strong> active" "counts by status"
expect_grep "$T/subs.b" '<svg role="img"' "the chart, drawn by the server"
month=$(date -u +%Y-%m)
expect_grep "$T/subs.b" "$month: $N joined" "this month's sign-ups in the chart"
expect_status search 200 "a search" -b "$T/amina" "$URL/desk/subscribers?q=tom"
expect_grep "$T/search.b" "tom.baker@example.org" "found by the start of the address"
expect_status search2 200 "a search by name" -b "$T/amina" "$URL/desk/subscribers?q=Zo%C3%AB"
expect_grep "$T/search2.b" "zoe.okafor@example.net" "found by the start of the name"
id=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT id FROM subscribers WHERE email = 'tom.baker@example.org'")
code=$(desk_post "$T/amina" unsub /desk/subscribers/$id/status -d action=unsubscribe --data-urlencode "reason=asked by phone")
[ "$code" = 200 ] && [ "$(field tom.baker@example.org status)" = unsubscribed ] && pass "unsubscribed from the desk" || fail "unsubscribe: $code"
code=$(desk_post "$T/amina" resub /desk/subscribers/$id/status -d action=resubscribe --data-urlencode "reason=")
[ "$code" = 400 ] && expect_grep "$T/resub.b" "Reason: say why" "a reason is required" || fail "resubscribe without reason: $code"
code=$(desk_post "$T/amina" resub2 /desk/subscribers/$id/status -d action=resubscribe --data-urlencode "reason=asked to come back by email")
[ "$code" = 200 ] && [ "$(field tom.baker@example.org status)" = active ] && pass "resubscribed with a reason" || fail "resubscribe: $code"
expect_status hist 200 "a subscriber's page" -b "$T/amina" "$URL/desk/subscribers/$id"
expect_grep "$T/hist.b" "at the desk by amina: asked by phone" "the history names who and why"
code=$(desk_post "$T/amina" add /desk/subscribers/add --data-urlencode "email=new.one@example.org" --data-urlencode "name=New One" --data-urlencode "reason=met at the conference")
[ "$code" = 303 ] && [ "$(field new.one@example.org status)" = active ] && pass "added from the desk" || fail "add: $code"

# --- import (upload, the dry run, confirm), export, erase
printf 'email,name\nfirst.import@example.org,First Import\nnot-an-address,Bad Row\ntom.baker@example.org,Tom\n' >"$T/import.csv"
token=$(desk_csrf "$T/appr")
code=$(curl -s -o "$T/appimport.b" -w '%{http_code}' -b "$T/appr" -F "csrf=$token" -F "csv=@$T/import.csv" -F status=active "$URL/desk/subscribers/import" || true)
[ "$code" = 403 ] && pass "an approver cannot import" || fail "approver import: $code"
token=$(desk_csrf "$T/amina")
code=$(curl -s -o "$T/dry.b" -w '%{http_code}' -b "$T/amina" -F "csrf=$token" -F "csv=@$T/import.csv" -F status=active "$URL/desk/subscribers/import" || true)
[ "$code" = 200 ] && expect_grep "$T/dry.b" "<strong>1</strong> added" "the dry run says what would be added" || { fail "upload: $code"; cat "$T/dry.b" >&2; }
expect_grep "$T/dry.b" "<strong>1</strong> rejected" "... and rejected"
expect_grep "$T/dry.b" "the CSV file:3:" "... naming the row"
[ "$(field first.import@example.org status)" = "" ] && pass "the dry run changes nothing" || fail "the dry run imported"
ls "$WS"/subscribers/.desk-import-amina-*.csv >/dev/null 2>&1 && pass "the upload waits, named for its user" || fail "no upload kept"
[ "$(stat -c %a "$WS"/subscribers/.desk-import-amina-*.csv)" = 600 ] && pass "... private (0600)" || fail "upload mode"
itoken=$(sed -n 's/.*name="token" value="\([A-Za-z0-9_-]*\)".*/\1/p' "$T/dry.b")
code=$(desk_post "$T/amina" imported /desk/subscribers/import/confirm --data-urlencode "token=$itoken" -d status=active)
[ "$code" = 200 ] && [ "$(field first.import@example.org status)" = active ] && pass "confirmed: imported" || { fail "confirm: $code"; cat "$T/imported.b" >&2; }
ls "$WS"/subscribers/.desk-import-* >/dev/null 2>&1 && fail "the upload is left behind" || pass "the upload is gone after the import"
code=$(desk_post "$T/amina" export /desk/subscribers/export)
[ "$code" = 200 ] && expect_grep "$T/export.b" "first.import@example.org,First Import,,active" "the export lists everyone" || fail "export: $code"
has_header export "Content-Disposition: attachment" && pass "... as a download" || fail "export disposition"
id=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT id FROM subscribers WHERE email = 'first.import@example.org'")
code=$(desk_post "$T/amina" erase0 /desk/subscribers/$id/erase -d confirm=wrong@example.org)
[ "$code" = 400 ] && [ "$(field first.import@example.org status)" = active ] && pass "erase needs the address typed" || fail "erase without confirm: $code"
code=$(desk_post "$T/amina" erase /desk/subscribers/$id/erase -d confirm=first.import@example.org)
[ "$code" = 200 ] && [ "$(field first.import@example.org status)" = "" ] && pass "erased" || fail "erase: $code"
grep -q "first.import@example.org" <(sqlite3 "$WS/subscribers/bulletin.db" "SELECT * FROM desk_events") &&
  fail "the erased address is in the desk's log" || pass "the log does not keep the erased address"

# --- activity
expect_status act 200 "the activity log" -b "$T/amina" "$URL/desk/activity?kind=approve"
expect_grep "$T/act.b" "<td>appr</td><td>approve</td><td>2026-12</td>" "approvals, by whom"
expect_no_grep "$T/act.b" "<td>compile</td>" "filtered by kind"
expect_status act2 200 "the activity log by user" -b "$T/amina" "$URL/desk/activity?who=appr"
expect_grep "$T/act2.b" "<td>appr</td><td>send</td>" "the send, by appr"
expect_no_grep "$T/act2.b" "<td>amina</td>" "filtered by user"
stop_server
finish
