# The compiled sample and its published site in a real browser: every
# page the site has (home, issues, each issue, case studies and each
# principle's, sections, partners, events) and the email, with zero
# axe-core violations (WCAG 2.x A/AA), no sideways scrolling at 320 px,
# nothing loaded from outside. Screenshots go under the build tree.
source tests/lib.sh
sample_workspace
cd "$T/sample"
"$BULLETIN" compile 2026-12 >/dev/null
publish_sample
shots="${BUILD_DIR:-$T}/screenshots"
mkdir -p "$shots"
# Every page of the site but the old addresses' forwarding pages (which
# leave at once for the page they name, checked here).
pages=()
while IFS= read -r f; do
  if grep -q 'http-equiv="refresh"' "$f"; then continue; fi
  pages+=("$f")
done < <(find public -name '*.html' | sort)
for d in 2026-10 2026-11 2026-12; do
  expect_grep public/$d/index.html "url=../issues/$d/index.html" "public/$d/ forwards to issues/$d/"
done
kinds=(public/index.html public/issues/index.html public/issues/2026-12/index.html
       public/case-studies/index.html public/case-studies/best-start/index.html
       public/sections/work/index.html public/partners/index.html
       public/partners/east-london-nhs-foundation-trust/index.html public/events/index.html)
for k in "${kinds[@]}"; do
  printf '%s\n' "${pages[@]}" | grep -qx "$k" && pass "checking $k" || fail "no page $k"
done
# The email links its images from the public archive (base_url).
node "$ROOT/tests/browser/check-pages.js" --shots "$shots" \
  --allow https://het-news.example.org/ \
  issues/2026-12/build/email.html "${pages[@]}" > "$T/out" 2>&1 \
  && pass "${#pages[@]} site pages and the email pass axe-core and the 320 px check (screenshots in $shots)" \
  || { fail "browser checks failed:"; grep -v '^ok' "$T/out" >&2; }
# No script and no inline style anywhere on the site (the CSP forbids both).
if grep -rlE '<script|style="| on[a-z]+="' public --include='*.html' > "$T/inline"; then
  fail "inline script or style in: $(cat "$T/inline")"; else pass "no inline script or style"; fi
# The browser preview loads its pictures from the issue folder: nothing
# from outside at all.
node "$ROOT/tests/browser/check-pages.js" --shots "$shots" \
  issues/2026-12/build/preview.html \
  && pass "preview.html passes axe-core and the 320 px check, loading nothing from outside" \
  || fail "preview.html browser checks failed"
finish
