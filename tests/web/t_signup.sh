# Sign-up with double opt-in: the form, its checks, the honeypot, a
# pending subscriber with the consent wording, the confirmation email in
# the Maildir outbox, confirming; the same answer whoever signs up (new,
# pending, active, unsubscribed, bounced, erased) with the right email; stale pending sign-ups purged when the server starts.
source tests/lib.sh
source tests/web/lib.sh
web_workspace "web:" "  signups_per_hour: 100"
add_subscriber active@example.org
add_subscriber left@example.org
add_subscriber bounced@example.org
(cd "$WS" && "$BULLETIN" subscribers unsubscribe left@example.org >/dev/null)
(cd "$WS" && "$BULLETIN" subscribers erase erased@example.org >/dev/null)
sqlite3 "$WS/subscribers/bulletin.db" "UPDATE subscribers SET status = 'bounced' WHERE email = 'bounced@example.org'"
start_server

expect_status form 200 "the sign-up form" "$URL/subscribe"
expect_grep "$T/form.b" '<input type="email" id="email" name="email"' "email field"
expect_grep "$T/form.b" 'name="website"' "honeypot field"
expect_grep "$T/form.b" 'I agree to receive this newsletter by email' "consent wording"
expect_grep "$T/form.b" 'type="checkbox" id="consent" name="consent" value="yes"' "consent box"

mails() { outbox_count; }
sign() { # sign NAME EMAIL [curl args]: a sign-up from the form
  local name=$1 email=$2; shift 2
  req "$name" --data-urlencode "email=$email" --data-urlencode "name=Sam Smith" \
    --data-urlencode "organisation=Luton Foodbank" --data-urlencode consent=yes \
    --data-urlencode website= "$@" "$URL/subscribe"
}

before=$(store_dump)
code=$(req v1 --data-urlencode email= --data-urlencode consent=yes "$URL/subscribe")
[ "$code" = 400 ] && pass "no address: 400" || fail "no address: $code"
expect_grep "$T/v1.b" "Enter your email address" "says the address is missing"
expect_grep "$T/v1.b" 'aria-invalid="true" aria-describedby="email-error"' "marks the field"
expect_grep "$T/v1.b" "<title>Error: " "title starts with Error"
code=$(req v2 --data-urlencode email=not-an-address --data-urlencode consent=yes "$URL/subscribe")
[ "$code" = 400 ] && pass "bad address: 400" || fail "bad address: $code"
expect_grep "$T/v2.b" "in the correct format" "says the address is wrong"
expect_grep "$T/v2.b" 'value="not-an-address"' "keeps what was typed"
code=$(req v3 --data-urlencode email=new@example.org "$URL/subscribe")
[ "$code" = 400 ] && pass "no consent: 400" || fail "no consent: $code"
expect_grep "$T/v3.b" "Tick the box" "asks for consent"
code=$(req v4 --data-urlencode email=new@example.org --data-urlencode consent=yes \
  --data-urlencode "name=$(printf 'x%.0s' $(seq 101))" "$URL/subscribe")
[ "$code" = 400 ] && pass "long name: 400" || fail "long name: $code"
# A name or organisation that turns the text around (U+202E, U+2066):
# refused, the field named, nothing stored or sent.
rlo=$(printf '\xe2\x80\xae') lri=$(printf '\xe2\x81\xa6')
code=$(req v5 --data-urlencode email=new@example.org --data-urlencode consent=yes \
  --data-urlencode "name=Sam ${rlo}elpmaxe.live" "$URL/subscribe")
[ "$code" = 400 ] && pass "name with U+202E: 400" || fail "name with U+202E: $code"
expect_grep "$T/v5.b" "Your name has a hidden character that changes the direction of the text" \
  "says what is wrong with the name"
expect_grep "$T/v5.b" 'id="name" name="name"' "the name field is on the page"
expect_grep "$T/v5.b" 'aria-invalid="true" aria-describedby="name-error"' "marks the name field"
code=$(req v6 --data-urlencode email=new@example.org --data-urlencode consent=yes \
  --data-urlencode "organisation=${lri}Org" "$URL/subscribe")
[ "$code" = 400 ] && pass "organisation with U+2066: 400" || fail "organisation with U+2066: $code"
expect_grep "$T/v6.b" "The organisation has a hidden character" "says what is wrong with the organisation"
expect_grep "$T/v6.b" 'aria-describedby="organisation-error"' "marks the organisation field"
code=$(sign hp bot@example.org --data-urlencode website=http://spam.example)
[ "$code" = 200 ] && pass "honeypot filled: the same 200" || fail "honeypot: $code"
expect_grep "$T/hp.b" "Check your inbox" "honeypot gets the usual page"
[ "$before" = "$(store_dump)" ] && pass "refused sign-ups stored nothing" || fail "a refused sign-up was stored"
[ "$(mails)" = 0 ] && pass "and sent nothing" || fail "mail sent for a refused sign-up"

# A new address.
code=$(sign new new@example.org)
[ "$code" = 200 ] && pass "new address: 200" || fail "new address: $code"
expect_grep "$T/new.b" "Check your inbox" "check-your-inbox page"
[ "$(field new@example.org status)" = pending ] && pass "pending" || fail "not pending"
[ "$(field new@example.org name)" = "Sam Smith" ] && pass "name kept" || fail "name not kept"
[ "$(field new@example.org organisation)" = "Luton Foodbank" ] && pass "organisation kept" || fail "organisation"
field new@example.org consent_text | grep -q "I agree to receive" && pass "consent wording stored" \
  || fail "consent wording not stored"
[ -n "$(field new@example.org consent_at)" ] && pass "consent time stored" || fail "no consent time"
sleep 0.5
mail=$(grep -l '^To: <new@example.org>' "$WS"/outbox/new/* | head -1)
[ -n "$mail" ] && pass "confirmation email in the outbox, to the address alone" || fail "no confirmation email"
tok=$(field new@example.org token)
python3 - "$mail" "$tok" <<'PY' && pass "email: subject, link in both parts, no list headers" || fail "confirmation email content"
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
url = 'https://het-news.example.org/confirm/' + sys.argv[2]
assert m['Subject'] == 'Confirm your subscription to Luton Health Equity Town News', m['Subject']
assert 'List-Unsubscribe' not in m
text = m.get_body(('plain',)).get_content(); html = m.get_body(('html',)).get_content()
assert url in text and url in html, (text, html)
PY
# Nothing typed into the form but the address reaches the email: not
# in its headers, its subject, its text or its HTML.
sign words words@example.org --data-urlencode "name=Verify at https://evil.example/now" \
  --data-urlencode "organisation=Call 0800 EVIL" >/dev/null
sleep 0.5
mail=$(grep -l '^To: <words@example.org>' "$WS"/outbox/new/* | head -1)
python3 - "$mail" <<'PY' && pass "what was typed as name and organisation is in no part of the email" \
  || fail "typed words reached the confirmation email"
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
parts = [str(v) for k, v in m.items()]
parts += [p.get_content() for p in m.walk() if not p.is_multipart()]
for words in ('evil.example', 'Verify at', '0800 EVIL', 'Sam Smith', 'Luton Foodbank'):
    for p in parts:
        assert words not in p, (words, p)
PY

# The same page for everyone; the right email or none.
for who in new active left bounced erased; do
  sign "again-$who" "$who@example.org" >/dev/null
  sed "s/$who@example.org/ADDR/" "$T/again-$who.b" > "$T/again-$who.norm"
done
sed "s/new@example.org/ADDR/" "$T/new.b" > "$T/new.norm"
same=1
for who in new active left bounced erased; do cmp -s "$T/new.norm" "$T/again-$who.norm" || same=0; done
[ $same = 1 ] && pass "the answer is the same for new, pending, active, left, bounced and erased" \
  || fail "answers differ by state"
sleep 1
count_to() { grep -l "^To: .*<$1>" "$WS"/outbox/new/* 2>/dev/null | wc -l; }
subject_to() { grep -h '^Subject:' $(grep -l "^To: .*<$1>" "$WS"/outbox/new/*) | tr -d '\r' | sort -u; }
[ "$(count_to new@example.org)" = 2 ] && pass "pending again: a second confirmation" || fail "pending again: $(count_to new@example.org) mails"
[ "$(subject_to active@example.org)" = "Subject: You are already subscribed to Luton Health Equity Town News" ] \
  && pass "active: told so" || fail "active: $(subject_to active@example.org)"
[ "$(subject_to left@example.org)" = "Subject: Joining Luton Health Equity Town News again" ] \
  && pass "unsubscribed: told how to come back" || fail "left: $(subject_to left@example.org)"
if python3 tests/mail/check_message.py "$WS/outbox" > "$T/check.out" 2>&1; then
  pass "every sign-up email passes the message checker ($(tail -1 "$T/check.out"))"
else fail "sign-up emails fail the message checker:"; cat "$T/check.out" >&2; fi
# A bounced (or complained) address comes back only by its own confirmed
# sign-up, so it gets the link to come back, as an unsubscribed one does.
[ "$(subject_to bounced@example.org)" = "Subject: Joining Luton Health Equity Town News again" ] \
  && pass "bounced: the link to come back" || fail "bounced: $(subject_to bounced@example.org)"
# An erased address is asked to confirm as anyone new is (it stays erased
# until then: tests/web/t_erased_return.sh).
[ "$(subject_to erased@example.org)" = "$(subject_to new@example.org)" ] && pass "erased: the confirmation email, as for anyone new" \
  || fail "erased: $(subject_to erased@example.org)"
[ "$(field active@example.org status)" = active ] && pass "active unchanged" || fail "active changed"
[ "$(field left@example.org status)" = unsubscribed ] && pass "not re-activated by the form" || fail "left re-activated"
[ "$(field bounced@example.org status)" = bounced ] && pass "bounced unchanged" || fail "bounced changed"
[ "$(field erased@example.org status)" = pending ] && pass "erased: held pending until confirmed" || fail "erased address: '$(field erased@example.org status)'"

# Confirming: POST, idempotent; left addresses are told to get in touch.
expect_status c1 200 "confirm" -X POST --data-raw '' "$URL/confirm/$tok"
expect_grep "$T/c1.b" "Your subscription is confirmed" "confirmed page"
[ "$(field new@example.org status)" = active ] && pass "now active" || fail "not active"
expect_status c2 200 "confirm again" -X POST "$URL/confirm/$tok"
events=$( (cd "$WS" && "$BULLETIN" subscribers data new@example.org) | grep -c '"to": "active"')
[ "$events" = 1 ] && pass "one activation event" || fail "$events activation events"
expect_status c3 200 "confirm a left address" -X POST "$URL/confirm/$(field left@example.org token)"
expect_grep "$T/c3.b" "has left the list" "suppressed page"
[ "$(field left@example.org status)" = unsubscribed ] && pass "still unsubscribed" || fail "left confirmed"

# Pending sign-ups older than pending_days are purged when serving starts.
sign old old@example.org >/dev/null
stop_server
sqlite3 "$WS/subscribers/bulletin.db" \
  "UPDATE subscribers SET created_at = created_at - 8 * 86400 WHERE email = 'old@example.org'"
start_server
[ -z "$(field old@example.org status)" ] && pass "stale pending sign-up purged" || fail "stale sign-up kept"
[ "$(field new@example.org status)" = active ] && pass "others kept" || fail "purge took too much"
expect_grep "$T/serve.log" "purged 1 pending sign-up" "purge logged"
expect_no_grep "$T/serve.log" "@example.org" "no address in the log"
expect_no_grep "$T/serve.log" "$tok" "no token in the log"
stop_server
finish
