# The subscriber's journey through bulletin serve in headless Chromium
# (tests/browser/flow.js): sign up, confirm from the emailed link, get
# the issue from bulletin send, unsubscribe from its link; every page
# passes axe-core with zero violations.
source tests/lib.sh
source tests/web/lib.sh
sample_workspace
WS=$T/sample
printf 'web:\n  signups_per_hour: 3\n' >> "$WS/bulletin.yaml"
printf 'topics:\n  - key: news\n    title: The whole newsletter\n    description: Every issue\n    default: true\n  - key: events\n    title: Events only\n' >> "$WS/bulletin.yaml"
(cd "$WS" && "$BULLETIN" compile 2026-12 >/dev/null && "$BULLETIN" approve 2026-12 >/dev/null && "$BULLETIN" publish 2026-12 --now 2026-12-10 >/dev/null)
start_server
shots="${BUILD_DIR:-$T}/screenshots"
if node "$ROOT/tests/browser/flow.js" --url "$URL" --workspace "$WS" \
     --bulletin "$BULLETIN" --issue 2026-12 --shots "$shots"; then
  pass "the journey in the browser (screenshots in $shots)"
else
  fail "the journey in the browser"
fi
expect_no_grep "$T/serve.log" "reader@example.org" "the address is not in the access log"
stop_server
finish
