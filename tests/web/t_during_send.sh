# The web endpoint while `bulletin send` runs against the same store:
# pages keep being answered promptly, and subscribers who unsubscribe
# (one-click) during the send get nothing from it, since their messages
# were not yet handed to the relay.
source tests/lib.sh
source tests/web/lib.sh
sample_workspace
WS=$T/sample
N=400
LEAVERS=15
# Paced, so the send lasts a few seconds.
sed -i 's/^  rate: 0 .*/  rate: 40/' "$WS/bulletin.yaml"
grep -q '^  rate: 40' "$WS/bulletin.yaml" || { echo "FAIL: could not set delivery.rate" >&2; exit 1; }
(cd "$WS" && "$BULLETIN" compile 2026-12 >/dev/null && "$BULLETIN" approve 2026-12 >/dev/null && "$BULLETIN" publish 2026-12 --now 2026-12-10 >/dev/null)
python3 -c "
print('email,name')
for i in range($N): print(f'r{i:04}@example.org,Reader {i}')" > "$T/people.csv"
(cd "$WS" && "$BULLETIN" subscribers import "$T/people.csv" --quiet >/dev/null)
start_server
tokens=()
for i in $(seq $((N - LEAVERS)) $((N - 1))); do
  tokens+=("$(field "$(printf 'r%04d@example.org' "$i")" token)")
done

(cd "$WS" && exec "$BULLETIN" send 2026-12 >"$T/send.out" 2>"$T/send.err") &
SEND_PID=$!
PIDS+=("$SEND_PID")
for _ in $(seq 1 100); do [ "$(outbox_count)" -ge 10 ] && break; sleep 0.05; done
[ "$(outbox_count)" -ge 10 ] && pass "the send is under way" || fail "the send did not start"

slow=0 answered=0
time_it() { # time_it CURL-ARGS...: counts answers, and those over 2 s
  local out code t
  out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$@")
  code=${out% *} t=${out#* }
  [ "$code" = 200 ] && answered=$((answered + 1)) || fail "HTTP $code during the send: $*"
  awk -v t="$t" 'BEGIN { exit !(t < 2) }' || slow=$((slow + 1))
}
for t in "${tokens[@]}"; do
  time_it -X POST --data-raw 'List-Unsubscribe=One-Click' "$URL/unsubscribe/$t"
done
sent_then=$(outbox_count)
for t in "${tokens[@]}"; do
  time_it "$URL/issues/2026-12/index.html"
  time_it "$URL/unsubscribe/$t"
done
[ "$sent_then" -lt $((N - LEAVERS)) ] && pass "unsubscribed while the send ran ($sent_then of $N sent so far)" \
  || fail "the send finished before the unsubscribes ($sent_then sent): test inconclusive"
[ $answered = $((3 * LEAVERS)) ] && pass "all $answered requests answered 200 during the send" \
  || fail "$answered of $((3 * LEAVERS)) answered"
[ $slow = 0 ] && pass "none took 2 s or more" || fail "$slow requests took 2 s or more"

if wait "$SEND_PID"; then pass "the send finished"; else fail "send failed"; cat "$T/send.err" >&2; fi
got=0
for i in $(seq $((N - LEAVERS)) $((N - 1))); do
  a=$(printf 'r%04d@example.org' "$i")
  [ "$(field "$a" status)" = unsubscribed ] || fail "$a is not unsubscribed"
  grep -lq "^To: .*<$a>" "$WS"/outbox/new/* 2>/dev/null && got=$((got + 1))
done
[ $got = 0 ] && pass "none of the $LEAVERS who left during the send got the issue" \
  || fail "$got of the $LEAVERS who left during the send got the issue"
[ "$(outbox_count)" = $((N - LEAVERS)) ] && pass "everyone else got it ($((N - LEAVERS)))" \
  || { fail "$(outbox_count) messages sent, expected $((N - LEAVERS))"
       grep -h '^To:' "$WS"/outbox/new/* | sort | uniq -c | sort -rn | head -5 >&2
       grep -h '^Subject:' "$WS"/outbox/new/* | sort | uniq -c >&2; }
stop_server
finish
