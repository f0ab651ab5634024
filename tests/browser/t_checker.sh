#!/usr/bin/env bash
# The browser checker must catch what it is there to catch: a page with an
# image without alt text, a fixed 800 px block and an external stylesheet
# fails, naming each problem; a plain accessible page passes, over file://
# and over a local HTTP server, and leaves its screenshots behind.
set -euo pipefail
cd "${SRC_DIR:-.}"

checker=tests/browser/check-pages.js
command -v node >/dev/null || { echo "node is missing: run scripts/deps test"; exit 1; }
[ -d tests/browser/node_modules/playwright-core ] ||
  { echo "tests/browser/node_modules is missing: run scripts/deps test"; exit 1; }

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/bad.html" <<'EOF'
<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Bad page</title>
<link rel="stylesheet" href="https://example.com/style.css"></head>
<body><main><h1>Bad page</h1>
<img src="photo.png">
<div style="width:800px">A block that never shrinks.</div>
</main></body></html>
EOF

cat >"$tmp/good.html" <<'EOF'
<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Good page</title></head>
<body><main><h1>Good page</h1>
<p>Short text that fits any screen.</p>
</main></body></html>
EOF

# The bad page: exit 1, each problem named with the page.
set +e
node "$checker" --shots "$tmp/shots" "$tmp/bad.html" >"$tmp/bad.out" 2>&1
rc=$?
set -e
cat "$tmp/bad.out"
[ "$rc" -eq 1 ] || fail "checker exit $rc on the bad page, want 1"
grep -q "^FAIL $tmp/bad.html" "$tmp/bad.out" || fail "no FAIL line naming bad.html"
grep -q "bad.html: axe image-alt \[critical\]: Images must have alternative text at img" \
  "$tmp/bad.out" || fail "image-alt violation not reported"
grep -Eq "bad.html: scrolls sideways at 320 px: content is (8[0-9][0-9]) px wide" \
  "$tmp/bad.out" || fail "horizontal scroll at 320 px not reported"
grep -q "bad.html: loads an external resource: https://example.com/style.css" \
  "$tmp/bad.out" || fail "external stylesheet not reported"
grep -q "0 of 1 page(s) passed" "$tmp/bad.out" || fail "summary line wrong"

# The good page: exit 0 and screenshots at both widths.
node "$checker" --shots "$tmp/shots" "$tmp/good.html" >"$tmp/good.out" 2>&1 ||
  { cat "$tmp/good.out"; fail "checker failed on the good page"; }
cat "$tmp/good.out"
grep -q "^ok   $tmp/good.html: 0 axe violation(s), width at 320 px 320, 0 external load(s)" \
  "$tmp/good.out" || fail "no ok line for good.html"
n=$(find "$tmp/shots" -name '*good-320.png' -o -name '*good-1024.png' | wc -l)
[ "$n" -eq 2 ] || fail "want 2 screenshots of the good page, found $n"
for f in "$tmp"/shots/*good-*.png; do
  [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    fail "$f is not a PNG"
done

# Over HTTP from 127.0.0.1: allowed, and the same checks apply.
port_file="$tmp/port"
python3 - "$tmp" "$port_file" <<'EOF' &
import http.server, os, sys
root, port_file = sys.argv[1], sys.argv[2]

class Quiet(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def log_message(self, *args):
        pass

# Port 0: the kernel picks a free one; the test reads it from the file,
# written whole by a rename so a half-written number is never read.
srv = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_port))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
EOF
server_pid=$!
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
[ -s "$port_file" ] || fail "local HTTP server did not start"
port=$(cat "$port_file")
node "$checker" --shots "$tmp/shots" "http://127.0.0.1:$port/good.html" >"$tmp/http.out" 2>&1 ||
  { cat "$tmp/http.out"; fail "checker failed on the good page over HTTP"; }
grep -q "^ok   http://127.0.0.1:$port/good.html" "$tmp/http.out" || fail "no ok line over HTTP"

# No browser: a clear message saying what to install, exit 1.
set +e
BULLETIN_CHROMIUM=/nonexistent/chromium node "$checker" --shots "$tmp/shots" \
  "$tmp/good.html" >"$tmp/nobrowser.out" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "exit $rc without a browser, want 1"
grep -q "run scripts/deps test" "$tmp/nobrowser.out" || fail "no install hint without a browser"

echo "t_checker: ok"
