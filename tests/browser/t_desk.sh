# The comms desk in headless Chromium (tests/browser/desk.js): log in,
# compile, a warning, the preview, a test send into the outbox, four eyes,
# an editor refused, approve, send with its progress to the end, the
# status, subscribers, activity, log out; the partners (the list, one
# added, a contact, a reminder into the outbox); every page passes axe-core
# with zero violations and has no sideways scrolling at 320 px.
source tests/lib.sh
source tests/web/lib.sh
source tests/web/desk_lib.sh
desk_workspace four-eyes
printf '\nMore about it [here](https://example.org/flying-start).\n' >> "$WS/issues/2026-12/flying-start.md"
desk_user amina admin
desk_user appr approver
desk_user ed editor
# An issue open to partners, and two partners, one with a piece in it.
(cd "$WS" && "$BULLETIN" new 2027-01 --title "Winter" --deadline "$(date -u -d '+20 days' +%F)" >/dev/null &&
  "$BULLETIN" partners add "Luton Council Early Years" --contact years@luton.gov.uk >/dev/null &&
  "$BULLETIN" partners add "ELFT" --contact team@elft.nhs.uk >/dev/null)
sed 's/^partner: .*/partner: Luton Council Early Years/' "$WS/issues/2026-12/flying-start.md" \
  > "$WS/issues/2027-01/flying-start.md"
start_server
shots="${BUILD_DIR:-$T}/screenshots"
if node "$ROOT/tests/browser/desk.js" --url "$URL" --workspace "$WS" \
     --bulletin "$BULLETIN" --issue 2026-12 --shots "$shots"; then
  pass "the desk in the browser (screenshots in $shots)"
else
  fail "the desk in the browser"
  tail -20 "$T/serve.log" >&2
fi
stop_server
finish
