# Click counts that track no one (tracking.clicks: true): every web link
# of both parts points at BASE_URL/r/ISSUE/N, the same for every
# recipient (no token, no subscriber id); GET /r/ISSUE/N answers 302 to
# that link only, never anywhere else (unknown numbers, other issues and
# encoded tricks are 404s); the counts equal the requests made, 1,000 of
# them 50 at a time included, split into early (within a minute of the
# send), scanners (by User-Agent) and people; they reach the store within
# a second or two (kill -9 loses nothing older), and 'status --clicks'
# shows them per link, piece and partner.
source tests/lib.sh
source tests/web/lib.sh
clicks_workspace
db() { sqlite3 subscribers/bulletin.db "$1"; }
BROWSER='Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
BASE=$(sed -n 's/^ *base_url: *//p' bulletin.yaml | tr -d '"' | head -1)
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null
L=issues/2026-12/build/links
nlinks=$(wc -l < $L)
[ "$nlinks" -ge 5 ] && pass "build/links numbers the issue's $nlinks links" || fail "build/links has $nlinks lines"
"$BULLETIN" send 2026-12 >"$T/send.out" 2>&1 || { fail "send:"; cat "$T/send.out" >&2; }

# --- the messages: every web link through /r/, the same for everyone
python3 - "$BASE" "$L" outbox/new/* <<'PY' && pass "both parts of every message link only through $BASE/r/2026-12/N, the same N for everyone, no token" || fail "links in the messages"
import email, re, sys
from email import policy
base, links, files = sys.argv[1], sys.argv[2], sys.argv[3:]
targets = {l.split("\t")[3].strip() for l in open(links)}
seen = None
for f in files:
    m = email.message_from_binary_file(open(f, "rb"), policy=policy.default)
    html = m.get_body(("html",)).get_content()
    text = m.get_body(("plain",)).get_content()
    r_html = set(re.findall(re.escape(base) + r"/r/[^\s\"<>]*", html))
    r_text = set(re.findall(re.escape(base) + r"/r/[^\s\"<>]*", text))
    assert r_html and r_html == r_text, (f, r_html ^ r_text)
    assert all(re.fullmatch(re.escape(base) + r"/r/2026-12/[1-9][0-9]*", u) for u in r_html), r_html
    for t in targets:
        assert f'href="{t}"' not in html and t not in text, (f, t)
    if seen is None:
        seen = r_html
    assert r_html == seen, f
PY
[ "$(db "SELECT count(*) FROM click_links WHERE issue = '2026-12'")" = "$nlinks" ] && pass "the send recorded the links in the store" ||
  fail "links in the store: $(db "SELECT count(*) FROM click_links")"
cols=$(db "SELECT group_concat(name) FROM pragma_table_info('click_links')")
[ "$cols" = "issue,n,url,piece,partner,people,early,scanner" ] && pass "the store keeps counts and nothing about who clicked" ||
  fail "click_links columns: $cols"

# --- the redirect
start_server
url1=$(sed -n '1p' $L | cut -f4)
code=$(req r1 -A "$BROWSER" "$URL/r/2026-12/1")
[ "$code" = 302 ] && pass "GET /r/2026-12/1 answers 302" || fail "GET /r/2026-12/1: $code"
loc=$(sed -n 's/^Location: //Ip' "$T/r1.h" | tr -d '\r')
[ "$loc" = "$url1" ] && pass "... to link 1's address" || fail "Location '$loc', wanted '$url1'"
for p in /r/2026-12/999 /r/2026-12/$((nlinks + 1)) /r/2026-12/0 /r/2026-12/01 /r/2026-12/ /r/2026-12 \
         /r/2026-12/%2F%2Fevil.example /r/2026-12//evil.example /r/2026-12/1//evil.example \
         /r//evil.example/1 /r/%2F%2Fevil.example/1 /r/2026-12/1%2F..%2F..%2F /r/..%2F2026-12/1 \
         '/r/2026-12/%5C%5Cevil.example' '/r/2026-12%5C/1' '/r/%5Cevil.example/1' \
         /r/2026-11/1 /r/2026-10/1 /r/x/1 /r/../1 /r/2026-12/1x /r/2026-12/-1 /r/2026-12/1.0 \
         /r/2026-12/https:%2F%2Fevil.example /r/2026-12/99999999999999999999; do
  code=$(curl -s -o /dev/null -D "$T/bad.h" -w '%{http_code}' -A "$BROWSER" --path-as-is "$URL$p")
  if [ "$code" = 404 ] && ! grep -qi '^Location:' "$T/bad.h"; then pass "$p: 404, no Location"; else
    fail "$p: $code"; cat "$T/bad.h" >&2; fi
done
code=$(curl -s -o /dev/null -D "$T/q.h" -w '%{http_code}' -A "$BROWSER" "$URL/r/2026-12/1?to=https://evil.example/")
loc=$(sed -n 's/^Location: //Ip' "$T/q.h" | tr -d '\r')
[ "$code" = 302 ] && [ "$loc" = "$url1" ] && pass "a query string changes nothing" || fail "with a query: $code $loc"
expect_status post 405 "POST /r/2026-12/1" -X POST -A "$BROWSER" "$URL/r/2026-12/1"
expect_status head 302 "HEAD /r/2026-12/1" -I -A "$BROWSER" "$URL/r/2026-12/1"
# The send has just finished: these are early clicks.
for _ in 1 2; do curl -s -o /dev/null -A "$BROWSER" "$URL/r/2026-12/2"; done
stop_server
expect_no_grep "$T/serve.log" "/r/2026-12/2" "the access log does not say which link anyone followed"
expect_grep "$T/serve.log" "/r/[redacted]" "... it says /r/[redacted]"
# 1 (the first) + 1 (query) + 2 early on links 1 and 2; HEAD not counted.
[ "$(db "SELECT early FROM click_links WHERE issue = '2026-12' AND n = 1")" = 2 ] &&
[ "$(db "SELECT early FROM click_links WHERE issue = '2026-12' AND n = 2")" = 2 ] &&
[ "$(db "SELECT sum(people) + sum(scanner) FROM click_links")" = 0 ] &&
  pass "clicks within a minute of the send count as early (and reach the store on shutdown)" ||
  { fail "early counts:"; db "SELECT n, people, early, scanner FROM click_links" >&2; }

# --- an hour later: people and scanners; every request counted
db "UPDATE campaigns SET started_at = started_at - 3600, finished_at = finished_at - 3600"
start_server
for _ in $(seq 1 100); do curl -s -o /dev/null -A "$BROWSER" "$URL/r/2026-12/3"; done
for _ in $(seq 1 7); do curl -s -o /dev/null "$URL/r/2026-12/3"; done
for _ in $(seq 1 5); do curl -s -o /dev/null -A "Mozilla/5.0 (compatible; BingPreview/1.0b)" "$URL/r/2026-12/3"; done
curl -s -o /dev/null -H 'User-Agent:' "$URL/r/2026-12/3"
seq 1 1000 | xargs -P 50 -I{} curl -s -o /dev/null -w '%{http_code}\n' -A "$BROWSER" "$URL/r/2026-12/4" > "$T/parallel.codes"
[ "$(grep -c '^302$' "$T/parallel.codes")" = 1000 ] && pass "1,000 clicks 50 at a time all answered 302" ||
  fail "parallel answers: $(sort "$T/parallel.codes" | uniq -c | tr '\n' ' ')"
sleep 2.5
# Written within a second or two while serving; kill -9 loses none of it.
kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
got=$(db "SELECT people || ' ' || scanner FROM click_links WHERE issue = '2026-12' AND n = 3")
[ "$got" = "100 13" ] && pass "link 3: 100 people and 13 scanners (curl, BingPreview, no User-Agent), in the store before a kill -9" ||
  fail "link 3: people scanners = $got, wanted 100 13"
got=$(db "SELECT people FROM click_links WHERE issue = '2026-12' AND n = 4")
[ "$got" = 1000 ] && pass "concurrent clicks lose none (1,000)" || fail "link 4: $got people, wanted 1000"

"$BULLETIN" status 2026-12 --clicks >"$T/clicks.out"
expect_grep "$T/clicks.out" "by link:" "status --clicks: per link"
expect_grep "$T/clicks.out" "by piece:" "... per piece"
expect_grep "$T/clicks.out" "by partner:" "... per partner"
piece3=$(sed -n '3p' $L | cut -f2); partner3=$(sed -n '3p' $L | cut -f3)
grep -qE "^ +3 +100 +0 +13  $piece3  " "$T/clicks.out" && pass "... link 3's counts and piece" ||
  { fail "link 3's line:"; cat "$T/clicks.out" >&2; }
expect_grep "$T/clicks.out" "$partner3" "... its partner"
expect_grep "$T/clicks.out" "in all: 1100 people, 4 early, 13 scanners" "... and the totals"
"$BULLETIN" status 2026-11 --clicks >"$T/noclicks.out"
expect_grep "$T/noclicks.out" "2026-11 has no click counts" "an issue without counts says why"
finish
