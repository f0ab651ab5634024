# The sample issue sent to 50 subscribers through a real Postfix on
# loopback (../shared/notes/postfix-loopback.md), delivered into a Maildir:
# every delivered message passes the EMAIL.md checker, equals the preview
# for its subscriber (so a line starting with "." arrives intact: libcurl
# dot-stuffs, Postfix un-stuffs, bulletin must do neither), carries its
# subscriber's envelope sender, and names with CR, LF or control
# characters never break a header.
source tests/lib.sh
N=50

source tests/postfix.sh
# A bare LF in DATA is refused (even from loopback): CRLF on the wire is
# checked by a real MTA, since the Maildir it writes has LF line ends.
start_postfix "smtpd_forbid_bare_newline = reject" \
  "smtpd_forbid_bare_newline_exclusions ="

# The instance refuses a bare LF, so a message it accepts was sent CRLF.
python3 - "$PORT" <<'PY' && pass "postfix here refuses a bare LF in DATA" || fail "postfix accepted a bare LF: the CRLF check would prove nothing"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
f = s.makefile("rb")
def reply():
    line = f.readline()
    while line[3:4] == b"-":
        line = f.readline()
    return int(line[:3])
reply()
for cmd in (b"EHLO t", b"MAIL FROM:<t@example.org>", b"RCPT TO:<lf-probe@example.org>", b"DATA"):
    s.sendall(cmd + b"\r\n"); reply()
s.sendall(b"Subject: x\r\n\r\nbare\nline\r\n.\r\n")
sys.exit(0 if reply() >= 500 else 1)
PY

# --- The workspace: the sample issue with lines starting with dots.
sample_workspace
cd "$T/sample"
W=issues/2026-12/write-for-this-newsletter.md
printf '\n...and more: this line starts with three dots.\n\n.\n\n..\n' >>"$W"
sed -i "s|^  transport: .*|  transport: smtp://127.0.0.1:$PORT|" bulletin.yaml
grep -q "smtp://127.0.0.1:$PORT" bulletin.yaml || fail "could not point delivery at postfix"
"$BULLETIN" compile 2026-12 >"$T/compile.out" 2>&1 || { fail "compile failed:"; cat "$T/compile.out" >&2; }
"$BULLETIN" approve 2026-12 >/dev/null
grep -qx '\.\.\.and more: this line starts with three dots\.' issues/2026-12/build/email.txt &&
  grep -qx '\.' issues/2026-12/build/email.txt &&
  pass "the text part has lines starting with dots" || fail "no dot lines in build/email.txt"

# Subscribers: plain, non-ASCII (long enough for several encoded-words),
# quotes and commas, and names with line breaks inside quoted CSV fields.
python3 - "$N" >"$T/subs.csv" <<'PY'
import csv, sys
n = int(sys.argv[1])
special = [
    ("zoe@example.org", "Zoë Okafor"),
    ("lukasz@example.org", "Łukasz Żółć"),
    ("li@example.org", "李伟"),
    ("long@example.org", "Siobhán Ní Bhriain-Ó Súilleabháin de la Cruz "
     "Hernández y Pérez Ñúñez-Øster Ålesund"),
    ("baker@example.org", "Baker, Tom"),
    ("quotes@example.org", 'Anne "Annie" O\'Neil <not-an-address>'),
    ("csv-crlf@example.org", "Evil\r\nBcc: victim@example.net"),
    ("csv-lf@example.org", "Line\nTo: other@example.net"),
    ("raw-crlf@example.org", "Raw Name"),
    ("raw-ctl@example.org", "Control Name"),
]
w = csv.writer(sys.stdout, lineterminator="\r\n")
w.writerow(["email", "name", "organisation"])
for email, name in special:
    w.writerow([email, name, "Test Org"])
for i in range(n - len(special)):
    w.writerow([f"reader{i:02d}@example.org", f"Reader {i:02d}", ""])
PY
"$BULLETIN" subscribers import "$T/subs.csv" >"$T/import.out" 2>&1 \
  && expect_grep "$T/import.out" "$N added" "imported $N subscribers" \
  || { fail "import failed:"; cat "$T/import.out" >&2; }
# The CSV reader already turns line breaks into spaces; names written to
# the store by other means (the web form, an older version) are not, so
# two names get raw CR, LF and control characters, including C1 NEL and
# U+2028, which some clients take for line breaks.
DB=subscribers/bulletin.db
sqlite3 "$DB" "UPDATE subscribers SET name = 'Raw' || char(13) || char(10) || 'Bcc: victim@example.net' || char(10) || 'X: y' WHERE email = 'raw-crlf@example.org';
  UPDATE subscribers SET name = 'Ctl' || char(1) || char(9) || char(127) || 'Name' || char(133) || 'Next' || char(8232) || 'Sep' || char(13) WHERE email = 'raw-ctl@example.org';"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM subscribers WHERE instr(name, char(13)) > 0")" = 2 ] \
  && pass "two stored names hold a raw CR" || fail "could not store raw CR in names"

# --- Send through postfix.
if "$BULLETIN" send 2026-12 >"$T/send.out" 2>"$T/send.err"; then
  pass "send exits 0"
else
  fail "send failed:"; cat "$T/send.out" "$T/send.err" >&2; show_maillog
fi
expect_grep "$T/send.out" "$N sent, 0 failed, 0 deferred" "send reports $N sent"
# Wait for postfix to deliver everything it accepted.
for _ in $(seq 300); do
  got=$(find "$MAILDIR/new" -type f 2>/dev/null | wc -l)
  if [ "$got" -ge "$N" ] && postqueue -c "$P/conf" -p 2>/dev/null | grep -q "Mail queue is empty"; then break; fi
  sleep 0.1
done
got=$(find "$MAILDIR/new" -type f 2>/dev/null | wc -l)
# The one probe message above was refused, so exactly N arrive.
[ "$got" = "$N" ] && pass "postfix delivered $N messages" || { fail "postfix delivered $got of $N"; show_maillog; }
delivered=$(grep -c 'status=sent (delivered to maildir)' "$P/maillog" || true)
[ "$delivered" = "$N" ] && pass "maillog: $N delivered" || { fail "maillog shows $delivered deliveries"; show_maillog; }
stop_postfix

# --- Every delivered message against EMAIL.md. Postfix stored them with
# LF line ends (the wire was CRLF, enforced above): check CRLF copies.
mkdir -p "$T/crlf"
for f in "$MAILDIR"/new/*; do sed 's/$/\r/' "$f" >"$T/crlf/$(basename "$f")"; done
if python3 "$ROOT/tests/mail/check_message.py" --delivered --expect-list-unsubscribe \
     --expect-list-id --expect-body-unsubscribe \
     --expect-subject "One year on as a Health Equity Town" "$T/crlf" >"$T/check.out" 2>&1; then
  pass "every delivered message passes check_message.py"
else
  fail "check_message.py:"; head -40 "$T/check.out" >&2
fi

# Envelope sender per subscriber, recipients, header fields, names.
sqlite3 -separator $'\t' "$DB" "SELECT email, token_secret, hex(name) FROM subscribers" >"$T/subs.tsv"
python3 - "$T/crlf" "$T/subs.tsv" "$N" <<'PY' >"$T/headers.out" 2>&1 && pass "envelope senders, recipients, header fields and names" || { fail "delivered headers:"; cat "$T/headers.out" >&2; }
import os, re, sys
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
folder, tsv, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
subs = {}
for line in open(tsv, encoding="utf-8"):
    email, token, name = line.rstrip("\n").split("\t")
    subs[email.lower()] = (token, bytes.fromhex(name).decode("utf-8"))
allowed = {"return-path", "x-original-to", "delivered-to", "received",
           "date", "from", "reply-to", "to", "subject", "message-id",
           "mime-version", "list-id", "list-unsubscribe",
           "list-unsubscribe-post", "feedback-id", "precedence",
           "content-type"}
control = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
problems, seen, shapes = [], set(), set()
for name in sorted(os.listdir(folder)):
    raw = open(os.path.join(folder, name), "rb").read()
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    fields = [k.lower() for k in msg.keys()]
    shapes.add(tuple(f for f in fields if f != "received"))
    if set(fields) - allowed:
        problems.append(f"{name}: unexpected fields {set(fields) - allowed}")
    rcpt = str(msg["Delivered-To"]).lower()
    if rcpt not in subs:
        problems.append(f"{name}: delivered to {rcpt}, not a subscriber")
        continue
    seen.add(rcpt)
    token, stored = subs[rcpt]
    # The public token is the id (8 characters) and the stored secret.
    want = f"<bounces+{'?' * 8}{token}@example.org>"
    if not re.fullmatch(r"<bounces\+[A-Za-z0-9_-]{8}" + re.escape(token) + r"@example\.org>", str(msg["Return-Path"])):
        problems.append(f"{name}: Return-Path {msg['Return-Path']}, want {want}")
    if msg["To"].addresses[0].addr_spec.lower() != rcpt:
        problems.append(f"{name}: To {msg['To']} for {rcpt}")
    to_raw = re.sub(r"\r?\n", "", dict(msg.raw_items())["To"])
    phrase = to_raw.rpartition("<")[0].strip()
    if phrase.startswith('"'):
        got = re.sub(r"\\(.)", r"\1", phrase[1:-1])
    else:
        got = str(make_header(decode_header(phrase)))
    # Each control character may become a space; nothing else changes.
    expect = " ".join(control.sub(" ", stored).split())
    if " ".join(got.split()) != expect or control.search(got):
        problems.append(f"{name}: To name {got!r}, want {expect!r}")
if len(shapes) != 1:
    problems.append(f"messages differ in their header fields: {shapes}")
if len(seen) != n:
    problems.append(f"{len(seen)} distinct recipients, want {n}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY

# Each delivered message equals the preview of its subscriber (apart from
# Date, Message-ID and boundaries): nothing was lost or added on the way,
# the dot lines included.
bad=0
for f in "$MAILDIR"/new/*; do
  rcpt=$(sed -n 's/^Delivered-To: //p' "$f" | head -1)
  "$BULLETIN" preview 2026-12 --subscriber "$rcpt" --eml "$T/preview.eml" >/dev/null 2>&1 || { bad=$((bad + 1)); echo "preview for $rcpt failed" >&2; continue; }
  python3 "$ROOT/tests/mail/same_message.py" "$T/preview.eml" "$f" >&2 || bad=$((bad + 1))
done
[ "$bad" = 0 ] && pass "all $N delivered messages equal their previews" || fail "$bad delivered messages differ from their previews"
# The dot lines, decoded, as written.
python3 - "$MAILDIR/new" <<'PY' && pass "lines starting with '.' arrive intact" || fail "dot lines changed on the way"
import os, sys
from email import policy
from email.parser import BytesParser
d = sys.argv[1]
for name in os.listdir(d):
    msg = BytesParser(policy=policy.default).parse(open(os.path.join(d, name), "rb"))
    text = msg.get_body(("plain",)).get_content().splitlines()
    for want in ("...and more: this line starts with three dots.", ".", ".."):
        if want not in text:
            sys.exit(f"{name}: no line {want!r} in the text part")
    if "<p>...and more: this line starts with three dots.</p>" not in msg.get_body(("html",)).get_content():
        sys.exit(f"{name}: the HTML part lost the dots")
PY
"$BULLETIN" status 2026-12 >"$T/status.out" 2>&1
expect_grep "$T/status.out" "sent $N, deferred 0, failed 0, uncertain 0" "status: $N sent"
finish
