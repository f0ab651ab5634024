# The access log never holds a token, however the path is written: the
# server decodes the path once, routes that and redacts that, so an
# escaped letter (/%75nsubscribe/), an escaped slash (/unsubscribe%2F),
# a doubled slash or an escape that does not decode leaves no token in
# the log, while the routes still answer as for the plain path.
source tests/lib.sh
source tests/web/lib.sh
web_workspace
add_subscriber someone@example.org
start_server
tok=$(field someone@example.org token)
[ -n "$tok" ] || fail "no token"

expect_status u1 200 "GET /%75nsubscribe/TOKEN is the unsubscribe page" --path-as-is "$URL/%75nsubscribe/$tok"
expect_grep "$T/u1.b" "Unsubscribe" "it is the unsubscribe page"
expect_status u2 200 "GET /unsubscribe%2FTOKEN" --path-as-is "$URL/unsubscribe%2F$tok"
expect_status c1 200 "GET /c%6Fnfirm/TOKEN" --path-as-is "$URL/c%6Fnfirm/$tok"
expect_status c2 200 "GET /confirm/TOKEN with an escaped letter in the token" --path-as-is \
  "$URL/confirm/$(printf '%%%02X' "'${tok:0:1}")${tok:1}"
expect_status d1 404 "GET //unsubscribe/TOKEN" --path-as-is "$URL//unsubscribe/$tok"
expect_status d2 404 "GET /%2575nsubscribe/TOKEN (encoded twice)" --path-as-is "$URL/%2575nsubscribe/$tok"
expect_status d3 404 "GET /x/TOKEN" --path-as-is "$URL/x/$tok"
expect_status b1 400 "GET /%75nsubscribe/TOKEN%zz" --path-as-is "$URL/%75nsubscribe/$tok%zz"
expect_status q1 200 "GET /unsubscribe/TOKEN?t=TOKEN" --path-as-is "$URL/unsubscribe/$tok?t=$tok"
expect_status p1 200 "one-click POST to /%75nsubscribe/TOKEN" --path-as-is \
  --data-raw 'List-Unsubscribe=One-Click' "$URL/%75nsubscribe/$tok"
[ "$(field someone@example.org status)" = unsubscribed ] && pass "the escaped one-click POST unsubscribed" \
  || fail "the escaped one-click POST did not unsubscribe"
stop_server

# The token, the part of it after the id, and any escaped form of it.
secret=${tok:8}
n=$(grep -c '"GET \|"POST ' "$T/serve.log" || true)
[ "$n" -eq 10 ] && pass "$n requests in the access log" || { fail "expected 10 access log lines, found $n"; cat "$T/serve.log" >&2; }
expect_no_grep "$T/serve.log" "$secret" "no token in the access log"
expect_no_grep "$T/serve.log" "${secret:1:20}" "no part of a token in the access log"
expect_grep "$T/serve.log" '"GET /unsubscribe/[redacted] HTTP/1.1" 200' "the escaped path is logged decoded and redacted"
expect_grep "$T/serve.log" '"GET /confirm/[redacted] HTTP/1.1" 200' "c%6Fnfirm logged decoded and redacted"
expect_grep "$T/serve.log" '"GET //unsubscribe/[redacted] HTTP/1.1" 404' "a doubled slash redacted"
expect_grep "$T/serve.log" '"GET /%75nsubscribe/[redacted] HTTP/1.1" 404' "a path encoded twice redacted"
expect_grep "$T/serve.log" '"GET [not a valid path] HTTP/1.1" 400' "a path that does not decode is left out"
expect_grep "$T/serve.log" '"GET /unsubscribe/[redacted]?... HTTP/1.1" 200' "the query is left out"
expect_grep "$T/serve.log" '"POST /unsubscribe/[redacted] HTTP/1.1" 200' "the one-click POST redacted"
finish
