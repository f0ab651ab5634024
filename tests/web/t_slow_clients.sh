# Slow clients do not take the web endpoint down. 1,000 connections from
# one address (127.0.0.2) each begin a request and then send one header
# line a second, never finishing it (the "slowloris" attack). Meanwhile
# normal requests from another address (127.0.0.1) are answered, each in
# under 100 ms; and every slow connection is closed once its request has
# not arrived within the deadline (10 s), though it was never silent.
# Both addresses are loopback, which the per-address cap leaves alone (a
# reverse proxy connects from there): here the deadline and a connection
# limit above 1,000 are what protect; tests/unit/test_http.c tests the
# cap. Needs about 1,100 open files in this shell and in the server.
source tests/lib.sh
source tests/web/lib.sh
SLOW=1000
need=$((SLOW + 100))
if [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
if [ "$(ulimit -n)" -lt "$need" ]; then
  fail "this test needs $need open files and the limit is $(ulimit -n) (hard $(ulimit -Hn)): raise it, e.g. in /etc/security/limits.conf"
  finish
fi
pass "open files allowed: $(ulimit -n)"
web_workspace
start_server
python3 - "$ADDR" "$SLOW" > "$T/slow.out" 2>&1 <<'PY' || true
import http.client, socket, statistics, sys, time
host, port = sys.argv[1].rsplit(":", 1)
port, slow = int(port), int(sys.argv[2])
t0 = time.monotonic()
socks = []
for i in range(slow):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.settimeout(5)
    s.connect((host, port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    s.setblocking(False)
    socks.append(s)
print(f"opened {slow} slow connections in {time.monotonic() - t0:.2f} s")
def trickle():
    alive = 0
    for s in socks:
        if s.fileno() < 0:
            continue
        try:
            s.send(b"X-Slow: 1\r\n")
            alive += 1
        except OSError:
            s.close()
    return alive
def closed(s):
    if s.fileno() < 0:
        return True
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
times, codes = [], []
for i in range(5):
    trickle()
    t = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/subscribe")
    r = c.getresponse(); r.read(); c.close()
    times.append((time.monotonic() - t) * 1000)
    codes.append(r.status)
    time.sleep(0.2)
still = sum(not closed(s) for s in socks)
print(f"held while the normal requests ran: {still}")
print("normal requests: " + " ".join(f"{x:.1f}" for x in times) + " ms; statuses " + " ".join(map(str, codes)))
print(f"RESULT held={still} statuses={','.join(map(str, codes))} median_ms={statistics.median(times):.1f} max_ms={max(times):.1f}")
# One line a second until 15 s after the first connection.
while time.monotonic() - t0 < 15:
    trickle()
    time.sleep(1)
left = sum(not closed(s) for s in socks)
print(f"RESULT2 left={left} after {time.monotonic() - t0:.1f} s")
PY
cat "$T/slow.out"
r=$(grep '^RESULT ' "$T/slow.out" || true)
r2=$(grep '^RESULT2 ' "$T/slow.out" || true)
[ -n "$r" ] && [ -n "$r2" ] || fail "the client script did not finish"
held=$(sed -n 's/.*held=\([0-9]*\).*/\1/p' <<<"$r")
[ "${held:-0}" -ge $((SLOW * 9 / 10)) ] && pass "$held of $SLOW slow connections held open while the others were answered" \
  || fail "only ${held:-0} of $SLOW slow connections were open: the test did not load the server"
[ "$(sed -n 's/.*statuses=\([0-9,]*\).*/\1/p' <<<"$r")" = "200,200,200,200,200" ] \
  && pass "5 normal requests from another address answered 200" || fail "normal requests: $r"
med=$(sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p' <<<"$r")
max=$(sed -n 's/.*max_ms=\([0-9.]*\).*/\1/p' <<<"$r")
python3 -c "import sys; sys.exit(0 if float('${max:-1e9}') < 100 else 1)" \
  && pass "each answered in under 100 ms (median $med ms, slowest $max ms)" \
  || fail "normal requests slow under the slow clients: median $med ms, slowest $max ms"
left=$(sed -n 's/.*left=\([0-9]*\).*/\1/p' <<<"$r2")
[ "${left:-1}" = 0 ] && pass "every slow connection closed by the deadline, though never silent" \
  || fail "${left:-?} slow connections still open after 15 s"
expect_grep "$T/serve.log" "whose request had not arrived within 10 s" "the closing is logged"
expect_status after 200 "the server still answers afterwards" "$URL/subscribe"
stop_server
finish
