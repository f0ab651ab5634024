# Shared by the desk's tests (sourced after tests/lib.sh and
# tests/web/lib.sh): users, logging in with curl, the anti-forgery token.
DESK_PW=correct-horse-battery

# desk_workspace [four-eyes]: the sample in $WS over plain http (curl
# keeps Secure cookies off http), its subscribers imported; with
# four-eyes, workflow.four_eyes on.
desk_workspace() {
  sample_workspace
  WS=$T/sample
  sed -i 's|^  base_url: .*|  base_url: http://news.example.org|' "$WS/bulletin.yaml"
  if [ "${1:-}" = four-eyes ]; then
    sed -i 's/^  four_eyes: false/  four_eyes: true/' "$WS/bulletin.yaml"
    grep -q '^  four_eyes: true' "$WS/bulletin.yaml" || fail "four_eyes not on"
  fi
  (cd "$WS" && "$BULLETIN" subscribers import subscribers/sample.csv >/dev/null)
}

# desk_user NAME ROLE: a desk user with the password $DESK_PW.
desk_user() {
  (cd "$WS" && BULLETIN_PASSWORD=$DESK_PW "$BULLETIN" users add "$1" --role "$2" >/dev/null)
}

# desk_login JAR NAME [PASSWORD [CLIENT]]: logs in with curl's cookie jar
# JAR (the login form first, for its nonce and token); prints the status.
desk_login() {
  local jar=$1 name=$2 pw=${3:-$DESK_PW} client=${4:-192.0.2.10} token
  curl -s -c "$jar" -b "$jar" -H "X-Forwarded-For: $client" "$URL/desk/login" >"$T/login-form.b"
  token=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/login-form.b" | head -1)
  curl -s -o "$T/login.b" -D "$T/login.h" -w '%{http_code}' -c "$jar" -b "$jar" \
    -H "X-Forwarded-For: $client" --data-urlencode "csrf=$token" \
    --data-urlencode "name=$name" --data-urlencode "password=$pw" "$URL/desk/login"
}

# desk_csrf JAR: the anti-forgery token of the session in JAR.
desk_csrf() {
  curl -s -b "$1" "$URL/desk/" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1
}

# desk_post JAR NAME PATH [CURL-ARGS...]: a POST with the session's
# token; body and headers in $T/NAME.b and .h; prints the status.
desk_post() {
  local jar=$1 name=$2 path=$3 token; shift 3
  token=$(desk_csrf "$jar")
  curl -s -o "$T/$name.b" -D "$T/$name.h" -w '%{http_code}' -b "$jar" \
    --data-urlencode "csrf=$token" "$@" "$URL$path"
}
