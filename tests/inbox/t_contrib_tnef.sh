# A real Outlook winmail.dat (tests/fixtures/tnef/, from the tnef
# program's test data) mailed to a partner's contribute+SECRET@ address
# as Outlook sends it -- multipart/mixed, a plain-text part, the TNEF as
# application/ms-tnef named winmail.dat -- is refused: the partner is
# told to turn off rich-text formatting, nothing is published, the
# message is kept in held/ and marked read. The same bytes under a
# harmless name and type are still recognised, by their bytes.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/inbox/lib.sh"
contrib_workspace
B=$BULLETIN
python3 - "$ROOT/tests/fixtures/tnef" "$md/new" "$secret" <<'PY'
import base64, os, sys
src, out, secret = sys.argv[1:4]

def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))

def outlook(fixture, mid, subject, name, ctype):
    tnef = open(os.path.join(src, fixture), "rb").read()
    return (
        "Received: from EX01.partner.example (10.0.0.5) by EX02.partner.example\r\n"
        " (10.0.0.6) with Microsoft SMTP Server id 15.1.2507.6; Tue, 1 Dec 2026\r\n"
        " 10:00:01 +0000\r\n"
        f"From: Ann Example <ann@partner.example>\r\n"
        f"To: \"contribute+{secret}@example.org\" <contribute+{secret}@example.org>\r\n"
        f"Subject: {subject}\r\n"
        "Thread-Topic: " + subject + "\r\n"
        "Thread-Index: AQHXr1fAv7Y1mV1u9UuUeIu1Ak2J0w==\r\n"
        "Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n"
        f"Message-ID: <{mid}@EX01.partner.example>\r\n"
        "Accept-Language: en-GB, en-US\r\nContent-Language: en-GB\r\n"
        "X-MS-Has-Attach: yes\r\n"
        f"X-MS-TNEF-Correlator: <{mid}@EX01.partner.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed;\r\n\tboundary=\"_000_" + mid + "_\"\r\n\r\n"
        "--_000_" + mid + "_\r\n"
        "Content-Type: text/plain; charset=\"us-ascii\"\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Section: best start\r\n\r\nOur stay and play sessions doubled this ye=\r\nar.\r\n\r\n"
        "--_000_" + mid + "_\r\n"
        f"Content-Type: {ctype}; name=\"{name}\"\r\n"
        f"Content-Description: {name}\r\n"
        f"Content-Disposition: attachment; filename=\"{name}\"; size={len(tnef)};\r\n"
        "\tcreation-date=\"Tue, 01 Dec 2026 10:00:00 GMT\";\r\n"
        "\tmodification-date=\"Tue, 01 Dec 2026 10:00:00 GMT\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b64(tnef) + "\r\n\r\n"
        "--_000_" + mid + "_--\r\n")

mails = {
    "01-rich-text": outlook("rtf.tnef", "DB7PR01MB1", "Stay and play doubles",
                            "winmail.dat", "application/ms-tnef"),
    "02-two-files": outlook("two-files.tnef", "DB7PR01MB2", "Our photos",
                            "winmail.dat", "application/ms-tnef"),
    # Renamed on the way (a gateway's "ATT00001.dat"): known by its bytes.
    "03-renamed": outlook("two-files.tnef", "DB7PR01MB3", "Our photos again",
                          "ATT00001.dat", "application/octet-stream"),
}
for f, text in mails.items():
    with open(os.path.join(out, f), "wb") as fh:
        fh.write(text.encode("ascii"))
PY

"$B" inbox --json "maildir:$md" > "$T/run.json" 2> "$T/run.err" || fail "inbox exited $?: $(cat "$T/run.err")"
python3 - "$T/run.json" <<'PY' && pass "each winmail.dat mail held and refused, the sender answered" || fail "outcomes: $(cat "$T/run.json")"
import json, sys
got = {}
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    got[o["file"]] = o
assert sorted(got) == ["01-rich-text", "02-two-files", "03-renamed"], sorted(got)
for f, o in got.items():
    assert o["action"] == "held", (f, o)
    assert o["partner"] == "Family Hub", (f, o)
    assert o["reason"].startswith("refused: Your email arrived as a file "
                                  "called winmail.dat"), (f, o)
    assert o["reply"] == "sent to ann@partner.example", (f, o)
PY

# Nothing published: no piece, no picture, nothing from inside the TNEF.
ls issues/2027-01 > "$T/files"
[ -z "$(grep -v -e '^issue.yaml$' -e '^CONTRIBUTING' "$T/files")" ] \
  && pass "nothing was added to the issue" || fail "the issue folder has: $(cat "$T/files")"
"$B" partners show "Family Hub" > "$T/show.out"
expect_no_grep "$T/show.out" "piece-added" "no piece event"
expect_grep "$T/show.out" "mail-refused" "the refusal is the partner's event"

# Kept for a person: each message whole in held/, and marked read.
[ "$(ls held/new | wc -l)" = 3 ] && pass "3 messages kept in held/" || fail "$(ls held/new | wc -l) in held/"
kept=0
for f in "$md"/cur/*; do
  for h in held/new/*; do cmp -s "$f" "$h" && kept=$((kept + 1)); done
done
[ "$kept" = 3 ] && pass "each kept byte for byte" || fail "$kept of 3 kept byte for byte in held/"
[ -z "$(ls "$md/new")" ] && [ "$(ls "$md/cur" | wc -l)" = 3 ] \
  && pass "the mailbox marks them read, deletes none" || fail "mailbox: $(ls "$md/new" | wc -l) left in new/"

# The answers: to the sender, telling them to turn off rich text.
python3 - outbox/new <<'PY' && pass "the answers say to turn off rich-text formatting" || fail "answers"
import os, sys
from email import policy
from email.parser import BytesParser
d = sys.argv[1]
msgs = [BytesParser(policy=policy.strict).parsebytes(open(os.path.join(d, f), "rb").read())
        for f in sorted(os.listdir(d))]
assert len(msgs) == 3, len(msgs)
for m in msgs:
    assert not m.defects, m.defects
    assert str(m["To"]) == "ann@partner.example", m["To"]
    assert m["Auto-Submitted"] == "auto-replied"
    body = m.get_content()
    assert "turn off rich-text formatting" in body, body
    assert "winmail.dat" in body, body
    assert "Nothing has been changed" in body, body
PY
finish
