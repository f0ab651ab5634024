# A store file that is not a bulletin store, is damaged, or has a newer
# schema is refused with a clear message and left byte for byte as it was.
source tests/lib.sh
mkdir -p "$T/ws/subscribers" && cp "$ROOT/bulletin.yaml" "$T/ws/" && cd "$T/ws"
B=$BULLETIN
db=subscribers/bulletin.db

# check_refused DESCRIPTION MESSAGE: every subcommand fails on $db with
# MESSAGE and the file is unchanged.
check_refused() {
  local what=$1 want=$2 before after code
  before=$(sha256sum < "$db")
  for args in "stats" "list" "add new@example.org" "import $ROOT/tests/fixtures/csv/basic.csv" \
              "unsubscribe jo@example.org" "erase jo@example.org"; do
    code=0
    # shellcheck disable=SC2086
    "$B" subscribers $args > "$T/out" 2> "$T/err" || code=$?
    [ "$code" = 1 ] && pass "$what: '$args' fails" || { fail "$what: '$args' exit $code"; cat "$T/err" >&2; }
    expect_grep "$T/err" "$want" "$what: '$args' says why"
  done
  after=$(sha256sum < "$db")
  [ "$before" = "$after" ] && pass "$what: file unchanged" || fail "$what: file was changed"
  [ ! -e "$db-wal" ] || [ ! -s "$db-wal" ] && pass "$what: no journal left" || fail "$what: left $db-wal"
}

# another program's SQLite database
sqlite3 "$db" "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);
               INSERT INTO photos (name) VALUES ('cat.jpg');"
check_refused "foreign SQLite file" "is not a bulletin store (a SQLite database of another program)"
sqlite3 "$db" "PRAGMA application_id = 42"
check_refused "other application id" "is not a bulletin store"
rm -f "$db"*

# not a database at all
printf 'email,name\njo@example.org,Jo\n' > "$db"
check_refused "text file" "is not a bulletin store (file is not a database)"
rm -f "$db"*

# a newer schema
"$B" subscribers import "$ROOT/subscribers/sample.csv" > /dev/null
sqlite3 "$db" "PRAGMA user_version = 99"
check_refused "newer schema" "has schema version 99, newer than this bulletin understands"
rm -f "$db"*

# damaged: pages overwritten in the middle of a real store
awk 'BEGIN { print "email"; for (i = 0; i < 3000; i++) print "p" i "@example.org" }' > "$T/many.csv"
"$B" subscribers import "$T/many.csv" > /dev/null
size=$(stat -c %s "$db")
[ "$size" -gt 65536 ] && pass "store has many pages" || fail "store only $size bytes"
dd if=/dev/urandom of="$db" bs=4096 seek=1 count=$((size / 4096 - 2)) conv=notrunc status=none
check_refused "damaged store" "is damaged"
rm -f "$db"*

# damaged: cut short
"$B" subscribers import "$T/many.csv" > /dev/null
truncate -s $((size / 2)) "$db"
before=$(sha256sum < "$db")
code=0; "$B" subscribers list > /dev/null 2> "$T/err" || code=$?
[ "$code" = 1 ] && pass "truncated store: list fails" || fail "truncated store: list exit $code"
expect_grep "$T/err" "damaged" "truncated store: says damaged"
code=0; "$B" subscribers add new@example.org > /dev/null 2> "$T/err" || code=$?
[ "$code" = 1 ] && pass "truncated store: add fails" || fail "truncated store: add exit $code"
[ "$before" = "$(sha256sum < "$db")" ] && pass "truncated store: unchanged" || fail "truncated store changed"

# a directory where the file should be
rm -f "$db"*; mkdir "$db"
code=0; "$B" subscribers stats > /dev/null 2> "$T/err" || code=$?
[ "$code" = 1 ] && expect_grep "$T/err" "is not a regular file" "directory refused" || fail "directory: exit $code"
finish
