# Failures against the scriptable server (tests/servers/smtpd.py): 451 then
# accepted, 550 5.1.1, 550 5.7.1, 421 and close, a connection dropped in
# the middle of DATA. The journal ends exactly as the issue specifies,
# retries happen, 5.1.x bounces the subscriber and 5.7.x does not, a
# second run retries only the deferred ones and sends nobody twice, and a
# server refusing everything makes the send pause.
source tests/lib.sh
source tests/send/lib.sh
sample_workspace
cd "$T/sample"

{
  echo "email,name"
  for i in 1 2 3 4 5 6 7 8; do echo "ok-$i@example.org,Reader $i"; done
  for k in fail451 later bad policy; do
    for i in 1 2; do echo "$k-$i@example.org,${k^} $i"; done
  done
  # One each: a 421 to RCPT and a drop in DATA are the message's trouble
  # (the relay was reached), retried like any temporary failure.
  echo "close-1@example.org,Close 1"
  echo "drop-1@example.org,Drop 1"
} >"$T/subs.csv"
"$BULLETIN" subscribers import "$T/subs.csv" >/dev/null
total=$(sql "SELECT count(*) FROM subscribers WHERE status = 'active'")
[ "$total" = 18 ] && pass "18 subscribers" || fail "imported $total subscribers, not 18"

# First run: later-* get 451 every time (left deferred); fail451-* get it
# once, then are accepted on a retry.
start_smtpd smtpd --fail-times 1 --reply 'later-*=rcpt:451 4.3.0 Try again much later'
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT" connections=2 retry_attempts=1 \
  retry_delay=0.05 pause_window=1000
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null
"$BULLETIN" send 2026-12 >"$T/send1.out" 2>"$T/send1.err" && rc=0 || rc=$?
stop_smtpd
[ "$rc" = 0 ] && pass "first run exits 0 (deferred and failed are reported, not fatal)" ||
  { fail "first run exited $rc:"; cat "$T/send1.out" "$T/send1.err" >&2; }
expect_grep "$T/send1.out" "10 sent, 4 failed, 4 deferred" "first run: 10 sent, 4 failed, 4 deferred"

# The journal, row by row: state, attempts, the last reply.
journal() {
  sql "SELECT s.email, j.status, j.attempts, j.reply FROM journal j JOIN subscribers s ON s.id = j.subscriber_id ORDER BY s.email"
}
journal >"$T/journal1"
check_rows() { # FILE GLOB STATUS ATTEMPTS REPLY-PREFIX
  local n
  n=$(awk -F'|' -v g="$2" -v s="$3" -v a="$4" -v r="$5" '
    $1 ~ g { total++; if ($2 == s && $3 == a && index($4, r) == 1) good++ }
    END { print (total == good && total > 0) ? "ok" : "bad" }' "$1")
  [ "$n" = ok ] && pass "$2: $3 after $4 attempt(s), reply '$5'" ||
    { fail "$2 should be $3 after $4 attempt(s) with reply '$5':"; grep -E "$2" "$1" >&2; }
}
check_rows "$T/journal1" '^ok-' sent 1 "250"
check_rows "$T/journal1" '^fail451-' sent 2 "250"
check_rows "$T/journal1" '^bad-' failed 1 "550 5.1.1"
check_rows "$T/journal1" '^policy-' failed 1 "550 5.7.1"
# 1 try and retry_attempts retries, then left for the next run.
check_rows "$T/journal1" '^later-' deferred 2 "451 4.3.0"
check_rows "$T/journal1" '^close-' deferred 2 "421 4.4.2"
check_rows "$T/journal1" '^drop-' deferred 2 "no reply"
# What the server saw agrees: tries per address, one message each.
python3 - "$T/smtpd.log" <<'PY' >"$T/tries.out" && pass "the server saw 2 tries of each fail451, later, close, drop" || { fail "tries seen by the server:"; cat "$T/tries.out" >&2; }
import collections, json, sys
tries = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "rcpt":
        tries[e["rcpt"].split("-")[0]] += 1
want = {"ok": 8, "fail451": 4, "later": 4, "close": 2, "drop": 2, "bad": 2, "policy": 2}
if dict(tries) != want:
    print(f"RCPT per kind {dict(tries)}, want {want}")
    sys.exit(1)
PY
# A connection dropped mid-DATA and 421 are each retried on a fresh
# connection: the server saw the drops.
drops=$(grep -c '"event": "drop"' "$T/smtpd.log" || true)
[ "$drops" = 4 ] && pass "4 closes and drops by the server" || fail "$drops closes and drops in the server log, want 4"
# After a 421 or a drop the next message goes on a new connection.
python3 - "$T/smtpd.log" <<'PY' && pass "a new connection after each 421 or drop" || fail "a message went on a connection the server had closed"
import json, sys
closed, bad = set(), 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "drop":
        closed.add(e["conn"])
    elif e["event"] in ("mail", "rcpt") and e["conn"] in closed:
        bad += 1
sys.exit(1 if bad or not closed else 0)
PY

# 5.1.1 bounces the subscriber, with an event; 5.7.1 does not.
for a in bad-1 bad-2; do
  st=$(sql "SELECT status FROM subscribers WHERE email = '$a@example.org'")
  ev=$(sql "SELECT count(*) FROM events e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email = '$a@example.org' AND e.new_status = 'bounced' AND e.detail LIKE '%5.1.1%'")
  [ "$st" = bounced ] && [ "$ev" = 1 ] && pass "$a bounced, with an event" || fail "$a: status $st, $ev bounce events"
done
for a in policy-1 policy-2; do
  st=$(sql "SELECT status FROM subscribers WHERE email = '$a@example.org'")
  ev=$(sql "SELECT count(*) FROM events e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email = '$a@example.org' AND e.new_status <> 'active'")
  [ "$st" = active ] && [ "$ev" = 0 ] && pass "$a stays active (5.7.1 is policy)" || fail "$a: status $st, $ev events"
done

"$BULLETIN" status 2026-12 >"$T/status1.out"
expect_grep "$T/status1.out" "sent 10, deferred 4, failed 4, uncertain 0, skipped 0, pending 0" "status counts after the first run"
expect_grep "$T/status1.out" "bad-1@example.org (1 attempt): 550 5.1.1" "status lists the failure with its reply"
expect_grep "$T/status1.out" "later-1@example.org (2 attempts): 451 4.3.0" "status lists the deferred with the reply"
expect_grep "$T/status1.out" "finished: not yet" "not finished while some are deferred"

# Second run, the server now accepting later-*: only the deferred are
# tried; later-* get it, close/drop are deferred again.
start_smtpd smtpd --fail-times 1
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT"
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null
"$BULLETIN" send 2026-12 >"$T/send2.out" 2>"$T/send2.err" || { fail "second run failed:"; cat "$T/send2.out" "$T/send2.err" >&2; }
stop_smtpd
expect_grep "$T/send2.out" "2 sent, 0 failed, 2 deferred, 0 skipped (left before sending) of 4" "second run: only the 4 deferred"
journal >"$T/journal2"
check_rows "$T/journal2" '^later-' sent 3 "250"
check_rows "$T/journal2" '^close-' deferred 4 "421 4.4.2"
check_rows "$T/journal2" '^drop-' deferred 4 "no reply"
check_rows "$T/journal2" '^bad-' failed 1 "550 5.1.1"
check_rows "$T/journal2" '^ok-' sent 1 "250"
received "$T/smtpd.log" >"$T/received"
twice=$(awk '$1 != 1' "$T/received")
[ -z "$twice" ] && pass "nobody received it twice" || fail "received more than once: $twice"
[ "$(wc -l <"$T/received")" = 12 ] && pass "12 addresses received it" || { fail "received by:"; cat "$T/received" >&2; }
python3 - "$T/smtpd.log" <<'PY' && pass "second run sent RCPT only for the deferred" || fail "second run touched others"
import json, sys
runs, seen = 0, set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "listen":
        runs += 1
    elif e["event"] == "rcpt" and runs == 2:
        seen.add(e["rcpt"].split("-")[0])
sys.exit(0 if seen == {"later", "close", "drop"} else 1)
PY

# The pause: a server answering 451 to everyone, a window of 10.
mkdir "$T/pause" && cp -r bulletin.yaml templates issues "$T/pause/" && cd "$T/pause"
mkdir subscribers
{ echo email; for i in $(seq 60); do echo "p$i@example.org"; done; } >"$T/pause.csv"
"$BULLETIN" subscribers import "$T/pause.csv" >/dev/null
start_smtpd pause --reply '*=rcpt:451 4.7.1 Greylisted, try again'
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT" connections=2 retry_attempts=3 \
  retry_delay=0.05 pause_window=10 pause_failure_share=0.2
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null
"$BULLETIN" send 2026-12 >"$T/pause.out" 2>"$T/pause.err" && rc=0 || rc=$?
stop_smtpd
[ "$rc" = 1 ] && pass "a paused send exits 1" || fail "paused send exited $rc"
expect_grep "$T/pause.err" "bulletin: paused: " "the pause says why"
expect_grep "$T/pause.err" "451 4.7.1 Greylisted" "the pause quotes the last reply"
tries=$(grep -c '"event": "rcpt"' "$T/pause.log" || true)
[ "$tries" -lt 30 ] && pass "stopped after $tries attempts, not the whole list" || fail "$tries attempts before pausing"
left=$(sql "SELECT count(*) FROM journal WHERE status IN ('pending', 'deferred')")
sending=$(sql "SELECT count(*) FROM journal WHERE status NOT IN ('pending', 'deferred')")
[ "$left" = 60 ] && [ "$sending" = 0 ] && pass "all 60 left pending or deferred, none uncertain" ||
  { fail "after the pause: $left pending/deferred, $sending other"; sql "SELECT status, count(*) FROM journal GROUP BY status" >&2; }
finish
