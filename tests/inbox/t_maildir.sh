# bulletin inbox over a Maildir: each class of message acts on the store
# as the issue's table says, with evidence in the events; processed
# messages move to cur/ with the S flag, others stay in new/; a dry run
# and a second run change nothing; --report sums up the last run.
source "$(dirname "$0")/../lib.sh"
new_workspace
cd "$T/ws"
people=(ann bob carol dave erin frank gina hank)
for p in "${people[@]}"; do
  "$BULLETIN" subscribers add "$p@example.com" >/dev/null
done
field() { # field ADDR KEY: a field of the subscriber's record
  "$BULLETIN" subscribers data "$1" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['subscriber']['$2'])"
}
status() { field "$1" status; }
tokens=()
for p in "${people[@]}"; do tokens+=("$p=$(field "$p@example.com" token)"); done
python3 "$ROOT/tests/inbox/make_messages.py" "$T/msgs" "${tokens[@]}"
md=$T/md
mkdir -p "$md/new" "$md/cur" "$md/tmp"
cp "$T/msgs"/* "$md/new/"
total=$(ls "$md/new" | wc -l)
expect_status() { # expect_status ADDR STATUS DESCRIPTION
  local got
  got=$(status "$1")
  if [ "$got" = "$2" ]; then pass "$3"; else fail "$3: $1 is $got, expected $2"; fi
}

# A dry run says what it would do and changes nothing anywhere.
"$BULLETIN" inbox --dry-run "maildir:$md" > "$T/dry.txt" ||
  fail "dry run exited with $?"
expect_grep "$T/dry.txt" "ann@example.com                  would be bounced" \
  "dry run: the hard bounce would bounce ann"
expect_grep "$T/dry.txt" "would change" "dry run: summary says would"
expect_status ann@example.com active "dry run: ann still active"
[ "$(ls "$md/new" | wc -l)" = "$total" ] && [ -z "$(ls "$md/cur")" ] &&
  pass "dry run: no message moved" || fail "dry run moved messages"
"$BULLETIN" inbox --report > "$T/report0.txt"
expect_grep "$T/report0.txt" "no inbox run yet" "dry run: no run recorded"

# The real run.
"$BULLETIN" inbox "maildir:$md" > "$T/run1.txt" || fail "run exited with $?"
cat "$T/run1.txt"
expect_status ann@example.com bounced "hard bounce by token: bounced"
expect_status bob@example.com bounced "third soft bounce in 30 days: bounced"
expect_grep "$T/run1.txt" "soft bounce 1 of 3 within 30 days" "soft: first counted"
expect_grep "$T/run1.txt" "soft bounce 2 of 3 within 30 days" "soft: second counted"
expect_status carol@example.com complained "ARF complaint: complained"
expect_status dave@example.com unsubscribed "mail to unsubscribe+TOKEN: unsubscribed"
expect_status erin@example.com active "auto-reply: ignored"
expect_status frank@example.com active "policy bounce 5.7.1: nobody marked"
expect_grep "$T/run1.txt" "none: a policy failure (5.7.1)" "policy bounce reported"
expect_status gina@example.com bounced "Exim text bounce: bounced"
expect_status hank@example.com bounced "bounce naming only the returned To: bounced"
expect_grep "$T/run1.txt" "stranger@example.net             none: not a subscriber" \
  "a stranger's bounce is reported"
expect_grep "$T/run1.txt" "left in the mailbox" "other messages are reported"
expect_grep "$T/run1.txt" "13 messages: 5 hard, 3 soft, 1 complaint, 1 unsubscribe, 1 auto-reply, 2 other" \
  "summary counts each class"

# Evidence: status, reporting server and Message-ID in the event.
"$BULLETIN" subscribers show ann@example.com > "$T/ann.txt"
expect_grep "$T/ann.txt" "active -> bounced  (inbox) hard bounce 5.1.1 from mx.example.net, Message-ID <hard1@mx.example.net>: 550 5.1.1" \
  "the bounce event carries status, server and Message-ID"
"$BULLETIN" subscribers show bob@example.com > "$T/bob.txt"
expect_grep "$T/bob.txt" "(soft bounce 3 within 30 days)" "the soft bounce event says why"
"$BULLETIN" subscribers data bob@example.com > "$T/bob.json"
n=$(python3 -c "import json; print(len(json.load(open('$T/bob.json'))['soft_bounces']))")
[ "$n" = 3 ] && pass "soft bounces are in the subscriber's data" ||
  fail "bob's data lists $n soft bounces"

# The mailbox: processed in cur/ with S, the rest left in new/.
left=$(ls "$md/new" | sort | tr '\n' ' ')
[ "$left" = "12-other-reply 13-garbage " ] && pass "other messages left in new/" ||
  fail "new/ holds: $left"
seen=$(ls "$md/cur" | grep -c ':2,S$' || true)
[ "$seen" = $((total - 2)) ] && pass "processed messages in cur/ with the S flag" ||
  fail "$seen of $((total - 2)) in cur/ with S: $(ls "$md/cur")"

# --report: counts per class and the addresses affected.
"$BULLETIN" inbox --report > "$T/report.txt"
expect_grep "$T/report.txt" "last inbox run: maildir:$md" "report names the source"
expect_grep "$T/report.txt" "  hard         5" "report counts hard bounces"
expect_grep "$T/report.txt" "  soft         3" "report counts soft bounces"
expect_grep "$T/report.txt" "  other        2" "report counts others"
expect_grep "$T/report.txt" "ann@example.com                  hard        bounced" \
  "report lists the addresses affected"

# Again: nothing changes, even with a message delivered twice.
for p in "${people[@]}"; do "$BULLETIN" subscribers data "$p@example.com"; done > "$T/before.json"
cp "$T/msgs/01-hard-ann" "$md/new/again"
"$BULLETIN" inbox "maildir:$md" > "$T/run2.txt" || fail "second run exited with $?"
expect_grep "$T/run2.txt" "3 read before; 0 subscribers changed" "second run changes nothing"
for p in "${people[@]}"; do "$BULLETIN" subscribers data "$p@example.com"; done > "$T/after.json"
cmp -s "$T/before.json" "$T/after.json" && pass "no event or status added by the second run" ||
  fail "the second run changed the store: $(diff "$T/before.json" "$T/after.json")"
[ ! -e "$md/new/again" ] && pass "a message read before is still marked processed" ||
  fail "the repeated message was left in new/"
"$BULLETIN" inbox --report > "$T/report2.txt"
cmp -s "$T/report.txt" "$T/report2.txt" && pass "a run with nothing new keeps the last report" ||
  fail "the report changed after a run with nothing new"

# --watch: a message arriving later is read on a later pass; SIGTERM ends
# the watch cleanly.
"$BULLETIN" inbox --watch 1 "maildir:$md" > "$T/watch.txt" 2>&1 &
wpid=$!
PIDS+=("$wpid")
sleep 1
sed -e "s/$(field ann@example.com token)/$(field erin@example.com token)/g" \
    -e "s/ann@/erin@/g" -e "s/hard1@/watch1@/g" "$T/msgs/01-hard-ann" > "$md/tmp/w"
mv "$md/tmp/w" "$md/new/watch"
for _ in $(seq 50); do
  [ "$(status erin@example.com)" = bounced ] && break
  sleep 0.2
done
expect_status erin@example.com bounced "--watch: a later message is read on the next pass"
kill -TERM "$wpid"
rc=0; wait "$wpid" || rc=$?
[ "$rc" = 0 ] && pass "--watch stops cleanly on SIGTERM" || fail "--watch exited $rc: $(cat "$T/watch.txt")"

# Mistakes are reported clearly.
"$BULLETIN" inbox "maildir:$T/nowhere" 2> "$T/err1.txt" && fail "a missing Maildir succeeded"
expect_grep "$T/err1.txt" "not a Maildir (no cur/ in it)" "missing Maildir named"
"$BULLETIN" inbox "ftp://x@y/z" 2> "$T/err2.txt" && fail "an unknown scheme succeeded"
expect_grep "$T/err2.txt" "unknown mailbox" "unknown scheme named"
"$BULLETIN" inbox "imap://u:secret@127.0.0.1/INBOX" 2> "$T/err3.txt" && fail "a password in the URL was accepted"
expect_grep "$T/err3.txt" "BULLETIN_INBOX_PASSWORD" "a password in the URL is refused"
expect_no_grep "$T/err3.txt" "secret" "the refused password is not echoed"
"$BULLETIN" inbox "imap://jo%0Abad@127.0.0.1/INBOX" 2> "$T/err4.txt" && fail "a line break in the user name was accepted"
expect_grep "$T/err4.txt" "the user name has a bad %XX escape or a line break" "a line break in the user name is refused"
"$BULLETIN" inbox "imap://jo@127.0.0.1/Sent%zz" 2> "$T/err5.txt" && fail "a bad escape in the folder was accepted"
expect_grep "$T/err5.txt" "the folder name has a bad %XX escape" "a bad escape in the folder is refused"
rc=0; "$BULLETIN" inbox "maildir:$md" --watch 0 2>/dev/null || rc=$?
[ "$rc" = 2 ] && pass "--watch 0 is a usage error" || fail "--watch 0 exited $rc"
"$BULLETIN" inbox --help > "$T/help.txt" && expect_grep "$T/help.txt" "BULLETIN_INBOX_PASSWORD" "--help"
finish
