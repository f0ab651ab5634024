# Two processes writing at once lose nothing: people unsubscribed while
# an import runs stay unsubscribed, and every imported row lands.
source tests/lib.sh
mkdir -p "$T/ws" && cp "$ROOT/bulletin.yaml" "$T/ws/" && cd "$T/ws"
B=$BULLETIN
db=subscribers/bulletin.db
count() { sqlite3 "$db" "SELECT count(*) FROM subscribers WHERE status = '$1'"; }

N=300
awk -v n=$N 'BEGIN { print "email,name"; for (i = 0; i < n; i++) print "known" i "@example.org,Known " i }' > "$T/known.csv"
"$B" subscribers import "$T/known.csv" > /dev/null
# the import lists the known people again (with new names) among new ones
awk -v n=$N 'BEGIN { print "email,name";
  for (i = 0; i < 40000; i++) { printf "new%d@example.org,New %d\n", i, i;
    if (i % 100 == 0 && i / 100 < n) printf "known%d@example.org,Renamed %d\n", i / 100, i / 100 } }' > "$T/import.csv"

# 1. Unsubscribes started while the import holds its transaction wait
# for it, then land.
mkfifo "$T/pipe.csv"
"$B" subscribers import --quiet "$T/pipe.csv" > "$T/import.out" 2> "$T/import.err" &
ipid=$!
PIDS+=("$ipid")
exec 3> "$T/pipe.csv"
head -n 20000 "$T/import.csv" >&3
sleep 0.5
upids=()
for i in $(seq 0 29); do
  # (3>&-: the pipe must close when we close it, not when they exit)
  "$B" subscribers unsubscribe "known$i@example.org" --reason "while importing $i" \
    > "$T/u$i.out" 2> "$T/u$i.err" 3>&- &
  upids+=($!)
done
PIDS+=("${upids[@]}")
sleep 2
running=0
for p in "${upids[@]}"; do kill -0 "$p" 2>/dev/null && running=$((running + 1)); done
[ "$running" = 30 ] && pass "unsubscribes wait for the import's transaction" \
  || fail "only $running of 30 unsubscribes were still waiting"
tail -n +20001 "$T/import.csv" >&3
exec 3>&-
code=0; wait "$ipid" || code=$?
[ "$code" = 0 ] && pass "import finished" || { fail "import exit $code"; cat "$T/import.err" >&2; }
expect_grep "$T/import.out" "40000 added" "every new row imported"
bad=0
for i in $(seq 0 29); do
  wait "${upids[$i]}" || { bad=$((bad + 1)); cat "$T/u$i.err" >&2; }
done
[ "$bad" = 0 ] && pass "every waiting unsubscribe succeeded" || fail "$bad unsubscribes failed"

# 2. Unsubscribes racing a second import of the same file: the import
# must never put back someone who left, whichever goes first.
"$B" subscribers import --quiet "$T/import.csv" > "$T/import2.out" 2> "$T/import2.err" &
ipid=$!
PIDS+=("$ipid")
for i in $(seq 30 $((N - 1))); do
  "$B" subscribers unsubscribe "known$i@example.org" --reason "racing $i" > /dev/null 2> "$T/u.err" \
    || { fail "unsubscribe known$i failed"; cat "$T/u.err" >&2; }
done &
lpid=$!
PIDS+=("$lpid")
wait "$ipid" && pass "second import finished" || { fail "second import failed"; cat "$T/import2.err" >&2; }
wait "$lpid" || true

[ "$(count unsubscribed)" = "$N" ] && pass "all $N unsubscribes landed" \
  || fail "$(count unsubscribed) of $N unsubscribed"
[ "$(count active)" = 40000 ] && pass "all 40000 imported are active" || fail "$(count active) active"
missing=$(sqlite3 "$db" "SELECT count(*) FROM subscribers s WHERE status = 'unsubscribed' AND NOT EXISTS
  (SELECT 1 FROM events e WHERE e.subscriber_id = s.id AND e.new_status = 'unsubscribed')")
[ "$missing" = 0 ] && pass "each has its unsubscribe event" || fail "$missing without an event"
reactivated=$(sqlite3 "$db" "SELECT count(*) FROM events WHERE old_status = 'unsubscribed'")
[ "$reactivated" = 0 ] && pass "no one re-activated" || fail "$reactivated re-activations"
finish
