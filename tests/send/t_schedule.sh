# Scheduled sends: 'bulletin send ISSUE --at TIME' schedules an approved
# issue (refused when unapproved or in the past); 'issues' and 'status'
# show it. A schedule 3 s ahead fires exactly once although 'serve' is
# stopped and started again before its time and 'send --due' races it
# all along. A change to the issue after its approval cancels its
# schedule, saying which file changed; --cancel cancels by hand. A
# schedule missed by more than schedule.grace_hours waits for a person
# and says why, until a person sends it (which closes the schedule); one
# missed by less starts at the next chance.
source tests/lib.sh
source tests/web/lib.sh
sample_workspace
WS=$T/sample
cd "$WS"
"$BULLETIN" subscribers import subscribers/sample.csv >/dev/null
N=$(sqlite3 subscribers/bulletin.db "SELECT count(*) FROM subscribers WHERE status = 'active'")
db() { sqlite3 subscribers/bulletin.db "$1"; }
outbox() { find outbox/new -type f 2>/dev/null | wc -l; }
# local_time SECONDS-FROM-NOW: the time then in Europe/London, as --at takes it.
local_time() { TZ=Europe/London date -d "@$(( $(date +%s) + $1 ))" '+%Y-%m-%d %H:%M:%S'; }

# --- refused: unapproved, in the past, not a time
"$BULLETIN" compile 2026-12 >/dev/null
rc=0; "$BULLETIN" send 2026-12 --at "$(local_time 60)" >"$T/unapproved.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && expect_grep "$T/unapproved.out" "issues/2026-12 has not been approved" "an unapproved issue cannot be scheduled" ||
  fail "scheduling an unapproved issue exited $rc"
"$BULLETIN" approve 2026-12 >/dev/null
rc=0; "$BULLETIN" send 2026-12 --at "$(local_time -120)" >"$T/past.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && expect_grep "$T/past.out" "is in the past" "a time in the past is refused" || fail "past time exited $rc"
rc=0; "$BULLETIN" send 2026-12 --at "next thursday" >"$T/bad.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && expect_grep "$T/bad.out" "write it as YYYY-MM-DD HH:MM" "a time that is not one is explained" || fail "bad time exited $rc"
rc=0; "$BULLETIN" send 2026-12 --at "$(local_time 60)" --dry-run >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] && pass "--at with --dry-run is a usage error" || fail "--at --dry-run exited $rc"

# --- 3 s ahead, serve restarted in between, send --due racing it
# (serve is started first: under load starting takes longer than 3 s;
# stopping it does not).
WS=$T/sample start_server
at=$(local_time 3)
"$BULLETIN" send 2026-12 --at "$at" >"$T/at.out" 2>&1 || { fail "send --at:"; cat "$T/at.out" >&2; }
stop_server
[ "$(outbox)" = 0 ] && pass "nothing sent before its time" || fail "$(outbox) sent early"
expect_grep "$T/at.out" "2026-12 is scheduled for ${at%:*}" "send --at says when, in local time"
"$BULLETIN" issues >"$T/issues.out"
expect_grep "$T/issues.out" "SCHEDULED" "issues has a SCHEDULED column"
expect_grep "$T/issues.out" "${at%:*}" "... showing the time"
"$BULLETIN" status 2026-12 >"$T/status1.out"
expect_grep "$T/status1.out" "scheduled for ${at%:*}" "status shows the schedule"
cp "$T/serve.log" "$T/serve1.log"
WS=$T/sample start_server
# send --due from a timer, racing serve the whole time.
( for _ in $(seq 1 30); do "$BULLETIN" send --due >>"$T/due.out" 2>&1 || true; sleep 0.2; done ) &
racer=$!
PIDS+=("$racer")
for _ in $(seq 1 150); do
  [ "$(db "SELECT finished_at > 0 FROM campaigns WHERE issue = '2026-12'" 2>/dev/null)" = 1 ] && break
  sleep 0.1
done
wait "$racer" || true
sleep 1
stop_server
started=$(db "SELECT count(*) FROM issue_events WHERE issue = '2026-12' AND event = 'schedule started'")
[ "$started" = 1 ] && pass "the schedule started exactly once" || fail "the schedule started $started times"
[ "$(db "SELECT state FROM issue_schedules WHERE issue = '2026-12'")" = started ] && pass "... and is recorded as started" ||
  fail "schedule state: $(db "SELECT state FROM issue_schedules")"
[ "$(outbox)" = "$N" ] && pass "every active subscriber got it once ($N)" || fail "$(outbox) messages for $N subscribers"
dups=$(grep -h '^To:' outbox/new/* | sort | uniq -d | wc -l)
[ "$dups" = 0 ] && pass "nobody got it twice" || fail "$dups addresses got it twice"
log_starts=$(cat "$T/serve1.log" "$T/serve.log" "$T/due.out" | grep -c "starting the scheduled send of 2026-12" || true)
[ "$log_starts" = 1 ] && pass "one runner says it started the send" || fail "$log_starts runners started it"
"$BULLETIN" status 2026-12 >"$T/status2.out"
expect_grep "$T/status2.out" "started by its schedule" "status says the schedule started it"
expect_grep "$T/status2.out" "issues/2026-12: sent" "... and that it was sent"
# Restarted once more after the send: nothing fires again.
WS=$T/sample start_server
sleep 2
stop_server
[ "$(outbox)" = "$N" ] && pass "a later serve sends nothing more" || fail "$(outbox) messages after a restart"

# --- a change after the approval cancels the schedule, saying so
"$BULLETIN" compile 2026-11 >/dev/null && "$BULLETIN" approve 2026-11 >/dev/null
"$BULLETIN" send 2026-11 --at "$(local_time 86400)" >/dev/null
echo "One more line." >> issues/2026-11/play-streets.md
"$BULLETIN" status 2026-11 >"$T/changed.out" 2>&1
expect_grep "$T/changed.out" "the scheduled send of 2026-11 for" "a change cancels the schedule"
expect_grep "$T/changed.out" "issues/2026-11/play-streets.md changed since it was approved" "... naming the file changed"
[ "$(db "SELECT state FROM issue_schedules WHERE issue = '2026-11'")" = cancelled ] && pass "... recorded as cancelled" ||
  fail "schedule of 2026-11: $(db "SELECT state FROM issue_schedules WHERE issue = '2026-11'")"
"$BULLETIN" status 2026-11 >"$T/changed2.out" 2>&1
expect_grep "$T/changed2.out" "was cancelled: issues/2026-11/play-streets.md changed" "status keeps saying why"
# Compiled and approved again at once: the approval says so too.
"$BULLETIN" compile 2026-11 >/dev/null && "$BULLETIN" approve 2026-11 >/dev/null
"$BULLETIN" send 2026-11 --at "$(local_time 86400)" >/dev/null
echo "Another line." >> issues/2026-11/play-streets.md
"$BULLETIN" compile 2026-11 >/dev/null
"$BULLETIN" approve 2026-11 >"$T/reapprove.out" 2>&1
expect_grep "$T/reapprove.out" "the scheduled send of 2026-11 for" "approving a changed issue cancels its schedule"
expect_grep "$T/reapprove.out" "issues/2026-11/play-streets.md changed since it was approved" "... naming the file changed"

# --- --cancel by hand
"$BULLETIN" compile 2026-11 >/dev/null && "$BULLETIN" approve 2026-11 >/dev/null
"$BULLETIN" send 2026-11 --at "$(local_time 86400)" >/dev/null
"$BULLETIN" send 2026-11 --cancel >"$T/cancel.out" 2>&1 || fail "--cancel exited $?"
expect_grep "$T/cancel.out" "the scheduled send of 2026-11 for" "--cancel says what it cancelled"
rc=0; "$BULLETIN" send 2026-11 --cancel >"$T/cancel2.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && expect_grep "$T/cancel2.out" "2026-11 has no scheduled send to cancel" "cancelling twice says there is none" ||
  fail "second --cancel exited $rc"

# --- missed by more than the grace: waits for a person, and says why
"$BULLETIN" send 2026-11 --at "$(local_time 86400)" >/dev/null
db "UPDATE issue_schedules SET due_at = strftime('%s','now') - 7 * 3600 WHERE issue = '2026-11' AND state = 'waiting'"
before=$(outbox)
"$BULLETIN" send --due >"$T/held.out" 2>&1 || fail "send --due exited $?"
expect_grep "$T/held.out" "the scheduled send of 2026-11 is held" "send --due holds a schedule missed beyond the grace"
expect_grep "$T/held.out" "longer ago than schedule.grace_hours (6)" "... saying why"
[ "$(outbox)" = "$before" ] && pass "... and sends nothing" || fail "a held schedule was sent"
"$BULLETIN" status 2026-11 >"$T/held-status.out"
expect_grep "$T/held-status.out" "scheduled send held: it was due at" "status shows why it waits"
"$BULLETIN" issues >"$T/held-issues.out"
expect_grep "$T/held-issues.out" "scheduled send missed" "issues notes it"
"$BULLETIN" send --due >"$T/held2.out" 2>&1
[ "$(outbox)" = "$before" ] && pass "a held schedule stays held" || fail "a held schedule was sent later"
# A person sends it: the held schedule is over, and says so.
"$BULLETIN" send 2026-11 >"$T/byhand.out" 2>&1 || { fail "send by hand:"; cat "$T/byhand.out" >&2; }
[ "$(outbox)" = "$((before + N))" ] && pass "the person's send reaches everyone" || fail "$(outbox) messages after the send by hand"
"$BULLETIN" status 2026-11 >"$T/byhand-status.out" 2>&1
expect_grep "$T/byhand-status.out" "was cancelled: a send of it was started another way" "the held schedule is closed by the send by hand"
[ "$(db "SELECT count(*) FROM issue_schedules WHERE issue = '2026-11' AND state IN ('waiting', 'held')")" = 0 ] &&
  pass "... and no schedule of it is open" || fail "a schedule of 2026-11 is still open"

# --- missed by less than the grace: starts at the next chance
"$BULLETIN" compile 2026-10 >/dev/null && "$BULLETIN" approve 2026-10 >/dev/null
before=$(outbox)
"$BULLETIN" send 2026-10 --at "$(local_time 86400)" >/dev/null
db "UPDATE issue_schedules SET due_at = strftime('%s','now') - 3600 WHERE issue = '2026-10' AND state = 'waiting'"
"$BULLETIN" send --due >"$T/late.out" 2>&1 || { fail "send --due (late):"; cat "$T/late.out" >&2; }
expect_grep "$T/late.out" "starting the scheduled send of 2026-10" "a schedule missed within the grace starts"
[ "$(outbox)" = "$((before + N))" ] && pass "... and reaches everyone" || fail "$(outbox) messages, wanted $((before + N))"
finish
