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
port=$(free_port)
/usr/sbin/smtp-sink -u nobody "127.0.0.1:$port" 256 &
SERVERS+=($!)
wait_port "$port"
sed -i -e "s|^  transport: .*|  transport: smtp://127.0.0.1:$port|" -e "s|^  connections: .*|  connections: 4|" bulletin.yaml
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" compile 2026-12t >/dev/null
# topic_once ISSUE: a fresh copy of the store, the issue approved, sent;
# prints "seconds messages".
topic_once() {
  rm -f subscribers/bulletin.db*
  cp "$W/topic.db" subscribers/bulletin.db
  "$BULLETIN" approve "$1" >/dev/null
  read -r t _ < <(measure 1 "$BULLETIN" send "$1")
  echo "$t $(sqlite3 subscribers/bulletin.db "SELECT count(*) FROM journal WHERE status = 'sent'")"
}
echo "bench send topic: $N subscribers (half with the topic), messages of $(stat -c %s issues/2026-12/build/email.html) bytes of HTML, $RUNS run(s) each, alternating, $(nproc) cores"
all=() one=()
for _ in $(seq "$RUNS"); do
  read -r t n < <(topic_once 2026-12)
  all+=("$(python3 -c "print($n / $t)")")
  echo "  every topic: $n messages in $t s"
  read -r t n < <(topic_once 2026-12t)
  one+=("$(python3 -c "print($n / $t)")")
  echo "  events only: $n messages in $t s"
done
stop_servers
python3 - "$(median "${all[@]}")" "$(median "${one[@]}")" <<'PY'
import sys
all_rate, one_rate = float(sys.argv[1]), float(sys.argv[2])
print(f"unfiltered {all_rate:.0f} messages/s, filtered by topic {one_rate:.0f} messages/s, "
      f"ratio {one_rate / all_rate:.2f} (goal >= 0.95)")
PY
