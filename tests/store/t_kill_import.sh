# An import killed part-way (kill -9) leaves the store exactly as it was;
# killed at any instant, the store is either as before or fully imported.
source tests/lib.sh
mkdir -p "$T/ws" && cp "$ROOT/bulletin.yaml" "$T/ws/" && cd "$T/ws"
B=$BULLETIN
db=subscribers/bulletin.db

"$B" subscribers import "$ROOT/subscribers/sample.csv" > /dev/null
"$B" subscribers unsubscribe tom.baker@example.org > /dev/null
"$B" subscribers erase li.wei@example.net > /dev/null
snapshot() { sqlite3 "$db" .dump > "$1"; "$B" subscribers export - >> "$1"; }
snapshot "$T/before"
cp "$db" "$T/before.db" # no -wal: every bulletin process has closed it
# The file to import: known people with changes (which must not land),
# the unsubscribed and the erased (which must stay so), and many new.
{
  echo "email,name,organisation"
  echo "amira.hassan@example.org,Amira Renamed,New Org"
  echo "tom.baker@example.org,Tom,"
  echo "li.wei@example.net,Li,"
  awk 'BEGIN { for (i = 0; i < 120000; i++) printf "new%d@example.org,New Person %d,Org %d\n", i, i, i % 50 }'
} > "$T/big.csv"

# 1. Through a pipe, so the kill lands at a known point: the importer has
# taken the first half of the rows into its open transaction and waits
# for more.
mkfifo "$T/pipe.csv"
"$B" subscribers import "$T/pipe.csv" > "$T/out" 2> "$T/err" &
pid=$!
PIDS+=("$pid")
exec 3> "$T/pipe.csv"
head -n 60000 "$T/big.csv" >&3
sleep 1
# its write transaction is open: another writer cannot start
if sqlite3 -cmd ".timeout 200" "$db" "BEGIN IMMEDIATE; ROLLBACK;" 2> "$T/lock"; then
  fail "the import holds no write lock (was it already finished?)"
else
  expect_grep "$T/lock" "locked" "import is inside its transaction"
fi
kill -9 "$pid"
code=0; wait "$pid" || code=$?
exec 3>&-
[ "$code" = 137 ] && pass "import killed while running (status $code)" || fail "import ended with $code before the kill"
snapshot "$T/after"
cmp -s "$T/before" "$T/after" && pass "store exactly as before the killed import" \
  || { fail "store changed by a killed import"; diff "$T/before" "$T/after" | head -20 >&2; }
"$B" subscribers stats > "$T/out" && pass "store opens after the kill" || fail "store unusable after the kill"
expect_grep "$T/out" "active        10" "counts as before"

# 2. Killed at chosen instants while reading a file: before or after,
# never in between.
start=$(date +%s%N)
"$B" subscribers import --quiet "$T/big.csv" > /dev/null
took=$(( ($(date +%s%N) - start) / 1000000 ))
"$B" subscribers export - | LC_ALL=C sort > "$T/full"
# a quarter, half, nine tenths of the way, around the commit, after
for delay in $(awk -v ms="$took" 'BEGIN { n = split("0.25 0.5 0.9 0.97 1.0 1.03 1.2", f, " ");
                                          for (i = 1; i <= n; i++) printf "%.3f ", ms * f[i] / 1000 }'); do
  rm -f "$db"*; cp "$T/before.db" "$db"
  "$B" subscribers import --quiet "$T/big.csv" > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" || true
  "$B" subscribers export - | LC_ALL=C sort > "$T/now"
  # timestamps differ between runs: compare without them
  if cmp -s <(cut -d, -f1-5 "$T/now") <(cut -d, -f1-5 "$T/full"); then
    pass "killed after ${delay}s: fully imported"
  else
    snapshot "$T/after"
    cmp -s "$T/before" "$T/after" && pass "killed after ${delay}s: exactly as before" \
      || fail "killed after ${delay}s: partly imported"
  fi
done
if grep -q '^tom.baker@example.org,.*,unsubscribed,' "$T/full"; then
  pass "the unsubscribed stays unsubscribed"
else fail "tom.baker changed: $(grep tom.baker "$T/full")"; fi
expect_grep "$T/full" "amira.hassan@example.org,Amira Renamed,New Org,active" "a known active one is updated"
expect_no_grep "$T/full" "li.wei@" "the erased stays out"
finish
