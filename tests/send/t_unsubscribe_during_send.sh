# An unsubscribe that lands while a send is running takes effect for every
# message not yet handed to the server. A send of 300 through a server
# that takes 0.1 s to accept each message (about 8 s with 4 connections);
# meanwhile people are unsubscribed just ahead of what the server has
# received (likely already claimed by a connection), far ahead, and
# behind. Nobody whose unsubscribe was recorded before the hand-over
# receives the message, they show as 'skipped', and those far ahead are
# all skipped.
source tests/lib.sh
source tests/send/lib.sh
sample_workspace
cd "$T/sample"
N=300
{ echo "email,name"; for i in $(seq -f %03g $N); do echo "slow-$i@example.org,Reader $i"; done; } >"$T/subs.csv"
"$BULLETIN" subscribers import "$T/subs.csv" >/dev/null
start_smtpd smtpd --no-store --slow-delay 0.1
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT" connections=4
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null

accepted() { grep '"event": "data"' "$T/smtpd.log" | grep -c '"code": 250' || true; }
"$BULLETIN" send 2026-12 >"$T/send.out" 2>"$T/send.err" &
pid=$!
for _ in $(seq 300); do [ "$(accepted)" -ge 30 ] && break; sleep 0.05; done
[ "$(accepted)" -ge 30 ] || fail "the send did not get going"
# unsubscribe OFFSET: unsubscribes the subscriber OFFSET places after the
# number the server has accepted, noting when the command started and
# ended (the store has committed it by then).
: >"$T/unsubs"
unsubscribe() {
  local i addr t0 t1 was
  i=$(($(accepted) + $1))
  [ "$i" -ge 1 ] && [ "$i" -le $N ] || return 0
  addr=$(printf 'slow-%03d@example.org' "$i")
  grep -q "^$addr " "$T/unsubs" && return 0
  # Its journal row just before: 'sending' means a connection has
  # claimed it, and only the last check before the hand-over can stop it.
  was=$(sql "SELECT j.status FROM journal j JOIN subscribers s ON s.id = j.subscriber_id WHERE s.email = '$addr'")
  t0=$EPOCHREALTIME
  "$BULLETIN" subscribers unsubscribe "$addr" >/dev/null 2>>"$T/unsub.err" || { fail "unsubscribe $addr failed"; return 0; }
  t1=$EPOCHREALTIME
  echo "$addr $t0 $t1 $1 ${was:-none}" >>"$T/unsubs"
}
unsubscribe -20
for _ in 1 2 3 4 5 6; do
  unsubscribe 2
  unsubscribe 10
  unsubscribe 20
  unsubscribe 80
  sleep 0.2
done
running=0
kill -0 "$pid" 2>/dev/null && running=1
wait "$pid" && rc=0 || rc=$?
[ "$running" = 1 ] && pass "the unsubscribes happened while the send ran" || fail "the send ended before the unsubscribes did"
[ "$rc" = 0 ] && pass "send exits 0" || { fail "send exited $rc:"; cat "$T/send.out" "$T/send.err" >&2; }
echo "unsubscribed during the send: $(wc -l <"$T/unsubs")"

sql "SELECT lower(s.email), j.status FROM journal j JOIN subscribers s ON s.id = j.subscriber_id" >"$T/journal"
sql "SELECT lower(s.email), e.at FROM events e JOIN subscribers s ON s.id = e.subscriber_id WHERE e.new_status = 'unsubscribed'" >"$T/events"
python3 - "$T/unsubs" "$T/journal" "$T/events" "$T/smtpd.log" >"$T/verdict" 2>&1 <<'PY' && pass "no message handed over after its unsubscribe; skipped ones got nothing" || { fail "unsubscribes during the send:"; cat "$T/verdict" >&2; }
import json, sys
unsubs = {}
for line in open(sys.argv[1]):
    addr, t0, t1, offset, was = line.split()
    unsubs[addr] = (float(t0), float(t1), int(offset), was)
journal = dict(l.strip().split("|") for l in open(sys.argv[2]))
events = dict(l.strip().split("|") for l in open(sys.argv[3]))
rcpt_at, received = {}, {}
for line in open(sys.argv[4]):
    e = json.loads(line)
    if e["event"] == "rcpt" and e["code"] == 250:
        rcpt_at.setdefault(e["rcpt"].lower(), e["t"])
    if e["event"] == "data" and e["code"] == 250:
        for r in e["rcpts"]:
            received[r.lower()] = received.get(r.lower(), 0) + 1
bad, skipped, before, far, claimed = [], 0, 0, 0, 0
# The hand-over (the last check, then MAIL and RCPT) takes milliseconds,
# but a loaded machine may pause a thread between the check and the RCPT:
# a RCPT later than the unsubscribe's end by more than this is a
# violation. (Were the check missing, no claimed row would be skipped,
# which is asserted below.)
SLACK = 1.0
for addr, (t0, t1, offset, was) in sorted(unsubs.items()):
    st, n = journal.get(addr), received.get(addr, 0)
    if addr not in events:
        bad.append(f"{addr}: no unsubscribe event in the store")
    elif not int(t0) - 1 <= int(events[addr]) <= t1:
        bad.append(f"{addr}: event at {events[addr]}, the command ran {t0:.3f}-{t1:.3f}")
    if n:
        if st != "sent":
            bad.append(f"{addr}: received, journal says {st}")
        if rcpt_at[addr] > t1 + SLACK:
            bad.append(f"{addr}: handed over at {rcpt_at[addr]:.3f}, after its unsubscribe ended at {t1:.3f}")
        # Store times are whole seconds: the event cannot be a second
        # before the hand-over.
        if int(events.get(addr, 0)) > rcpt_at[addr] + 1:
            bad.append(f"{addr}: unsubscribe event at {events[addr]} is well before its hand-over {rcpt_at[addr]:.3f}")
        before += 1
    else:
        if st != "skipped":
            bad.append(f"{addr}: not received, journal says {st}")
        skipped += 1
        claimed += was == "sending"
    if offset >= 80:
        far += 1
        if n or st != "skipped":
            bad.append(f"{addr}: unsubscribed {offset} ahead of the server, yet {st}, received {n}")
twice = [a for a, n in received.items() if n != 1]
if twice:
    bad.append(f"received more than once: {twice[:5]}")
print(f"{skipped} skipped ({claimed} of them already claimed by a connection), "
      f"{before} handed over before their unsubscribe, {far} far ahead")
if not skipped or not claimed:
    bad.append("nobody claimed was skipped: the last check before the "
               "hand-over was not exercised")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
cat "$T/verdict"
expected_skipped=$(grep -c '|skipped$' "$T/journal" || true)
expect_grep "$T/send.out" "$expected_skipped skipped (left before sending)" "send reports $expected_skipped skipped"
"$BULLETIN" status 2026-12 >"$T/status.out"
expect_grep "$T/status.out" "skipped $expected_skipped, pending 0" "status counts the skipped"
sent=$(grep -c '|sent$' "$T/journal" || true)
[ $((sent + expected_skipped)) = $N ] && pass "$sent sent + $expected_skipped skipped = $N" || fail "$sent sent, $expected_skipped skipped of $N"
stop_smtpd
finish
