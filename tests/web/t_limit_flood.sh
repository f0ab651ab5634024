# The sign-up limiter under a flood of made-up client addresses: 65,540
# POSTs through the proxy's X-Forwarded-For, from the 65,536 /64s of one
# IPv6 /48. The /48 is limited as one network (8 x signups_per_hour), the
# limiter's memory stays bounded, and an honest newcomer afterwards is
# still let in (the old limiter, full, refused everyone with 429).
source tests/lib.sh
source tests/web/lib.sh
web_workspace "web:" "  signups_per_hour: 10"
start_server
python3 - "$ADDR" > "$T/flood.out" 2>&1 <<'PY' && pass "flood: $(tail -1 "$T/flood.out")" || { fail "flood:"; cat "$T/flood.out" >&2; }
import http.client, sys, urllib.parse
host, port = sys.argv[1].rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port))
def post(client, body=b""):
    c.request("POST", "/subscribe", body, {"X-Forwarded-For": client,
              "Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse(); r.read()
    return r.status
codes = {}
for i in range(65540):
    s = post(f"2001:db8:7:{i % 65536:x}::1")
    codes[s] = codes.get(s, 0) + 1
# An empty form is a 400 once the limit let it through; then 429s.
assert codes.get(400) == 80, codes
assert codes.get(429) == 65540 - 80, codes
honest = urllib.parse.urlencode({"email": "honest@example.org", "consent": "yes"}).encode()
assert post("198.51.100.20", honest) == 200, "an honest IPv4 newcomer refused"
assert post("2001:db8:99::5", honest) == 200, "an honest IPv6 newcomer refused"
assert post("2001:db8:7:abcd::9", honest) == 429, "the flooding /48 let in"
print(f"{codes[400]} let through, {codes[429]} refused; honest newcomers (IPv4, IPv6) answered 200")
PY
[ "$(field honest@example.org status)" = pending ] && pass "the honest sign-up was stored" || fail "honest sign-up not stored"
stop_server
finish
