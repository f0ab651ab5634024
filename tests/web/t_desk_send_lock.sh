# One send of an issue at a time, whether it runs in the desk (on the
# server's thread) or from the shell: a shell send while the desk's runs
# is refused naming the server's process and the desk user; a desk send
# while the shell's runs is refused naming that process, and the
# progress page says a send runs elsewhere; both started at the same
# instant: one sends to everyone once, the other says who holds it.
source tests/lib.sh
source tests/web/lib.sh
source tests/web/desk_lib.sh
source tests/send/lib.sh
sample_workspace
WS=$T/sample
cd "$WS"
sed -i 's|^  base_url: .*|  base_url: http://news.example.org|' bulletin.yaml
N=40
{ echo "email,name"; for i in $(seq -w $N); do echo "slow-$i@example.org,Reader $i"; done; } >"$T/subs.csv"
"$BULLETIN" subscribers import "$T/subs.csv" >/dev/null
# slow-*: each message takes 0.2 s, so a send lasts about 4 s on 2
# connections.
start_smtpd smtpd --no-store --slow-delay 0.2
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT" connections=2
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 --by "Test Approver" >/dev/null
wait_desk_send() { # until the progress page stops refreshing (20 s at most)
  for _ in $(seq 200); do
    curl -s -b "$T/appr" "$URL/desk/issues/2026-12/progress" >"$T/progress.b"
    grep -q 'http-equiv="refresh"' "$T/progress.b" || return 0
    sleep 0.1
  done
  return 1
}
desk_user appr approver
start_server
desk_login "$T/appr" appr >/dev/null

# 1. The desk's send runs; the shell's is refused.
code=$(desk_post "$T/appr" send /desk/issues/2026-12/send)
[ "$code" = 303 ] && pass "the desk's send starts" || { fail "desk send: $code"; cat "$T/send.b" >&2; }
smtpd_wait_accepted 2 || fail "the desk's send did not start sending"
code=0
"$BULLETIN" send 2026-12 >"$T/shell.out" 2>"$T/shell.err" || code=$?
[ "$code" = 1 ] && pass "the shell's send exits 1" || { fail "shell send exited $code"; cat "$T/shell.out" "$T/shell.err" >&2; }
expect_grep "$T/shell.err" "another send of 2026-12 is running (process $SERVER_PID on $(hostname), started $(date +%Y-%m-%d)" "it names the server's process"
expect_grep "$T/shell.err" "by appr (desk))" "... and the desk user who started it"
wait_desk_send || fail "the desk's send did not finish"
expect_grep "$T/progress.b" "The send is finished." "the desk's send finishes"
[ "$(smtpd_accepted)" = $N ] && pass "the server got $N messages" || fail "the server got $(smtpd_accepted), not $N"

# 2. The shell's send runs; the desk's is refused, and says so.
sqlite3 subscribers/bulletin.db "DELETE FROM journal; DELETE FROM campaigns"
before=$(smtpd_accepted)
"$BULLETIN" send 2026-12 >"$T/a.out" 2>"$T/a.err" &
a=$!
PIDS+=("$a")
smtpd_wait_accepted $((before + 2)) || fail "the shell's send did not start"
code=$(desk_post "$T/appr" send2 /desk/issues/2026-12/send)
[ "$code" = 409 ] && expect_grep "$T/send2.b" "Another send of 2026-12 is running (process $a on $(hostname)" "the desk names the shell's process" ||
  { fail "desk send during a shell send: $code"; cat "$T/send2.b" >&2; }
curl -s -b "$T/appr" "$URL/desk/issues/2026-12/progress" >"$T/elsewhere.b"
expect_grep "$T/elsewhere.b" "A send of this issue is running elsewhere: process $a" "the progress page says a send runs elsewhere"
expect_grep "$T/elsewhere.b" 'http-equiv="refresh"' "... and refreshes itself"
wait "$a" && pass "the shell's send completes" || fail "the shell's send failed"
[ $(($(smtpd_accepted) - before)) = $N ] && pass "each got it once" || fail "the server got $(($(smtpd_accepted) - before)), not $N"

# 3. Both at the same instant.
sqlite3 subscribers/bulletin.db "DELETE FROM journal; DELETE FROM campaigns"
before=$(smtpd_accepted)
token=$(desk_csrf "$T/appr")
"$BULLETIN" send 2026-12 >"$T/b.out" 2>"$T/b.err" & b=$!
PIDS+=("$b")
curl -s -o "$T/send3.b" -w '%{http_code}' -b "$T/appr" --data-urlencode "csrf=$token" \
  "$URL/desk/issues/2026-12/send" >"$T/send3.code"
rb=0; wait "$b" || rb=$?
wait_desk_send || fail "the desk's page kept refreshing"
desk_said=$(cat "$T/send3.b" "$T/progress.b" | grep -ci "another send of 2026-12 is running" || true)
if [ "$rb" = 1 ]; then
  expect_grep "$T/b.err" "by appr (desk))" "at once: the shell was refused, naming the desk user"
else
  [ "$desk_said" -ge 1 ] && pass "at once: the desk was refused, naming who holds it" ||
    { fail "at once: both ran? shell $rb"; cat "$T/b.err" "$T/send3.b" "$T/progress.b" >&2; }
fi
[ $(($(smtpd_accepted) - before)) = $N ] && pass "at once: each of the $N got it once" ||
  fail "at once: the server got $(($(smtpd_accepted) - before)), not $N"
stop_server
stop_smtpd
finish
