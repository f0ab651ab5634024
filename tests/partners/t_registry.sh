# The partner registry: adding with contacts, refusals in plain words
# (a name taken, a bad address, an unknown partner with "did you mean"),
# the personal link and contribution address, rotate (the old secret is
# gone), remove (the partner is gone, its history stays), every change an
# event, and the secret never in an event.
source tests/lib.sh
new_workspace
cd "$T/ws"
B=$BULLETIN
DB=subscribers/bulletin.db

"$B" partners add "Luton Council Public Health" --contact Amina@Luton.gov.uk \
  --contact ben@luton.gov.uk > "$T/add.out" 2>&1 || fail "add refused: $(cat "$T/add.out")"
expect_grep "$T/add.out" "added partner 'Luton Council Public Health' (short name luton-council-public-health) with 2 contacts" "add says what it added"
link=$(grep -E '^https://' "$T/add.out" || true)
secret=${link##*/contribute/}
[[ $link =~ ^https://het-news\.example\.org/contribute/[a-z2-7]{26}$ ]] \
  && pass "the link is BASE_URL/contribute/ and 26 base32 characters" || fail "link looks wrong: '$link'"

"$B" partners add "ELFT" --contact team@elft.nhs.uk --slug elft-trust > /dev/null || fail "add ELFT"

# Refusals, in plain words, changing nothing.
if "$B" partners add "luton council PUBLIC health" --contact x@example.org > "$T/dup.out" 2>&1; then
  fail "a name taken (other case) was accepted"
else
  expect_grep "$T/dup.out" "there is already a partner called 'Luton Council Public Health'" "a name taken is refused"
fi
if "$B" partners add "Someone" --slug elft-trust --contact x@example.org > "$T/dupslug.out" 2>&1; then
  fail "a short name taken was accepted"
else
  expect_grep "$T/dupslug.out" "the short name 'elft-trust' is already used by 'ELFT'" "a short name taken is refused"
fi
if "$B" partners add "Age UK Luton" --contact info@ageuk --contact ok@example.org > "$T/bad.out" 2>&1; then
  fail "a bad address was accepted"
else
  expect_grep "$T/bad.out" "invalid address 'info@ageuk'" "a bad address is refused, naming it"
fi
if "$B" partners add "Age UK Luton" > "$T/none.out" 2>&1; then
  fail "a partner without a contact was accepted"
else
  expect_grep "$T/none.out" "at least one contact address (--contact ADDRESS)" "a contact is required"
fi
"$B" partners list > "$T/list.out"
expect_no_grep "$T/list.out" "Age UK" "nothing refused was added"
expect_no_grep "$T/list.out" "Someone" "nothing refused was added (short name)"

if "$B" partners show "Luton Councl Public Health" > "$T/unknown.out" 2>&1; then
  fail "an unknown partner was shown"
else
  expect_grep "$T/unknown.out" "no partner called 'Luton Councl Public Health': did you mean 'Luton Council Public Health'?" "unknown partner: did you mean"
fi
"$B" partners show "nobody-like-that-at-all" > "$T/unknown2.out" 2>&1 && fail "unknown partner shown"
expect_grep "$T/unknown2.out" "'bulletin partners list' shows them" "unknown partner, nothing near: where to look"

# list --json: valid JSON with names, short names, contacts; no secrets.
"$B" partners list --json > "$T/list.json"
python3 - "$T/list.json" <<'EOF' && pass "list --json" || fail "list --json"
import json, sys
ps = json.load(open(sys.argv[1]))
assert [p["name"] for p in ps] == ["ELFT", "Luton Council Public Health"], ps
assert ps[1]["contacts"] == ["Amina@luton.gov.uk", "ben@luton.gov.uk"], ps[1]
assert ps[0]["slug"] == "elft-trust"
assert all("secret" not in p for p in ps)
EOF
expect_no_grep "$T/list.json" "$secret" "list --json shows no secret"

# show and link, by name (any case) or short name.
"$B" partners show luton-council-public-health > "$T/show.out"
expect_grep "$T/show.out" "contacts:   Amina@luton.gov.uk, ben@luton.gov.uk" "show lists the contacts"
expect_grep "$T/show.out" "link:       $link" "show prints the personal link"
expect_grep "$T/show.out" "by email:   contribute+$secret@example.org" "show prints the contribution address on the from domain"
[ "$("$B" partners link "LUTON COUNCIL PUBLIC HEALTH")" = "$link" ] && pass "link prints the link" || fail "link differs"

# Contacts: add one, drop one; the last one cannot be dropped.
"$B" partners contact elft --contact new@elft.nhs.uk --drop team@elft.nhs.uk > "$T/c.out" || fail "contact change"
"$B" partners show elft > "$T/show2.out"
expect_grep "$T/show2.out" "contacts:   new@elft.nhs.uk" "contacts changed"
"$B" partners contact elft --drop new@elft.nhs.uk > "$T/last.out" 2>&1 && fail "the last contact was dropped"
expect_grep "$T/last.out" "only contact of 'ELFT'" "the last contact stays"

# rotate: a new link, the old one gone.
"$B" partners rotate "Luton Council Public Health" > "$T/rot.out"
new=$("$B" partners link "Luton Council Public Health")
[ "$new" != "$link" ] && pass "rotate makes a new link" || fail "rotate kept the link"
expect_grep "$T/rot.out" "$new" "rotate prints the new link"
python3 - "$DB" "$secret" "${new##*/}" <<'EOF' && pass "the old secret is gone from the store; the new one is there" || fail "secret after rotate"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = [r[0] for r in db.execute("SELECT secret FROM partners")]
assert sys.argv[2] not in rows and sys.argv[3] in rows, rows
EOF

# remove: gone from list and link; the history stays, with no secret in it.
"$B" partners remove elft > "$T/rm.out" || fail "remove"
expect_grep "$T/rm.out" "removed partner 'ELFT'" "remove says so"
"$B" partners link elft > /dev/null 2>&1 && fail "a removed partner still has a link" || pass "a removed partner has no link"
python3 - "$DB" "$secret" "${new##*/}" <<'EOF' && pass "every change is an event, kept after removal, never with a secret" || fail "events"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ev = list(db.execute("SELECT partner, what, detail FROM partner_events ORDER BY id"))
whats = [(p, w) for p, w, _ in ev]
assert ("ELFT", "added") in whats and ("ELFT", "contact-added") in whats, whats
assert ("ELFT", "contact-removed") in whats and ("ELFT", "removed") in whats, whats
assert ("Luton Council Public Health", "rotated") in whats, whats
assert db.execute("SELECT count(*) FROM partners").fetchone()[0] == 1
assert db.execute("SELECT count(*) FROM partner_contacts WHERE email LIKE '%elft%'").fetchone()[0] == 0
for row in ev:
    for secret in sys.argv[2:]:
        assert secret not in " ".join(map(str, row)), row
EOF
finish
