# Terminal control characters (ESC, BEL, other C0 and C1 controls; tab
# and newline are fine) in a contribution's details, its text or the
# issue's details are errors naming the field and line, and never reach
# the terminal, the report or a page.
source tests/lib.sh
new_workspace
cd "$T/ws"
"$BULLETIN" new t1 --title "Test issue" --date 2027-01-10 >/dev/null
I=issues/t1
body='People in Luton shared what works. We met in May. It went well.'
# YAML's own escapes (\e, \a, \x9b) are how such characters get into a
# quoted value; raw ones are refused where they stand.
printf -- '---\ntitle: "Hello \\e[31mred"\npartner: P\nsection: best-start\n---\n%s\n' "$body" > $I/esc-title.md
printf -- '---\ntitle: T\npartner: "Acme \\a Ltd"\nsection: best-start\n---\n%s\n' "$body" > $I/bel-partner.md
printf -- '---\ntitle: T\npartner: P\nsection: best-start\nsummary: "Clear \\x9b2J screen"\n---\n%s\n' "$body" > $I/csi-summary.md
printf -- '---\ntitle: T\npartner: P\nsection: best-start\nlocation: Town\x1b]0;pwned\x07 Hall\n---\n%s\n' "$body" > $I/raw-location.md
printf -- '---\ntitle: T\npartner: P\nsection: best-start\n---\n%s\nNow \x1b[2J the end.\n' "$body" > $I/body-esc.md
printf -- '---\ntitle: "Tab\\tand\\nnewline are fine"\npartner: P\nsection: best-start\n---\n%s\n' "$body" > $I/fine.md
printf -- '---\ntitle: T\npartner: P\nsection: best-start\n"note\\e[1m": x\n---\n%s\n' "$body" > $I/esc-key.md

set +e
"$BULLETIN" compile t1 > "$T/out" 2> "$T/err"; rc=$?
"$BULLETIN" compile t1 --json > "$T/json" 2>/dev/null
set -e
[ "$rc" -eq 1 ] && pass "exit 1" || fail "exit code $rc, want 1"
E="$T/err"
expect_grep $E "$I/esc-title.md:2:8: error: the title contains an invisible control character (character 7): retype the title without it" "ESC in the title: field, line, position"
expect_grep $E "$I/bel-partner.md:3:10: error: the partner contains an invisible control character (character 6)" "BEL in the partner"
expect_grep $E "$I/csi-summary.md:5:10: error: the summary contains an invisible control character (character 7)" "C1 CSI in the summary"
expect_grep $E "$I/raw-location.md:5:15: error: this line of the details contains an invisible control character" "raw ESC located"
expect_grep $E "$I/body-esc.md:7:5: error: the text contains an invisible control character here" "ESC in the text located"
expect_no_grep $E "fine.md" "tab and newline are allowed"
# No message carries the characters themselves to the terminal.
if LC_ALL=C grep -qaP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$E" "$T/json"; then
  fail "a control character reached the terminal:"; grep -naP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$E" "$T/json" | cat -v >&2
else
  pass "no control character in the messages or --json"
fi
expect_grep $E "$I/esc-key.md:5:1: warning: unknown detail 'note" "a key with ESC is still reported"
[ ! -e public/t1 ] && pass "nothing written" || fail "public/t1 written"

# The issue's own details.
"$BULLETIN" new t2 --title "Fine" --date 2027-01-10 >/dev/null
printf -- '---\ntitle: T\npartner: P\nsection: best-start\n---\n%s\n' "$body" > issues/t2/a.md
"$BULLETIN" compile t2 >/dev/null 2>&1 && pass "t2 compiles" || fail "t2 does not compile"
printf 'title: "Dec\\e[8m"\ndate: 2027-01-10\nintro: "Hi\\athere"\n' > issues/t2/issue.yaml
set +e
"$BULLETIN" compile t2 >/dev/null 2>"$T/err2"; rc=$?
set -e
[ "$rc" -eq 1 ] && pass "issue.yaml with ESC: exit 1" || fail "issue.yaml with ESC: exit $rc"
expect_grep "$T/err2" "issues/t2/issue.yaml:1:8: error: the title contains an invisible control character (character 4)" "ESC in the issue's title"
expect_grep "$T/err2" "issues/t2/issue.yaml:3:8: error: the intro contains an invisible control character (character 3)" "BEL in the issue's intro"
# The archive index lists other issues from their details: compiling
# another issue must not copy t2's control characters into it.
"$BULLETIN" new t3 --title "Other" --date 2027-01-11 >/dev/null
cp issues/t2/a.md issues/t3/
"$BULLETIN" compile t3 >/dev/null 2>&1 && pass "t3 compiles" || fail "t3 does not compile"
if LC_ALL=C grep -qaP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' public/index.html public/feed.xml; then
  fail "a control character reached the archive index"
else
  pass "archive index free of control characters"
fi
# Raw control characters in issue.yaml are located too.
printf 'title: Dec\x07\ndate: 2027-01-10\n' > issues/t2/issue.yaml
set +e
"$BULLETIN" compile t2 >/dev/null 2>"$T/err3"
set -e
expect_grep "$T/err3" "issues/t2/issue.yaml:1:11: error: this line contains an invisible control character" "raw BEL in issue.yaml located"
finish
