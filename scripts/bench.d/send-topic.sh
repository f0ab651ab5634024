# scripts/bench send topic: sourced by scripts/bench.d/send in its
# workspace ($W, the sample issue compiled), with N and RUNS set. See
# the head of scripts/bench.d/send.
cat >> bulletin.yaml <<'YAML'
topics:
  - key: news
    title: The whole newsletter
    default: true
  - key: events
    title: Events only
YAML
rm -rf issues/2026-12t && cp -r issues/2026-12 issues/2026-12t && rm -rf issues/2026-12t/build
echo 'topics: [events]' >> issues/2026-12t/issue.yaml
python3 - "$N" >"$W/topic.csv" <<'PY'
import sys
print("email,name,topics")
for i in range(int(sys.argv[1])):
    print(f"reader{i:07d}@example.net,Reader Number {i},{'news events' if i % 2 == 0 else 'news'}")
PY
rm -f subscribers/bulletin.db*
"$BULLETIN" subscribers import "$W/topic.csv" >/dev/null
mv subscribers/bulletin.db "$W/topic.db"
rm -f subscribers/bulletin.db* "$W/topic.csv"
# The recipients' query of both sends (add_recipients in
# src/store/store_send.c, the same text here), its plan and its time on a
# copy of the store: the topic is one more test on the row the scan
# already reads, so both plans must be the same.
plan_once() { # plan_once FILTER: "plan|seconds rows"
  local q="INSERT INTO journal (campaign_id, subscriber_id, status, updated_at) SELECT 1, id, 'pending', 0 FROM subscribers WHERE status = 'active' AND id NOT IN (SELECT subscriber_id FROM journal WHERE campaign_id = 1)$1"
  cp "$W/topic.db" "$W/plan.db"
  sqlite3 "$W/plan.db" "INSERT INTO campaigns (id, issue, subject, started_at) VALUES (1, 'plan', 'plan', 0)"
  printf '%s|' "$(sqlite3 "$W/plan.db" "EXPLAIN QUERY PLAN $q" | tail -n +2 | sed 's/^[ |`-]*//' | paste -sd ';')"
  python3 - "$W/plan.db" "$q" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
t = time.perf_counter(); n = db.execute(sys.argv[2]).rowcount
print(f"{time.perf_counter() - t:.2f} {n}")
PY
  rm -f "$W"/plan.db*
}
bit=$(sqlite3 "$W/topic.db" "SELECT 1 << bit FROM topic_bits WHERE key = 'events'")
all=$(plan_once "")
one=$(plan_once " AND (topics & $bit) != 0")
IFS='|' read -r plan_all time_all <<< "$all"
IFS='|' read -r plan_one time_one <<< "$one"
print_plans() {
  echo "  the recipients' query, every topic: $plan_all; ${time_all% *} s for ${time_all#* } rows"
  echo "  the recipients' query, events only: $plan_one; ${time_one% *} s for ${time_one#* } rows"
  [ "$plan_all" = "$plan_one" ] && echo "  the same plan: one scan of subscribers either way" || echo "  THE PLANS DIFFER"
}
port=$(free_port)
/usr/sbin/smtp-sink -u nobody "127.0.0.1:$port" 256 &
SERVERS+=($!)
wait_port "$port"
sed -i -e "s|^  transport: .*|  transport: smtp://127.0.0.1:$port|" -e "s|^  connections: .*|  connections: 4|" bulletin.yaml
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" compile 2026-12t >/dev/null
# topic_once ISSUE: a fresh copy of the store, the issue approved, sent;
# prints "seconds messages sending_seconds": the command's wall time, and
# the time the send itself records (campaigns.seconds: from the journal
# prepared to the last recipient settled, without starting the program
# and building the site at the end).
topic_once() {
  rm -f subscribers/bulletin.db*
  cp "$W/topic.db" subscribers/bulletin.db
  "$BULLETIN" approve "$1" >/dev/null
  read -r t _ < <(measure 1 "$BULLETIN" send "$1")
  echo "$t $(sqlite3 subscribers/bulletin.db "SELECT count(*) FROM journal WHERE status = 'sent'") $(sqlite3 subscribers/bulletin.db "SELECT seconds FROM campaigns")"
}
echo "bench send topic: $N subscribers (half with the topic), messages of $(stat -c %s issues/2026-12/build/email.html) bytes of HTML, $RUNS run(s) each, alternating, $(nproc) cores"
print_plans
all=() one=() all_s=() one_s=()
for _ in $(seq "$RUNS"); do
  read -r t n s < <(topic_once 2026-12)
  all+=("$(python3 -c "print($n / $t)")") all_s+=("$(python3 -c "print($n / $s)")")
  echo "  every topic: $n messages in $t s (sending $s s)"
  read -r t n s < <(topic_once 2026-12t)
  one+=("$(python3 -c "print($n / $t)")") one_s+=("$(python3 -c "print($n / $s)")")
  echo "  events only: $n messages in $t s (sending $s s)"
done
stop_servers
python3 - "$(median "${all[@]}")" "$(median "${one[@]}")" "$(median "${all_s[@]}")" "$(median "${one_s[@]}")" <<'PY'
import sys
a, o, a_s, o_s = (float(x) for x in sys.argv[1:5])
print(f"whole command: unfiltered {a:.0f} messages/s, filtered by topic {o:.0f} messages/s, "
      f"ratio {o / a:.2f} (goal >= 0.95)")
print(f"the send itself: unfiltered {a_s:.0f} messages/s, filtered by topic {o_s:.0f} messages/s, "
      f"ratio {o_s / a_s:.2f}")
PY
