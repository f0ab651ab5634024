# Every command works on a workspace named with -C DIR from anywhere
# else, serve included. As with git -C and make -C, the command runs as
# if started in DIR: paths the user types are read from there too, and
# nothing is written where the command was run.
source tests/lib.sh
sample_workspace
WS=$T/sample
mkdir "$T/elsewhere"
cd "$T/elsewhere"
B=$BULLETIN
cp "$ROOT/subscribers/sample.csv" "$WS/people.csv"

run() { # DESCRIPTION COMMAND...: the command succeeds from $T/elsewhere
  local what=$1; shift
  if "$@" >"$T/out" 2>&1; then pass "$what"; else fail "$what:"; cat "$T/out" >&2; fi
}
run "init -C" "$B" init "$T/fresh"
[ -f "$T/fresh/bulletin.yaml" ] && pass "init made the workspace there" || fail "init -C wrote nothing in $T/fresh"
run "new" "$B" -C "$WS" new 2027-01 --title "January 2027"
[ -f "$WS/issues/2027-01/issue.yaml" ] && pass "new wrote in the workspace" || fail "new wrote elsewhere"
run "compile" "$B" -C "$WS" compile 2026-12
[ -s "$WS/issues/2026-12/build/email.html" ] && pass "compile wrote the build in the workspace" || fail "no build in the workspace"
run "subscribers import (a file named from DIR)" "$B" -C "$WS" subscribers import people.csv
run "subscribers list" "$B" -C "$WS" subscribers list
[ -s "$WS/subscribers/bulletin.db" ] && pass "the store is the workspace's" || fail "no store in the workspace"
run "preview (the file written in DIR)" "$B" -C "$WS" preview 2026-12 --eml one.eml
[ -s "$WS/one.eml" ] && pass "preview wrote DIR/one.eml" || fail "one.eml is not in DIR"
run "send --to" "$B" -C "$WS" send 2026-12 --to tester@example.org
run "approve" "$B" -C "$WS" approve 2026-12 --by "Test Approver"
run "send" "$B" -C "$WS" send 2026-12
run "status" "$B" -C "$WS" status 2026-12
expect_grep "$T/out" "Test Approver" "status names the approver"
run "issues" "$B" -C "$WS" issues
expect_grep "$T/out" "2026-12" "issues lists the issue"
run "unpublish" "$B" -C "$WS" unpublish 2026-12
run "publish" "$B" -C "$WS" publish 2026-12
[ -s "$WS/public/index.html" ] && pass "publish built the workspace's public/" || fail "no public/ in the workspace"
run "inbox --report" "$B" -C "$WS" inbox --report
run "partners add" "$B" -C "$WS" partners add "Test Partner" --contact tp@example.org
run "partners list" "$B" -C "$WS" partners list
expect_grep "$T/out" "Test Partner" "partners list names the partner"
run "reopen" "$B" -C "$WS" reopen 2027-01 --until 2099-01-01
run "call" "$B" -C "$WS" call 2027-01
grep -lq "call for contributions" "$WS"/outbox/new/* && pass "call wrote to the workspace's outbox" || fail "no call in the workspace's outbox"

# serve: its pages from the workspace's templates, however it is started.
mkdir -p "$WS/templates/web"
sed 's|</h1>|</h1><p>from-the-workspace</p>|' "$ROOT/templates/web/subscribe.html.mustache" \
  > "$WS/templates/web/subscribe.html.mustache"
grep -q from-the-workspace "$WS/templates/web/subscribe.html.mustache" || fail "test set-up: no marker in the template"
"$B" -C "$WS" serve --listen 127.0.0.1:0 2>"$T/serve.err" &
PIDS+=($!)
addr=
for _ in $(seq 100); do
  addr=$(sed -n 's|.*on http://\([0-9.:]*\)/.*|\1|p' "$T/serve.err" | head -1)
  [ -n "$addr" ] && break
  sleep 0.1
done
if [ -z "$addr" ]; then fail "serve -C did not start:"; cat "$T/serve.err" >&2; else
  curl -s "http://$addr/subscribe" > "$T/page"
  expect_grep "$T/page" "from-the-workspace" "serve -C answers with the workspace's own page"
fi
leftover=$(ls -A)
[ -z "$leftover" ] && pass "nothing else written where the commands were run" || fail "written here: $leftover"
finish
