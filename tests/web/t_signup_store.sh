# Sign-ups and the store.
# - The limit of confirmations_per_day emails to one address is kept in
#   the store: restarting the server does not reset it; the addresses
#   are held there only as keyed hashes.
# - Every sign-up does the same store work whatever is known about the
#   address (new, pending, active, left, bounced, erased): each commits a
#   write (a commit that writes waits for the disk, so an address known
#   and left unchanged would otherwise be answered faster). This checks
#   the work, not the time (scripts/bench serve measures the time).
# - The form does not change the name of a confirmed subscriber.
source tests/lib.sh
source tests/web/lib.sh
web_workspace "web:" "  signups_per_hour: 100" "  confirmations_per_day: 2"
add_subscriber active@example.org
(cd "$WS" && "$BULLETIN" subscribers add named@example.org --name "Real Name" >/dev/null)
add_subscriber left@example.org
add_subscriber bounced@example.org
(cd "$WS" && "$BULLETIN" subscribers unsubscribe left@example.org >/dev/null)
(cd "$WS" && "$BULLETIN" subscribers erase erased@example.org >/dev/null)
sqlite3 "$WS/subscribers/bulletin.db" "UPDATE subscribers SET status = 'bounced' WHERE email = 'bounced@example.org'"
DB=$WS/subscribers/bulletin.db
start_server

sign() { # sign EMAIL [curl args]
  local email=$1; shift
  curl -s -o /dev/null -w '%{http_code}' --data-urlencode "email=$email" \
    --data-urlencode consent=yes "$@" "$URL/subscribe"
}
mails_to() { grep -l "^To: <$1>" "$WS"/outbox/new/* 2>/dev/null | wc -l; }
wait_mails() { # wait_mails ADDR N: up to 5 s for N emails to ADDR
  for _ in $(seq 1 50); do [ "$(mails_to "$1")" -ge "$2" ] && return 0; sleep 0.1; done
}

# The limit across a restart.
for i in 1 2 3; do [ "$(sign limit@example.org)" = 200 ] || fail "sign-up $i not answered 200"; done
wait_mails limit@example.org 2; sleep 0.3
[ "$(mails_to limit@example.org)" = 2 ] && pass "3 sign-ups, 2 emails" || fail "$(mails_to limit@example.org) emails, expected 2"
stop_server
start_server
for i in 1 2; do [ "$(sign limit@example.org)" = 200 ] || fail "sign-up after restart not answered 200"; done
sleep 0.5
[ "$(mails_to limit@example.org)" = 2 ] && pass "after a restart the limit still holds: still 2 emails" \
  || fail "after a restart: $(mails_to limit@example.org) emails, expected 2"
expect_grep "$T/serve.log" "sign-up email not sent: the address had 2 today already" "the held-back email is logged"
# A day later (the row's time moved back) the address may be mailed again.
sqlite3 "$DB" "UPDATE signup_mails SET at = at - 86400"
[ "$(sign limit@example.org)" = 200 ] || fail "sign-up a day later"
wait_mails limit@example.org 3
[ "$(mails_to limit@example.org)" = 3 ] && pass "a day later one more email" || fail "a day later: $(mails_to limit@example.org) emails"
if sqlite3 "$DB" .dump | grep signup_mails | grep -qi 'limit@example'; then
  fail "signup_mails holds the address in clear"
else pass "signup_mails holds no address in clear"; fi
[ "$(sqlite3 "$DB" "SELECT length(hash) FROM signup_mails LIMIT 1")" = 32 ] && pass "one keyed hash per address" \
  || fail "signup_mails rows are not 32-byte hashes"

# The same store work, whatever the address.
python3 - "$DB" "$URL" > "$T/work.out" 2>&1 <<'PY' && pass "every kind of sign-up commits a write and counts an email: $(tail -1 "$T/work.out")" || { fail "sign-ups differ in store work:"; cat "$T/work.out" >&2; }
import sqlite3, sys, urllib.parse, urllib.request
db, url = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
def version():
    return con.execute("PRAGMA data_version").fetchone()[0]
def rows():
    return con.execute("SELECT count(*) FROM signup_mails").fetchone()[0]
bad = []
kinds = [("new", "fresh@example.org"), ("pending", "fresh@example.org"),
         ("active", "active@example.org"), ("active again", "active@example.org"),
         ("left", "left@example.org"), ("bounced", "bounced@example.org"),
         ("erased", "erased@example.org")]
seen = set()
for kind, addr in kinds:
    v, n = version(), rows()
    body = urllib.parse.urlencode({"email": addr, "consent": "yes"}).encode()
    with urllib.request.urlopen(url + "/subscribe", body) as r:
        assert r.status == 200, (kind, r.status)
    if version() == v:
        bad.append(f"{kind}: the sign-up committed no write")
    want = n + (addr not in seen)
    seen.add(addr)
    if rows() != want:
        bad.append(f"{kind}: {rows()} rows in signup_mails, expected {want}")
for b in bad:
    print(b)
print(f"{len(kinds)} kinds of address")
sys.exit(1 if bad else 0)
PY

# The name of a confirmed subscriber stays theirs.
[ "$(sign named@example.org --data-urlencode 'name=Someone Else' --data-urlencode 'organisation=Other')" = 200 ] \
  || fail "sign-up for named@"
[ "$(field named@example.org name)" = "Real Name" ] && pass "the form did not change an active subscriber's name" \
  || fail "the form changed an active subscriber's name to '$(field named@example.org name)'"
[ "$(field named@example.org organisation)" = "" ] && pass "nor the organisation" \
  || fail "the form changed an active subscriber's organisation"
[ "$(sign waiting@example.org --data-urlencode 'name=First')" = 200 ] || fail "sign-up waiting@"
[ "$(sign waiting@example.org --data-urlencode 'name=Second')" = 200 ] || fail "sign-up waiting@ again"
[ "$(field waiting@example.org name)" = "Second" ] && pass "a pending sign-up takes the latest name" \
  || fail "pending sign-up name '$(field waiting@example.org name)'"
stop_server
finish
