# One send of an issue at a time: a second 'bulletin send' of the same
# issue while one runs says who holds it (process id, host, start time),
# exits 1 and touches nothing (no "uncertain" from rows the first run is
# handing over); two started at the same instant: exactly one sends; a
# run killed with -9 leaves no lock that stops the next one; a send of
# another issue is not held up.
source tests/lib.sh
source tests/send/lib.sh
sample_workspace
cd "$T/sample"
N=40
{ echo "email,name"; for i in $(seq -w $N); do echo "slow-$i@example.org,Reader $i"; done; } >"$T/subs.csv"
"$BULLETIN" subscribers import "$T/subs.csv" >/dev/null
# slow-*: each message takes 0.25 s, so a run lasts about 5 s on 2
# connections.
start_smtpd smtpd --no-store --slow-delay 0.25
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT" connections=2
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null
lock=subscribers/bulletin.db-send-2026-12.lock
accepted() { grep '"event": "data"' "$T/smtpd.log" | grep -c '"code": 250' || true; }
wait_accepted() { # N: until the server has accepted N in all (10 s at most)
  for _ in $(seq 200); do [ "$(accepted)" -ge "$1" ] && return 0; sleep 0.05; done
  return 1
}

# 1. A second send while the first runs.
"$BULLETIN" send 2026-12 >"$T/a.out" 2>"$T/a.err" &
a=$!
PIDS+=("$a")
wait_accepted 2 || fail "the first send did not start"
code=0
"$BULLETIN" send 2026-12 >"$T/b.out" 2>"$T/b.err" || code=$?
[ "$code" = 1 ] && pass "the second send exits 1" || { fail "the second send exited $code:"; cat "$T/b.out" "$T/b.err" >&2; }
expect_grep "$T/b.err" "bulletin: another send of 2026-12 is running (process $a on $(hostname), started $(date +%Y-%m-%d) " "it names the process, host and start time"
expect_grep "$T/b.err" "wait for it to finish" "and what to do"
expect_no_grep "$T/b.out" "uncertain" "the second send reports nobody uncertain"
"$BULLETIN" status 2026-12 >"$T/status.out" 2>&1 || true
expect_grep "$T/status.out" "a send is running now (process $a on $(hostname)" "status says a send is running"
expect_no_grep "$T/status.out" "uncertain, if no send is running" "status does not call them maybe uncertain"
code=0
wait "$a" || code=$?
[ "$code" = 0 ] && pass "the first send completes" || { fail "the first send exited $code:"; cat "$T/a.out" "$T/a.err" >&2; }
expect_grep "$T/a.out" "$N sent, 0 failed, 0 deferred" "the first send sent all $N"
expect_no_grep "$T/a.out" "uncertain" "the first send reports nobody uncertain"
[ ! -e "$lock" ] && pass "the lock is gone after the run" || fail "the lock file is left: $(cat "$lock")"
[ "$(accepted)" = $N ] && pass "the server got $N messages" || fail "the server got $(accepted) messages, not $N"

# 2. Two at the same instant, on a fresh campaign.
sql "DELETE FROM journal; DELETE FROM campaigns"
before=$(accepted)
"$BULLETIN" send 2026-12 >"$T/c1.out" 2>"$T/c1.err" & c1=$!
"$BULLETIN" send 2026-12 >"$T/c2.out" 2>"$T/c2.err" & c2=$!
PIDS+=("$c1" "$c2")
r1=0; wait "$c1" || r1=$?
r2=0; wait "$c2" || r2=$?
[ "$r1$r2" = 01 ] || [ "$r1$r2" = 10 ] && pass "two at once: one ran, one exited 1 ($r1, $r2)" ||
  { fail "two at once exited $r1 and $r2:"; cat "$T"/c?.out "$T"/c?.err >&2; }
cat "$T/c1.out" "$T/c2.out" >"$T/c.out"
cat "$T/c1.err" "$T/c2.err" >"$T/c.err"
expect_grep "$T/c.out" "$N sent, 0 failed" "the one that ran sent all $N"
expect_grep "$T/c.err" "another send of 2026-12 is running" "the other says why"
expect_no_grep "$T/c.out" "uncertain" "nobody reported uncertain"
[ $(($(accepted) - before)) = $N ] && pass "the server got each of the $N once" ||
  fail "the server got $(($(accepted) - before)) messages, not $N"

# 3. kill -9: the lock file is left with a dead process in it; the next
# run takes over at once (the kernel dropped the lock with the process).
sql "DELETE FROM journal; DELETE FROM campaigns"
before=$(accepted)
"$BULLETIN" send 2026-12 >"$T/k.out" 2>"$T/k.err" &
k=$!
PIDS+=("$k")
wait_accepted $((before + 4)) || fail "the send to kill did not start"
kill -9 "$k"
{ wait "$k"; } 2>/dev/null || true
[ "$(head -n 1 "$lock" 2>/dev/null)" = "$k" ] && pass "the killed run's lock file is left, naming process $k" ||
  fail "lock file after the kill: $(cat "$lock" 2>&1)"
code=0
"$BULLETIN" send 2026-12 >"$T/r.out" 2>"$T/r.err" || code=$?
[ "$code" = 0 ] && pass "the next run takes the lock over and completes" || { fail "the next run exited $code:"; cat "$T/r.out" "$T/r.err" >&2; }
expect_no_grep "$T/r.err" "another send" "nothing about another send"
left=$(sql "SELECT count(*) FROM journal WHERE status NOT IN ('sent', 'uncertain')")
[ "$left" = 0 ] && pass "everyone sent or uncertain after the re-run" || fail "$left rows neither sent nor uncertain"
[ ! -e "$lock" ] && pass "the lock is gone after the re-run" || fail "the lock file is left"

# 4. Another issue is not held up by a running send.
cp -r issues/2026-12 issues/2027-01
sed -i 's/^title: .*/title: "January 2027"/' issues/2027-01/issue.yaml
"$BULLETIN" compile 2027-01 >/dev/null
"$BULLETIN" approve 2027-01 >/dev/null
sql "DELETE FROM journal; DELETE FROM campaigns"
"$BULLETIN" send 2026-12 >"$T/d.out" 2>"$T/d.err" &
d=$!
PIDS+=("$d")
wait_accepted $(($(accepted) + 2)) || fail "the send of 2026-12 did not start"
code=0
"$BULLETIN" send 2027-01 >"$T/e.out" 2>"$T/e.err" || code=$?
[ "$code" = 0 ] && pass "a send of another issue runs meanwhile" || { fail "send of 2027-01 exited $code:"; cat "$T/e.out" "$T/e.err" >&2; }
wait "$d" || fail "the send of 2026-12 failed"
stop_smtpd
finish
