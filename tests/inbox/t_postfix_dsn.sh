# A real end-to-end bounce: bulletin sends through a private Postfix to an
# address whose next hop (the scriptable SMTP server) refuses it for good;
# Postfix writes its own DSN back to bounces+TOKEN@example.org, delivered
# into a Maildir; bulletin inbox reads it and the subscriber is bounced.
source tests/lib.sh
source tests/send/lib.sh
source tests/postfix.sh
start_smtpd nexthop
start_postfix "transport_maps = inline:{ { example.net = smtp:[127.0.0.1]:$SMTPD_PORT } }" \
  "smtp_tls_security_level = none" "bounce_queue_lifetime = 0"
sample_workspace
cd "$T/sample"
delivery "transport=smtp://127.0.0.1:$PORT"
printf 'email,name\nbad-gone@example.net,Gone Away\nkept@example.org,Kept Here\n' >"$T/subs.csv"
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null
"$BULLETIN" subscribers import "$T/subs.csv" >/dev/null
"$BULLETIN" send 2026-12 >"$T/send.out" 2>&1 && pass "sent through postfix" ||
  { fail "send failed:"; cat "$T/send.out" >&2; }
# Postfix relays to the next hop, gets 550 5.1.1, and bounces to the
# envelope sender (bounces+TOKEN@example.org): a file in the Maildir.
dsn=
for _ in $(seq 100); do
  postqueue -c "$P/conf" -f >/dev/null 2>&1 || true
  dsn=$(grep -l 'bounces+' "$MAILDIR"/new/* 2>/dev/null | xargs -r grep -l 'message/delivery-status' | head -1) || true
  [ -n "$dsn" ] && break
  sleep 0.2
done
[ -n "$dsn" ] && pass "postfix delivered its own DSN to the bounce address" ||
  { fail "no DSN arrived in $MAILDIR"; show_maillog; }
# Only the DSNs go to the inbox (kept@ also got the newsletter there).
md=$T/bounces
mkdir -p "$md/new" "$md/cur" "$md/tmp"
for f in $(grep -l 'message/delivery-status' "$MAILDIR"/new/* 2>/dev/null); do cp "$f" "$md/new/"; done
"$BULLETIN" inbox "maildir:$md" >"$T/inbox.out" 2>&1 || { fail "inbox failed:"; cat "$T/inbox.out" >&2; }
[ "$(sql "SELECT status FROM subscribers WHERE email = 'bad-gone@example.net'")" = bounced ] &&
  pass "the subscriber Postfix bounced is now bounced" ||
  { fail "bad-gone@example.net is not bounced:"; cat "$T/inbox.out" >&2; }
[ "$(sql "SELECT status FROM subscribers WHERE email = 'kept@example.org'")" = active ] &&
  pass "the delivered subscriber is still active" || fail "kept@example.org changed"
ev=$(sql "SELECT detail FROM events e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email = 'bad-gone@example.net' AND new_status = 'bounced'")
echo "$ev" | grep -q '5\.1\.1' && pass "the event holds the evidence: $ev" || fail "event evidence: '$ev'"
finish
