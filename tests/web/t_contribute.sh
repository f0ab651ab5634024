# The partner contribution form: a wrong or rotated secret is a 404 and
# writes nothing; a POST without the anti-forgery token (or with another
# partner's) is a 403 and writes nothing; a save writes the piece with its
# details quoted, answers 303 to its page, shows the compiler's checks
# beside the fields and the preview, sends a receipt and records events;
# a partner never sees another's piece; a closed issue is read-only; an
# upload that is not a picture, or too big, writes nothing; saves are
# limited; the secret never reaches the access log.
source tests/lib.sh
source tests/web/lib.sh
web_workspace "web:" "  upload_max_kb: 64" "  saves_per_hour: 9"
cd "$WS"
B=$BULLETIN
deadline=$(date -u -d '+30 days' +%F)
"$B" new 2027-01 --title "Winter: warm homes" --deadline "$deadline" >/dev/null
mkdir -p issues/2026-01
printf 'title: Last January\ndate: 2026-01-20\ndeadline: 2026-01-10\n' > issues/2026-01/issue.yaml
cat > issues/2026-01/old-piece.md <<'EOF'
---
title: An old piece
partner: Luton Council Public Health
section: best-start
---
Old text.
EOF
"$B" partners add "Luton Council Public Health" --contact amina@luton.gov.uk \
  --contact ben@luton.gov.uk >/dev/null
"$B" partners add "ELFT" --contact team@elft.nhs.uk >/dev/null
luton=$("$B" partners link "Luton Council Public Health")
elft=$("$B" partners link ELFT)
lpath=/contribute/${luton##*/contribute/}
epath=/contribute/${elft##*/contribute/}
lsecret=${luton##*/}
cp "$ROOT/issues/2026-12/flying-start.png" "$T/photo.png"
head -c 70000 /dev/urandom > "$T/big.bin"
printf '\x89PNG\r\n\x1a\n' | cat - "$T/big.bin" > "$T/big.png"
head -c 400000 /dev/urandom > "$T/huge.bin"
printf '<svg xmlns="http://www.w3.org/2000/svg"/>' > "$T/drawing.png"
# A real PNG 1,300 pixels wide (one grey row), over the 1,200 flagged.
python3 - "$T/wide.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
w, h = 1300, 2
raw = b"".join(b"\0" + b"\x80" * w for _ in range(h))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
start_server

# What could be written: the issue folders and the store.
snapshot() { (find issues -type f | sort | xargs sha256sum; store_dump) > "$T/$1.snap"; }

expect_status home 200 "the partner's page" "$URL$lpath"
expect_grep "$T/home.b" "Winter: warm homes" "it lists the open issue"
expect_no_grep "$T/home.b" "Last January" "not an issue whose deadline has passed"
expect_grep "$T/home.b" "$lpath/2027-01/new" "it links to a new piece"
expect_status new 200 "the new piece form" "$URL$lpath/2027-01/new"
token=$(grep -m1 -o 'name="token" value="[0-9a-f]*"' "$T/new.b" | sed 's/.*value="//; s/"$//')
[ ${#token} -eq 64 ] && pass "the form carries an anti-forgery token" || fail "no token in the form"
expect_grep "$T/new.b" 'enctype="multipart/form-data"' "the form can send a picture"
expect_grep "$T/new.b" '<option value="best-start">Give every child the best start in life</option>' \
  "sections by their titles"

# Wrong secrets: 404, nothing written.
snapshot before
wrong=${lsecret:0:25}a
[ "$wrong" = "$lsecret" ] && wrong=${lsecret:0:25}b
expect_status w1 404 "GET with a wrong secret" "$URL/contribute/$wrong"
expect_status w2 404 "POST with a wrong secret" -F token="$token" -F title=X -F section=best-start \
  "$URL/contribute/$wrong/2027-01/new"
expect_status w3 404 "a secret of the wrong shape" "$URL/contribute/not-a-secret"
expect_status w4 404 "a secret too long" "$URL/contribute/${lsecret}aa"
# Without the token, or with a wrong one, or another partner's: 403.
expect_status f1 403 "POST without the token" -F title=Forged -F section=best-start "$URL$lpath/2027-01/new"
# The last digit changed (never left as it was: then it is the token).
bad_token=${token:0:63}0
[ "$bad_token" = "$token" ] && bad_token=${token:0:63}1
expect_status f2 403 "POST with a wrong token" -F token="$bad_token" -F title=Forged \
  -F section=best-start "$URL$lpath/2027-01/new"
req enew "$URL$epath/2027-01/new" >/dev/null
etoken=$(grep -m1 -o 'name="token" value="[0-9a-f]*"' "$T/enew.b" | sed 's/.*value="//; s/"$//')
[ -n "$etoken" ] && [ "$etoken" != "$token" ] && pass "each partner's token differs" || fail "tokens"
expect_status f3 403 "POST with another partner's token" -F token="$etoken" -F title=Forged \
  -F section=best-start "$URL$lpath/2027-01/new"
expect_status f4 403 "urlencoded POST without the token" --data 'title=Forged&section=best-start' \
  "$URL$lpath/2027-01/new"
# A closed issue: read-only.
expect_status c1 403 "a new piece for a closed issue" "$URL$lpath/2026-01/new"
expect_status c2 200 "a piece of a closed issue can be read" "$URL$lpath/2026-01/old-piece"
expect_no_grep "$T/c2.b" 'name="token"' "with no form"
expect_status c3 403 "POST to a closed issue" -F token="$token" -F title=Changed -F section=best-start \
  "$URL$lpath/2026-01/old-piece"
# Pictures that are not, or too big.
expect_status i1 400 "an SVG named .png" -F token="$token" -F title=Drawing -F section=best-start \
  -F image=@"$T/drawing.png" -F image_alt=A "$URL$lpath/2027-01/new"
expect_grep "$T/i1.b" "SVG drawing" "says what the file is"
expect_status i2 400 "a picture over web.upload_max_kb" -F token="$token" -F title=Big \
  -F section=best-start -F image=@"$T/big.png" "$URL$lpath/2027-01/new"
expect_grep "$T/i2.b" "more than the 0.1 MB allowed" "says how big it may be"
expect_status i3 413 "a request far over the limit" -F token="$token" -F title=Huge \
  -F section=best-start -F image=@"$T/huge.bin" "$URL$lpath/2027-01/new"
expect_status t1 400 "no title" -F token="$token" -F title=' ' -F section=best-start "$URL$lpath/2027-01/new"
expect_grep "$T/t1.b" "Enter a title" "asks for a title"
snapshot after
if cmp -s "$T/before.snap" "$T/after.snap"; then pass "nothing written by any refused request"; else
  fail "something was written:"; diff "$T/before.snap" "$T/after.snap" | head -20 >&2; fi

# A save.
title='Warm homes: "grants" & #1 - *now*'
expect_status s1 303 "a case study with a picture is saved" -F token="$token" -F "title=$title" \
  -F section=best-start -F type=case-study -F summary='Grants for insulation.' \
  -F $'body=We insulated **40** homes.\r\n\r\n# Big heading\r\n' -F image=@"$T/photo.png" \
  "$URL$lpath/2027-01/new"
loc=$(grep -i '^location:' "$T/s1.h" | tr -d '\r' | sed 's/^[Ll]ocation: //')
case "$loc" in
  "$lpath/2027-01/warm-homes-grants-1-now/saved") pass "redirected to the piece's page" ;;
  *) fail "Location: $loc" ;;
esac
f=issues/2027-01/warm-homes-grants-1-now.md
[ -f "$f" ] && pass "the piece is in the issue folder" || fail "no $f"
expect_grep "$f" 'title: "Warm homes: \"grants\" & #1 - *now*"' "the title is quoted"
expect_grep "$f" 'partner: "Luton Council Public Health"' "the partner comes from the link"
ls issues/2027-01/warm-homes-grants-1-now-*.png >/dev/null 2>&1 && pass "the picture under a generated name" \
  || fail "no picture saved"
expect_status s2 200 "the page after the save" "$URL$loc"
expect_grep "$T/s2.b" "Saved" "says it was saved"
expect_grep "$T/s2.b" '<div id="image_alt-check" class="checks"><p class="check-error">Fix: Describe what the picture shows' \
  "the missing description beside its field"
expect_grep "$T/s2.b" 'Preview: how it will look in the email' "a preview"
expect_grep "$T/s2.b" '<strong>40</strong>' "the preview renders the text"
expect_grep "$T/s2.b" 'Warm homes: &quot;grants&quot; &amp; #1 - *now*' "the title escaped on the page"
sleep 1
n=$(ls outbox/new | wc -l)
[ "$n" -eq 2 ] && pass "a receipt to each of the two contacts" || fail "$n messages in the outbox"
if python3 "$ROOT/tests/mail/check_message.py" outbox > "$T/check.out" 2>&1; then
  pass "the receipts pass check_message.py"; else fail "check_message.py:"; cat "$T/check.out" >&2; fi
grep -l "Describe what the picture shows" outbox/new/* >/dev/null && pass "the receipt says what to fix" \
  || fail "the receipt lacks the check"
sqlite3 subscribers/bulletin.db "select event, who, detail from issue_events where issue='2027-01'" > "$T/events"
expect_grep "$T/events" "piece-added|Luton Council Public Health|issues/2027-01/warm-homes-grants-1-now.md" \
  "the save is an issue event"
# Another partner sees nothing of it.
expect_status o1 404 "another partner's piece" "$URL$epath/2027-01/warm-homes-grants-1-now"
expect_status o2 404 "another partner's picture" "$URL$epath/2027-01/warm-homes-grants-1-now/image"
expect_status o3 200 "the other partner's page" "$URL$epath"
expect_no_grep "$T/o3.b" "Warm homes" "does not list it"
expect_status p1 200 "the partner's page lists the piece" "$URL$lpath"
expect_grep "$T/p1.b" "1 thing to fix" "with its checks"
expect_status im 200 "the picture for the preview" "$URL$lpath/2027-01/warm-homes-grants-1-now/image"
cmp -s "$T/im.b" "$T/photo.png" && pass "the picture's bytes" || fail "the picture differs"

# An edit keeps the previous version; withdrawing keeps the file.
expect_status e1 303 "an edit" -F token="$token" -F "title=$title" -F section=best-start \
  -F type=case-study -F image_alt='Two people fitting insulation in a loft' -F 'body=Better text.' \
  "$URL$lpath/2027-01/warm-homes-grants-1-now"
ls issues/2027-01/.history/warm-homes-grants-1-now.*.md >/dev/null 2>&1 && pass "the previous version kept" \
  || fail "no previous version in .history"
expect_grep "$f" 'image_alt: "Two people fitting insulation in a loft"' "the edit is saved"
expect_grep "$f" 'image: "warm-homes-grants-1-now-' "the picture kept"
expect_status e3 303 "a picture 1,300 pixels wide replaces the first" -F token="$token" -F "title=$title" \
  -F section=best-start -F type=case-study -F image_alt='A wide view of the street' -F 'body=Better text.' \
  -F image=@"$T/wide.png" "$URL$lpath/2027-01/warm-homes-grants-1-now"
expect_status e4 200 "its page" "$URL$lpath/2027-01/warm-homes-grants-1-now"
expect_grep "$T/e4.b" "is 1300 pixels wide, over 1200" "the wide picture is flagged beside it"
ls issues/2027-01/.history/warm-homes-grants-1-now-*.png >/dev/null 2>&1 && pass "the replaced picture kept aside" \
  || fail "the replaced picture is not in .history"
expect_status e2 303 "withdrawn" -F token="$token" -F action=withdraw "$URL$lpath/2027-01/warm-homes-grants-1-now"
expect_grep "$f" 'withdrawn: true' "marked withdrawn"
# Reopened: the closed issue takes changes again.
"$B" reopen 2026-01 --until "$(date -u -d '+2 days' +%F)" >/dev/null
expect_status ro 200 "a reopened issue's piece has its form again" "$URL$lpath/2026-01/old-piece"
expect_grep "$T/ro.b" 'name="token"' "with the form"
# The limit: 9 saves an hour; 7 taken so far (the 3 refused for their
# content count, those refused for their token or a closed issue not).
for i in 1 2; do
  req l$i -F token="$token" -F title="Piece $i" -F section=best-start -F body=Text "$URL$lpath/2027-01/new" >/dev/null
done
expect_status l4 429 "saves past web.saves_per_hour" -F token="$token" -F title="Piece 4" \
  -F section=best-start -F body=Text "$URL$lpath/2027-01/new"
[ ! -f issues/2027-01/piece-4.md ] && pass "the refused save wrote nothing" || fail "piece-4.md written"
expect_status g1 405 "PUT" -X PUT "$URL$lpath"
expect_status g2 404 "a path with more parts" "$URL$lpath/2027-01/warm-homes-grants-1-now/saved/more"
expect_status g3 404 "an issue that is not there" "$URL$lpath/2099-01/new"
expect_status g4 404 "a hidden name" "$URL$lpath/2027-01/.history"
# A rotated secret: the old link is gone, and writes nothing.
"$B" partners rotate "Luton Council Public Health" >/dev/null
snapshot before
expect_status r1 404 "the old link after rotate" "$URL$lpath"
expect_status r2 404 "a POST to the old link after rotate" -F token="$token" -F title=Late \
  -F section=best-start "$URL$lpath/2027-01/new"
new=$("$B" partners link "Luton Council Public Health")
expect_status r3 200 "the new link works" "$URL/contribute/${new##*/contribute/}"
expect_status r4 403 "the old token does not fit the new link" -F token="$token" -F title=Late \
  -F section=best-start "$URL/contribute/${new##*/contribute/}/2027-01/new"
snapshot after
cmp -s "$T/before.snap" "$T/after.snap" && pass "nothing written after rotate" || fail "written after rotate"
stop_server
expect_no_grep "$T/serve.log" "$lsecret" "no secret in the access log"
expect_no_grep "$T/serve.log" "${lsecret:3:20}" "no part of a secret in the access log"
expect_grep "$T/serve.log" '"POST /contribute/[redacted] HTTP/1.1" 303' "the saves are logged, redacted"
finish
