# A private Postfix on loopback (../shared/notes/postfix-loopback.md),
# sourced after tests/lib.sh. start_postfix [MAIN_CF_LINE...] starts it in
# $P = $T/postfix on a free port ($PORT), delivering *@example.org into
# $MAILDIR, with any extra main.cf lines; it is stopped by PID on exit.
for tool in /usr/sbin/postfix /usr/sbin/postqueue /usr/bin/sqlite3; do
  [ -x "$tool" ] || { echo "FAIL: $tool is missing: scripts/deps test installs it" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "FAIL: a private Postfix instance needs root (its master runs as root)" >&2; exit 1; }
P=$T/postfix
MAILDIR=$P/mail/example.org
master_pid=
stop_postfix() {
  [ -n "$master_pid" ] || return 0
  postfix -c "$P/conf" stop >/dev/null 2>&1 || true
  for _ in $(seq 50); do kill -0 "$master_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$master_pid" 2>/dev/null || true
  master_pid=
}
trap 'stop_postfix; cleanup' EXIT
show_maillog() { echo "--- $P/maillog (last 30 lines):" >&2; tail -30 "$P/maillog" >&2 || true; }

start_postfix() {
  mkdir -p "$P/conf" "$P/queue" "$P/data" "$P/mail"
  chmod 755 "$T" # postfix and nobody walk into their directories below
  chown postfix "$P/data"
  chown nobody:nogroup "$P/mail"
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # master.cf: smtpd on 127.0.0.1:PORT, nothing chrooted (the queue
  # directory holds no copy of /etc).
  awk -v port="$PORT" 'BEGIN { OFS = "  " }
    /^[a-z0-9]/ && NF >= 8 {
      if ($1 == "smtp" && $2 == "inet") $1 = "127.0.0.1:" port
      $5 = "n"
    }
    { print }' /etc/postfix/master.cf >"$P/conf/master.cf"
  cat >"$P/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.test.example
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
maillog_file = $P/maillog
maillog_file_prefixes = $P
virtual_mailbox_domains = example.org
virtual_mailbox_base = $P/mail
virtual_mailbox_maps = static:example.org/
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)
EOF
  if [ $# -gt 0 ]; then printf '%s\n' "$@" >>"$P/conf/main.cf"; fi
  postfix -c "$P/conf" start >/dev/null 2>&1 || { fail "postfix did not start"; show_maillog; exit 1; }
  master_pid=$(tr -d ' ' <"$P/queue/pid/master.pid")
  PIDS+=("$master_pid")
  for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
    sleep 0.1
  done
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null \
    && pass "postfix listens on 127.0.0.1:$PORT" || { fail "postfix does not listen"; show_maillog; exit 1; }
}
