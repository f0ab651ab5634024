# A store file that already exists and others can read (an empty file made
# with touch, a store copied or restored with mode 0644, its -wal and -shm
# made from that mode while another process has it open) is made 0600 on
# open, and the command says so once; a file of another program is
# refused with its mode left as it was.
source tests/lib.sh
mkdir -p "$T/ws/subscribers" && cp "$ROOT/bulletin.yaml" "$T/ws/" && cd "$T/ws"
B=$BULLETIN
db=subscribers/bulletin.db
umask 022
mode() { stat -c %a "$1"; }
# run EXPECTED_CODE DESCRIPTION -- ARGS: runs bulletin, output in $T/out, $T/err
run() {
  local want=$1 what=$2; shift 3
  local code=0
  "$B" "$@" > "$T/out" 2> "$T/err" || code=$?
  if [ "$code" = "$want" ]; then pass "$what (exit $code)"; else
    fail "$what: exit $code, wanted $want"; cat "$T/out" "$T/err" >&2; fi
}

# An empty file made with touch: 0644.
touch "$db"
[ "$(mode $db)" = 644 ] || fail "setup: touch made mode $(mode $db)"
run 0 "add into an empty 0644 file" -- subscribers add jo@example.org
[ "$(mode $db)" = 600 ] && pass "empty file made 0600" || fail "empty file left mode $(mode $db)"
expect_grep "$T/err" "bulletin: subscribers/bulletin.db was readable by other users (mode 0644); it is now readable only by you (mode 0600)" "the command says so"
[ "$(grep -c 'readable only by you' "$T/err")" = 1 ] && pass "said once" || fail "said $(grep -c 'readable only by you' "$T/err") times"
run 0 "open again" -- subscribers stats
expect_no_grep "$T/err" "readable" "nothing said once the mode is right"

# A store made readable, opened by another process meanwhile (SQLite gives
# -wal and -shm the database's mode): all three become 0600.
chmod 644 "$db"
python3 - "$db" "$T/holder.ready" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1])
con.execute("SELECT count(*) FROM subscribers").fetchone()
open(sys.argv[2], "w").close()
time.sleep(60)
PY
holder=$!
PIDS+=("$holder")
for _ in $(seq 100); do [ -e "$T/holder.ready" ] && break; sleep 0.05; done
[ "$(mode $db-wal)" = 644 ] && [ "$(mode $db-shm)" = 644 ] ||
  fail "setup: -wal $(mode $db-wal 2>&1), -shm $(mode $db-shm 2>&1)"
run 0 "list a 0644 store whose -wal and -shm are 0644" -- subscribers list
[ "$(mode $db)$(mode $db-wal)$(mode $db-shm)" = 600600600 ] && pass "store, -wal and -shm made 0600" ||
  fail "modes now $(mode $db) $(mode $db-wal) $(mode $db-shm)"
expect_grep "$T/err" "bulletin: subscribers/bulletin.db was readable by other users (mode 0644); it is now readable only by you (mode 0600)" "names the store"
# -wal and -shm alone (the store made 0600 by hand, the others not yet)
chmod 600 "$db"; chmod 644 "$db-wal" "$db-shm"
run 0 "list with a 0644 -wal and -shm" -- subscribers list
[ "$(mode $db-wal)$(mode $db-shm)" = 600600 ] && pass "-wal and -shm made 0600" ||
  fail "modes now $(mode $db-wal) $(mode $db-shm)"
# (SQLite may have made the empty -wal afresh, 0600, before the check.)
expect_grep "$T/err" "subscribers/bulletin.db-shm" "names the -shm"
expect_grep "$T/err" "by other users (mode 0644);" "says what it was"
expect_no_grep "$T/err" "bulletin.db was" "does not name the store, which was private"
expect_grep "$T/out" "jo@example.org" "the store is used as before"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true

# Group-readable counts too; so do the other commands (send, status).
chmod 640 "$db"
run 0 "stats on a 0640 store" -- subscribers stats
[ "$(mode $db)" = 600 ] && pass "0640 made 0600" || fail "0640 left $(mode $db)"
expect_grep "$T/err" "(mode 0640)" "names the old mode"
mkdir -p issues/2026-12
chmod 604 "$db"
run 0 "status on a 0604 store" -- status 2026-12
[ "$(mode $db)" = 600 ] && pass "status makes it 0600" || fail "status left $(mode $db)"
expect_grep "$T/err" "was readable by other users (mode 0604)" "status says so"

# Another program's database: refused, its mode left alone.
rm -f "$db"*
sqlite3 "$db" "CREATE TABLE photos (id INTEGER PRIMARY KEY);"
chmod 644 "$db"
run 1 "a foreign database" -- subscribers stats
expect_grep "$T/err" "is not a bulletin store" "refused"
[ "$(mode $db)" = 644 ] && pass "foreign file's mode left alone" || fail "foreign file made $(mode $db)"
finish
