# A real bounce whose return path was rewritten on the way: the relay (a
# private Postfix) rewrites the envelope sender bounces+TOKEN@example.org
# to the plain bounces@example.org, as relays that rewrite senders do, so
# the token is lost; its DSN returns the original header. bulletin inbox
# ties the DSN to the message sent by the Message-ID in that header (the
# send journal's) and the subscriber is bounced. The same DSN with the
# Message-ID changed is unverified and changes nobody.
source tests/lib.sh
source tests/send/lib.sh
source tests/postfix.sh
start_smtpd nexthop
start_postfix "transport_maps = inline:{ { example.net = smtp:[127.0.0.1]:$SMTPD_PORT } }" \
  "smtp_tls_security_level = none" "bounce_queue_lifetime = 0" \
  'sender_canonical_maps = regexp:{ {/^bounces\+[^@]*@example\.org/ bounces@example.org} }' \
  "sender_canonical_classes = envelope_sender"
sample_workspace
cd "$T/sample"
delivery "transport=smtp://127.0.0.1:$PORT"
printf 'email,name\nbad-gone@example.net,Gone Away\nbad-other@example.net,Other Gone\n' >"$T/subs.csv"
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null
"$BULLETIN" subscribers import "$T/subs.csv" >/dev/null
"$BULLETIN" send 2026-12 >"$T/send.out" 2>&1 && pass "sent through postfix" ||
  { fail "send failed:"; cat "$T/send.out" >&2; }
# Both are refused by the next hop; Postfix bounces to the rewritten
# sender, bounces@example.org, with no token anywhere.
dsns=()
for _ in $(seq 100); do
  postqueue -c "$P/conf" -f >/dev/null 2>&1 || true
  mapfile -t dsns < <(grep -l 'message/delivery-status' "$MAILDIR"/new/* 2>/dev/null || true)
  [ "${#dsns[@]}" = 2 ] && break
  sleep 0.2
done
[ "${#dsns[@]}" = 2 ] && pass "postfix delivered its two DSNs" || { fail "${#dsns[@]} DSNs in $MAILDIR"; show_maillog; }
grep -q 'bounces+' "${dsns[@]}" && fail "the return path was not rewritten" ||
  pass "the DSNs went to the rewritten return path"
md=$T/bounces
mkdir -p "$md/new" "$md/cur" "$md/tmp"
gone=$(grep -l 'bad-gone@example.net' "${dsns[@]}")
other=$(grep -l 'bad-other@example.net' "${dsns[@]}")
# The returned header still holds the token in List-Unsubscribe (which
# ties a report just as well); a relay that trims it leaves only the
# Message-ID. In the other DSN that is altered too: not one bulletin sent.
python3 - "$gone" "$md/new/gone" "$other" "$md/new/other" <<'PY'
import re, sys
for src, dst, alter in ((sys.argv[1], sys.argv[2], False), (sys.argv[3], sys.argv[4], True)):
    data = open(src, "rb").read()
    data = re.sub(rb"(?im)^List-Unsubscribe(-Post)?:.*\r?\n(?:[ \t].*\r?\n)*", b"", data)
    if alter:
        data, n = re.subn(rb"(?im)^(Message-ID: <)[a-z2-7]{26}", rb"\1aaaaaaaaaaaaaaaaaaaaaaaaaa", data)
        assert n == 1, n
    open(dst, "wb").write(data)
PY
grep -qi '+[a-z0-9_-]*@example.org' "$md/new/gone" "$md/new/other" &&
  fail "a token is left in the DSNs: the test proves nothing" || pass "no token left in the DSNs"
"$BULLETIN" inbox --dry-run --json "maildir:$md" >"$T/dry.json" 2>&1 || { fail "inbox --json failed:"; cat "$T/dry.json" >&2; }
python3 - "$T/dry.json" <<'PY' && pass "--json: gone tied by message-id, other unverified" || { fail "--json:"; cat "$T/dry.json" >&2; }
import json, sys
got = {o["file"]: o for o in map(json.loads, open(sys.argv[1]))}
assert got["gone"]["verified"] == "message-id" and got["gone"]["action"] == "bounced", got["gone"]
assert got["gone"]["subscriber"] == "bad-gone@example.net"
assert got["other"]["verified"] == "none" and got["other"]["action"] == "none", got["other"]
assert got["other"]["recipients"] == ["bad-other@example.net"] and got["other"]["class"] == "hard"
PY
"$BULLETIN" inbox "maildir:$md" >"$T/inbox.out" 2>&1 || { fail "inbox failed:"; cat "$T/inbox.out" >&2; }
[ "$(sql "SELECT status FROM subscribers WHERE email = 'bad-gone@example.net'")" = bounced ] &&
  pass "the DSN with the original Message-ID bounced its subscriber" ||
  { fail "bad-gone@example.net is not bounced:"; cat "$T/inbox.out" >&2; }
[ "$(sql "SELECT status FROM subscribers WHERE email = 'bad-other@example.net'")" = active ] &&
  pass "the DSN with a Message-ID bulletin never sent changed nobody" || fail "bad-other@example.net changed"
expect_grep "$T/inbox.out" "1 unverified, not acted on" "the unverified DSN is counted apart"
ev=$(sql "SELECT detail FROM events e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email = 'bad-gone@example.net' AND new_status = 'bounced'")
echo "$ev" | grep -q 'by the returned Message-ID <' && pass "the event says what tied it: $ev" || fail "event evidence: '$ev'"
finish
