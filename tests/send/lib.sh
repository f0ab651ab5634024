# Shared by the send tests (sourced after tests/lib.sh): the scriptable
# SMTP server, delivery settings, and reading the server's log.
[ -x /usr/bin/python3 ] || { echo "FAIL: /usr/bin/python3 is missing" >&2; exit 1; }
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
  { echo "FAIL: python3-aiosmtpd is missing: scripts/deps test installs it" >&2; exit 1; }
[ -x /usr/bin/sqlite3 ] || { echo "FAIL: sqlite3 is missing: scripts/deps test installs it" >&2; exit 1; }

# start_smtpd NAME [smtpd.py options]: tests/servers/smtpd.py on a free
# loopback port, storing into $T/NAME.maildir and logging every event to
# $T/NAME.log (appended across restarts). Sets SMTPD_PORT and SMTPD_PID.
start_smtpd() {
  local name=$1
  shift
  rm -f "$T/$name.port"
  /usr/bin/python3 "$ROOT/tests/servers/smtpd.py" --maildir "$T/$name.maildir" \
    --log "$T/$name.log" --port-file "$T/$name.port" "$@" >>"$T/$name.out" 2>&1 &
  SMTPD_PID=$!
  PIDS+=("$SMTPD_PID")
  for _ in $(seq 100); do [ -s "$T/$name.port" ] && break; sleep 0.1; done
  [ -s "$T/$name.port" ] || { echo "FAIL: smtpd.py did not start:" >&2; cat "$T/$name.out" >&2; exit 1; }
  SMTPD_PORT=$(cat "$T/$name.port")
}

# smtpd_accepted: messages the server has accepted so far (250 to DATA).
smtpd_accepted() { grep '"event": "data"' "$T/smtpd.log" | grep -c '"code": 250' || true; }
# smtpd_wait_accepted N: until the server has accepted N in all (10 s at most).
smtpd_wait_accepted() {
  for _ in $(seq 200); do [ "$(smtpd_accepted)" -ge "$1" ] && return 0; sleep 0.05; done
  return 1
}

# stop_smtpd: stops the last server started, by its PID.
stop_smtpd() {
  kill "$SMTPD_PID" 2>/dev/null || true
  wait "$SMTPD_PID" 2>/dev/null || true
}

# delivery KEY=VALUE...: sets keys of the delivery section of the
# workspace's bulletin.yaml (in the current directory).
delivery() {
  python3 - "$@" <<'PY'
import re, sys
path = "bulletin.yaml"
text = open(path, encoding="utf-8").read()
head, sep, rest = text.partition("\ndelivery:\n")
if not sep:
    sys.exit("bulletin.yaml has no delivery section")
lines = rest.split("\n")
end = next((i for i, l in enumerate(lines) if l and not l.startswith(" ")), len(lines))
body, tail = lines[:end], lines[end:]
for kv in sys.argv[1:]:
    key, _, value = kv.partition("=")
    new = f"  {key}: {value}"
    for i, l in enumerate(body):
        if re.match(rf"  {re.escape(key)}:", l):
            body[i] = new
            break
    else:
        body.insert(0, new)
open(path, "w", encoding="utf-8").write(head + sep + "\n".join(body + tail))
PY
}

# received LOG: "COUNT ADDRESS" for every recipient of a message the
# server accepted, by address.
received() {
  python3 - "$1" <<'PY'
import collections, json, sys
n = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "data" and e.get("code") == 250:
        for r in e["rcpts"]:
            n[r.lower()] += 1
for addr, count in sorted(n.items()):
    print(count, addr)
PY
}

# sql QUERY: runs QUERY on the workspace's store.
sql() { sqlite3 subscribers/bulletin.db "$1"; }
