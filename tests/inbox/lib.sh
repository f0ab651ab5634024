# Shared by the inbox tests (sourced after tests/lib.sh).
# inbox_workspace NAME...: the sample workspace in $T/sample (the current
# directory afterwards) with NAME@example.com subscribed for each NAME, the
# sample issue sent to them into outbox/ (the journal keeps each one's
# Message-ID), and the sample messages of make_messages.py in $T/msgs.
inbox_workspace() {
  sample_workspace
  cd "$T/sample"
  local p tokens=()
  for p in "$@"; do
    "$BULLETIN" subscribers add "$p@example.com" >/dev/null
  done
  "$BULLETIN" compile 2026-12 >/dev/null
  "$BULLETIN" approve 2026-12 >/dev/null
  "$BULLETIN" send 2026-12 >/dev/null 2>&1 ||
    { echo "FAIL: the sample issue was not sent" >&2; exit 1; }
  for p in "$@"; do tokens+=("$p=$(field "$p@example.com" token)"); done
  python3 "$ROOT/tests/inbox/make_messages.py" "$T/msgs" outbox "${tokens[@]}"
}
# field ADDR KEY: a field of the subscriber's record.
field() {
  "$BULLETIN" subscribers data "$1" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['subscriber']['$2'])"
}
expect_status() { # expect_status ADDR STATUS DESCRIPTION
  local got
  got=$(field "$1" status)
  if [ "$got" = "$2" ]; then pass "$3"; else fail "$3: $1 is $got, expected $2"; fi
}
# contrib_workspace [ALLOWANCE]: a fresh workspace in $T/ws (the current
# directory afterwards) with the open issue 2027-01, the partner Family
# Hub (contact ann@partner.example) whose secret is in $secret, answers
# allowed ALLOWANCE an hour (the default when not given), and an empty
# Maildir $md.
contrib_workspace() {
  new_workspace
  cd "$T/ws"
  [ -z "${1:-}" ] || sed -i "s/^store:/inbox:\n  replies_per_hour: $1\n\nstore:/" bulletin.yaml
  "$BULLETIN" new 2027-01 --title "January" --date "$(date -u -d '+30 days' +%F)" \
    --deadline "$(date -u -d '+20 days' +%F)" > /dev/null
  "$BULLETIN" partners add "Family Hub" --contact ann@partner.example > "$T/add.out" 2>&1 ||
    { echo "FAIL: partners add: $(cat "$T/add.out")" >&2; exit 1; }
  secret=$(grep -oE 'contribute/[a-z2-7]{26}' "$T/add.out" | head -1 | cut -d/ -f2)
  [ -n "$secret" ] || { echo "FAIL: no secret in: $(cat "$T/add.out")" >&2; exit 1; }
  md=$T/md
  mkdir -p "$md/new" "$md/cur" "$md/tmp"
}
