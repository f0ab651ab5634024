# Contributions by mail over a Maildir: mails as real clients send them
# (make_contrib.py) to a partner's contribute+SECRET@ address become
# their pieces in the open issue; a dry run changes nothing; refused
# attachments, a wrong secret and a sender who is not a contact are held
# (copied to held/, reported) and change nothing; machine mail and our
# own produce nothing at all; the answers in the outbox pass
# check_message.py (policy.strict) with RFC 3834's headers and go only to
# contacts; `bulletin compile` includes the pieces; the same subject
# replaces (old version kept), "Withdraw:" withdraws; the hourly
# allowance holds; every action is a partner event.
source "$(dirname "$0")/../lib.sh"
new_workspace
cd "$T/ws"
B=$BULLETIN
# Answers enough for every message here; the allowance is tested last.
sed -i 's/^store:/inbox:\n  replies_per_hour: 100\n\nstore:/' bulletin.yaml
deadline=$(date -u -d '+20 days' +%F)
"$B" new 2027-01 --title "January" --date "$(date -u -d '+30 days' +%F)" \
  --deadline "$deadline" > /dev/null
"$B" partners add "Family Hub" --contact ann@partner.example \
  --contact bob@partner.example > "$T/add.out" 2>&1 || fail "partners add: $(cat "$T/add.out")"
secret=$(grep -oE 'contribute/[a-z2-7]{26}' "$T/add.out" | head -1 | cut -d/ -f2)
[ -n "$secret" ] || { fail "no secret in: $(cat "$T/add.out")"; finish; }
"$B" partners add "Other Trust" --contact zoe@other.example > /dev/null

md=$T/md
mkdir -p "$md/new" "$md/cur" "$md/tmp"
python3 "$ROOT/tests/inbox/make_contrib.py" "$md/new" "$secret"
# A valid secret from someone who is not a contact; a secret nobody has.
python3 "$ROOT/tests/inbox/make_contrib.py" "$T/stranger" "$secret" example.org mallory@evil.example
sed 's/fwd1@/stranger1@/' "$T/stranger/05-forward" > "$md/new/30-stranger"
python3 "$ROOT/tests/inbox/make_contrib.py" "$T/wrong" "abcdefghijklmnopqrstuvwxyz"
sed 's/fwd1@/wrong1@/' "$T/wrong/05-forward" > "$md/new/31-wrong-secret"
rm "$md/new/13-withdraw" # sent later, after the piece exists
total=$(ls "$md/new" | wc -l)

# A dry run: what would happen, nothing changed anywhere.
"$B" inbox --dry-run --json "maildir:$md" > "$T/dry.json" || fail "dry run exited $?"
python3 - "$T/dry.json" <<'EOF' && pass "dry run --json: each mail's fate" || fail "dry run --json"
import json, sys
got = {}
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    assert o["class"] == "contribution", o
    got[o["file"]] = o
def want(f, action, partner="Family Hub"):
    assert got[f]["action"] == action, (f, got[f])
    assert got[f]["partner"] == partner, (f, got[f])
for f in ("01-outlook-1252", "02-outlook-utf8-html", "03-gmail-reply",
          "04-apple-inline", "05-forward", "06-event", "07-md-attachment",
          "14-utf16-txt"):
    want(f, "added")
    assert got[f]["issue"] == "2027-01", got[f]
    assert got[f]["reply"] == "would be sent to ann@partner.example", got[f]
for f in ("08-tnef", "09-zip", "10-exe", "11-exe-disguised", "12-broken"):
    want(f, "held")
want("30-stranger", "held")
want("31-wrong-secret", "held", "")
for f in ("20-autoreply", "21-list", "22-own", "23-bounce"):
    want(f, "ignored", "")
    assert got[f]["reply"] == "none", got[f]
assert "mallory@evil.example is not a contact of Family Hub" in got["30-stranger"]["reason"]
EOF
[ -z "$(ls issues/2027-01/*.md 2>/dev/null | grep -v CONTRIBUTING)" ] && pass "dry run: no piece written" || fail "dry run wrote pieces"
[ ! -d outbox ] || [ -z "$(ls outbox/new)" ] && pass "dry run: nothing sent" || fail "dry run sent mail"
[ ! -d held ] && pass "dry run: nothing held" || fail "dry run held mail"
[ "$(ls "$md/new" | wc -l)" = "$total" ] && pass "dry run: no message moved" || fail "dry run moved messages"

# The real run.
"$B" inbox "maildir:$md" > "$T/run.out" 2>&1 || fail "inbox exited $?: $(cat "$T/run.out")"
expect_grep "$T/run.out" "19 contributions: 8 pieces changed, 7 held" "the summary counts pieces and held mail"
# piece TITLE: the one file of the issue with that title (file names are
# the piece writer's business).
piece() { grep -lxF "title: \"$1\"" issues/2027-01/*.md 2>/dev/null | head -1; }
for title in "Stay and play doubles" "Café opens" "Fair work charter" \
             "Play streets are back" "Health checks in mosques" \
             "Learning session for partners" "Warm homes: advice that works" \
             "Clean air near schools"; do
  [ -n "$(piece "$title")" ] && pass "piece '$title' written" || fail "no piece '$title'"
done
stay=$(piece "Stay and play doubles"); play=$(piece "Play streets are back")
learn=$(piece "Learning session for partners"); cafe=$(piece "Café opens")
ls issues/2027-01/ > "$T/files"
expect_grep "$T/files" "$(basename "$play" .md)-photo-2.png" "a second picture is kept beside the piece"
expect_grep "$stay" 'partner: "Family Hub"' "the partner is the secret's"
expect_grep "$stay" 'section: "best-start"' "'best start' is the section best-start"
expect_grep "$stay" 'type: "case-study"' "'case study' is the type case-study"
expect_grep "$stay" "It’s been a busy year for the café – thanks to all." "Windows-1252 text converted"
expect_no_grep "$stay" "Ann Example" "the signature is gone"
expect_grep "$learn" 'start: "2027-01-21T10:00"' "the Event line gives start"
expect_grep "$learn" 'location: "Luton Town Hall, George Street"' "and the place"
expect_grep "$play" 'image_alt: "Children chalking on a closed street"' "Alt: is the picture's description"

# Held: a copy of each, nothing deleted; the mailbox marks them read.
held_n=$(ls held/new | wc -l)
[ "$held_n" = 7 ] && pass "7 mails copied to held/" || fail "$held_n mails in held/"
[ -z "$(ls "$md/new")" ] && [ "$(ls "$md/cur" | wc -l)" = "$total" ] \
  && pass "every message marked processed, none deleted" || fail "mailbox: $(ls "$md/new" | wc -l) left in new/"

# The answers: under policy.strict, CRLF, short lines, each header once,
# to contacts only, with the loop headers. (check_message.py is for
# newsletters: it wants multipart/alternative, which a plain answer is
# not.)
python3 - outbox/new "$secret" <<'EOF' && pass "answers: policy.strict, headers, recipients, content" || fail "answers"
import os, sys
from email import policy
from email.parser import BytesParser
d, secret = sys.argv[1], sys.argv[2]
msgs = []
for f in sorted(os.listdir(d)):
    with open(os.path.join(d, f), "rb") as fh:
        raw = fh.read()
    assert b"\n" not in raw.replace(b"\r\n", b""), f + ": bare LF"
    assert all(len(l) <= 78 for l in raw.split(b"\r\n")), f + ": long line"
    m = BytesParser(policy=policy.strict).parsebytes(raw)
    assert not m.defects, (f, m.defects)
    for h in ("Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
              "Auto-Submitted", "In-Reply-To"):
        assert len(m.get_all(h) or []) == 1, (f, h)
    assert m.get_content_type() == "text/plain" and m.get_content_charset() == "utf-8"
    msgs.append(m)
to = [str(m["To"]) for m in msgs]
assert all(t in ("ann@partner.example", "bob@partner.example") for t in to), to
assert not any("mallory" in t or "zoe" in t for t in to), to
for m in msgs:
    assert m["Auto-Submitted"] == "auto-replied", m["Subject"]
    assert m["In-Reply-To"] and m["References"], m["Subject"]
    assert "het-news@example.org" in str(m["From"])
bysubj = {}
for m in msgs:
    bysubj.setdefault(str(m["Subject"]), []).append(m)
ok = bysubj["Re: RE: [2027-01] Stay and play doubles"][0]
assert ok["In-Reply-To"] == "<outlook1252@partner.example>"
body = ok.get_content()
assert "We have added your piece \"Stay and play doubles\"" in body, body
assert "text version of the newsletter" in body and "Families came every week." in body, body
assert f"/contribute/{secret}" in body, body
assert "Withdraw: Stay and play doubles" in body
gm = bysubj["Re: Re: Fair work charter"][0]
assert gm["References"].split() == ["<call0@example.org>", "<call1@example.org>",
                                    "<CAgmail123@partner.example>"], gm["References"]
cafe = bysubj["Re: AW: RE[2]: Café opens"][0].get_content()
# In the words of someone who wrote an email, not of a file's details.
assert "Please fix: Say which section your piece is for: start your email with a line like 'Section: " in cafe, cafe
assert "The sections are: " in cafe and "'section'" not in cafe and "details at the top" not in cafe, cafe
tnef = bysubj["Re: My piece"]
assert any("turn off rich-text formatting" in m.get_content() for m in tnef)
told = bysubj["Someone else used your contribution address"]
assert sorted(str(m["To"]) for m in told) == ["ann@partner.example", "bob@partner.example"]
assert "mallory@evil.example" in told[0].get_content()
assert len(msgs) == 8 + 5 + 2, (len(msgs), sorted(bysubj))
EOF


# --report lists the contributions.
"$B" inbox --report > "$T/report.out"
expect_grep "$T/report.out" "contributions by mail" "--report has the contributions"
expect_grep "$T/report.out" "mallory@evil.example" "--report names the held stranger"

# Running again changes nothing.
n_out=$(ls outbox/new | wc -l)
"$B" inbox "maildir:$md" > "$T/again.out"
[ "$(ls outbox/new | wc -l)" = "$n_out" ] && pass "a second run sends nothing" || fail "a second run sent mail"

# The same subject again replaces the piece, the old version kept.
sed 's/outlook1252@/outlook1252-v2@/; s/Families came every week./Families came every day./' \
  "$md/cur/$(ls "$md/cur" | grep 01-outlook)" > "$md/new/40-again"
python3 "$ROOT/tests/inbox/make_contrib.py" "$T/later" "$secret"
cp "$T/later/13-withdraw" "$md/new/41-withdraw"
"$B" inbox --json "maildir:$md" > "$T/later.json"
grep -q '"action": "replaced"' "$T/later.json" && pass "same subject: replaced" || fail "not replaced: $(cat "$T/later.json")"
grep -q '"action": "withdrawn"' "$T/later.json" && pass "Withdraw: withdrawn" || fail "not withdrawn: $(cat "$T/later.json")"
expect_grep "$stay" "Families came every day." "the new version is the piece"
ls issues/2027-01/.history/ > "$T/history"
expect_grep "$T/history" "$(basename "$stay" .md)" "the old version is kept in .history/"
expect_grep "$play" "withdrawn: true" "the withdrawn piece is marked"

# The corrected café piece (its answer asked for a section) replaces the
# first; then the pieces compile into the issue.
printf '%s\r\n' "Delivered-To: contribute+$secret@example.org" \
  "From: Ann Example <ann@partner.example>" "To: contribute+$secret@example.org" \
  "Subject: =?utf-8?B?Q2Fmw6kgb3BlbnM=?=" "Message-ID: <cafe-v2@partner.example>" \
  "Date: Tue, 1 Dec 2026 12:00:00 +0000" "MIME-Version: 1.0" \
  "Content-Type: text/plain; charset=utf-8" "" "Section: places" "" \
  "Alt: Volunteers painting a mural" "" "Our café opened on Monday." > "$md/new/43-cafe"
"$B" inbox "maildir:$md" > /dev/null
expect_grep "$cafe" 'section: "places"' "the corrected piece replaced the first"
"$B" compile 2027-01 > "$T/compile.out" 2>&1 || cat "$T/compile.out" >&2
expect_grep issues/2027-01/build/email.txt "Stay and play doubles" "compile includes a mailed piece"
expect_grep issues/2027-01/build/email.txt "Health checks in mosques" "and the forwarded one"
expect_grep issues/2027-01/build/email.txt "Our café opened on Monday." "and the corrected one"

# Every action is a partner event, without the secret.
"$B" partners show "Family Hub" > "$T/show.out"
expect_grep "$T/show.out" "piece-added" "piece-added events"
expect_grep "$T/show.out" "mail-held" "mail-held events"
sqlite3 subscribers/bulletin.db "SELECT detail FROM partner_events" | grep -q "$secret" \
  && fail "the secret is in an event" || pass "no event holds the secret"

# The hourly allowance: with 1 an hour, one more mail gets no answer.
sed -i 's/replies_per_hour: 100/replies_per_hour: 1/' bulletin.yaml
sed 's/outlook1252-v2@/outlook1252-v3@/' "$md/cur/$(ls "$md/cur" | grep 40-again)" > "$md/new/42-limit"
n_out=$(ls outbox/new | wc -l)
"$B" inbox --json "maildir:$md" > "$T/limit.json"
grep -q 'answers to this partner in the last hour already' "$T/limit.json" \
  && pass "over the allowance: no answer, and said so" || fail "allowance: $(cat "$T/limit.json")"
[ "$(ls outbox/new | wc -l)" = "$n_out" ] && pass "over the allowance: nothing sent" || fail "sent over the allowance"
finish
