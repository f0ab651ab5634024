# bulletin inbox over POP3 (a real Dovecot on 127.0.0.1): messages are
# acted on and left on the server; running again changes nothing; with
# --delete the processed ones are deleted and the others kept.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/dovecot.sh"
source "$(dirname "$0")/lib.sh"
tool() { python3 "$ROOT/tests/inbox/imap_tool.py" "$@"; }
inbox_workspace ann bob carol dave erin frank gina hank tom mal
rm "$T/msgs/13-garbage" # IMAP APPEND (the way in) takes no NUL bytes

start_dovecot "$T/dc" no || finish
tool "$IMAP_PORT" append "$T/msgs"
url="pop3://bounces@127.0.0.1:$POP3_PORT"
export BULLETIN_INBOX_PASSWORD=secret
"$BULLETIN" inbox "$url" > "$T/run1.txt" || fail "pop3 run exited with $?"
cat "$T/run1.txt"
for want in ann:bounced bob:bounced carol:complained dave:unsubscribed \
            erin:active frank:active gina:bounced hank:bounced tom:active \
            mal:active; do
  got=$(field "${want%%:*}@example.com" status)
  [ "$got" = "${want#*:}" ] && pass "POP3: ${want%%:*} $got" ||
    fail "POP3: ${want%%:*} is $got, expected ${want#*:}"
done
expect_grep "$T/run1.txt" "17 messages: 9 hard, 3 soft, 2 complaint, 1 unsubscribe, 1 auto-reply, 1 other" \
  "POP3: every message read"
expect_grep "$T/run1.txt" "; 0 marked processed" "POP3: nothing marked without --delete"
[ "$(tool "$IMAP_PORT" list INBOX | head -1 | cut -d' ' -f1)" = 17 ] &&
  pass "POP3: messages left on the server by default" || fail "POP3: messages gone"
"$BULLETIN" inbox "$url" > "$T/run2.txt" || fail "second pop3 run exited with $?"
expect_grep "$T/run2.txt" "17 messages; 17 read before; 0 subscribers changed" \
  "POP3: second run does nothing"
"$BULLETIN" inbox --delete "$url" > "$T/run3.txt" || fail "pop3 --delete exited with $?"
expect_grep "$T/run3.txt" "16 marked processed" "POP3 --delete: processed ones deleted"
tool "$IMAP_PORT" list INBOX > "$T/left.txt"
[ "$(head -1 "$T/left.txt" | cut -d' ' -f1)" = 1 ] && pass "POP3 --delete: the other message kept" ||
  fail "POP3 --delete left: $(cat "$T/left.txt")"
expect_grep "$T/left.txt" "<reply1@example.com>" "the kept message is the reply"
finish
