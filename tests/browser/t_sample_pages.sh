# The compiled sample in a real browser: zero axe-core violations (WCAG
# 2.x A/AA), no sideways scrolling at 320 px, nothing loaded from outside.
source tests/lib.sh
sample_workspace
cd "$T/sample"
"$BULLETIN" compile 2026-12 >/dev/null
shots="${BUILD_DIR:-$T}/screenshots"
mkdir -p "$shots"
# The email links its images from the public archive (base_url).
node "$ROOT/tests/browser/check-pages.js" --shots "$shots" \
  --allow https://het-news.example.org/ \
  issues/2026-12/build/email.html public/2026-12/index.html public/index.html \
  && pass "pages pass axe-core and the 320 px check (screenshots in $shots)" \
  || fail "browser checks failed"
# The browser preview loads its pictures from the issue folder: nothing
# from outside at all.
node "$ROOT/tests/browser/check-pages.js" --shots "$shots" \
  issues/2026-12/build/preview.html \
  && pass "preview.html passes axe-core and the 320 px check, loading nothing from outside" \
  || fail "preview.html browser checks failed"
finish
