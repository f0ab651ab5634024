# What the comms officer previews is what subscribers get: each message
# sent (maildir transport) equals 'bulletin preview --subscriber' for the
# same person, apart from Date, Message-ID and the MIME boundaries. And a
# test send (--to) is marked [TEST], records nothing, and works for
# addresses that do not subscribe.
source tests/lib.sh
source tests/send/lib.sh
sample_workspace
cd "$T/sample"
SUBJECT="One year on as a Health Equity Town"
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null
"$BULLETIN" subscribers import subscribers/sample.csv >/dev/null
n=$(sql "SELECT count(*) FROM subscribers WHERE status = 'active'")
[ "$n" -ge 10 ] && pass "$n sample subscribers" || fail "only $n sample subscribers"
grep -q '^  transport: maildir:outbox' bulletin.yaml && pass "delivery into outbox/" || fail "the sample does not deliver into outbox/"

# --- Test sends: one outsider, one subscriber.
"$BULLETIN" send 2026-12 --to outsider@elsewhere.net --to amira.hassan@example.org \
  >"$T/test.out" 2>&1 && pass "test send exits 0" || { fail "test send failed:"; cat "$T/test.out" >&2; }
expect_grep "$T/test.out" "outsider@elsewhere.net: sent (<" "test send to a non-subscriber"
expect_grep "$T/test.out" "amira.hassan@example.org: sent (<" "test send to a subscriber"
count=$(find outbox/new -type f | wc -l)
[ "$count" = 2 ] && pass "two test messages" || fail "$count messages in outbox/new after the test send"
python3 "$ROOT/tests/mail/check_message.py" --expect-list-unsubscribe --expect-list-id \
  --expect-subject "[TEST] $SUBJECT" outbox >"$T/check-test.out" 2>&1 &&
  pass "test messages: subject '[TEST] $SUBJECT', well formed" || { fail "test messages:"; cat "$T/check-test.out" >&2; }
"$BULLETIN" status 2026-12 >"$T/status0.out"
expect_grep "$T/status0.out" "2026-12 has not been sent yet" "status: not sent after a test send"
[ "$(sql "SELECT (SELECT count(*) FROM campaigns) + (SELECT count(*) FROM journal)")" = 0 ] &&
  pass "nothing in the journal" || fail "a test send wrote to the journal"
# A test message carries no subscriber's token (its links lead nowhere).
tokens=$(sql "SELECT token_secret FROM subscribers")
leaked=0
for t in $tokens; do grep -lq -- "$t" outbox/new/* 2>/dev/null && leaked=$((leaked + 1)); done
[ "$leaked" = 0 ] && pass "no subscriber token in test messages" || fail "$leaked subscriber tokens in test messages"
"$BULLETIN" send 2026-12 --to 'not an address' >"$T/bad.out" 2>&1 && rc=0 || rc=$?
[ "$rc" = 1 ] && expect_grep "$T/bad.out" "not an address: not sent" "a bad test address is refused, exit 1" ||
  { fail "bad test address: exit $rc"; cat "$T/bad.out" >&2; }
mkdir "$T/test-messages" && mv outbox/new/* "$T/test-messages/"

# --- The real send: everyone gets it, the test sends did not count.
"$BULLETIN" send 2026-12 >"$T/send.out" 2>&1 || { fail "send failed:"; cat "$T/send.out" >&2; }
expect_grep "$T/send.out" "$n sent, 0 failed" "all $n sent (amira too, after her test message)"
count=$(find outbox/new -type f | wc -l)
[ "$count" = "$n" ] && pass "$n messages in outbox/new" || fail "$count messages in outbox/new, want $n"
python3 "$ROOT/tests/mail/check_message.py" --expect-list-unsubscribe --expect-list-id \
  --expect-body-unsubscribe --expect-subject "$SUBJECT" outbox >"$T/check.out" 2>&1 &&
  pass "sent messages pass check_message.py" || { fail "sent messages:"; cat "$T/check.out" >&2; }

# Each sent message against the preview for its subscriber.
bad=0 compared=0
for f in outbox/new/*; do
  to=$(python3 -c 'import sys; from email import message_from_binary_file as m; from email.utils import parseaddr; print(parseaddr(m(open(sys.argv[1], "rb"))["To"])[1])' "$f")
  "$BULLETIN" preview 2026-12 --subscriber "$to" --eml "$T/preview.eml" >/dev/null 2>"$T/preview.err" ||
    { fail "preview for $to:"; cat "$T/preview.err" >&2; bad=$((bad + 1)); continue; }
  python3 "$ROOT/tests/mail/same_message.py" "$f" "$T/preview.eml" >&2 || bad=$((bad + 1))
  compared=$((compared + 1))
done
[ "$bad" = 0 ] && [ "$compared" = "$n" ] && pass "all $n sent messages equal their previews" ||
  fail "$bad of $compared sent messages differ from their previews"
# The comparison is not blind: the preview for someone else differs.
first=$(ls outbox/new | head -1)
to=$(sed -n 's/^To: .*<\(.*\)>.*/\1/p' "outbox/new/$first" | head -1)
other=$(sql "SELECT email FROM subscribers WHERE email <> '$to' LIMIT 1")
"$BULLETIN" preview 2026-12 --subscriber "$other" --eml "$T/other.eml" >/dev/null 2>&1
python3 "$ROOT/tests/mail/same_message.py" "outbox/new/$first" "$T/other.eml" >/dev/null &&
  fail "a preview for $other compared equal to the message for $to" || pass "another subscriber's preview differs"
# The test message to amira differs from her real one only in the subject,
# the token (in the unsubscribe and preferences links) and the greeting (a test recipient is nobody in
# the store, so it has no name).
real=$(grep -l '^To: .*amira.hassan@example.org' outbox/new/*)
testmsg=$(grep -l '^To: .*amira.hassan@example.org' "$T"/test-messages/*)
tok=$(sql "SELECT token_secret FROM subscribers WHERE email = 'amira.hassan@example.org'")
grep -q -- "$tok" "$real" && pass "the real message carries her token" || fail "her token is not in her message"
python3 "$ROOT/tests/mail/same_message.py" --mask '^(\[TEST\] )?(?=One year on)' \
  --mask '(?<=unsubscribe/)[A-Za-z0-9_-]{22,30}' --mask '(?<=unsubscribe\+)[A-Za-z0-9_-]{22,30}' \
  --mask '(?<=preferences/)[A-Za-z0-9_-]{22,30}' \
  --mask '^.*(?=<amira\.hassan@)' --mask 'Hello( Amira Hassan)?,' \
  "$real" "$testmsg" && pass "test message = real message but for [TEST], the token and the name" ||
  fail "the test message differs in more than subject, token and name"

# With images embedded (multipart/related, cid: references): a test send
# and a preview are well formed and every cid: resolves.
delivery embed_images=true
"$BULLETIN" compile 2026-12 >/dev/null
rm -f outbox/new/*
"$BULLETIN" send 2026-12 --to embed@elsewhere.net >"$T/embed.out" 2>&1 || { fail "test send with embedded images:"; cat "$T/embed.out" >&2; }
"$BULLETIN" preview 2026-12 --subscriber zoe.okafor@example.net --eml "$T/embed.eml" >/dev/null
[ "$(grep -l 'multipart/related' "$T/embed.eml" outbox/new/* | wc -l)" = 2 ] &&
  [ "$(grep -l 'src=3D"cid:' "$T/embed.eml" outbox/new/* | wc -l)" = 2 ] &&
  pass "images embedded" || fail "no multipart/related with cid: images"
python3 "$ROOT/tests/mail/check_message.py" --expect-list-unsubscribe --expect-list-id \
  --expect-body-unsubscribe "$T/embed.eml" outbox >"$T/check-embed.out" 2>&1 &&
  pass "embedded-image messages pass check_message.py" || { fail "embedded images:"; cat "$T/check-embed.out" >&2; }
# A picture swapped for a link after compile is not embedded: the send
# reads pictures with compile's checks (a regular file, by its bytes).
mv issues/2026-12/flying-start.png "$T/flying-start.png"
ln -s ../../subscribers/bulletin.db issues/2026-12/flying-start.png
rm -f outbox/new/*
"$BULLETIN" send 2026-12 --to embed@elsewhere.net >"$T/link.out" 2>&1 && rc=0 || rc=$?
[ "$rc" = 1 ] && expect_grep "$T/link.out" "flying-start.png" "a linked picture stops the send, naming it" ||
  { fail "send with a linked picture: exit $rc"; cat "$T/link.out" >&2; }
[ -z "$(ls outbox/new)" ] && pass "nothing sent with a linked picture" || fail "a message went out with a linked picture"
if grep -l 'SQLite format' outbox/new/* >/dev/null 2>&1 || grep -rl "$(sql "SELECT token_secret FROM subscribers LIMIT 1")" outbox/new/ >/dev/null 2>&1; then
  fail "the store's bytes went out"; else pass "the store's bytes did not go out"; fi
finish
