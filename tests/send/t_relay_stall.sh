# A slow or briefly overloaded relay is not a broken one. The scriptable
# server stalls once for 5 s (refusing connections with 421, or answering
# nothing) and then answers normally: the send waits, retries with
# backoff, and completes, the only relay never set aside and nobody sent
# twice. A relay is set aside only after failing for
# delivery.relay_aside_after seconds without a success: the last one
# then pauses the run; one of two goes aside and the other carries on.
source tests/lib.sh
source tests/send/lib.sh
sample_workspace
cd "$T/sample"
N=120
{ echo "email,name"; for i in $(seq -w $N); do echo "r$i@example.org,Reader $i"; done; } >"$T/subs.csv"
"$BULLETIN" subscribers import "$T/subs.csv" >/dev/null
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null
count() { grep -c "\"event\": \"$2\"" "$1" || true; }
once_each() { # LOG: every subscriber received exactly once
  received "$1" >"$T/received"
  [ "$(wc -l <"$T/received")" = $N ] && [ -z "$(awk '$1 != 1' "$T/received")" ]
}
fresh() { sql "DELETE FROM journal; DELETE FROM campaigns"; }

# 1. Refusing everything for 5 s after 30 messages (421 to new
# connections and to MAIL FROM on open ones).
start_smtpd refuse --no-store --stall-after 30 --stall-for 5 --stall-mode refuse
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT" connections=4 retry_delay=0.5
"$BULLETIN" compile 2026-12 >/dev/null
code=0
"$BULLETIN" send 2026-12 >"$T/refuse.out" 2>"$T/refuse.err" || code=$?
stop_smtpd
[ "$code" = 0 ] && pass "a relay refusing for 5 s: the send completes (exit 0)" ||
  { fail "the send exited $code:"; cat "$T/refuse.out" "$T/refuse.err" >&2; }
expect_grep "$T/refuse.out" "$N sent, 0 failed, 0 deferred" "all $N sent"
expect_no_grep "$T/refuse.out" "set aside" "the only relay was not set aside"
refused=$(count "$T/refuse.log" refused)
[ "$refused" -ge 4 ] && pass "the server refused $refused times during its stall" ||
  fail "the server refused only $refused times: did it stall?"
# Backoff: a handful of tries over the 5 s, not a storm.
[ "$refused" -le 30 ] && pass "$refused refusals: the relay was tried with backoff" ||
  fail "$refused refusals in 5 s: no backoff"
once_each "$T/refuse.log" && pass "everyone received it once" || { fail "received:"; awk '$1 != 1' "$T/received" | head >&2; }
python3 - "$T/refuse.log" <<'PY' && pass "messages went out again once the stall was over" || fail "no message after the stall"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
stall = next(e["t"] for e in ev if e["event"] == "stall")
after = [e for e in ev if e["event"] == "data" and e["t"] > stall + 5]
sys.exit(0 if after else 1)
PY

# 2. Answering nothing for 5 s (greetings and commands wait).
fresh
start_smtpd hang --no-store --stall-after 30 --stall-for 5 --stall-mode hang
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT"
"$BULLETIN" compile 2026-12 >/dev/null
code=0
"$BULLETIN" send 2026-12 >"$T/hang.out" 2>"$T/hang.err" || code=$?
stop_smtpd
[ "$code" = 0 ] && pass "a relay answering nothing for 5 s: the send completes (exit 0)" ||
  { fail "the send exited $code:"; cat "$T/hang.out" "$T/hang.err" >&2; }
expect_grep "$T/hang.out" "$N sent, 0 failed, 0 deferred" "all $N sent"
[ "$(count "$T/hang.log" stalled)" -ge 1 ] && pass "the server did stall" || fail "the server did not stall"
once_each "$T/hang.log" && pass "everyone received it once" || fail "someone received it twice or not at all"

# 3. The only relay refusing for longer than relay_aside_after (2 s): the
# run pauses, saying why, with nobody uncertain.
fresh
start_smtpd long --no-store --stall-after 10 --stall-for 60 --stall-mode refuse
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT" retry_delay=0.2 relay_aside_after=2
"$BULLETIN" compile 2026-12 >/dev/null
t0=$(date +%s.%N)
code=0
"$BULLETIN" send 2026-12 >"$T/long.out" 2>"$T/long.err" || code=$?
t1=$(date +%s.%N)
stop_smtpd
[ "$code" = 1 ] && pass "the last relay failing for 2 s pauses the run (exit 1)" ||
  { fail "exit $code:"; cat "$T/long.out" "$T/long.err" >&2; }
expect_grep "$T/long.err" "bulletin: paused: no relay could be reached for 2 seconds (last: smtp://127.0.0.1:$SMTPD_PORT: 421 4.3.2" "the pause names the relay and its last reply"
python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= 2 else 1)" && pass "not before 2 s of failures" || fail "paused after $(python3 -c "print(round($t1 - $t0, 2))") s"
rest=$(sql "SELECT count(*) FROM journal WHERE status IN ('pending', 'deferred')")
sent=$(sql "SELECT count(*) FROM journal WHERE status = 'sent'")
# (10, and those already being handed over when the stall began)
[ "$sent" -ge 10 ] && [ $((sent + rest)) = $N ] && pass "$sent sent, the other $rest left to resume, none uncertain" ||
  { fail "after the pause:"; sql "SELECT status, count(*) FROM journal GROUP BY status" >&2; }

# 4. Two relays, one with nothing listening: its connections go to the
# other while it waits; paced to last 3 s, the run sets it aside after
# 1 s of failures; the other carries everyone.
fresh
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_smtpd two --no-store
delivery "transport=[smtp://127.0.0.1:$dead, smtp://127.0.0.1:$SMTPD_PORT]" retry_delay=0.2 relay_aside_after=1 rate=40
"$BULLETIN" compile 2026-12 >/dev/null
code=0
"$BULLETIN" send 2026-12 >"$T/two.out" 2>"$T/two.err" || code=$?
stop_smtpd
[ "$code" = 0 ] && pass "one dead relay of two: the send completes" || { fail "exit $code:"; cat "$T/two.out" "$T/two.err" >&2; }
expect_grep "$T/two.out" "$N sent, 0 failed, 0 deferred" "all $N sent through the other"
expect_grep "$T/two.out" "1 relay set aside: not reached for 1 seconds or more despite retries (last: smtp://127.0.0.1:$dead: " "the dead one is set aside, named"
once_each "$T/two.log" && pass "everyone received it once" || fail "someone received it twice or not at all"
finish
