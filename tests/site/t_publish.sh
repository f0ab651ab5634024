# Drafts stay private and the site is a function of what is published:
# compile writes nothing public; publish puts an issue on the site;
# deleting a picture and a contribution, or marking a piece withdrawn,
# takes them off the site, the feeds and the server (404) at the next
# publish, and the report says so; an issue whose folder is deleted
# leaves too; unpublish takes an issue down; files kept by hand
# (site.keep) stay and any other stray file goes; every change is
# recorded with who made it.
source tests/lib.sh
source tests/web/lib.sh
sample_workspace
WS=$T/sample
cd "$WS"
NOW=(--now "$SAMPLE_NOW")

# A draft, compiled: nothing public.
"$BULLETIN" new 2027-02 >/dev/null
sed -i 's/^title: .*/title: "February 2027 (DRAFT - do not publish)"/' issues/2027-02/issue.yaml
cp issues/2026-12/flying-start.md issues/2026-12/flying-start.png issues/2027-02/
"$BULLETIN" compile 2027-02 >/dev/null 2>&1 || true
"$BULLETIN" compile 2026-12 >/dev/null
[ ! -e public ] && pass "compiling two issues wrote nothing under public/" || { fail "public/ after compile:"; find public >&2; }

# Publish one issue: its pages, not the draft's.
"$BULLETIN" publish 2026-12 --by alice "${NOW[@]}" > "$T/pub1" 2>&1 \
  && pass "publish 2026-12" || { fail "publish failed:"; cat "$T/pub1" >&2; }
expect_grep "$T/pub1" "published 2026-12 (by alice)" "publish says who"
for f in index.html issues/2026-12/index.html issues/2026-12/flying-start.png \
         issues/2026-12/one-year-on.png feed.xml case-studies/feed.xml events.ics; do
  [ -s "public/$f" ] && pass "public/$f" || fail "public/$f missing"
done
if grep -rqa "DRAFT" public; then fail "the draft reached public/"; else pass "the draft is nowhere in public/"; fi
expect_grep public/case-studies/index.html "A mental health trust that looks beyond the clinic" "case study listed"
expect_grep public/case-studies/feed.xml "A mental health trust that looks beyond the clinic" "case study in its feed"
expect_grep public/sections/best-start/index.html "Call to widen Flying Start" "the piece under its principle"
expect_grep public/sections/best-start/index.html "What happens before a child turns five" "the principle's description from bulletin.yaml"

# A stray file, a planted link and a kept favicon.
echo "old" > public/stray.html
ln -s ../bulletin.yaml public/issues/2026-12/leak.png
printf '\0\0\1\0' > public/favicon.ico
printf 'site:\n  keep: [favicon.ico]\n' >> bulletin.yaml

start_server
expect_status img1 200 "the picture is served" "$URL/issues/2026-12/flying-start.png"

# Withdraw: delete a picture and the contribution using it; mark a case
# study withdrawn with a reason.
rm issues/2026-12/flying-start.png issues/2026-12/flying-start.md
sed -i '0,/^---$/!{0,/^---$/s/^---$/withdrawn: true\nwithdrawn_reason: the partner asked us to take it down\n---/}' issues/2026-12/elft-marmot-trust.md
"$BULLETIN" publish 2026-12 --by bob "${NOW[@]}" > "$T/pub2" 2>&1 \
  && pass "publish again" || { fail "publish again failed:"; cat "$T/pub2" >&2; }
expect_grep "$T/pub2" "removed public/issues/2026-12/flying-start.png" "the report lists the picture removed"
expect_grep "$T/pub2" "removed public/stray.html" "the report lists a stray file removed"
expect_grep "$T/pub2" "issues/2026-12/elft-marmot-trust.md: withdrawn: the partner asked us to take it down" "the report lists the withdrawal and why"
for f in issues/2026-12/flying-start.png stray.html issues/2026-12/leak.png; do
  [ ! -e "public/$f" ] && [ ! -L "public/$f" ] && pass "public/$f gone" || fail "public/$f still there"
done
[ -e public/favicon.ico ] && pass "the kept favicon stays" || fail "the favicon was removed"
for f in $(find public -type f -o -type l); do
  if grep -qa "Call to widen Flying Start\|A mental health trust that looks beyond" "$f"; then
    fail "$f still holds a withdrawn piece"; fi
done
expect_no_grep public/case-studies/feed.xml "A mental health trust" "the withdrawn case study left its feed"
expect_no_grep public/issues/2026-12/index.html "flying-start.png" "the issue page no longer shows the picture"
"$BULLETIN" compile 2026-12 >/dev/null 2>&1
expect_grep issues/2026-12/build/report.txt "issues/2026-12/elft-marmot-trust.md: the partner asked us to take it down" "the compile report lists the withdrawn piece"
expect_no_grep issues/2026-12/build/email.html "A mental health trust" "and the email leaves it out"
expect_status img2 404 "the deleted picture: 404" "$URL/issues/2026-12/flying-start.png"
expect_status img3 404 "... and at its old address" "$URL/2026-12/flying-start.png"
expect_status ok 200 "the pictures still used are served" "$URL/issues/2026-12/one-year-on.png"
expect_status fav 200 "the kept favicon is served" "$URL/favicon.ico"

# Publishing refuses an issue with errors, and changes nothing.
sums() { find public -type f ! -name .manifest | sort | xargs sha256sum; }
sums > "$T/before"
printf -- '---\ntitle: Broken\n---\nText.\n' > issues/2026-11/broken.md
if "$BULLETIN" publish 2026-11 "${NOW[@]}" > "$T/pub3" 2>&1; then fail "published an issue with errors"; else
  pass "an issue with errors is refused"; fi
expect_grep "$T/pub3" "nothing was published" "the refusal says nothing was published"
expect_grep "$T/pub3" "issues/2026-11/broken.md" "and names the file"
sums > "$T/after"
cmp -s "$T/before" "$T/after" && pass "public/ unchanged by the refusal" || fail "public/ changed by a refused publish"
rm issues/2026-11/broken.md

# A published issue whose folder is deleted leaves the site.
"$BULLETIN" publish 2026-11 --by alice "${NOW[@]}" >/dev/null
expect_status nov 200 "2026-11 on the site" "$URL/issues/2026-11/"
rm -rf issues/2026-11
"$BULLETIN" publish "${NOW[@]}" > "$T/pub4" 2>&1
expect_grep "$T/pub4" "issues/2026-11: published but the folder is gone" "the report says the folder is gone"
[ ! -e public/issues/2026-11 ] && pass "its pages are gone" || fail "public/issues/2026-11 still there"
expect_status nov2 404 "its page: 404" "$URL/issues/2026-11/index.html"
expect_no_grep public/feed.xml "2026-11" "and it left the feed"

# Unpublish.
"$BULLETIN" unpublish 2026-11 --by carol "${NOW[@]}" > "$T/unp1" 2>&1
expect_grep "$T/unp1" "unpublished 2026-11 (by carol)" "unpublish a deleted issue"
"$BULLETIN" unpublish 2026-12 --by carol "${NOW[@]}" > "$T/unp2" 2>&1
expect_grep "$T/unp2" "removed public/issues/2026-12/index.html" "unpublish lists the pages removed"
expect_status dec 404 "2026-12's page: 404" "$URL/issues/2026-12/"
expect_no_grep public/feed.xml "<entry>" "the feed is empty"
expect_grep public/index.html "No issues have been published yet" "the home page says so"
stop_server

# Who did what, in order.
sqlite3 subscribers/bulletin.db "SELECT issue_id, action, done_by FROM publish_log ORDER BY id" > "$T/log"
printf '%s\n' "2026-12|publish|alice" "2026-12|publish|bob" "2026-11|publish|alice" \
  "2026-11|unpublish|carol" "2026-12|unpublish|carol" > "$T/want"
cmp -s "$T/log" "$T/want" && pass "every change logged with who" || { fail "publish log:"; diff "$T/want" "$T/log" >&2; }
[ -z "$(sqlite3 subscribers/bulletin.db 'SELECT * FROM published')" ] && pass "nothing published now" || fail "published table not empty"
"$BULLETIN" publish 2027-13 >/dev/null 2>"$T/bad" && fail "published a missing issue" || expect_grep "$T/bad" "is not an issue" "a missing issue is refused"
"$BULLETIN" publish --now yesterday >/dev/null 2>"$T/bad" && fail "--now yesterday accepted" || expect_grep "$T/bad" "is not a time" "a bad --now is refused"
finish
