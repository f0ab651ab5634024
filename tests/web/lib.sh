# Shared by the web endpoint's tests (sourced after tests/lib.sh): a
# workspace in $T/ws, a server on 127.0.0.1 with a free port, stopped by
# PID, and helpers to read the store and the answers.
command -v curl >/dev/null || { echo "FAIL: curl is missing: run scripts/deps test" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "FAIL: sqlite3 is missing: run scripts/deps test" >&2; exit 1; }
WS=$T/ws
SERVER_PID=
ADDR=
URL=

# web_workspace [YAML...]: a fresh workspace; extra lines are appended to
# its bulletin.yaml (e.g. a web: section).
web_workspace() {
  new_workspace
  if [ $# -gt 0 ]; then printf '%s\n' "$@" >> "$WS/bulletin.yaml"; fi
}

# start_server: bulletin serve in $WS on a free port; sets ADDR and URL.
start_server() {
  : > "$T/serve.log"
  (cd "$WS" && exec "$BULLETIN" serve --listen 127.0.0.1:0 2>>"$T/serve.log") &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 100); do
    ADDR=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/serve.log" | head -1 | sed 's|http://||') || true
    [ -n "$ADDR" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ADDR" ]; then
    echo "FAIL: bulletin serve did not start:" >&2; cat "$T/serve.log" >&2; exit 1
  fi
  URL=http://$ADDR
}

# stop_server: SIGTERM, then the exit status must be 0.
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID"
  if wait "$SERVER_PID"; then pass "server stopped cleanly on SIGTERM"; else
    fail "server exited with status $? on SIGTERM"; cat "$T/serve.log" >&2; fi
  SERVER_PID=
}

# store_dump: every row of the store, for before/after comparisons.
store_dump() {
  sqlite3 "$WS/subscribers/bulletin.db" .dump
}

# field ADDR KEY: subscriber.KEY from 'bulletin subscribers data'.
field() {
  (cd "$WS" && "$BULLETIN" subscribers data "$1") |
    python3 -c 'import json,sys; s=json.load(sys.stdin)["subscriber"]; print(s[sys.argv[1]] if s else "")' "$2"
}

# last_event_source ADDR: the source of the subscriber's last event.
last_event_source() {
  (cd "$WS" && "$BULLETIN" subscribers data "$1") |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["events"][-1]["source"])'
}

add_subscriber() {
  (cd "$WS" && "$BULLETIN" subscribers add "$1" >/dev/null)
}

# req NAME CURL-ARGS...: runs curl, headers to $T/NAME.h and body to
# $T/NAME.b; prints the status code.
req() {
  local name=$1; shift
  curl -s -o "$T/$name.b" -D "$T/$name.h" -w '%{http_code}' "$@"
}

# expect_status NAME WANT DESCRIPTION CURL-ARGS...
expect_status() {
  local name=$1 want=$2 what=$3; shift 3
  local got
  got=$(req "$name" "$@")
  if [ "$got" = "$want" ]; then pass "$what: $want"; else
    fail "$what: expected HTTP $want, got $got"; sed 's/^/    /' "$T/$name.h" >&2; fi
}

# has_header NAME HEADER-REGEX: the saved headers match (case-insensitive).
has_header() {
  grep -qiE "^$2" "$T/$1.h"
}

# expect_security_headers NAME DESCRIPTION
expect_security_headers() {
  local h missing=
  for h in "Content-Security-Policy: default-src 'none'" \
           "X-Content-Type-Options: nosniff" "Referrer-Policy: no-referrer" \
           "X-Frame-Options: DENY"; do
    has_header "$1" "$h" || missing="$missing [$h]"
  done
  if [ -z "$missing" ]; then pass "$2 has the security headers"; else
    fail "$2 lacks$missing"; sed 's/^/    /' "$T/$1.h" >&2; fi
}

# confirm_link: the first confirm URL's token in the outbox (newest mail).
outbox_count() {
  find "$WS/outbox/new" -type f 2>/dev/null | wc -l
}

# clicks_workspace: the sample workspace in $WS (= $T/sample, the current
# folder after) with tracking.clicks on and the sample subscribers.
clicks_workspace() {
  sample_workspace
  WS=$T/sample
  cd "$WS"
  printf 'tracking:\n  clicks: true\n' >> bulletin.yaml
  "$BULLETIN" subscribers import subscribers/sample.csv >/dev/null
}
