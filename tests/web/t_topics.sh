# Topics and the preferences page, end to end against a real server:
# the sign-up form offers bulletin.yaml's topics (the default ones
# ticked); sign-ups confirmed from the emailed links; the preferences
# page changes topics and details (its GET changes nothing, a POST without
# a valid token is 403, every change an event); a send of an issue for
# one topic reaches exactly the subscribers of that topic (Maildir
# outbox), and --org narrows it further; someone who unsubscribed, and
# someone bounced, sign up again and are back only once they confirm,
# with both consents in their log.
source tests/lib.sh
source tests/web/lib.sh
web_workspace "web:" "  signups_per_hour: 100" \
  "topics:" \
  "  - key: news" "    title: The whole newsletter" "    description: Every issue" "    default: true" \
  "  - key: events" "    title: Events only" "    default: false"
start_server
db() { sqlite3 "$WS/subscribers/bulletin.db" "$1"; }
# link_in ADDR KIND: the newest emailed /KIND/ link to ADDR (text part).
link_in() {
  python3 - "$WS/outbox/new" "$1" "$2" <<'EOF'
import email, email.policy, os, re, sys
box, to, kind = sys.argv[1:4]
best = None
for f in sorted(os.listdir(box), key=lambda f: os.path.getmtime(os.path.join(box, f))):
    m = email.message_from_binary_file(open(os.path.join(box, f), 'rb'), policy=email.policy.default)
    if to not in str(m['To']):
        continue
    text = m.get_body(preferencelist=('plain',)).get_content()
    hit = re.search(r'https?://\S*/' + kind + r'/([A-Za-z0-9_-]{30})', text)
    if hit:
        best = hit.group(1)
print(best or '')
EOF
}
sign() { # sign NAME EMAIL TOPIC...: the form, consent given
  local name=$1 email=$2; shift 2
  local args=() t
  for t in "$@"; do args+=(--data-urlencode "topic=$t"); done
  req "$name" --data-urlencode "email=$email" --data-urlencode consent=yes \
    --data-urlencode website= "${args[@]+"${args[@]}"}" "$URL/subscribe"
}

# --- the form
expect_status form 200 "the sign-up form" "$URL/subscribe"
expect_grep "$T/form.b" '<input type="checkbox" id="news" name="topic" value="news" checked aria-describedby="news-hint">' \
  "a default topic is ticked, with its description"
expect_grep "$T/form.b" '<input type="checkbox" id="events" name="topic" value="events">' "the other is not"
expect_grep "$T/form.b" '<label for="events">Events only</label>' "its title labels it"
code=$(sign none none@example.org)
[ "$code" = 400 ] && pass "no topic ticked: 400" || fail "no topic ticked: $code"
expect_grep "$T/none.b" 'Choose at least one topic' "says to choose a topic"
expect_grep "$T/none.b" '<a href="#news">Choose at least one topic</a>' "the summary links to the first box"
[ -z "$(db "SELECT 1 FROM subscribers WHERE email = 'none@example.org'")" ] && pass "nothing stored" || fail "stored without a topic"

# --- sign-ups, confirmed
for who in alice:events bob:events carol:news,events dave:news; do
  name=${who%%:*}; topics=${who#*:}
  code=$(sign "s-$name" "$name@example.org" ${topics//,/ })
  [ "$code" = 200 ] && pass "$name signs up" || fail "$name: $code"
done
sleep 1
for name in alice bob carol dave; do
  tok=$(link_in "$name@example.org" confirm)
  [ -n "$tok" ] || { fail "no confirm link for $name"; continue; }
  expect_status "c-$name" 200 "$name confirms" -X POST "$URL/confirm/$tok"
done
[ "$(db "SELECT count(*) FROM subscribers WHERE status = 'active'")" = 4 ] && pass "four active" ||
  fail "active: $(db "SELECT email, status FROM subscribers")"
(cd "$WS" && "$BULLETIN" subscribers list --topic events) > "$T/list.out"
[ "$(awk '{print $2}' "$T/list.out" | sort | tr '\n' ' ')" = "alice@example.org bob@example.org carol@example.org " ] &&
  pass "list --topic events: alice, bob, carol" || { fail "list --topic events:"; cat "$T/list.out" >&2; }

# --- the preferences page
atok=$(field alice@example.org token)
before=$(store_dump)
expect_status p1 200 "the preferences page" "$URL/preferences/$atok"
expect_security_headers p1 "the preferences page"
expect_grep "$T/p1.b" '<input type="checkbox" id="events" name="topic" value="events" checked>' "her topic is ticked"
expect_grep "$T/p1.b" '<input type="checkbox" id="news" name="topic" value="news" aria-describedby="news-hint">' "the other is not"
expect_grep "$T/p1.b" "a•••@example.org" "names her by a masked address only"
expect_grep "$T/p1.b" "action=\"/unsubscribe/$atok\"" "a button to leave"
expect_no_grep "$T/p1.b" "<script" "no script"
expect_status p2 200 "HEAD of the page" -I "$URL/preferences/$atok"
[ "$(store_dump)" = "$before" ] && pass "GET and HEAD change nothing" || fail "a GET changed the store"
bad=${atok:0:29}x; [ "$bad" = "$atok" ] && bad=${atok:0:29}y
expect_status p3 403 "POST with a token that is not hers" -X POST --data-urlencode topic=news "$URL/preferences/$bad"
expect_status p4 403 "POST with no token at all" -X POST --data-urlencode topic=news "$URL/preferences/"
expect_status p5 403 "POST with a cut token" -X POST --data-urlencode topic=news "$URL/preferences/${atok:0:12}"
expect_status p6 404 "GET with a token that is not hers" "$URL/preferences/$bad"
[ "$(store_dump)" = "$before" ] && pass "refused POSTs change nothing" || fail "a refused POST changed the store"
expect_status p7 400 "POST with no topic" -X POST --data-urlencode name= "$URL/preferences/$atok"
expect_grep "$T/p7.b" "Choose at least one topic, or unsubscribe" "says what to do"
[ "$(store_dump)" = "$before" ] && pass "a wrong form changes nothing" || fail "a wrong form changed the store"
expect_status p8 200 "alice changes topics and name" -X POST --data-urlencode topic=news --data-urlencode topic=events \
  --data-urlencode "name=Alice Adams" --data-urlencode "organisation=Luton Foodbank" "$URL/preferences/$atok"
expect_grep "$T/p8.b" "Your choices are saved" "says saved"
expect_no_grep "$T/p8.b" "Alice Adams" "does not show the name held"
[ "$(field alice@example.org name)" = "Alice Adams" ] && pass "name changed" || fail "name: $(field alice@example.org name)"
(cd "$WS" && "$BULLETIN" subscribers show alice@example.org) > "$T/show.out"
expect_grep "$T/show.out" "topics:       news, events" "her topics"
expect_grep "$T/show.out" "active -> active  (web) topics: news, events (preferences page)" "the topics change is an event"
expect_grep "$T/show.out" "active -> active  (web) name changed (preferences page)" "the name change is an event"
expect_grep "$T/show.out" "active -> active  (web) organisation changed (preferences page)" "the organisation change is an event"
n=$(grep -c "preferences page" "$T/show.out")
expect_status p9 200 "the same again" -X POST --data-urlencode topic=news --data-urlencode topic=events "$URL/preferences/$atok"
[ "$(cd "$WS" && "$BULLETIN" subscribers show alice@example.org | grep -c "preferences page")" = "$n" ] &&
  pass "no change, no event" || fail "an unchanged save added events"
# alice back to events only for the send below
expect_status p10 200 "alice: events only" -X POST --data-urlencode topic=events "$URL/preferences/$atok"

# --- a send for one topic reaches exactly its subscribers
cp -r "$ROOT/issues/2026-12" "$WS/issues/" && rm -rf "$WS/issues/2026-12/build"
cp "$ROOT"/issues/2026-12/*.png "$WS/issues/2026-12/" 2>/dev/null || true
echo 'topics: [evnts]' >> "$WS/issues/2026-12/issue.yaml"
(cd "$WS" && "$BULLETIN" compile 2026-12) > "$T/compile1.out" 2>&1 && fail "compile took an unknown topic" ||
  expect_grep "$T/compile1.out" "issue.yaml:" "an unknown topic names the file"
expect_grep "$T/compile1.out" "unknown topic 'evnts': did you mean 'events'?" "and suggests the nearest"
sed -i 's/^topics: \[evnts\]$/topics: [events]/' "$WS/issues/2026-12/issue.yaml"
(cd "$WS" && "$BULLETIN" compile 2026-12 >/dev/null && "$BULLETIN" approve 2026-12 --by tester >/dev/null) ||
  fail "compile and approve"
(cd "$WS" && "$BULLETIN" send 2026-12 --dry-run --org "luton foodbank") > "$T/dry.out" 2>&1
expect_grep "$T/dry.out" "1 message built" "--org narrows a dry run to alice"
mkdir -p "$T/signups" && mv "$WS"/outbox/new/* "$T/signups/"
(cd "$WS" && "$BULLETIN" send 2026-12 --topic news) > "$T/send0.out" 2>&1 && fail "--topic news sent" ||
  expect_grep "$T/send0.out" "--topic news: issue 2026-12 is not for that topic" "--topic outside the issue's topics"
(cd "$WS" && "$BULLETIN" send 2026-12) > "$T/send.out" 2>&1 || { fail "send:"; cat "$T/send.out" >&2; }
expect_grep "$T/send.out" "2026-12: for topics: events" "the send says who it is for"
got=$(grep -h '^To: ' "$WS"/outbox/new/* | grep -o '[a-z]*@example.org' | sort | tr '\n' ' ')
[ "$got" = "alice@example.org bob@example.org carol@example.org " ] && pass "sent to exactly alice, bob and carol" ||
  fail "sent to: $got"
expect_grep "$(ls "$WS"/outbox/new/* | head -1)" "/preferences/" "the email links to the preferences page"
(cd "$WS" && "$BULLETIN" status 2026-12) > "$T/status.out"
expect_grep "$T/status.out" "for:      topics: events" "status shows who the send was for"

# --- leave and come back
dtok=$(field dave@example.org token)
expect_status l1 200 "dave leaves" -X POST "$URL/unsubscribe/$dtok"
[ "$(field dave@example.org status)" = unsubscribed ] && pass "dave unsubscribed" || fail "dave: $(field dave@example.org status)"
expect_status l2 200 "his preferences page says he left" "$URL/preferences/$dtok"
expect_grep "$T/l2.b" "sign up again" "and how to come back"
code=$(sign back dave@example.org events)
[ "$code" = 200 ] && pass "dave signs up again: the same page as anyone" || fail "dave again: $code"
expect_grep "$T/back.b" "Check your inbox" "check your inbox"
sleep 1
[ "$(field dave@example.org status)" = unsubscribed ] && pass "still unsubscribed until he confirms" || fail "re-activated unconfirmed"
btok=$(link_in dave@example.org confirm)
[ -n "$btok" ] && [ "$btok" != "$dtok" ] && pass "the email has a new link of its own" || fail "back link: '$btok'"
before=$(store_dump)
expect_status l3 200 "the link's page" "$URL/confirm/$btok"
expect_grep "$T/l3.b" "Confirm my subscription" "asks to confirm"
[ "$(store_dump)" = "$before" ] && pass "its GET changes nothing" || fail "the GET changed the store"
printf 'email\ndave@example.org\n' > "$T/dave.csv"
(cd "$WS" && "$BULLETIN" subscribers import "$T/dave.csv" >/dev/null 2>&1) || true
(cd "$WS" && "$BULLETIN" subscribers add dave@example.org >/dev/null 2>&1) && fail "add re-activated dave" || true
[ "$(field dave@example.org status)" = unsubscribed ] && pass "import and add keep him suppressed" || fail "import re-activated"
expect_status l5 200 "he confirms" -X POST "$URL/confirm/$btok"
expect_grep "$T/l5.b" "Your subscription is confirmed" "confirmed page"
[ "$(field dave@example.org status)" = active ] && pass "dave is active again" || fail "dave: $(field dave@example.org status)"
(cd "$WS" && "$BULLETIN" subscribers show dave@example.org) > "$T/dave.out"
expect_grep "$T/dave.out" "active -> unsubscribed  (web) unsubscribe page" "the log keeps the departure"
expect_grep "$T/dave.out" "unsubscribed -> active  (web) came back: signed up again on the form and confirmed from the emailed link" \
  "and the return beside it"
expect_grep "$T/dave.out" "topics:       events" "with the topics chosen on coming back"
expect_grep "$T/dave.out" 'consent:      "' "and the consent given"
expect_status l6 404 "the link works once" -X POST "$URL/confirm/$btok"
expect_status l7 200 "his old links work again" "$URL/preferences/$dtok"

# --- a bounced address comes back the same way, only by its own confirmation
db "UPDATE subscribers SET status = 'bounced' WHERE email = 'bob@example.org'"
code=$(sign bob2 bob@example.org news)
[ "$code" = 200 ] && pass "bob (bounced) signs up again" || fail "bob: $code"
sleep 1
[ "$(field bob@example.org status)" = bounced ] && pass "still bounced until he confirms" || fail "bob re-activated"
btok=$(link_in bob@example.org confirm)
expect_status b1 200 "bob confirms" -X POST "$URL/confirm/$btok"
[ "$(field bob@example.org status)" = active ] && pass "bob is active again" || fail "bob: $(field bob@example.org status)"

stop_server
expect_no_grep "$T/serve.log" "$atok" "no token in the log"
finish
