# The partner's journey through the contribution form in headless
# Chromium (tests/browser/partner.js): the link from the call email that
# `bulletin call` put in the outbox, a case study with a picture, the
# check message beside its field, the fix, the preview, the receipts,
# and `bulletin compile` taking the piece; every page passes axe-core and
# fits 320 px. The secret never reaches the access log.
source tests/lib.sh
source tests/web/lib.sh
new_workspace
cd "$WS"
deadline=$(date -u -d '+30 days' +%F)
"$BULLETIN" new 2027-01 --title "Winter: warm homes" --deadline "$deadline" >/dev/null
"$BULLETIN" partners add "Luton Council Public Health" --contact amina@luton.gov.uk >/dev/null
"$BULLETIN" call 2027-01 >/dev/null
secret=$("$BULLETIN" partners link "Luton Council Public Health")
secret=${secret##*/}
start_server
shots="${BUILD_DIR:-$T}/screenshots"
if node "$ROOT/tests/browser/partner.js" --url "$URL" --workspace "$WS" --bulletin "$BULLETIN" \
     --issue 2027-01 --contact amina@luton.gov.uk --image "$ROOT/issues/2026-12/flying-start.png" \
     --shots "$shots"; then
  pass "the partner's journey in the browser (screenshots in $shots)"
else
  fail "the partner's journey in the browser"
fi
stop_server
expect_no_grep "$T/serve.log" "$secret" "the secret is not in the access log"
finish
