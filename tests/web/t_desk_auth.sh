# The desk's doors: every route without a session is the login page
# (GET) or 403 (POST) and changes nothing; a POST without the session's
# anti-forgery token, or with a wrong one, is 403 and changes nothing; a
# session id planted before login is not the one after it; the cookie's
# flags (and __Host- with Secure over https); logout ends the session;
# roles (an editor cannot approve or send); repeated wrong passwords lock
# the account (an event) and the right one is then refused with the same
# message; an unknown name costs the same Argon2id work as a wrong
# password; the login throttle per client address.
source tests/lib.sh
source tests/web/lib.sh
source tests/web/desk_lib.sh
desk_workspace # plain http first; https at the end
desk_user amina admin
desk_user ed editor
start_server

# --- without a session
before=$(store_dump)
for p in / /issues/2026-12 /issues/2026-12/preview /issues/2026-12/text \
         /issues/2026-12/files/flying-start.png /issues/2026-12/send \
         /issues/2026-12/progress /subscribers /subscribers/1 /activity; do
  code=$(req anon "$URL/desk$p")
  loc=$(grep -i '^Location:' "$T/anon.h" | tr -d '\r' | cut -d' ' -f2)
  [ "$code" = 303 ] && [ "$loc" = /desk/login ] && pass "GET /desk$p without a session: the login page" ||
    fail "GET /desk$p without a session: $code $loc"
done
for p in /new /logout /issues/2026-12/compile /issues/2026-12/test /issues/2026-12/approve \
         /issues/2026-12/send /issues/2026-12/publish /issues/2026-12/unpublish \
         /subscribers/add /subscribers/1/status; do
  code=$(req anon -d "csrf=x&id=x&to=a@example.org&email=b@example.org&reason=r&action=unsubscribe" "$URL/desk$p")
  [ "$code" = 403 ] && pass "POST /desk$p without a session: 403" || fail "POST /desk$p without a session: $code"
done
[ "$(store_dump)" = "$before" ] && pass "... and nothing changed in the store" || fail "the store changed without a session"
[ ! -e "$WS/issues/2026-12/build" ] && pass "... nor in the workspace" || fail "something was compiled without a session"
expect_status login 200 "the login page" "$URL/desk/login"
expect_grep "$T/login.b" 'autocomplete="current-password"' "the login form"

# --- planted session, cookie flags
planted=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tdesk\t%s\n' "$planted" > "$T/jar"
code=$(desk_login "$T/jar" amina)
[ "$code" = 303 ] && pass "amina logs in" || { fail "login: $code"; cat "$T/login.b" >&2; }
cookie=$(grep -i '^Set-Cookie: desk=' "$T/login.h" | tr -d '\r' || true)
sid=$(printf '%s' "$cookie" | sed 's/^[^=]*=\([^;]*\);.*/\1/')
[ ${#sid} = 44 ] && pass "the session id is 44 base64url characters (256 bits)" || fail "session id '$sid'"
[ "$sid" != "$planted" ] && pass "the planted id is not kept" || fail "the planted session id was kept"
for flag in "HttpOnly" "SameSite=Strict" "Path=/"; do
  case "$cookie" in *"$flag"*) pass "cookie: $flag";; *) fail "cookie lacks $flag: $cookie";; esac
done
case "$cookie" in *Secure*) fail "Secure over plain http: $cookie";; *) pass "no Secure over plain http";; esac
code=$(curl -s -o /dev/null -w '%{http_code}' -b "desk=$planted" "$URL/desk/")
[ "$code" = 303 ] && pass "the planted id opens nothing" || fail "planted id: $code"
n=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT count(*) FROM desk_sessions WHERE id_hash = '$(printf %s "$sid" | sha256sum | cut -d' ' -f1)'")
[ "$n" = 1 ] && pass "the store keeps the session's SHA-256, not the id" || fail "session hash rows: $n"
grep -q "$sid" "$WS/subscribers/bulletin.db" && fail "the session id is in the store" || pass "the id itself is not in the store"
expect_status issues 200 "the issues page with the session" -b "$T/jar" "$URL/desk/"
expect_grep "$T/issues.b" "2026-12" "it lists the sample issue"

# --- the anti-forgery token
before=$(store_dump)
code=$(req nocsrf -b "$T/jar" -d "x=1" "$URL/desk/issues/2026-12/compile")
[ "$code" = 403 ] && pass "POST without the token: 403" || fail "POST without the token: $code"
code=$(req badcsrf -b "$T/jar" -d "csrf=$(printf '0%.0s' $(seq 64))" "$URL/desk/issues/2026-12/compile")
[ "$code" = 403 ] && pass "POST with a wrong token: 403" || fail "POST with a wrong token: $code"
[ ! -e "$WS/issues/2026-12/build" ] && [ "$(store_dump)" = "$before" ] &&
  pass "... and nothing was compiled or stored" || fail "a POST without a good token changed something"
code=$(desk_post "$T/jar" compile /desk/issues/2026-12/compile)
[ "$code" = 200 ] && [ -s "$WS/issues/2026-12/build/email.html" ] && pass "with the token the compile runs" ||
  { fail "compile with the token: $code"; cat "$T/compile.b" >&2; }
who=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT who FROM issue_events WHERE event = 'compiled' ORDER BY id DESC LIMIT 1")
[ "$who" = amina ] && pass "the compile is recorded as amina's" || fail "compiled by '$who'"
n=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT count(*) FROM desk_events WHERE who = 'amina' AND kind = 'compile' AND subject = '2026-12'")
[ "$n" = 1 ] && pass "the desk action is an event naming the user" || fail "compile events: $n"

# --- roles
code=$(desk_login "$T/ed" ed "$DESK_PW" 192.0.2.11)
[ "$code" = 303 ] && pass "ed (editor) logs in" || fail "ed's login: $code"
code=$(desk_post "$T/ed" edapprove /desk/issues/2026-12/approve)
[ "$code" = 403 ] && expect_grep "$T/edapprove.b" "This needs an approver (you are an editor)" "an editor cannot approve" ||
  fail "an editor's approve: $code"
code=$(desk_post "$T/ed" edsend /desk/issues/2026-12/send)
[ "$code" = 403 ] && pass "an editor cannot send: 403" || fail "an editor's send: $code"
n=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT count(*) FROM issue_approvals")
[ "$n" = 0 ] && [ "$(outbox_count)" = 0 ] && pass "... and nothing was approved or sent" || fail "an editor's POST had an effect"

# --- logout ends the session
code=$(desk_post "$T/ed" out /desk/logout)
[ "$code" = 303 ] && pass "logout" || fail "logout: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$T/ed" "$URL/desk/")
[ "$code" = 303 ] && pass "the session ended with the logout" || fail "after logout: $code"

# --- lockout, and one message for every failure
for i in 1 2 3 4 5; do
  desk_login "$T/bad" ed wrong-password-$i 192.0.2.20 >/dev/null
done
expect_grep "$T/login.b" "The name or the password is not right" "a wrong password: the one message"
n=$(sqlite3 "$WS/subscribers/bulletin.db" "SELECT count(*) FROM desk_events WHERE kind = 'lockout' AND who = 'ed'")
[ "$n" = 1 ] && pass "the fifth failure locks the account, as an event" || fail "lockout events: $n"
code=$(desk_login "$T/locked" ed "$DESK_PW" 192.0.2.21)
[ "$code" = 200 ] && expect_grep "$T/login.b" "The name or the password is not right" "locked: the right password is refused with the same message" ||
  fail "a locked account logged in: $code"
desk_login "$T/unknown" nobody-here "$DESK_PW" 192.0.2.22 >/dev/null
cp "$T/login.b" "$T/unknown.b"
desk_login "$T/wrongpw" amina not-the-password 192.0.2.23 >/dev/null
a=$(sed -n 's/.*<p>\(The name.*\)<\/p>.*/\1/p' "$T/unknown.b")
b=$(sed -n 's/.*<p>\(The name.*\)<\/p>.*/\1/p' "$T/login.b")
[ -n "$a" ] && [ "$a" = "$b" ] && pass "an unknown name and a wrong password: the same message" || fail "messages differ: '$a' / '$b'"
# The same work: attempts for an unknown name and for a wrong password
# taken in turn (so that a busy moment of the machine falls on both), the
# median of 5 each (the fifth wrong password locks the account),
# within a factor of 2.
one_try() { # ADDR NAME I: the seconds one failed login takes
  curl -s -c "$T/tj$1" -b "$T/tj$1" -H "X-Forwarded-For: 192.0.2.$1" "$URL/desk/login" >"$T/tf.b"
  tok=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/tf.b" | head -1)
  curl -s -o /dev/null -w '%{time_total}\n' -c "$T/tj$1" -b "$T/tj$1" -H "X-Forwarded-For: 192.0.2.$1" \
    --data-urlencode "csrf=$tok" --data-urlencode "name=$2" --data-urlencode "password=wrong-$3" "$URL/desk/login"
}
: > "$T/t_unknown"; : > "$T/t_wrong"
for i in 1 2 3 4 5; do one_try 30 no-such-user $i >> "$T/t_unknown"; one_try 31 amina $i >> "$T/t_wrong"; done
t_unknown=$(sort -n "$T/t_unknown" | sed -n 3p)
t_wrong=$(sort -n "$T/t_wrong" | sed -n 3p)
python3 -c "import sys; u, w = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if u > 0.002 and 0.5 < u / w < 2 else 1)" "$t_unknown" "$t_wrong" &&
  pass "an unknown name takes as long as a wrong password ($t_unknown s, $t_wrong s)" ||
  fail "unknown name $t_unknown s, wrong password $t_wrong s"
sqlite3 "$WS/subscribers/bulletin.db" "UPDATE desk_users SET failures = 0, locked_until = 0"

# --- the throttle per client address
for i in $(seq 1 10); do desk_login "$T/th" amina "wrong-$i" 192.0.2.40 >/dev/null; done
code=$(desk_login "$T/th" amina "$DESK_PW" 192.0.2.40)
[ "$code" = 429 ] && pass "the 11th attempt from one address is throttled" || fail "the 11th attempt: $code"
# (ten wrong passwords locked amina too: clear that, as a new password does)
sqlite3 "$WS/subscribers/bulletin.db" "UPDATE desk_users SET failures = 0, locked_until = 0"
code=$(desk_login "$T/th2" amina "$DESK_PW" 192.0.2.41)
[ "$code" = 303 ] && pass "... not another address" || fail "another address: $code"
stop_server

# --- over https: __Host- and Secure
sed -i 's|^  base_url: .*|  base_url: https://news.example.org|' "$WS/bulletin.yaml"
grep -q '^  base_url: https://news.example.org' "$WS/bulletin.yaml" || fail "base_url not set to https"
start_server
curl -s -D "$T/https.h" -o /dev/null "$URL/desk/login"
cookie=$(grep -i '^Set-Cookie:' "$T/https.h" | tr -d '\r' || true)
case "$cookie" in "Set-Cookie: __Host-desk-login="*"; Path=/;"*"Secure"*) pass "https: a __Host- cookie, Secure";;
  *) fail "https cookie: $cookie";; esac
stop_server
finish
