# A GET never changes the store (mail scanners follow links): every
# route, with pending, active and unsubscribed subscribers' tokens, by GET
# and HEAD, leaves every row as it was. Forged and cut tokens are 404
# pages and change nothing, by GET or POST.
source tests/lib.sh
source tests/web/lib.sh
web_workspace
add_subscriber active@example.org
add_subscriber gone@example.org
(cd "$WS" && "$BULLETIN" subscribers unsubscribe gone@example.org >/dev/null)
start_server
# A pending one, through the form.
expect_status su 200 "sign-up" --data-urlencode email=pending@example.org \
  --data-urlencode consent=yes "$URL/subscribe"
ta=$(field active@example.org token)
tg=$(field gone@example.org token)
tp=$(field pending@example.org token)
[ -n "$tp" ] && pass "pending subscriber made" || fail "no pending subscriber"

before=$(store_dump)
n=0
for path in / /feed.xml /style.css /index.html /issues/ /subscribe \
            "/confirm/$tp" "/confirm/$ta" "/confirm/$tg" \
            "/unsubscribe/$tp" "/unsubscribe/$ta" "/unsubscribe/$tg" \
            "/unsubscribe/$tp?List-Unsubscribe=One-Click" /nothing-here; do
  for method in GET HEAD; do
    flag=(); [ $method = HEAD ] && flag=(-I)
    code=$(curl -s -o /dev/null -w '%{http_code}' "${flag[@]+"${flag[@]}"}" "$URL$path")
    case $code in 200|404) n=$((n + 1)) ;; *) fail "$method $path: HTTP $code" ;; esac
  done
done
after=$(store_dump)
[ "$before" = "$after" ] && pass "$n GET/HEAD requests left the store as it was" \
  || { fail "a GET changed the store"; diff <(echo "$before") <(echo "$after") >&2; }
[ "$(field pending@example.org status)" = pending ] && pass "still pending" || fail "pending changed"
[ "$(field active@example.org status)" = active ] && pass "still active" || fail "active changed"

# The pages say what they are.
req g1 "$URL/confirm/$tp" >/dev/null
expect_grep "$T/g1.b" "Confirm my subscription" "confirm page has the button"
expect_grep "$T/g1.b" 'p•••@example.org' "confirm page masks the address"
expect_no_grep "$T/g1.b" 'pending@example.org' "confirm page does not show the address"
req g2 "$URL/unsubscribe/$ta" >/dev/null
expect_grep "$T/g2.b" '<button type="submit">Unsubscribe</button>' "unsubscribe page has the button"
expect_grep "$T/g2.b" 'a•••@example.org' "unsubscribe page masks the address"
expect_grep "$T/g2.b" 'Luton Health Equity Town News' "unsubscribe page names the newsletter"
req g3 "$URL/unsubscribe/$tg" >/dev/null
expect_grep "$T/g3.b" "You have unsubscribed" "an unsubscribed token shows the done page"
req g4 "$URL/confirm/$tg" >/dev/null
expect_grep "$T/g4.b" "has left the list" "confirming a left address says to get in touch"

# Forged (right shape, unknown), cut, too long, bad characters.
before=$(store_dump)
# A token is the subscriber's id (8 characters) and a secret (22): a
# real id with a wrong secret (its own, or another subscriber's) must
# fail like any other forgery.
wrong_secret=${ta:0:8}AAAAAAAAAAAAAAAAAAAAAA
[ "$wrong_secret" != "$ta" ] || wrong_secret=${ta:0:8}BBBBBBBBBBBBBBBBBBBBBB
for tok in "$wrong_secret" "${tg:0:8}${ta:8}" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
           "${ta:0:29}" "${ta}A" "${ta:0:29}!" "${ta:0:29}%2F" "${ta:8}" ""; do
  for route in confirm unsubscribe; do
    expect_status t404 404 "GET /$route/<${tok:0:5}…> (forged or cut)" "$URL/$route/$tok"
    expect_status t404p 404 "POST /$route/<${tok:0:5}…> (forged or cut)" -X POST \
      --data-raw 'List-Unsubscribe=One-Click' "$URL/$route/$tok"
  done
done
expect_grep "$T/t404p.b" "Page not found" "the 404 page"
[ "$before" = "$(store_dump)" ] && pass "forged and cut tokens changed nothing" \
  || fail "a forged token changed the store"
stop_server
finish
