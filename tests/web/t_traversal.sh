# The archive from public/: pages, images, the feed and the style sheet
# with their content types and caching headers, folders redirected to
# their slash, and nothing outside public/ ever served: "..", encoded
# "%2e%2e" and "%2f", absolute paths, hidden files, and symbolic links
# planted in the tree all get the 404 page.
source tests/lib.sh
source tests/web/lib.sh
sample_workspace
WS=$T/sample
(cd "$WS" && "$BULLETIN" compile 2026-12 >/dev/null && "$BULLETIN" publish 2026-12 --now 2026-12-10 >/dev/null)
echo "top secret" > "$WS/secret.txt"
ln -s ../secret.txt "$WS/public/leak.txt"
ln -s .. "$WS/public/up"
ln -s /etc "$WS/public/etc"
echo hidden > "$WS/public/.hidden"
start_server

expect_status idx 200 "archive index /" "$URL/"
has_header idx 'Content-Type: text/html; charset=utf-8' && pass "index is HTML" || fail "index content type"
has_header idx 'Cache-Control: no-cache' && pass "pages revalidate" || fail "page caching header"
has_header idx 'ETag: "' && pass "pages have an ETag" || fail "no ETag"
expect_security_headers idx "the archive index"
expect_grep "$T/idx.b" 'href="issues/2026-12/index.html"' "index links the latest issue"
expect_status idx2 200 "/issues/ lists every issue" "$URL/issues/"
expect_grep "$T/idx2.b" 'href="../issues/2026-12/index.html"' "the list links the issue"
expect_status page 200 "issue page" "$URL/issues/2026-12/index.html"
expect_status page2 200 "issue folder" "$URL/issues/2026-12/"
expect_status dir 301 "issue folder without its slash" "$URL/issues/2026-12"
has_header dir 'Location: /issues/2026-12/' && pass "redirected to the slash" || fail "no Location to the slash"
expect_security_headers dir "a redirect"
img=$(find "$WS/public/issues/2026-12" -name "*.png" -printf "%f\n" | head -1)
expect_status img 200 "an image ($img)" "$URL/issues/2026-12/$img"
has_header img 'Content-Type: image/(png|jpeg)' && pass "image content type" || fail "image content type"
has_header img 'Cache-Control: public, max-age=86400' && pass "images are cached" || fail "image caching header"
cmp -s "$T/img.b" "$WS/public/issues/2026-12/$img" && pass "image bytes intact" || fail "image bytes differ"
# The addresses from before issues/ (public/ID/) keep working.
expect_status old 200 "the old address of the issue" "$URL/2026-12/"
expect_grep "$T/old.b" '../issues/2026-12/index.html' "the old page sends on to issues/"
expect_status oldimg 200 "an image at its old address" "$URL/2026-12/$img"
cmp -s "$T/oldimg.b" "$WS/public/issues/2026-12/$img" && pass "the same image" || fail "old image address gives other bytes"
expect_status ics 200 "an event's calendar file" "$URL/issues/2026-12/partner-learning-session.ics"
has_header ics 'Content-Type: text/calendar; charset=utf-8' && pass "calendar content type" || fail "calendar content type"
expect_status css 200 "style sheet" "$URL/style.css"
has_header css 'Content-Type: text/css' && pass "css content type" || fail "css content type"
expect_status css2 200 "style sheet at the root" "$URL/style.css"
expect_status feed 200 "Atom feed" "$URL/feed.xml"
has_header feed 'Content-Type: application/atom\+xml' && pass "feed content type" || fail "feed content type"
etag=$(grep -i '^ETag:' "$T/page.h" | cut -d' ' -f2 | tr -d '\r')
expect_status nm 304 "If-None-Match with the ETag" -H "If-None-Match: $etag" "$URL/issues/2026-12/index.html"
expect_security_headers nm "a 304"
expect_status post 405 "POST to an archive page" -X POST -d x=y "$URL/issues/2026-12/index.html"
has_header post 'Allow: GET, HEAD' && pass "405 says what is allowed" || fail "405 without Allow"

before=$(store_dump)
for p in '/../bulletin.yaml' '/issues/../bulletin.yaml' '/issues/../../bulletin.yaml' \
         '/issues/2026-12/../../bulletin.yaml' '/%2e%2e/bulletin.yaml' \
         '/issues/%2e%2e/bulletin.yaml' '/issues/%2E%2E/%2E%2E/bulletin.yaml' \
         '/issues/..%2fbulletin.yaml' '/issues/2026-12%2f..%2f..%2fbulletin.yaml' \
         '/%2fetc%2fpasswd' '//etc/passwd' '/issues//etc/passwd' \
         '/etc/passwd' '/issues/etc/passwd' '/leak.txt' '/issues/leak.txt' \
         '/up/secret.txt' '/up/bulletin.yaml' '/issues/up/secret.txt' \
         '/.hidden' '/issues/./index.html' '/issues/2026-12/./index.html' \
         '/bulletin.yaml' '/secret.txt' '/subscribers/bulletin.db' \
         '/issues/2026-12/contribution.md' '/%5c..%5cbulletin.yaml' \
         '/issues/..%5c..%5cbulletin.yaml' '/index.html%00.png'; do
  code=$(req trav --path-as-is "$URL$p")
  if [ "$code" = 404 ] || [ "$code" = 400 ]; then pass "$p: $code"; else
    fail "$p: HTTP $code"; head -c 300 "$T/trav.b" >&2; fi
  if grep -q "top secret\|newsletter:\|root:" "$T/trav.b"; then fail "$p leaked a file"; fi
done
expect_security_headers trav "a refused path"
[ "$before" = "$(store_dump)" ] && pass "store unchanged" || fail "store changed"
stop_server
finish
