# bulletin subscribers: every subcommand, its output and exit codes, the
# file modes of personal data, export/import round trip, --dry-run.
source tests/lib.sh
mkdir -p "$T/ws/sub" && cp "$ROOT/bulletin.yaml" "$T/ws/" && cd "$T/ws"
B=$BULLETIN
db=subscribers/bulletin.db
# run EXPECTED_CODE DESCRIPTION -- ARGS: runs bulletin, output in $T/out, $T/err
run() {
  local want=$1 what=$2; shift 3
  local code=0
  "$B" "$@" > "$T/out" 2> "$T/err" || code=$?
  if [ "$code" = "$want" ]; then pass "$what (exit $code)"; else
    fail "$what: exit $code, wanted $want"; cat "$T/out" "$T/err" >&2; fi
}

run 0 "add" -- subscribers add " Jo.Bloggs@Example.ORG " --name "Jo Bloggs" --org "Luton Council"
expect_grep "$T/out" "added Jo.Bloggs@example.org (active)" "add names the normal form"
[ "$(stat -c %a $db)" = 600 ] && pass "store is mode 600" || fail "store mode $(stat -c %a $db)"
[ "$(stat -c %a subscribers)" = 700 ] && pass "its folder is 700" || fail "folder mode $(stat -c %a subscribers)"
[ "$(sqlite3 $db 'PRAGMA journal_mode')" = wal ] && pass "WAL mode" || fail "not WAL"
[ "$(sqlite3 $db 'PRAGMA page_size')" = 8192 ] && pass "8 KiB pages" || fail "page size $(sqlite3 $db 'PRAGMA page_size')"
run 0 "add again, other case" -- subscribers add jo.bloggs@example.org
expect_grep "$T/out" "is already in (active)" "already there"
run 1 "add an invalid address" -- subscribers add "jo bloggs@example.org"
expect_grep "$T/err" "invalid address 'jo bloggs@example.org': a space is not allowed" "says why"
run 1 "add a non-ASCII local part" -- subscribers add "jörg@example.de"
expect_grep "$T/err" "non-ASCII characters before '@' are not supported" "says non-ASCII is refused"
run 0 "punycode domain" -- subscribers add info@xn--mnchen-3ya.de
run 2 "unknown subcommand" -- subscribers frobnicate
run 2 "missing argument" -- subscribers add
run 2 "option of another subcommand" -- subscribers add x@example.org --dry-run
run 2 "bad status" -- subscribers list --status gone
run 0 "help" -- subscribers --help
expect_grep "$T/out" "resubscribe ADDR --reason R" "help lists resubscribe"

# import from where the user stands, with bad rows named by line
cat > sub/members.csv <<'CSV'
Email,Name,Organisation,Phone
ann@example.org,Ann Smith,"Partner, One",0123
bad-address,Nobody,,
ann@EXAMPLE.org,Ann again,,
jo.bloggs@example.org,Jo Bloggs,Luton Council,
bob@example.org,Bob
CSV
cd sub
run 0 "import --dry-run from a subfolder" -- subscribers import members.csv --dry-run
cd ..
expect_grep "$T/out" "dry run (nothing changed): members.csv: 1 added, 0 updated, 1 unchanged, 0 suppressed (not re-activated), 1 duplicate, 2 rejected" "dry-run summary"
expect_grep "$T/err" "members.csv:3: invalid address 'bad-address': no '@'" "bad address named by line"
expect_grep "$T/err" "members.csv:4: ann@example.org: duplicate of line 2; skipped" "duplicate in file"
expect_grep "$T/err" "members.csv:5: jo.bloggs@example.org: already in the store" "duplicate against the store"
expect_grep "$T/err" "members.csv:6: 2 fields where the header has 4" "wrong column count"
run 1 "dry run added nobody" -- subscribers show ann@example.org
run 0 "import" -- subscribers import sub/members.csv --quiet
expect_grep "$T/out" "1 added, 0 updated, 1 unchanged" "import summary"
expect_no_grep "$T/err" "already in the store" "--quiet keeps notes back"
expect_grep "$T/err" "invalid address" "--quiet still names rejected rows"
run 0 "show" -- subscribers show ANN@example.org
expect_grep "$T/out" "organisation: Partner, One" "show details"
expect_grep "$T/out" "new -> active  (import) sub/members.csv:2" "history names the file and line"
run 1 "import a file without an email column" -- subscribers import "$ROOT/tests/fixtures/csv/no-email-column.csv"
expect_grep "$T/err" "no-email-column.csv:1: the header has no 'email' column" "header error named"
expect_grep "$T/err" "nothing was imported" "says nothing changed"
run 1 "import a missing file" -- subscribers import nowhere.csv
# every row rejected: a failed import (exit 1), for scripts as for people
printf 'email,name\nnot-an-address,A\nalso bad@example.org,B\n' > all-bad.csv
run 1 "import where every row is rejected" -- subscribers import all-bad.csv
expect_grep "$T/out" "0 added, 0 updated, 0 unchanged, 0 suppressed (not re-activated), 0 duplicate, 2 rejected" "all-rejected summary"
expect_grep "$T/err" "nothing was imported: every row of all-bad.csv was rejected" "says nothing was imported"
run 1 "--dry-run where every row is rejected" -- subscribers import all-bad.csv --dry-run
# one good row among the bad ones, even one already there: exit 0
printf 'email\nnot-an-address\njo.bloggs@example.org\n' > some-bad.csv
run 0 "import with a rejected row and a good one" -- subscribers import some-bad.csv
printf 'email,name\n' > header-only.csv
run 0 "import of a header alone" -- subscribers import header-only.csv

run 0 "unsubscribe" -- subscribers unsubscribe ann@example.org --reason "asked by phone"
run 0 "unsubscribe again" -- subscribers unsubscribe ann@example.org
expect_grep "$T/out" "is already unsubscribed" "idempotent"
run 1 "unsubscribe unknown" -- subscribers unsubscribe nobody@example.org
run 0 "stats" -- subscribers stats
expect_grep "$T/out" "active        2" "2 active"
expect_grep "$T/out" "unsubscribed  1" "1 unsubscribed"
expect_grep "$T/out" "total         3" "total"
run 0 "list --status" -- subscribers list --status unsubscribed
[ "$(wc -l < "$T/out")" = 1 ] && expect_grep "$T/out" "ann@example.org" "list filters by status" \
  || fail "list --status unsubscribed printed $(wc -l < "$T/out") lines"
run 0 "list --csv" -- subscribers list --csv
cp "$T/out" "$T/list.csv"
run 0 "export to stdout" -- subscribers export -
cmp -s "$T/out" "$T/list.csv" && pass "export - is list --csv" || fail "export - differs from list --csv"
expect_grep "$T/out" '"Partner, One"' "export quotes fields"
run 0 "export to a file" -- subscribers export --status active sub/active.csv
[ "$(stat -c %a sub/active.csv)" = 600 ] && pass "export file is mode 600" || fail "export mode $(stat -c %a sub/active.csv)"
[ "$(head -1 sub/active.csv)" = $'email,name,organisation,status,source,created,confirmed,left,consent_text,consent_at,topics\r' ] \
  && pass "export header" || fail "export header: $(head -1 sub/active.csv)"
[ "$(grep -c . sub/active.csv)" = 3 ] && pass "2 active exported" || fail "export rows: $(cat sub/active.csv)"
# what was exported imports back unchanged into a fresh store
mkdir -p "$T/ws2" && cp bulletin.yaml "$T/ws2/"
( cd "$T/ws2" && "$B" subscribers import "$T/ws/sub/active.csv" ) > "$T/out" 2>&1
expect_grep "$T/out" "2 added, 0 updated, 0 unchanged, 0 suppressed (not re-activated), 0 duplicate, 0 rejected" "export re-imports"
( cd "$T/ws2" && "$B" subscribers list ) > "$T/l2"
"$B" subscribers list --status active > "$T/l1"
cmp -s "$T/l1" "$T/l2" && pass "round trip keeps names and organisations" || { fail "round trip differs"; diff "$T/l1" "$T/l2" >&2; }

run 0 "data" -- subscribers data jo.bloggs@example.org
python3 - "$T/out" <<'PY' && pass "data is valid JSON with the record" || fail "data JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["subscriber"]["email"] == "Jo.Bloggs@example.org", d
assert d["subscriber"]["organisation"] == "Luton Council"
assert d["events"][0]["to"] == "active"
assert d["erased_and_suppressed"] is False
PY
run 1 "remove someone never added" -- subscribers remove bob@example.org
run 1 "remove an unsubscribed address is refused" -- subscribers remove ann@example.org
expect_grep "$T/err" "use 'erase'" "points to erase"
run 0 "remove a mistake" -- subscribers remove info@xn--mnchen-3ya.de
run 1 "gone" -- subscribers show info@xn--mnchen-3ya.de
expect_grep "$T/err" "no subscriber info@xn--mnchen-3ya.de" "says there is none"

# A store made with SQLite's default 4 KiB pages (as before 8 KiB) keeps
# them and its subscribers.
sqlite3 $db "PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM;
             PRAGMA journal_mode = WAL" > /dev/null
run 0 "a 4 KiB-page store opens" -- subscribers add kim@example.org
[ "$(sqlite3 $db 'PRAGMA page_size')" = 4096 ] && pass "it keeps its page size" || fail "page size changed"
run 0 "its subscribers are there" -- subscribers show jo.bloggs@example.org
finish
