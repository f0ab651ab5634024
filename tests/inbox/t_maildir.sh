# bulletin inbox over a Maildir: each class of message acts on the store
# as the issue's table says, with evidence in the events, but only when
# tied to the message sent (by token or by the returned Message-ID);
# forged reports change nobody and are reported as unverified; processed
# messages move to cur/ with the S flag, others stay in new/; a dry run
# and a second run change nothing; --report sums up the last run.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
people=(ann bob carol dave erin frank gina hank tom mal)
inbox_workspace "${people[@]}"
status() { field "$1" status; }
md=$T/md
mkdir -p "$md/new" "$md/cur" "$md/tmp"
cp "$T/msgs"/* "$md/new/"
total=$(ls "$md/new" | wc -l)

# A dry run says what it would do and changes nothing anywhere.
"$BULLETIN" inbox --dry-run "maildir:$md" > "$T/dry.txt" ||
  fail "dry run exited with $?"
expect_grep "$T/dry.txt" "ann@example.com                  would be bounced" \
  "dry run: the hard bounce would bounce ann"
expect_grep "$T/dry.txt" "would change" "dry run: summary says would"
expect_status ann@example.com active "dry run: ann still active"
[ "$(ls "$md/new" | wc -l)" = "$total" ] && [ -z "$(ls "$md/cur")" ] &&
  pass "dry run: no message moved" || fail "dry run moved messages"
# --json: one object per message with the fields the issue names; class
# and recipients whether verified or not.
"$BULLETIN" inbox --dry-run --json "maildir:$md" > "$T/dry.json" ||
  fail "dry run --json exited with $?"
python3 - "$T/dry.json" "$total" <<'PY' && pass "--dry-run --json: one object per message, as expected" || fail "--dry-run --json"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == int(sys.argv[2]), f"{len(lines)} lines"
got = {}
for line in lines:
    o = json.loads(line)
    assert list(o) == ["file", "message_id", "class", "recipients", "subscriber",
                       "verified", "action", "reason"], list(o)
    assert o["class"] in ("hard", "soft", "complaint", "unsubscribe", "auto-reply", "other")
    assert o["verified"] in ("token", "message-id", "none")
    assert o["action"] in ("bounced", "complained", "unsubscribed", "counted", "none")
    got[o["file"]] = o
def want(f, cls, rcpts, sub, ver, act):
    o = got[f]
    assert (o["class"], o["recipients"], o["subscriber"], o["verified"], o["action"]) == \
        (cls, rcpts, sub, ver, act), (f, o)
want("01-hard-ann", "hard", ["ann@example.com"], "ann@example.com", "token", "bounced")
want("02-soft-bob-1", "soft", ["bob@example.com"], "bob@example.com", "message-id", "counted")
want("05-policy-frank", "hard", ["frank@example.com"], "frank@example.com", "token", "none")
want("07-complaint-carol", "complaint", ["carol@example.com"], "carol@example.com", "message-id", "complained")
want("08-unsubscribe-dave", "unsubscribe", [], "dave@example.com", "token", "unsubscribed")
want("11-vague-hank", "hard", [], "hank@example.com", "message-id", "bounced")
want("06-hard-stranger", "hard", ["stranger@example.net"], None, "none", "none")
for f in ("14-forged-plain-tom", "15-forged-cross-tom", "16-forged-mid-tom", "18-forged-text-tom"):
    want(f, "hard", ["tom@example.com"], None, "none", "none")
    assert got[f]["reason"].startswith("not tied to a message bulletin sent"), got[f]
want("17-forged-arf-tom", "complaint", ["tom@example.com"], None, "none", "none")
assert got["01-hard-ann"]["message_id"] == "hard1@mx.example.net"
assert got["13-garbage"]["message_id"] is None
PY
expect_status ann@example.com active "dry run --json: ann still active"
"$BULLETIN" inbox --report > "$T/report0.txt"
expect_grep "$T/report0.txt" "no inbox run yet" "dry run: no run recorded"

# The real run.
"$BULLETIN" inbox "maildir:$md" > "$T/run1.txt" || fail "run exited with $?"
cat "$T/run1.txt"
expect_status ann@example.com bounced "hard bounce by token: bounced"
expect_status bob@example.com bounced "third soft bounce in 30 days (by the returned Message-ID): bounced"
expect_grep "$T/run1.txt" "soft bounce 1 of 3 within 30 days" "soft: first counted"
expect_grep "$T/run1.txt" "soft bounce 2 of 3 within 30 days" "soft: second counted"
expect_status carol@example.com complained "ARF complaint by the reported Message-ID: complained"
expect_status dave@example.com unsubscribed "mail to unsubscribe+TOKEN: unsubscribed"
expect_status erin@example.com active "auto-reply: ignored"
expect_status frank@example.com active "policy bounce 5.7.1: nobody marked"
expect_grep "$T/run1.txt" "none: a policy failure (5.7.1)" "policy bounce reported"
expect_status gina@example.com bounced "Exim text bounce, token in the returned Return-Path: bounced"
expect_status hank@example.com bounced "bounce naming nobody, return path rewritten, by Message-ID: bounced"
expect_grep "$T/run1.txt" "stranger@example.net             unverified, not acted on: not tied to a message bulletin sent" \
  "a stranger's bounce is reported unverified"
expect_grep "$T/run1.txt" "left in the mailbox" "other messages are reported"
expect_grep "$T/run1.txt" "18 messages: 9 hard, 3 soft, 2 complaint, 1 unsubscribe, 1 auto-reply, 2 other" \
  "summary counts each class"
expect_grep "$T/run1.txt" "; 6 unverified, not acted on" "summary counts the unverified apart"

# The forgeries of issue 13: none changes tom (or mal, whose token and
# Message-ID they borrow).
expect_status tom@example.com active "forged bounces and complaint naming tom: tom still active"
expect_status mal@example.com active "a report naming tom on mal's token does not touch mal"
expect_grep "$T/run1.txt" "tom@example.com                  unverified, not acted on: not tied to a message bulletin sent: no token in the address it came to, and no Message-ID it quotes is one bulletin sent (tom@example.com is a subscriber)" \
  "DSN to plain bounces@: unverified, and says whom it names"
expect_grep "$T/run1.txt" "not tied to a message bulletin sent: the token in Delivered-To points at mal@example.com, but the report is about tom@example.com" \
  "DSN to mal's bounces+TOKEN naming tom: unverified"
expect_grep "$T/run1.txt" "points at mal@example.com, but the report is about tom@example.com" \
  "DSN quoting mal's Message-ID naming tom: unverified"
n=$(grep -c "^complaint   tom@example.com                  unverified, not acted on" "$T/run1.txt" || true)
[ "$n" = 1 ] && pass "ARF with no token naming tom: unverified" || fail "ARF naming tom: $n unverified lines"
n=$(grep -c "^hard        tom@example.com                  unverified, not acted on" "$T/run1.txt" || true)
[ "$n" = 4 ] && pass "the four forged bounces are each unverified (text 550 included)" ||
  fail "$n of 4 forged bounces reported unverified"
n=$(sqlite3 subscribers/bulletin.db "SELECT count(*) FROM events e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email IN ('tom@example.com', 'mal@example.com') AND e.source = 'inbox'")
[ "$n" = 0 ] && pass "no event for tom or mal" || fail "$n inbox events for tom or mal"

# Evidence: status, reporting server and Message-ID in the event.
"$BULLETIN" subscribers show ann@example.com > "$T/ann.txt"
expect_grep "$T/ann.txt" "active -> bounced  (inbox) hard bounce 5.1.1 from mx.example.net, Message-ID <hard1@mx.example.net>, tied to the message sent to ann@example.com by the token in Delivered-To: 550 5.1.1" \
  "the bounce event carries status, server, Message-ID and what tied it"
"$BULLETIN" subscribers show hank@example.com > "$T/hank.txt"
expect_grep "$T/hank.txt" "tied to the message sent to hank@example.com by the returned Message-ID <" \
  "the event says the returned Message-ID tied it"
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
expect_grep "$T/report.txt" "  hard         9" "report counts hard bounces"
expect_grep "$T/report.txt" "  soft         3" "report counts soft bounces"
expect_grep "$T/report.txt" "  other        2" "report counts others"
expect_grep "$T/report.txt" "ann@example.com                  hard        bounced" \
  "report lists the addresses affected"
expect_grep "$T/report.txt" "6 unverified, not acted on" "report counts the unverified apart"
expect_grep "$T/report.txt" "  tom@example.com                  complaint   unverified, not acted on: not tied" \
  "report lists the unverified with why"
sed -n '/^addresses affected/,/unverified, not acted on: a bounce/p' "$T/report.txt" > "$T/affected.txt"
expect_no_grep "$T/affected.txt" "tom@example.com" "tom is not among the addresses affected"

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
