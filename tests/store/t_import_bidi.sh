# A CSV import refuses names and organisations holding characters that
# turn the direction of text around (U+202A..U+202E, U+2066..U+2069):
# each such row is named by file and line, with the column, and not
# imported; the other rows are. 'subscribers add --name/--org' refuses
# them the same way.
source tests/lib.sh
mkdir -p "$T/ws" && cp "$ROOT/bulletin.yaml" "$T/ws/" && cd "$T/ws"
code=0
"$BULLETIN" subscribers import "$ROOT/tests/fixtures/csv/bidi.csv" > "$T/out" 2> "$T/err" || code=$?
[ "$code" = 0 ] && pass "import with some good rows: exit 0" || { fail "import: exit $code"; cat "$T/out" "$T/err" >&2; }
expect_grep "$T/err" "bidi.csv:3: the name field contains a hidden character that changes the direction of the text (U+202E); delete it and type the text again" \
  "the row and column of a right-to-left override are named"
expect_grep "$T/err" "bidi.csv:4: the organisation field contains a hidden character that changes the direction of the text (U+2066)" \
  "the row and column of an isolate are named"
expect_grep "$T/err" "bidi.csv:6: the name field contains a hidden character" "an embedding is refused too"
expect_grep "$T/out" "2 added" "the two good rows added"
expect_grep "$T/out" "3 rejected" "three rows rejected"
for a in rlo lri last; do
  if "$BULLETIN" subscribers show "$a@example.org" >/dev/null 2>&1; then fail "$a@example.org was imported"
  else pass "$a@example.org not imported"; fi
done
[ "$(sqlite3 subscribers/bulletin.db "SELECT count(*) FROM subscribers WHERE name LIKE '%'||char(8238)||'%'")" = 0 ] \
  && pass "no U+202E in the store" || fail "a U+202E reached the store"
code=0
"$BULLETIN" subscribers add added@example.org --name "$(printf 'Ann \u202eevil')" > "$T/out" 2> "$T/err" || code=$?
[ "$code" = 2 ] && expect_grep "$T/err" "--name has a hidden character that changes the direction of the text (U+202E)" \
  "add --name with U+202E is refused, naming the option" || { fail "add --name with U+202E: exit $code"; cat "$T/err" >&2; }
"$BULLETIN" subscribers show added@example.org >/dev/null 2>&1 && fail "added@example.org was added" || pass "added@example.org not added"
finish
