# An erased address comes back only through its own confirmed sign-up
# (issue 19, "Coming back"): the form answers it as it answers anyone new
# and sends the confirmation email; until the link is followed it is held
# pending and still erased (import and add refuse it, nothing is sent to
# it); confirming makes it active with the new consent and takes it off
# the suppression list. A sign-up nobody confirms is purged like any
# other, and the address stays erased.
source tests/lib.sh
source tests/web/lib.sh
web_workspace "web:" "  signups_per_hour: 100"
add_subscriber erased@example.org
add_subscriber stranger@example.org
(cd "$WS" && "$BULLETIN" subscribers erase erased@example.org >/dev/null)
(cd "$WS" && "$BULLETIN" subscribers erase stranger@example.org >/dev/null)
db() { sqlite3 "$WS/subscribers/bulletin.db" "$1"; }
[ "$(db "SELECT count(*) FROM suppressed")" = 2 ] && pass "two addresses erased" || fail "suppressed: $(db "SELECT count(*) FROM suppressed")"
start_server

sign() { # sign NAME EMAIL: a sign-up from the form
  req "$1" --data-urlencode "email=$2" --data-urlencode "name=Eve Back" \
    --data-urlencode consent=yes --data-urlencode website= "$URL/subscribe"
}
[ "$(sign new new@example.org)" = 200 ] || fail "sign-up of a new address"
[ "$(sign back erased@example.org)" = 200 ] && pass "the form takes the erased address" || fail "sign-up of the erased address"
sed "s/new@example.org/ADDR/" "$T/new.b" > "$T/new.norm"
sed "s/erased@example.org/ADDR/" "$T/back.b" > "$T/back.norm"
cmp -s "$T/new.norm" "$T/back.norm" && pass "... with the page anyone new gets" || fail "the page differs from a new address's"
sleep 1
subject_to() { grep -h '^Subject:' $(grep -l "^To: .*<$1>" "$WS"/outbox/new/*) | tr -d '\r' | sort -u; }
[ -n "$(subject_to erased@example.org)" ] && [ "$(subject_to erased@example.org)" = "$(subject_to new@example.org)" ] &&
  pass "the confirmation email goes out, as to anyone new ($(subject_to erased@example.org))" ||
  fail "erased: '$(subject_to erased@example.org)', new: '$(subject_to new@example.org)'"
[ "$(field erased@example.org status)" = pending ] && pass "held pending" || fail "status '$(field erased@example.org status)'"
[ "$(db "SELECT count(*) FROM suppressed")" = 2 ] && pass "... and still erased: a sign-up alone does not undo the erasure" ||
  fail "the sign-up took the address off the suppression list"

# Until confirmed, import and add refuse it as before.
printf 'email,name\nerased@example.org,E\n' > "$T/in.csv"
(cd "$WS" && "$BULLETIN" subscribers import "$T/in.csv") > "$T/imp.out" 2> "$T/imp.err"
expect_grep "$T/imp.err" "erased on request before; not added" "import still refuses it"
code=0; (cd "$WS" && "$BULLETIN" subscribers add erased@example.org) >/dev/null 2>&1 || code=$?
[ "$code" = 1 ] && pass "add still refuses it (exit 1)" || fail "add: exit $code"
[ "$(field erased@example.org status)" = pending ] && pass "... it is still pending" || fail "status '$(field erased@example.org status)' after import and add"

# The owner follows the link.
tok=$(field erased@example.org token)
grep -l "^To: .*<erased@example.org>" "$WS"/outbox/new/* | xargs grep -q "/confirm/$tok" &&
  pass "the email carries the confirmation link" || fail "no /confirm/ link in the email"
expect_status c1 200 "confirm" -X POST --data-raw '' "$URL/confirm/$tok"
expect_grep "$T/c1.b" "Your subscription is confirmed" "confirmed page"
[ "$(field erased@example.org status)" = active ] && pass "active again" || fail "status '$(field erased@example.org status)'"
[ "$(db "SELECT count(*) FROM suppressed")" = 1 ] && pass "off the suppression list (the other stays)" ||
  fail "suppressed: $(db "SELECT count(*) FROM suppressed")"
[ -n "$(field erased@example.org consent_text)" ] && [ "$(field erased@example.org consent_at)" != None ] &&
  pass "the new consent is recorded" || fail "no consent: '$(field erased@example.org consent_text)'"
(cd "$WS" && "$BULLETIN" subscribers show erased@example.org) > "$T/show.out"
expect_grep "$T/show.out" "pending -> active  (web) confirmed from the emailed link (the address had been erased" "the history says so"
(cd "$WS" && "$BULLETIN" subscribers data erased@example.org) > "$T/data.out"
expect_grep "$T/data.out" '"erased_and_suppressed": false' "no longer erased"

# Someone else types the other erased address and nobody confirms: it is
# purged as any stale sign-up, and the address stays erased.
[ "$(sign stranger stranger@example.org)" = 200 ] || fail "sign-up of stranger@"
[ "$(field stranger@example.org status)" = pending ] && pass "an unconfirmed sign-up is held pending" || fail "stranger: '$(field stranger@example.org status)'"
stop_server
db "UPDATE subscribers SET created_at = created_at - 8 * 86400 WHERE email = 'stranger@example.org'"
start_server
[ -z "$(field stranger@example.org status)" ] && pass "unconfirmed, it is purged" || fail "stale sign-up kept"
(cd "$WS" && "$BULLETIN" subscribers data stranger@example.org) > "$T/data2.out"
expect_grep "$T/data2.out" '"erased_and_suppressed": true' "... and the address is still erased"
if db .dump | grep -qi "stranger@example.org"; then fail "the address is somewhere in the store"; else
  pass "no trace of it in the store"; fi
stop_server
finish
