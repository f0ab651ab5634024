# bulletin call: one message per partner contact in the outbox, from the
# newsletter's address, passing the message checks (policy.strict), with
# the deadline, the sections by title, the guidance and the partner's own
# link; --dry-run sends nothing; at most once a day per partner and kind;
# --remind skips partners with a piece (by 'partner:' name or short
# name); all recorded. A closed issue is refused until reopened.
source tests/lib.sh
new_workspace
cd "$T/ws"
B=$BULLETIN
deadline=$(date -u -d '+30 days' +%F)
tomorrow=$(date -u -d '+1 day' +%FT%H:%MZ)
"$B" new 2027-01 --title "Winter: warm homes" --deadline "$deadline" > /dev/null
"$B" partners add "Luton Council Public Health" --contact amina@luton.gov.uk \
  --contact ben@luton.gov.uk > /dev/null
"$B" partners add "Zoë's Café Group" --slug zoes-cafe --contact zoe@cafe.example.org > /dev/null
"$B" partners add "ELFT" --contact team@elft.nhs.uk > /dev/null
count() { ls outbox/new 2>/dev/null | wc -l; }

# A piece by ELFT (named by its short name, any case).
cat > issues/2027-01/talking-therapies.md <<'EOF'
---
title: Talking therapies in GP surgeries
partner: "  elft "
section: prevention
type: news
---
Talking therapies are now offered in three GP surgeries.
EOF

"$B" call 2027-01 --dry-run > "$T/dry.out" || fail "dry run failed"
expect_grep "$T/dry.out" "Luton Council Public Health <ben@luton.gov.uk>: would send" "dry run lists each contact"
expect_grep "$T/dry.out" "4 messages would be sent to 3 partners (dry run: nothing sent)" "dry run counts"
[ "$(count)" -eq 0 ] && pass "dry run sends nothing" || fail "dry run sent $(count) messages"

"$B" call 2027-01 > "$T/call.out" || fail "call failed: $(cat "$T/call.out")"
expect_grep "$T/call.out" "4 messages sent to 3 partners" "call sends one message per contact"
[ "$(count)" -eq 4 ] && pass "4 messages in the outbox" || fail "$(count) messages in the outbox"
if python3 "$ROOT/tests/mail/check_message.py" outbox > "$T/check.out" 2>&1; then
  pass "every call passes check_message.py (policy.strict, lines, parts, links)"
else
  fail "check_message.py:"; cat "$T/check.out" >&2
fi
luton_link=$("$B" partners link "Luton Council Public Health")
zoe_link=$("$B" partners link zoes-cafe)
python3 - outbox/new "$deadline" "$luton_link" "$zoe_link" <<'EOF' && pass "headers, recipients, deadline, sections, guidance and each partner's own link" || fail "the call's content"
import os, sys, datetime
from email import policy
from email.parser import BytesParser
from email.headerregistry import Address
folder, deadline, luton, zoe = sys.argv[1:]
when = datetime.date.fromisoformat(deadline)
day = f"{when:%A} {when.day} {when:%B %Y}"
seen = {}
for name in os.listdir(folder):
    raw = open(os.path.join(folder, name), "rb").read()
    msg = BytesParser(policy=policy.strict).parsebytes(raw)
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "CRLF only"
    frm = msg["From"].addresses[0]
    assert frm.addr_spec == "het-news@example.org", msg["From"]
    assert frm.display_name == "Luton Health Equity Town", frm
    to = msg["To"].addresses[0]
    assert msg["Subject"] == "Luton Health Equity Town News: call for contributions for Winter: warm homes", msg["Subject"]
    assert msg["Message-ID"].endswith("@example.org>"), msg["Message-ID"]
    assert msg["Date"].datetime.utcoffset() is not None
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for part in (text, html):
        assert day in part, ("deadline", day)
        assert "Give every child the best start in life" in part
        assert "Tackle racism, discrimination and their outcomes" in part
        assert "What makes a good piece".lower() in part.lower()
    seen[to.addr_spec] = (to.display_name, text, html)
assert sorted(seen) == ["amina@luton.gov.uk", "ben@luton.gov.uk",
                        "team@elft.nhs.uk", "zoe@cafe.example.org"], sorted(seen)
for addr in ("amina@luton.gov.uk", "ben@luton.gov.uk"):
    name, text, html = seen[addr]
    assert name == "Luton Council Public Health"
    assert luton in text and luton in html and zoe not in text
name, text, html = seen["zoe@cafe.example.org"]
assert name == "Zoë's Café Group", name
assert zoe in text and luton not in text
EOF

# Once a day: a second run sends nothing and says why.
"$B" call 2027-01 > "$T/again.out" || fail "second call failed"
expect_grep "$T/again.out" "ELFT: already had it today" "the same day: skipped"
expect_grep "$T/again.out" "0 messages sent to 3 partners; 3 already had it today" "the same day: counted"
[ "$(count)" -eq 4 ] && pass "nothing more in the outbox the same day" || fail "$(count) messages after a second call"
"$B" call 2027-01 --dry-run > "$T/dry2.out"
expect_grep "$T/dry2.out" "0 messages would be sent" "a dry run knows who had it today"

# --remind: only partners with no piece; once a day too.
"$B" call 2027-01 --remind > "$T/remind.out" || fail "remind failed"
expect_grep "$T/remind.out" "ELFT: has a piece: issues/2027-01/talking-therapies.md" "remind skips a partner with a piece"
expect_grep "$T/remind.out" "3 messages sent to 3 partners; 1 already sent a piece" "remind writes to the others"
[ "$(count)" -eq 7 ] && pass "3 reminders in the outbox" || fail "$(count) messages after the reminder"
grep -l "^Subject: Reminder: " outbox/new/* > "$T/reminders" || true
[ "$(wc -l < "$T/reminders")" -eq 3 ] && pass "reminders say so in the subject" || fail "reminder subjects"
grep -l "team@elft.nhs.uk" $(cat "$T/reminders") && fail "ELFT got a reminder" || pass "ELFT got no reminder"
"$B" call 2027-01 --remind > "$T/remind2.out"
expect_grep "$T/remind2.out" "0 messages sent" "a second reminder the same day sends nothing"

# The next day the call may go again.
"$B" call 2027-01 --now "$tomorrow" > "$T/next.out" || fail "next day's call failed"
expect_grep "$T/next.out" "4 messages sent to 3 partners" "the next day it goes again"

# Recorded: call log rows and partner events.
python3 - subscribers/bulletin.db <<'EOF' && pass "the call log and the partners' events record it" || fail "records"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
kinds = sorted(r[0] for r in db.execute("SELECT kind FROM call_log WHERE issue = '2027-01'"))
assert kinds == ["call"] * 6 + ["remind"] * 2, kinds
ev = [r for r in db.execute("SELECT partner, what, detail FROM partner_events WHERE what IN ('called', 'reminded')")]
assert ("ELFT", "called", "team@elft.nhs.uk (issue 2027-01)") in ev, ev
assert sum(1 for p, w, _ in ev if w == "reminded") == 2, ev
EOF

# A closed issue is refused until reopened; status says so.
"$B" new 2026-01 --deadline 2026-01-10 > /dev/null
if "$B" call 2026-01 > "$T/closed.out" 2>&1; then fail "a closed issue was called"; else
  expect_grep "$T/closed.out" "the deadline of issue 2026-01 has passed: reopen it first with 'bulletin reopen 2026-01 --until DATE'" "a closed issue is refused"
fi
"$B" status 2026-01 > "$T/status1.out"
expect_grep "$T/status1.out" "closed to partners: the deadline (the end of 2026-01-10) has passed" "status: closed"
"$B" reopen 2026-01 --until 2020-01-01 > "$T/past.out" 2>&1 && fail "reopened until a past date"
expect_grep "$T/past.out" "has already passed: give a later date" "reopen refuses a past date"
"$B" reopen 2026-01 --until "$deadline" > "$T/reopen.out" || fail "reopen failed"
expect_grep "$T/reopen.out" "issues/2026-01: open to partners until the end of $deadline (reopened)" "reopen says until when"
"$B" status 2026-01 > "$T/status2.out"
expect_grep "$T/status2.out" "open to partners until the end of $deadline (reopened)" "status: reopened"
"$B" call 2026-01 > "$T/reopened.out" || fail "call after reopen failed: $(cat "$T/reopened.out")"
expect_grep "$T/reopened.out" "4 messages sent" "a reopened issue can be called"
finish
