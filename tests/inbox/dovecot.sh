# Sourced by the IMAP and POP3 tests (after ../lib.sh): a throw-away
# Dovecot on 127.0.0.1 in a temporary directory, as in
# ../shared/notes/dovecot-loopback.md, with the user "bounces" (password
# "secret"). Stopped by PID when the test exits.

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_dovecot DIR TLS: TLS is "no", or "yes" for a certificate for
# "localhost" signed by a test authority ($DIR/ca.pem). Sets IMAP_PORT,
# IMAPS_PORT (TLS only) and POP3_PORT.
start_dovecot() {
  local d=$1 tls=$2 ssl_conf="ssl = no" imaps_port=0
  for bin in dovecot /usr/lib/dovecot/imap /usr/lib/dovecot/pop3; do
    [ -x "$(command -v "$bin")" ] || {
      fail "$bin missing: install dovecot-imapd and dovecot-pop3d (scripts/deps test)"
      return 1
    }
  done
  mkdir -p "$d/run" "$d/state" "$d/mail"
  # Dovecot's unprivileged processes must reach the files.
  chmod 755 "$T" "$d"
  chown nobody:nogroup "$d/mail"
  printf 'bounces:{PLAIN}secret\n' > "$d/users"
  IMAP_PORT=$(free_port)
  POP3_PORT=$(free_port)
  IMAPS_PORT=
  if [ "$tls" = yes ]; then
    IMAPS_PORT=$(free_port)
    imaps_port=$IMAPS_PORT
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Test CA" \
      -keyout "$d/ca.key" -out "$d/ca.pem" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
      -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$d/ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
      -CAcreateserial -days 2 -extfile "$d/ext" -out "$d/server.pem" 2>/dev/null
    chmod 644 "$d/server.key"
    ssl_conf="ssl = yes
ssl_cert = <$d/server.pem
ssl_key = <$d/server.key"
  fi
  cat > "$d/dovecot.conf" <<EOF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
$ssl_conf
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:$d/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN $d/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$d/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3_PORT
  }
  inet_listener pop3s {
    port = 0
  }
}
EOF
  dovecot -c "$d/dovecot.conf" || { fail "dovecot did not start: $(cat "$d/dovecot.log" 2>/dev/null)"; return 1; }
  for _ in $(seq 50); do
    [ -s "$d/run/master.pid" ] && python3 - "$IMAP_PORT" <<'PY' 2>/dev/null && break
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
PY
    sleep 0.2
  done
  [ -s "$d/run/master.pid" ] || { fail "dovecot wrote no PID"; return 1; }
  PIDS+=("$(cat "$d/run/master.pid")")
}
