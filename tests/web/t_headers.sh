# Every response carries Content-Security-Policy (nothing external, no
# script), nosniff, no-referrer and DENY framing: pages, files, errors,
# redirects, HEAD. With nothing compiled yet, /style.css is the built-in
# one. Pages load nothing from elsewhere and have no inline script or
# style.
source tests/lib.sh
source tests/web/lib.sh
web_workspace
add_subscriber a@example.org
start_server
tok=$(field a@example.org token)
i=0
check() { # check WANT-STATUS DESCRIPTION CURL-ARGS...
  local want=$1 what=$2; shift 2
  i=$((i + 1))
  expect_status "h$i" "$want" "$what" "$@"
  expect_security_headers "h$i" "$what"
}
check 200 "sign-up form" "$URL/subscribe"
check 200 "sign-up form (HEAD)" -I "$URL/subscribe"
check 200 "built-in style sheet" "$URL/style.css"
has_header "h$i" 'Content-Type: text/css' && pass "style sheet is CSS" || fail "style sheet type"
check 200 "unsubscribe page" "$URL/unsubscribe/$tok"
check 200 "confirm page" "$URL/confirm/$tok"
check 404 "no archive yet" "$URL/"
check 404 "unknown token" "$URL/unsubscribe/AAAAAAABAAAAAAAAAAAAAAAAAAAAAA"
check 405 "PUT" -X PUT "$URL/subscribe"
has_header "h$i" 'Allow: GET, HEAD, POST' && pass "405 Allow" || fail "405 Allow"
check 405 "DELETE" -X DELETE "$URL/unsubscribe/$tok"
check 400 "bad form" --data-raw '%' "$URL/subscribe"
check 415 "bad type" -H 'Content-Type: text/plain' --data-raw 'x' "$URL/subscribe"
check 200 "unsubscribed" -X POST "$URL/unsubscribe/$tok"
grep -hi '^Content-Security-Policy:' "$T"/h*.h | sort -u > "$T/csp"
[ "$(wc -l < "$T/csp")" = 1 ] && pass "one policy everywhere" || fail "policies differ"
if grep -q "script-src" "$T/csp" || ! grep -q "default-src 'none'" "$T/csp"; then
  fail "the policy allows some script"; else pass "no script source allowed (default-src 'none')"; fi
expect_grep "$T/csp" "frame-ancestors 'none'" "no framing in the policy"
for f in "$T"/h*.b; do
  if grep -qiE '<script|style=|<style|https?://[^"]*\.(css|js|png|jpg|woff)' "$f"; then
    fail "$(basename "$f") has inline script or style, or loads from elsewhere"; fi
done
pass "pages have no inline script or style and load nothing from elsewhere"
stop_server
finish
