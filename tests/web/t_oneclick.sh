# RFC 8058 one-click unsubscribing: a POST with the body
# List-Unsubscribe=One-Click, urlencoded or multipart, answers 200 with a
# short page, never redirects, needs no cookie, and the store says
# unsubscribed (source one-click) before the answer is sent. Repeating it
# is harmless; the page's own button records source web.
source tests/lib.sh
source tests/web/lib.sh
web_workspace
for a in one@example.org two@example.org three@example.org; do add_subscriber $a; done
start_server
t1=$(field one@example.org token)
t2=$(field two@example.org token)
t3=$(field three@example.org token)

expect_status oc1 200 "one-click POST, urlencoded" -X POST \
  -H 'Content-Type: application/x-www-form-urlencoded' \
  --data-raw 'List-Unsubscribe=One-Click' "$URL/unsubscribe/$t1"
has_header oc1 'Location:' && fail "urlencoded one-click redirects" || pass "no redirect"
has_header oc1 'Set-Cookie:' && fail "one-click sets a cookie" || pass "no cookie"
expect_security_headers oc1 "one-click answer"
expect_grep "$T/oc1.b" "You have unsubscribed" "one-click answer page"
[ "$(field one@example.org status)" = unsubscribed ] && pass "urlencoded: unsubscribed" \
  || fail "urlencoded: status is $(field one@example.org status)"
[ "$(last_event_source one@example.org)" = one-click ] && pass "event source one-click" \
  || fail "event source is $(last_event_source one@example.org)"

expect_status oc2 200 "one-click POST, multipart/form-data" -X POST \
  -F 'List-Unsubscribe=One-Click' "$URL/unsubscribe/$t2"
has_header oc2 'Location:' && fail "multipart one-click redirects" || pass "no redirect (multipart)"
[ "$(field two@example.org status)" = unsubscribed ] && pass "multipart: unsubscribed" \
  || fail "multipart: status is $(field two@example.org status)"
[ "$(last_event_source two@example.org)" = one-click ] && pass "multipart event source one-click" \
  || fail "multipart event source is $(last_event_source two@example.org)"

# Again: 200, and nothing more recorded.
before=$(store_dump)
expect_status oc3 200 "one-click repeated" -X POST \
  --data-raw 'List-Unsubscribe=One-Click' "$URL/unsubscribe/$t1"
[ "$before" = "$(store_dump)" ] && pass "repeating changes nothing" || fail "repeating changed the store"

# The unsubscribe page's button (an empty form post).
expect_status btn 200 "the page's Unsubscribe button" -X POST \
  -H 'Content-Type: application/x-www-form-urlencoded' --data-raw '' "$URL/unsubscribe/$t3"
[ "$(field three@example.org status)" = unsubscribed ] && pass "button: unsubscribed" \
  || fail "button: status is $(field three@example.org status)"
[ "$(last_event_source three@example.org)" = web ] && pass "button event source web" \
  || fail "button event source is $(last_event_source three@example.org)"

# Durable before the answer: killed at once after the 200 (no clean
# close), the store still has it.
add_subscriber four@example.org
t4=$(field four@example.org token)
expect_status oc4 200 "one-click before a kill" -X POST \
  --data-raw 'List-Unsubscribe=One-Click' "$URL/unsubscribe/$t4"
kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
[ "$(field four@example.org status)" = unsubscribed ] && pass "acknowledged unsubscribe survives a kill" \
  || fail "after a kill the status is $(field four@example.org status)"
finish
