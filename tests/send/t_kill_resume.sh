# kill -9 during a 5,000-recipient send, three times at different moments,
# re-running each time, then to the end: every subscriber has one 'sent'
# row or is reported uncertain; the server got the message exactly once
# for every 'sent' row and at most once for the uncertain ones; at most
# connections x 8 are uncertain per kill. Then --resend-uncertain sends
# to the uncertain ones, so nobody is skipped.
source tests/lib.sh
source tests/send/lib.sh
sample_workspace
cd "$T/sample"
N=5000
CONNS=4
BATCH=8 # CLAIM_BATCH in src/send/campaign.c: rows a connection claims at once

{ echo "email,name"; for i in $(seq -w $N); do echo "r$i@example.org,Reader $i"; done; } >"$T/subs.csv"
"$BULLETIN" subscribers import "$T/subs.csv" >/dev/null
start_smtpd smtpd --no-store
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT" connections=$CONNS
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null

# accepted: messages the server has accepted so far.
accepted() { grep '"event": "data"' "$T/smtpd.log" | grep -c '"code": 250' || true; }
# wait_accepted N: until the server has accepted N messages in all (or
# the send ended by itself).
wait_accepted() {
  python3 - "$T/smtpd.log" "$1" "$2" <<'PY'
import os, sys, time
path, want, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n, pos, deadline = 0, 0, time.time() + 120
while n < want and time.time() < deadline:
    with open(path) as f:
        f.seek(pos)
        chunk = f.read()
        # Only whole lines count.
        cut = chunk.rfind("\n") + 1
        pos += cut
        n += sum(1 for l in chunk[:cut].splitlines()
                 if '"event": "data"' in l and '"code": 250' in l)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        break
    time.sleep(0.01)
PY
}

# Three kills: early (the first batches), in the first third, in the
# middle; a short random wait lands each somewhere inside a transaction.
for extra in 40 700 1500; do
  before=$(accepted)
  "$BULLETIN" send 2026-12 >"$T/run.out" 2>"$T/run.err" &
  pid=$!
  wait_accepted $((before + extra)) "$pid"
  sleep "0.0$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null || true
  { wait "$pid"; } 2>/dev/null && rc=0 || rc=$?
  [ "$rc" = 137 ] && pass "killed with -9 after ~$extra more messages (server total $(accepted))" ||
    { fail "send was not killed (exit $rc):"; cat "$T/run.out" "$T/run.err" >&2; }
done
# A killed run prints nothing; the next one reports the rows it finds
# left 'sending' as uncertain.
left=$(sql "SELECT count(*) FROM journal WHERE status = 'sending'")
# The send lock (a file beside the store, flock'ed for the run): the kill
# leaves the file, naming the dead process, but the kernel dropped the
# lock with it, so the next run takes it at once.
lock=subscribers/bulletin.db-send-2026-12.lock
[ "$(head -n 1 "$lock" 2>/dev/null)" = "$pid" ] && pass "the killed run's lock file names process $pid" ||
  fail "lock file after the kills: $(cat "$lock" 2>&1)"

"$BULLETIN" send 2026-12 >"$T/final.out" 2>"$T/final.err" && pass "the last run completes" ||
  { fail "the last run failed:"; cat "$T/final.out" "$T/final.err" >&2; }
expect_no_grep "$T/final.err" "another send" "the last run takes the dead run's lock over"
[ ! -e "$lock" ] && pass "the lock file is gone after the last run" || fail "the lock file is left"
u=$(sed -n 's/^  \([0-9]*\) uncertain: .*/\1/p' "$T/final.out")
[ "${u:-0}" = "$left" ] && pass "the last run reports the $left left 'sending' by the last kill as uncertain" ||
  { fail "the last run reported ${u:-0} uncertain, $left were left 'sending':"; cat "$T/final.out" >&2; }

sent=$(sql "SELECT count(*) FROM journal WHERE status = 'sent'")
uncertain=$(sql "SELECT count(*) FROM journal WHERE status = 'uncertain'")
rows=$(sql "SELECT count(*) FROM journal")
echo "journal: $sent sent, $uncertain uncertain, $rows rows"
[ "$rows" = $N ] && [ $((sent + uncertain)) = $N ] && pass "every subscriber: one row, sent or uncertain" ||
  { fail "journal states:"; sql "SELECT status, count(*) FROM journal GROUP BY status" >&2; }
[ "$uncertain" -le $((3 * CONNS * BATCH)) ] && pass "$uncertain uncertain <= 3 kills x $CONNS connections x $BATCH" ||
  fail "$uncertain uncertain, more than $((3 * CONNS * BATCH))"
"$BULLETIN" status 2026-12 >"$T/status.out"
expect_grep "$T/status.out" "sent $sent, deferred 0, failed 0, uncertain $uncertain, skipped 0, pending 0" "status counts"
if [ "$uncertain" -gt 0 ]; then
  expect_grep "$T/status.out" "--resend-uncertain" "status explains the uncertain"
  first=$(sql "SELECT s.email FROM journal j JOIN subscribers s ON s.id = j.subscriber_id WHERE j.status = 'uncertain' ORDER BY s.id LIMIT 1")
  expect_grep "$T/status.out" "uncertain $first" "status lists the uncertain by address"
fi

# The server's side: per address, how many it accepted.
received "$T/smtpd.log" >"$T/received"
sql "SELECT lower(s.email), j.status FROM journal j JOIN subscribers s ON s.id = j.subscriber_id" >"$T/journal"
python3 - "$T/received" "$T/journal" <<'PY' >"$T/compare.out" && pass "server counts match the journal" || { fail "server and journal disagree:"; head -20 "$T/compare.out" >&2; }
import sys
got = {}
for line in open(sys.argv[1]):
    n, addr = line.split()
    got[addr] = int(n)
state = dict(line.strip().split("|") for line in open(sys.argv[2]))
bad = []
for addr, st in state.items():
    n = got.get(addr, 0)
    if st == "sent" and n != 1:
        bad.append(f"{addr}: sent, received {n} times")
    if st == "uncertain" and n > 1:
        bad.append(f"{addr}: uncertain, received {n} times")
bad += [f"{a}: received, not in the journal" for a in got if a not in state]
sent = sum(1 for s in state.values() if s == "sent")
unc_delivered = sum(1 for a, s in state.items() if s == "uncertain" and got.get(a))
unc = sum(1 for s in state.values() if s == "uncertain")
total = sum(got.values())
print(f"server accepted {total} = {sent} sent + {unc_delivered} of {unc} uncertain")
if total != sent + unc_delivered:
    bad.append(f"server accepted {total}, sent {sent} + uncertain delivered {unc_delivered}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
sed -n 1p "$T/compare.out"

# --resend-uncertain: the uncertain get it (again, for those the server
# had accepted); nobody else is touched.
"$BULLETIN" send 2026-12 --resend-uncertain >"$T/resend.out" 2>&1 || { fail "--resend-uncertain failed:"; cat "$T/resend.out" >&2; }
expect_grep "$T/resend.out" "$uncertain sent, 0 failed" "--resend-uncertain sends the $uncertain uncertain"
received "$T/smtpd.log" >"$T/received2"
python3 - "$T/received" "$T/received2" "$T/journal" "$N" <<'PY' && pass "after --resend-uncertain everyone has it; only uncertain ones twice" || fail "after --resend-uncertain"
import sys
def counts(p):
    return {a: int(n) for n, a in (l.split() for l in open(p))}
before, after = counts(sys.argv[1]), counts(sys.argv[2])
state = dict(l.strip().split("|") for l in open(sys.argv[3]))
ok = len(after) == int(sys.argv[4])
for a, st in state.items():
    want = before.get(a, 0) + (st == "uncertain")
    if after.get(a, 0) != want or after.get(a, 0) < 1:
        print(f"{a}: {st}, received {before.get(a, 0)} then {after.get(a, 0)}", file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
PY
[ "$(sql "SELECT count(*) FROM journal WHERE status = 'sent'")" = $N ] && pass "all $N sent" || fail "not all sent after --resend-uncertain"
stop_smtpd
finish
