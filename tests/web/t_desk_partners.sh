# The desk's partners, with curl: every partners route without a session
# is the login page (GET) or 403 (POST), and without or with a wrong
# anti-forgery token 403, changing nothing; editors and approvers may
# both change partners and call for pieces (role.h: ROLE_PARTNERS is an
# editor's); bad input (no name, a name or short name taken, a bad
# address, too many contacts) comes back with the message beside its
# field and what was typed kept, adding nothing; add, contacts, a new
# link (the old one stops working), a reminder that lands in the outbox
# only for partners with no piece and says to whom; each action an event
# naming the user; the secret in no event, log line, address or list;
# and the desk and `bulletin partners list`/`show` agree.
source tests/lib.sh
source tests/web/lib.sh
source tests/web/desk_lib.sh
desk_workspace
desk_user ed editor
desk_user appr approver
DB=$WS/subscribers/bulletin.db
bul() { (cd "$WS" && "$BULLETIN" "$@"); }
bul new 2027-01 --title "Winter: warm homes" --deadline "$(date -u -d '+20 days' +%F)" >/dev/null
bul partners add "Luton Council Early Years" --contact years@luton.gov.uk >/dev/null
bul partners add "ELFT" --contact team@elft.nhs.uk --contact comms@elft.nhs.uk --slug elft >/dev/null
bul partners add "Zoë's Café Group" --slug zoes-cafe --contact zoe@cafe.example.org >/dev/null
# Luton's piece in the open issue (its partner detail in another case).
sed 's/^partner: .*/partner: "luton council early years"/' "$WS/issues/2026-12/flying-start.md" \
  > "$WS/issues/2027-01/flying-start.md"
start_server
P=/desk/partners

# --- without a session
before=$(store_dump)
for p in "" /elft /nobody; do
  code=$(req anon "$URL$P$p")
  loc=$(grep -i '^Location:' "$T/anon.h" | tr -d '\r' | cut -d' ' -f2)
  [ "$code" = 303 ] && [ "$loc" = /desk/login ] && pass "GET $P$p without a session: the login page" ||
    fail "GET $P$p without a session: $code $loc"
done
for p in /add /call /elft/contacts /elft/rotate; do
  code=$(req anon -d "csrf=x&name=Anon&contacts=a@example.org&kind=call&issue=2027-01&action=add&address=b@example.org" "$URL$P$p")
  [ "$code" = 403 ] && pass "POST $P$p without a session: 403" || fail "POST $P$p without a session: $code"
done
[ "$(store_dump)" = "$before" ] && [ "$(outbox_count)" = 0 ] && pass "... and nothing changed or was sent" ||
  fail "a partners POST without a session changed something"

# --- without or with a wrong anti-forgery token
desk_login "$T/ed" ed >/dev/null
desk_login "$T/appr" appr "$DESK_PW" 192.0.2.12 >/dev/null
before=$(store_dump)
for p in /add /call /elft/contacts /elft/rotate; do
  code=$(req nocsrf -b "$T/ed" -d "name=Forged&contacts=a@example.org&kind=call&issue=2027-01&action=add&address=f@example.org" "$URL$P$p")
  [ "$code" = 403 ] && pass "POST $P$p without the token: 403" || fail "POST $P$p without the token: $code"
  code=$(req badcsrf -b "$T/ed" -d "csrf=$(printf '0%.0s' $(seq 64))&name=Forged&contacts=a@example.org&kind=call&issue=2027-01&action=add&address=f@example.org" "$URL$P$p")
  [ "$code" = 403 ] && pass "POST $P$p with a wrong token: 403" || fail "POST $P$p with a wrong token: $code"
done
[ "$(store_dump)" = "$before" ] && [ "$(outbox_count)" = 0 ] && pass "... and nothing changed or was sent" ||
  fail "a partners POST without a good token changed something"

# --- the list
expect_status list 200 "the partners page" -b "$T/ed" "$URL$P"
expect_grep "$T/list.b" 'Issue <a href="/desk/issues/2027-01">2027-01</a>, “Winter: warm homes”: open to partners until' "the open issue, with its window"
expect_grep "$T/list.b" "<strong>1</strong> of 3 partners have sent a piece to it." "how many have sent a piece"
row() { tr -d '\n' < "$T/list.b" | grep -o "<tr><th scope=\"row\"><a href=\"$P/$1\">[^!]*</tr>" | sed 's|</tr>.*||'; }
case "$(row luton-council-early-years)" in *"<td>Yes</td>"*"Call to widen Flying Start to more families: <strong>"*) pass "Luton has sent a piece, with its state";;
  *) fail "Luton's row: $(row luton-council-early-years)";; esac
case "$(row elft)" in *"<td>elft</td><td>2</td><td>No</td>"*) pass "ELFT: short name, 2 contacts, no piece";; *) fail "ELFT's row: $(row elft)";; esac
expect_grep "$T/list.b" 'action="/desk/partners/add"' "an editor sees the add form"
expect_grep "$T/list.b" 'action="/desk/partners/call"' "... and the call form"

# --- bad input: the message beside its field, what was typed kept, nothing added
n_partners() { sqlite3 "$DB" "SELECT count(*) FROM partners"; }
bad_add() { # NAME WHAT FIELD MESSAGE CURL-ARGS...: a refused add
  local name=$1 what=$2 field=$3 msg=$4 code; shift 4
  code=$(desk_post "$T/ed" "$name" $P/add "$@")
  if [ "$code" = 400 ] && tr -d '\n' < "$T/$name.b" |
     grep -q "id=\"$field-error\"><span class=\"visually-hidden\">Error:</span> $msg"; then
    pass "$what: 400, the message beside the field"
  else
    fail "$what: $code"; grep -i 'error' "$T/$name.b" | head -3 >&2
  fi
}
bad_add noname "no name" name "A partner needs a name" \
  --data-urlencode "name=  " --data-urlencode "contacts=info@ageuk.example.org"
expect_grep "$T/noname.b" 'name="contacts" rows="3">info@ageuk.example.org</textarea>' "... the contacts typed are kept"
expect_grep "$T/noname.b" 'aria-describedby="name-error"' "... the field points at its message"
expect_grep "$T/noname.b" '<a href="#name">A partner needs a name</a>' "... and the summary links to the field"
expect_grep "$T/noname.b" "<title>Error: partners" "... the page title says there is an error"
bad_add takenname "a name taken (in another case)" name "There is already a partner called &#39;ELFT&#39;" \
  --data-urlencode "name=elft" --data-urlencode "contacts=x@example.org"
bad_add takenslug "a short name taken" slug "The short name &#39;zoes-cafe&#39; is already used by &#39;Zoë&#39;s Café Group&#39;: give another" \
  --data-urlencode "name=Zoes Cafe" --data-urlencode "contacts=x@example.org"
expect_grep "$T/takenslug.b" 'name="name" value="Zoes Cafe"' "... the name typed is kept"
bad_add badslug "a bad short name" slug "The short name &#39;Age UK&#39; may hold only small letters" \
  --data-urlencode "name=Age UK Luton" --data-urlencode "slug=Age UK" --data-urlencode "contacts=x@example.org"
expect_grep "$T/badslug.b" 'name="slug" value="Age UK"' "... the short name typed is kept"
bad_add badaddr "a bad address" contacts "Invalid address &#39;info@ageuk&#39;" \
  --data-urlencode "name=Age UK Luton" --data-urlencode $'contacts=ok@ageuk.example.org\ninfo@ageuk'
expect_grep "$T/badaddr.b" 'name="name" value="Age UK Luton"' "... the name typed is kept"
bad_add nocontact "no contact" contacts "A partner needs at least one contact address" \
  --data-urlencode "name=Age UK Luton" --data-urlencode "contacts= "
many=$(for i in $(seq 21); do printf 'c%d@ageuk.example.org\n' "$i"; done)
bad_add toomany "21 contacts" contacts "A partner has at most 20 contact addresses" \
  --data-urlencode "name=Age UK Luton" --data-urlencode "contacts=$many"
[ "$(n_partners)" = 3 ] && pass "nothing refused was added" || fail "partners now: $(n_partners)"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM desk_events WHERE kind LIKE 'partner%'")" = 0 ] &&
  pass "refusals are not recorded as actions" || fail "a refusal was recorded"

# --- add: an editor may
code=$(desk_post "$T/ed" add $P/add --data-urlencode "name=Age UK Luton" \
  --data-urlencode $'contacts=Info@AgeUK.example.org; helen@ageuk.example.org\n\n')
loc=$(grep -i '^Location:' "$T/add.h" | tr -d '\r' | cut -d' ' -f2)
[ "$code" = 303 ] && [ "$loc" = $P/age-uk-luton ] && pass "an editor adds a partner: to its page" || fail "add: $code $loc"
bul partners show "Age UK Luton" >"$T/show-age.out" || fail "the command does not find the desk's partner"
expect_grep "$T/show-age.out" "contacts:   Info@ageuk.example.org, helen@ageuk.example.org" "the command sees both contacts, normalised"
expect_grep "$T/show-age.out" "added by ed: age-uk-luton" "the partner's history names the desk user"
[ "$(sqlite3 "$DB" "SELECT who || ' ' || subject FROM desk_events WHERE kind = 'partner-add'")" = "ed Age UK Luton" ] &&
  pass "the add is a desk event naming ed" || fail "partner-add events"

# --- contacts: an approver may too
code=$(desk_post "$T/appr" caddbad $P/age-uk-luton/contacts -d action=add --data-urlencode "address=not an address")
[ "$code" = 400 ] && tr -d '\n' < "$T/caddbad.b" | grep -q 'id="address-error"><span class="visually-hidden">Error:</span> Invalid address' &&
  pass "a bad contact: 400, the message beside the field" || fail "bad contact: $code"
expect_grep "$T/caddbad.b" 'name="address" value="not an address"' "... what was typed is kept"
code=$(desk_post "$T/appr" cadd $P/age-uk-luton/contacts -d action=add --data-urlencode "address=raj@ageuk.example.org")
[ "$code" = 200 ] && expect_grep "$T/cadd.b" "raj@ageuk.example.org added." "an approver adds a contact" || fail "add contact: $code"
code=$(desk_post "$T/ed" cdrop $P/age-uk-luton/contacts -d action=remove --data-urlencode "address=helen@ageuk.example.org")
[ "$code" = 200 ] && expect_grep "$T/cdrop.b" "helen@ageuk.example.org removed." "an editor removes a contact" || fail "remove contact: $code"
code=$(desk_post "$T/ed" clast $P/zoes-cafe/contacts -d action=remove --data-urlencode "address=zoe@cafe.example.org")
[ "$code" = 400 ] && expect_grep "$T/clast.b" "is the only contact of" "the last contact stays" || fail "remove last contact: $code"
bul partners show age-uk-luton >"$T/show-age2.out"
expect_grep "$T/show-age2.out" "contacts:   Info@ageuk.example.org, raj@ageuk.example.org" "the command sees the contacts changed"
for i in $(seq 3 20); do sqlite3 "$DB" "INSERT INTO partner_contacts (partner_id, email) SELECT id, 'c$i@ageuk.example.org' FROM partners WHERE slug = 'age-uk-luton'"; done
code=$(desk_post "$T/ed" cmax $P/age-uk-luton/contacts -d action=add --data-urlencode "address=one.more@ageuk.example.org")
[ "$code" = 400 ] && expect_grep "$T/cmax.b" "has 20 contact addresses, the most a partner may have: remove one first" "the 21st contact is refused" ||
  fail "21st contact: $code"
sqlite3 "$DB" "DELETE FROM partner_contacts WHERE email LIKE 'c%@ageuk.example.org'"
[ "$(sqlite3 "$DB" "SELECT group_concat(who || ' ' || kind, ', ') FROM desk_events WHERE kind LIKE 'partner-contact%'")" = "appr partner-contact-add, ed partner-contact-remove" ] &&
  pass "contact changes are desk events naming their user" || fail "contact events"

# --- the desk and the commands agree
bul partners list --json >"$T/list.json"
curl -s -b "$T/ed" "$URL$P" >"$T/list2.b"
python3 - "$T/list.json" "$T/list2.b" <<'EOF' && pass "the desk's list is 'bulletin partners list' (names, short names, contacts)" || fail "the lists differ"
import json, re, sys, html
cmd = [(p["name"], p["slug"], len(p["contacts"])) for p in json.load(open(sys.argv[1]))]
page = open(sys.argv[2]).read()
desk = [(html.unescape(n), s, int(c)) for s, n, s2, c in
        re.findall(r'<tr><th scope="row"><a href="/desk/partners/([^"]*)">([^<]*)</a></th><td>([^<]*)</td><td>(\d+)</td>', page)]
assert cmd == desk, (cmd, desk)
EOF
for who in elft zoes-cafe age-uk-luton luton-council-early-years; do
  bul partners show "$who" >"$T/show.out"
  curl -s -b "$T/ed" "$URL$P/$who" >"$T/page.b"
  python3 - "$T/show.out" "$T/page.b" <<'EOF' && pass "$who: the desk's page is 'bulletin partners show' (contacts, link, address, history)" || fail "$who: the desk and show differ"
import re, sys, html
show = open(sys.argv[1]).read()
page = html.unescape(open(sys.argv[2]).read())
field = lambda k: re.search(r"^%s:\s*(.*)$" % k, show, re.M).group(1)
assert field("link") in re.findall(r"<code>([^<]*)</code>", page)[0:1], "link"
assert field("by email") in re.findall(r"<code>([^<]*)</code>", page)[1:2], "address"
contacts = re.findall(r"<li>([^<\n]*)", page.split('<ul class="contacts">')[1].split("</ul>")[0])
assert field("contacts").split(", ") == contacts, (field("contacts"), contacts)
hist_cmd = re.findall(r"^  (\S+ \S+) UTC  (\S+) by (.*?)(?:: (.*))?$", show, re.M)
rows = re.findall(r"<tr><td>([^<]*) UTC</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
                  page.split("<h2>History</h2>")[1])
assert [tuple(h) for h in hist_cmd] == rows, (hist_cmd, rows)
EOF
done

# --- a new link: the old one stops working
old=$(bul partners link elft)
code=$(desk_post "$T/ed" rotate $P/elft/rotate)
new=$(bul partners link elft)
[ "$code" = 200 ] && [ "$new" != "$old" ] && expect_grep "$T/rotate.b" "<code>$new</code>" "a new link, shown on the page" ||
  fail "rotate: $code"
expect_status oldlink 404 "the old link no longer works" "$URL/contribute/${old##*/contribute/}"
expect_status newlink 200 "the new link works" "$URL/contribute/${new##*/contribute/}"
[ "$(sqlite3 "$DB" "SELECT who FROM desk_events WHERE kind = 'partner-rotate'")" = ed ] &&
  pass "the new link is a desk event naming ed" || fail "partner-rotate event"

# --- the reminder: only partners with no piece, into the outbox, saying to whom
code=$(desk_post "$T/appr" remind $P/call -d kind=remind -d issue=2027-01)
[ "$code" = 200 ] && expect_grep "$T/remind.b" "5 messages sent to 4 partners; 1 already sent a piece (issue 2027-01)." "the reminder: how many, to whom" ||
  { fail "remind: $code"; grep -A2 'class="error"' "$T/remind.b" >&2; }
[ "$(outbox_count)" = 5 ] && pass "5 reminders in the outbox" || fail "outbox: $(outbox_count)"
for to in team@elft.nhs.uk comms@elft.nhs.uk zoe@cafe.example.org Info@ageuk.example.org raj@ageuk.example.org; do
  expect_grep "$T/remind.b" "<td>$to</td><td>sent</td>" "the page names $to"
done
expect_grep "$T/remind.b" "<td>Luton Council Early Years</td><td></td><td>has a piece</td>" "... and Luton, who has a piece, skipped"
grep -l "^To: .*years@luton.gov.uk" "$WS"/outbox/new/* >/dev/null 2>&1 && fail "Luton got a reminder" || pass "Luton got no reminder"
grep -l "^Subject: Reminder: " "$WS"/outbox/new/* >/dev/null && pass "... the messages are reminders" || fail "no reminder subject"
[ "$(sqlite3 "$DB" "SELECT who || ' ' || subject FROM desk_events WHERE kind = 'partner-remind'")" = "appr 2027-01" ] &&
  pass "the reminder is a desk event naming appr" || fail "partner-remind event"
code=$(desk_post "$T/appr" remind2 $P/call -d kind=remind -d issue=2027-01)
[ "$code" = 200 ] && expect_grep "$T/remind2.b" "0 messages sent to 4 partners; 3 already had it today" "again the same day: nobody twice" ||
  fail "remind again: $code"
[ "$(outbox_count)" = 5 ] && pass "... nothing more in the outbox" || fail "outbox: $(outbox_count)"
bul call 2027-01 --remind --dry-run >"$T/dry.out"
expect_grep "$T/dry.out" "3 already had it today" "the command sees the desk's reminders in the call log"
code=$(desk_post "$T/ed" badkind $P/call -d kind=everyone -d issue=2027-01)
[ "$code" = 400 ] && expect_grep "$T/badkind.b" "Choose whom to write to" "a call of no known kind is refused" || fail "bad kind: $code"
code=$(desk_post "$T/ed" closed $P/call -d kind=call -d issue=2026-12)
[ "$code" = 409 ] && expect_grep "$T/closed.b" "The deadline of issue 2026-12 has passed" "a closed issue is refused, saying why" ||
  fail "closed issue: $code"
[ "$(outbox_count)" = 5 ] && pass "... and nothing was sent" || fail "outbox: $(outbox_count)"

# --- the secrets: on the partner's own page only
secrets=$(sqlite3 "$DB" "SELECT secret FROM partners")
leaks=0
for s in $secrets ${old##*/contribute/}; do
  grep -q "$s" "$T/serve.log" && { fail "a secret is in the server's log"; leaks=1; }
  sqlite3 "$DB" "SELECT * FROM desk_events; SELECT * FROM partner_events" | grep -q "$s" && { fail "a secret is in an event"; leaks=1; }
  grep -q "$s" "$T/list2.b" "$T/remind.b" && { fail "a secret is on the list page"; leaks=1; }
  for f in "$T"/*.b; do
    case $f in */oldlink.b|*/newlink.b) continue;; esac # the partner's own form
    grep -Eq "(href|action)=\"[^\"]*$s" "$f" && { fail "a secret is in an address on ${f##*/}"; leaks=1; }
  done
done
[ $leaks = 0 ] && pass "no secret in the log, an event, the list or an address"
stop_server
finish
