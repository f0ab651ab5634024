# The desk's issues page keeps what it worked out between loads, and
# yet shows every change at the next load, whoever made it: a compile,
# an approval and a new issue from the shell while the server runs, a
# contribution edited in place ("changed since compiled"), a picture
# added. Files are first left to settle (2 s), so that the page keeps
# them rather than reading files written too recently to trust.
source tests/lib.sh
source tests/web/lib.sh
source tests/web/desk_lib.sh
desk_workspace
cd "$WS"
desk_user appr approver
start_server
desk_login "$T/jar" appr >/dev/null
row() { # ID: the issue's row of the issues page, cells split by '|'
  curl -s -b "$T/jar" "$URL/desk/" >"$T/issues.b"
  grep -o "<a href=\"/desk/issues/$1\">$1</a></th>.*</tr>" "$T/issues.b" |
    sed 's|</t[hd]><td>|\||g; s|<[^>]*>||g' | cut -d'|' -f2-
}
settle() { sleep 2.1; row 2026-12 >/dev/null; row 2026-12 >/dev/null; }

settle
[ "$(row 2026-12 | cut -d'|' -f1)" = draft ] && pass "a new sample issue is a draft" || fail "row: $(row 2026-12)"
"$BULLETIN" compile 2026-12 >/dev/null
[ "$(row 2026-12 | cut -d'|' -f1)" = compiled ] && pass "a compile from the shell shows at the next load" ||
  fail "after compile: $(row 2026-12)"
settle
"$BULLETIN" approve 2026-12 --by "Ann Approver" >/dev/null
r=$(row 2026-12)
[ "$(echo "$r" | cut -d'|' -f1)" = approved ] && [ "$(echo "$r" | cut -d'|' -f5)" = "Ann Approver" ] &&
  pass "an approval from the shell shows at the next load, with its approver" || fail "after approve: $r"
settle
"$BULLETIN" new 2027-01 >/dev/null
[ "$(row 2027-01 | cut -d'|' -f1)" = draft ] && pass "an issue started from the shell shows at the next load" ||
  fail "new issue: $(row 2027-01) $(grep -c 2027-01 "$T/issues.b")"
settle
pieces=$(row 2026-12 | cut -d'|' -f3)
echo "One more sentence, added in place." >>issues/2026-12/flying-start.md
r=$(row 2026-12)
[ "$(echo "$r" | cut -d'|' -f1)" = draft ] && [ "$(echo "$r" | cut -d'|' -f7)" = "changed since compiled" ] &&
  pass "a contribution edited in place shows as changed since compiled" || fail "after the edit: $r"
curl -s -b "$T/jar" "$URL/desk/issues/2026-12" >"$T/issue.b"
expect_grep "$T/issue.b" "(changed since it was compiled: compile it again)" "... and so does the issue's page"
settle
cat >issues/2026-12/zz-late-piece.md <<'MD'
---
title: A late piece
section: best-start
---
Written while the page was kept.
MD
[ "$(row 2026-12 | cut -d'|' -f3)" = $((pieces + 1)) ] && pass "a piece added shows in the count" ||
  fail "pieces: $(row 2026-12) (was $pieces)"
finish
