# bulletin inbox against a real Dovecot on 127.0.0.1: bounce samples
# appended to INBOX over IMAP are acted on, moved to the processed folder
# with \Seen (others stay unseen in INBOX), and a second run does
# nothing. Then TLS: an untrusted or misnamed certificate stops the
# connection before the password is sent; with the authority given, IMAPS
# and STARTTLS both work.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/dovecot.sh"
source "$(dirname "$0")/lib.sh"
tool() { python3 "$ROOT/tests/inbox/imap_tool.py" "$@"; }
inbox_workspace ann bob carol dave erin frank gina hank tom mal tls
# IMAP takes no NUL bytes: the garbage sample keeps its other bad bytes.
python3 -c "import sys; p = sys.argv[1]; d = open(p, 'rb').read(); open(p, 'wb').write(d.replace(b'\0', b'?'))" \
  "$T/msgs/13-garbage"

start_dovecot "$T/dc" no || finish
tool "$IMAP_PORT" append "$T/msgs"
url="imap://bounces@127.0.0.1:$IMAP_PORT/INBOX"
export BULLETIN_INBOX_PASSWORD=secret
"$BULLETIN" inbox "$url" > "$T/run1.txt" || fail "imap run exited with $?"
cat "$T/run1.txt"
expect_status ann@example.com bounced "IMAP: hard bounce by token"
expect_status bob@example.com bounced "IMAP: three soft bounces"
expect_status carol@example.com complained "IMAP: complaint"
expect_status dave@example.com unsubscribed "IMAP: unsubscribe request"
expect_status erin@example.com active "IMAP: auto-reply ignored"
expect_status frank@example.com active "IMAP: policy bounce marks nobody"
expect_status tom@example.com active "IMAP: forged reports naming tom change nothing"
expect_grep "$T/run1.txt" "18 messages: 9 hard, 3 soft, 2 complaint, 1 unsubscribe, 1 auto-reply, 2 other" \
  "IMAP: every message read and classified"
expect_grep "$T/run1.txt" "; 6 unverified, not acted on" "IMAP: the unverified counted apart"
tool "$IMAP_PORT" list INBOX > "$T/inbox.txt"
tool "$IMAP_PORT" list Processed > "$T/processed.txt"
[ "$(head -1 "$T/inbox.txt")" = "2 0" ] && pass "others stay unseen in INBOX" ||
  fail "INBOX afterwards: $(cat "$T/inbox.txt")"
[ "$(head -1 "$T/processed.txt")" = "16 16" ] && pass "processed messages moved to Processed with \\Seen" ||
  fail "Processed afterwards: $(cat "$T/processed.txt")"
expect_grep "$T/processed.txt" "<hard1@mx.example.net>" "the hard bounce is in Processed"

# A second run does nothing.
"$BULLETIN" inbox "$url" > "$T/run2.txt" || fail "second imap run exited with $?"
expect_grep "$T/run2.txt" "inbox: 2 messages; 2 read before; 0 subscribers changed; 0 marked processed" \
  "IMAP: second run does nothing"

# Failures name the cause.
BULLETIN_INBOX_PASSWORD=wrong "$BULLETIN" inbox "$url" 2> "$T/err1.txt" &&
  fail "a wrong password succeeded"
expect_grep "$T/err1.txt" "login refused" "wrong password: login refused"
env -u BULLETIN_INBOX_PASSWORD "$BULLETIN" inbox "$url" 2> "$T/err2.txt" &&
  fail "no password succeeded"
expect_grep "$T/err2.txt" "set BULLETIN_INBOX_PASSWORD" "no password: says where it goes"
"$BULLETIN" inbox "imap://bounces@127.0.0.1:$IMAP_PORT/Nowhere" 2> "$T/err3.txt" &&
  fail "a missing mailbox succeeded"
expect_grep "$T/err3.txt" "cannot open mailbox 'Nowhere'" "missing mailbox named"

# TLS: a second Dovecot with a certificate for "localhost" from a test
# authority the system does not trust.
start_dovecot "$T/dt" yes || finish
python3 - "$T/tlsmsg" "$(field tls@example.com token)" <<'PY'
import os, sys
d, tok = sys.argv[1], sys.argv[2]
os.makedirs(d)
open(os.path.join(d, "tls"), "w").write(f"""Delivered-To: bounces+{tok}@example.org
From: MAILER-DAEMON@mx.example.net
Subject: Undelivered Mail Returned to Sender
Message-ID: <tls1@mx.example.net>
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; tls@example.com
Action: failed
Status: 5.1.1

--b--
""")
PY
tool "$IMAP_PORT" append "$T/tlsmsg"
logins() { grep -c 'Login: user=<bounces>' "$T/dt/dovecot.log" || true; }
before=$(logins)
"$BULLETIN" inbox "imaps://bounces@localhost:$IMAPS_PORT/INBOX" 2> "$T/tls1.txt" &&
  fail "an untrusted certificate was accepted"
expect_grep "$T/tls1.txt" "certificate is not trusted" "IMAPS: untrusted authority refused"
"$BULLETIN" inbox --ca-file "$T/dt/ca.pem" "imaps://bounces@127.0.0.1:$IMAPS_PORT/INBOX" \
  2> "$T/tls2.txt" && fail "a certificate for another name was accepted"
expect_grep "$T/tls2.txt" "certificate is not trusted" "IMAPS: a certificate for another name refused"
"$BULLETIN" inbox "imap://bounces@localhost:$IMAP_PORT/INBOX" 2> "$T/tls3.txt" &&
  fail "STARTTLS with an untrusted certificate was accepted"
expect_grep "$T/tls3.txt" "certificate is not trusted" "STARTTLS: untrusted authority refused"
[ "$(logins)" = "$before" ] && pass "no login was attempted over an unverified connection" ||
  fail "the password was sent over an unverified connection"
expect_status tls@example.com active "nothing done over an unverified connection"
"$BULLETIN" inbox --ca-file "$T/dt/ca.pem" "imaps://bounces@localhost:$IMAPS_PORT/INBOX" \
  > "$T/tls4.txt" || fail "IMAPS with the authority given exited with $?"
expect_status tls@example.com bounced "IMAPS with the authority given works"
"$BULLETIN" inbox --ca-file "$T/dt/ca.pem" "imap://bounces@localhost:$IMAP_PORT/INBOX" \
  > "$T/tls5.txt" || fail "STARTTLS with the authority given exited with $?"
expect_grep "$T/tls5.txt" "inbox: 0 messages" "STARTTLS with the authority given works"
[ "$(logins)" -gt "$before" ] && pass "logins happen once the certificate is verified" ||
  fail "no login seen in the Dovecot log"
finish
