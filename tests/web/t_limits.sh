# Hostile or broken requests: bodies over the limit (413, announced or
# chunked), malformed URL-encoding and multipart (400), other content
# types (415), too many sign-ups from one client (429 with Retry-After),
# and no more than confirmations_per_day emails to one address however
# often the form is sent. None of them changes the store.
source tests/lib.sh
source tests/web/lib.sh
web_workspace "web:" "  signups_per_hour: 4" "  confirmations_per_day: 2"
add_subscriber someone@example.org
start_server
tok=$(field someone@example.org token)

big=$(head -c 9000 /dev/zero | tr '\0' a)
before=$(store_dump)
expect_status big1 413 "sign-up body over 8 KB" --data-raw "email=$big" "$URL/subscribe"
expect_grep "$T/big1.b" "Too much data" "413 page"
expect_security_headers big1 "413"
expect_status big2 413 "one-click body over 8 KB" --data-raw "List-Unsubscribe=One-Click&x=$big" \
  "$URL/unsubscribe/$tok"
expect_status big3 413 "chunked body over 8 KB" -H 'Transfer-Encoding: chunked' \
  --data-raw "x=$big" "$URL/unsubscribe/$tok"
for body in 'List-Unsubscribe=One-Click%' 'List-Unsubscribe=%zz' 'a=%00' 'a=%C3%28' 'a=%ff'; do
  expect_status bad 400 "malformed urlencoded body '$body'" --data-raw "$body" "$URL/unsubscribe/$tok"
done
expect_grep "$T/bad.b" "problem with that request" "400 page"
expect_security_headers bad "400"
expect_status mp1 400 "multipart without a boundary" -H 'Content-Type: multipart/form-data' \
  --data-raw 'List-Unsubscribe=One-Click' "$URL/unsubscribe/$tok"
expect_status mp2 400 "multipart never closed" -H 'Content-Type: multipart/form-data; boundary=b' \
  --data-binary $'--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click' \
  "$URL/unsubscribe/$tok"
expect_status mp3 400 "multipart part without a name" -H 'Content-Type: multipart/form-data; boundary=b' \
  --data-binary $'--b\r\nContent-Type: text/plain\r\n\r\nOne-Click\r\n--b--\r\n' "$URL/unsubscribe/$tok"
expect_status ct 415 "JSON body" -H 'Content-Type: application/json' \
  --data-raw '{"List-Unsubscribe":"One-Click"}' "$URL/unsubscribe/$tok"
expect_security_headers ct "415"
expect_status bad2 400 "malformed sign-up" --data-raw 'email=%' "$URL/subscribe"
expect_status path 400 "bad escape in the path" --path-as-is "$URL/unsubscribe/%zz"
[ "$before" = "$(store_dump)" ] && pass "none of them changed the store" || fail "a bad request changed the store"
[ "$(field someone@example.org status)" = active ] && pass "still active" || fail "status changed"

# Rate limits. Each client (the proxy's X-Forwarded-For from loopback)
# has 4 sign-ups an hour; the 400 above counted for 127.0.0.1.
for i in 1 2 3; do
  expect_status rl 200 "sign-up $i from 192.0.2.1" -H 'X-Forwarded-For: 192.0.2.1' \
    --data-urlencode email=flood@example.org --data-urlencode consent=yes "$URL/subscribe"
done
sleep 1
n=$(grep -l 'flood@example.org' "$WS"/outbox/new/* 2>/dev/null | wc -l)
[ "$n" = 2 ] && pass "3 sign-ups for one address, 2 emails (confirmations_per_day)" \
  || fail "expected 2 emails to flood@example.org, found $n"
expect_status rl 200 "sign-up 4 from 192.0.2.1" -H 'X-Forwarded-For: 192.0.2.1' \
  --data-urlencode email=other@example.org --data-urlencode consent=yes "$URL/subscribe"
expect_status rl5 429 "sign-up 5 from 192.0.2.1" -H 'X-Forwarded-For: 192.0.2.1' \
  --data-urlencode email=third@example.org --data-urlencode consent=yes "$URL/subscribe"
retry=$(grep -i '^Retry-After:' "$T/rl5.h" | tr -dc 0-9)
[ -n "$retry" ] && [ "$retry" -ge 1 ] && [ "$retry" -le 3600 ] && pass "Retry-After: $retry" \
  || fail "no sensible Retry-After on the 429"
expect_grep "$T/rl5.b" "Too many sign-ups" "429 page"
expect_security_headers rl5 "429"
[ -z "$(field third@example.org status)" ] && pass "the refused sign-up stored nothing" \
  || fail "the refused sign-up was stored"
expect_status rl6 200 "another client is not limited" -H 'X-Forwarded-For: 198.51.100.9' \
  --data-urlencode email=third@example.org --data-urlencode consent=yes "$URL/subscribe"
# A client claiming to be someone else through its own header does not
# escape: only the last address (the proxy's) counts.
expect_status rl7 429 "a forged first X-Forwarded-For entry" \
  -H 'X-Forwarded-For: 203.0.113.5, 192.0.2.1' \
  --data-urlencode email=fourth@example.org --data-urlencode consent=yes "$URL/subscribe"
grep -q '429' "$T/serve.log" && pass "429s are in the access log" || fail "no 429 in the log"
stop_server
finish
