# Contributions delivered for real: client-shaped mails injected with
# swaks into a private Postfix on loopback, delivered into the Maildir of
# a private Dovecot, read by `bulletin inbox` over IMAP. The answers go
# out through the same Postfix (smtp://, MAIL FROM:<>) and come back into
# that mailbox: they pass policy.strict with RFC 3834's headers, and the
# next run reads them and answers nothing; nor does an auto-reply to an
# answer. A valid secret from an unknown sender is held, the contacts told.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/postfix.sh"
source "$(dirname "$0")/dovecot.sh"
command -v swaks >/dev/null || { fail "swaks missing: scripts/deps test installs it"; finish; }
new_workspace
cd "$T/ws"
B=$BULLETIN

start_dovecot "$T/dc" no || finish
# Everything for example.org and partner.example lands in the Dovecot
# user "bounces"'s Maildir.
start_postfix "virtual_mailbox_domains = example.org partner.example" \
  "virtual_mailbox_base = $T/dc/mail" "virtual_mailbox_maps = static:bounces/"
sed -i "s|^  transport: maildir:outbox.*|  transport: smtp://127.0.0.1:$PORT\n  tls: none|" bulletin.yaml
sed -i 's/^store:/inbox:\n  replies_per_hour: 100\n\nstore:/' bulletin.yaml
"$B" new 2027-01 --title "January" --date "$(date -u -d '+30 days' +%F)" \
  --deadline "$(date -u -d '+20 days' +%F)" > /dev/null
"$B" partners add "Family Hub" --contact ann@partner.example > "$T/add.out" 2>&1
secret=$(grep -oE 'contribute/[a-z2-7]{26}' "$T/add.out" | head -1 | cut -d/ -f2)
[ -n "$secret" ] || { fail "no secret: $(cat "$T/add.out")"; finish; }

python3 "$ROOT/tests/inbox/make_contrib.py" "$T/msgs" "$secret"
python3 "$ROOT/tests/inbox/make_contrib.py" "$T/strange" "$secret" example.org mallory@evil.example
mkdir -p "$T/send"
for f in 01-outlook-1252 03-gmail-reply 04-apple-inline 05-forward 08-tnef; do
  cp "$T/msgs/$f" "$T/send/$f"
done
sed 's/fwd1@/stranger1@/' "$T/strange/05-forward" > "$T/send/30-stranger"
# What the MTA adds (and would refuse as a loop) comes off before sending.
mkdir -p "$T/eml"
inject() { # inject FILE FROM
  local e=$T/eml/${1##*/}
  sed '/^Return-Path:/d; /^Delivered-To:/d' "$1" > "$e"
  swaks --server "127.0.0.1:$PORT" --from "$2" --to "contribute+$secret@example.org" \
    --data "$e" > "$T/swaks.log" 2>&1 || { fail "swaks refused $1"; cat "$T/swaks.log" >&2; }
}
for f in "$T"/send/*; do
  case $f in *stranger) inject "$f" mallory@evil.example ;; *) inject "$f" ann@partner.example ;; esac
done
# Messages in the Dovecot user's Maildir, every folder (bulletin moves
# what it processed to Processed).
mails() { find "$T/dc/mail/bounces" -type f \( -path '*/new/*' -o -path '*/cur/*' \) | sort; }
wait_mail() { # wait_mail N: N messages delivered
  for _ in $(seq 150); do
    [ "$(mails | wc -l)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
wait_mail 6 && pass "Postfix delivered the 6 mails" || { fail "delivery"; show_maillog; finish; }

url="imap://bounces@127.0.0.1:$IMAP_PORT/INBOX"
export BULLETIN_INBOX_PASSWORD=secret
"$B" inbox "$url" > "$T/run1.out" 2>&1 || fail "inbox over IMAP exited $?: $(cat "$T/run1.out")"
expect_grep "$T/run1.out" "6 contributions: 4 pieces changed, 2 held" "over IMAP: 4 pieces, 2 held"
piece() { grep -lxF "title: \"$1\"" issues/2027-01/*.md 2>/dev/null | head -1; }
for title in "Stay and play doubles" "Fair work charter" "Play streets are back" \
             "Health checks in mosques"; do
  [ -n "$(piece "$title")" ] && pass "piece '$title' from real delivery" || fail "no piece '$title'"
done
expect_grep "$(piece "Stay and play doubles")" "It’s been a busy year for the café" "Windows-1252 through Postfix and IMAP"
[ "$(ls held/new | wc -l)" = 2 ] && pass "the TNEF mail and the stranger's are held" || fail "held: $(ls held/new | wc -l)"

# The answers went out through Postfix and came back into the mailbox:
# 4 pieces + the TNEF refusal + the contacts told of the stranger.
wait_mail 12 && pass "the 6 answers were delivered" || { fail "answers not delivered: $(mails | wc -l)"; show_maillog; }
mails | xargs grep -l "^Auto-Submitted: auto-replied" > "$T/answers" || true
python3 - $(cat "$T/answers") <<'EOF' && pass "delivered answers: policy.strict, null sender, RFC 3834 headers" || fail "delivered answers"
import sys
from email import policy
from email.parser import BytesParser
assert len(sys.argv) == 7, sys.argv
for f in sys.argv[1:]:
    m = BytesParser(policy=policy.strict).parsebytes(open(f, "rb").read())
    assert not m.defects, (f, m.defects)
    assert m["Return-Path"] == "<>", (f, m["Return-Path"])   # MAIL FROM:<>
    assert m["In-Reply-To"] and m["References"], f
    assert str(m["To"]) == "ann@partner.example", m["To"]
    assert "het-news@example.org" in str(m["From"])
    assert m.get_content_type() == "text/plain"
EOF

# An auto-reply to an answer, to the contribution address: nothing.
ans=$(head -1 "$T/answers")
mid=$(grep -m1 '^Message-ID:' "$ans" | cut -d' ' -f2)
printf '%s\r\n' "From: Ann <ann@partner.example>" "To: contribute+$secret@example.org" \
  "Subject: Automatic reply: your piece" "Auto-Submitted: auto-replied" \
  "In-Reply-To: $mid" "Message-ID: <ooo1@partner.example>" "Date: $(date -R)" \
  "" "I am out of the office." > "$T/ooo"
swaks --server "127.0.0.1:$PORT" --from ann@partner.example \
  --to "contribute+$secret@example.org" --data "$T/ooo" > /dev/null 2>&1 || fail "swaks ooo"
wait_mail 13 || fail "the auto-reply was not delivered"
"$B" inbox --json "$url" > "$T/run2.json" 2>&1 || fail "second run exited $?"
grep -q '"class": "contribution", "from": "ann@partner.example".*"action": "ignored"' "$T/run2.json" \
  && pass "the auto-reply to an answer is ignored" || fail "auto-reply: $(cat "$T/run2.json")"
grep -q '"class": "auto-reply"' "$T/run2.json" \
  && pass "our own answers, read back, are auto-replies: ignored" || fail "answers read back: $(cat "$T/run2.json")"
sleep 2
[ "$(mails | wc -l)" = 13 ] && pass "no new answer: no loop" || fail "$(mails | wc -l) mails after the second run, 13 expected"
postqueue -c "$P/conf" -p > "$T/queue" 2>&1
expect_grep "$T/queue" "Mail queue is empty" "nothing waiting in Postfix's queue"
finish
