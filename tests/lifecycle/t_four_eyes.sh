# workflow.four_eyes: nobody approves a build they compiled (the rule is
# in lifecycle_approve, so 'bulletin approve' obeys it as the desk does);
# someone else may; a build nobody is recorded as compiling cannot be
# approved; with four_eyes off the compiler may approve their own build.
source tests/lib.sh
sample_workspace
cd "$T/sample"
me=$(python3 -c 'import os, pwd
try:
    print(os.getlogin())
except OSError:
    print(pwd.getpwuid(os.geteuid()).pw_name)')
sed -i 's/^  four_eyes: false/  four_eyes: true/' bulletin.yaml
grep -q '^  four_eyes: true' bulletin.yaml || fail "bulletin.yaml has no four_eyes to turn on"
"$BULLETIN" compile 2026-12 >/dev/null
rc=0; "$BULLETIN" approve 2026-12 >"$T/self.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && pass "the compiler's own approval is refused" || fail "approve by the compiler exited $rc"
expect_grep "$T/self.out" "issues/2026-12: $me made the last change (compiled it), and workflow.four_eyes says someone else must approve it; nothing was approved" "... saying why"
n=$(sqlite3 subscribers/bulletin.db "SELECT count(*) FROM issue_approvals")
[ "$n" = 0 ] && pass "... and nothing is recorded" || fail "$n approvals recorded"
rc=0; "$BULLETIN" approve 2026-12 --by "Someone Else" >"$T/other.out" 2>&1 || rc=$?
[ "$rc" = 0 ] && expect_grep "$T/other.out" "approved issues/2026-12: Someone Else" "someone else may approve" ||
  { fail "approve by someone else exited $rc"; cat "$T/other.out" >&2; }
# A compile nobody recorded (the event removed, as when the store could
# not be written): nobody can tell who compiled it.
"$BULLETIN" compile 2026-12 >/dev/null
sqlite3 subscribers/bulletin.db "DELETE FROM issue_events WHERE event = 'compiled'"
rc=0; "$BULLETIN" approve 2026-12 --by "Someone Else" >"$T/unknown.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && expect_grep "$T/unknown.out" "nobody can tell who compiled this build" "an unrecorded compile cannot be approved" ||
  fail "approve of an unrecorded compile exited $rc"
# Off: the compiler may approve.
sed -i 's/^  four_eyes: true/  four_eyes: false/' bulletin.yaml
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >"$T/off.out" 2>&1 && pass "without four_eyes the compiler may approve" ||
  { fail "approve without four_eyes failed"; cat "$T/off.out" >&2; }
finish
