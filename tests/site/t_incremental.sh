# A rebuild reads again only what changed, and is never wrong for it:
# after any edit — in the same second as the last build, of the same
# size, or copied in with its old time (cp -p) — and after a page of the
# site was edited by hand, the site is byte for byte what a build from
# nothing gives; two publishes at once leave the site with both.
source tests/lib.sh
sample_workspace
cd "$T/sample"
publish_sample
pub() { "$BULLETIN" publish --now "$SAMPLE_NOW" > "$T/out" 2>&1 || { fail "publish failed:"; cat "$T/out" >&2; }; }
# What a build from nothing gives, in a copy of the workspace.
fresh_matches() {
  rm -rf "$T/fresh" && cp -r "$T/sample" "$T/fresh" && rm -rf "$T/fresh/public"
  (cd "$T/fresh" && "$BULLETIN" publish --now "$SAMPLE_NOW" >/dev/null)
  if diff -r -x .manifest public "$T/fresh/public" > "$T/diff"; then pass "$1: the same as a build from nothing"; else
    fail "$1: differs from a build from nothing:"; head -20 "$T/diff" >&2; fi
}

# The files were copied in just now: the first build cannot trust their
# times and the next one reads them again; after that, nothing is read.
sleep 2.2
pub
pub
expect_grep "$T/out" "(0 read again), 0 files written" "nothing changed: no issue read, nothing written"

# The same size, at once: a title's letter changed within the same second.
f=issues/2026-11/play-streets.md
sed -i 's/^title: Play streets bring neighbours together/title: Play streets bring neighbours togethex/' $f
pub
expect_grep "$T/out" "(1 read again)" "an edit in the same second: that issue read again"
expect_grep public/issues/2026-11/index.html "togethex" "the issue page has the new title"
expect_grep public/case-studies/index.html "togethex" "so has the case studies page"
sed -i 's/togethex/togethey/' $f
pub
expect_grep public/case-studies/index.html "togethey" "a second same-size edit at once is seen too"

# An older version copied back with its old time.
sleep 2.2
cp -p "$ROOT/issues/2026-11/play-streets.md" $f
pub
expect_grep public/case-studies/index.html "Play streets bring neighbours together" "cp -p of an older file is seen"
expect_no_grep public/case-studies/index.html "togethey" "and the edit is gone"

# A page edited by hand (after the racy window) is written again.
sleep 2.2
echo "<p>defaced</p>" >> public/issues/2026-10/index.html
echo "<p>defaced</p>" >> public/events/index.html
pub
expect_no_grep public/issues/2026-10/index.html "defaced" "a hand-edited issue page is rebuilt"
expect_no_grep public/events/index.html "defaced" "a hand-edited list page is rebuilt"

# A body-only change re-renders the issue page, not the list pages.
sleep 2.2
echo "One more line." >> issues/2026-10/story-sacks.md
pub
expect_grep public/issues/2026-10/index.html "One more line." "a body change reaches its page"
expect_grep "$T/out" "1 file written" "and only that page is written"

# A different now: which events are upcoming changes, the rest does not.
"$BULLETIN" publish --now 2027-02-01 > "$T/out" 2>&1
expect_no_grep public/events.ics "Learning session" "after its day the session is no longer upcoming"
expect_grep public/events.ics "Spring health fair" "the fair still is"
"$BULLETIN" publish --now "$SAMPLE_NOW" > "$T/out" 2>&1
fresh_matches "after all these edits"

# Folders the last build left alone are not read again: their entries
# are known from the manifest. A page that is no longer written is still
# removed from such a folder, and a file put into one is seen.
sleep 2.2
pub
sleep 2.2
pub
[ -d public/partners/luton-adult-learning ] && pass "the partner has a page" || fail "no page for Luton Adult Learning"
sed -i 's/^partner: Luton Adult Learning$/partner: Luton Adult Learning\nwithdrawn: true/' issues/2026-10/maths-for-parents.md
echo "<p>stray</p>" > public/sections/work/stray.html
pub
[ ! -e public/partners/luton-adult-learning ] && pass "a partner with nothing left loses its page and folder" ||
  fail "public/partners/luton-adult-learning is still there"
[ ! -e public/sections/work/stray.html ] && pass "a file put into a settled folder is removed" ||
  fail "public/sections/work/stray.html is still there"
expect_grep "$T/out" "removed public/partners/luton-adult-learning/index.html" "the report names the page removed"
fresh_matches "after a withdrawal in a settled folder"

# A settled folder replaced by a link to a folder outside public/: the
# build never removes or writes anything through it.
sleep 2.2
pub
mkdir "$T/outside"
echo "mine" > "$T/outside/index.html"
echo "mine too" > "$T/outside/notes.txt"
mv public/sections/work "$T/work-was"
ln -s "$T/outside" public/sections/work
pub
[ "$(cat "$T/outside/index.html")" = mine ] && [ -f "$T/outside/notes.txt" ] \
  && pass "a link planted for a settled folder: nothing outside public/ changed" \
  || fail "the build changed $T/outside through a link: $(ls -la "$T/outside")"
[ -d public/sections/work ] && [ ! -L public/sections/work ] && [ -s public/sections/work/index.html ] \
  && pass "the link is replaced by the folder the site needs" \
  || fail "public/sections/work is $(ls -ld public/sections/work)"
fresh_matches "after a planted link"

# Two publishes at once (a send publishing while an editor does): one
# builds after the other, and the site ends with both issues.
"$BULLETIN" unpublish 2026-10 2026-11 --now "$SAMPLE_NOW" >/dev/null
"$BULLETIN" publish 2026-10 --now "$SAMPLE_NOW" > "$T/p1" 2>&1 &
p1=$!
"$BULLETIN" publish 2026-11 --now "$SAMPLE_NOW" > "$T/p2" 2>&1 &
p2=$!
wait $p1 && wait $p2 && pass "two publishes at once both succeed" || fail "a concurrent publish failed: $(cat "$T/p1" "$T/p2")"
[ -s public/issues/2026-10/index.html ] && [ -s public/issues/2026-11/index.html ] \
  && pass "both issues are on the site" || fail "an issue is missing after concurrent publishes"
fresh_matches "after two publishes at once"
finish
