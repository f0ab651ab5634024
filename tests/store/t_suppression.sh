# Suppression through the command line: unsubscribed (and, through the
# store, bounced and complained) addresses are never made active again by
# add or import; only resubscribe --reason does, recording why. Erased
# addresses stay suppressed across imports, their data gone.
source tests/lib.sh
mkdir -p "$T/ws" && cp "$ROOT/bulletin.yaml" "$T/ws/" && cd "$T/ws"
B=$BULLETIN
db=subscribers/bulletin.db
status() { sqlite3 "$db" "SELECT status FROM subscribers WHERE email = '$1'"; }

"$B" subscribers add left@example.org >/dev/null
"$B" subscribers add bounced@example.org >/dev/null
"$B" subscribers add complained@example.org >/dev/null
"$B" subscribers add erased@example.org --name "Eve Rased" >/dev/null
"$B" subscribers unsubscribe left@example.org >/dev/null
# bounces and complaints come from the inbox reader later; the store
# keeps the same rule for them, so mark them as it would
sqlite3 "$db" "UPDATE subscribers SET status = 'bounced' WHERE email = 'bounced@example.org';
               UPDATE subscribers SET status = 'complained' WHERE email = 'complained@example.org';"
"$B" subscribers erase erased@example.org > "$T/out"
expect_grep "$T/out" "erased erased@example.org" "erase reports"
[ -z "$(sqlite3 "$db" "SELECT 1 FROM subscribers WHERE email = 'erased@example.org'")" ] \
  && pass "erased row is gone" || fail "erased row still there"
[ "$(sqlite3 "$db" "SELECT count(*) FROM events WHERE detail LIKE '%erased%' OR source = 'erased'")" = 0 ] \
  && pass "no event mentions it" || fail "events left"
if sqlite3 "$db" .dump | grep -qi "erased@example.org\|Eve Rased"; then
  fail "the erased address or name is still somewhere in the store"
else pass "no trace of the address or name in the whole store"; fi

for addr in left bounced complained erased; do
  code=0; "$B" subscribers add "$addr@example.org" > "$T/out" 2> "$T/err" || code=$?
  [ "$code" = 1 ] && pass "add $addr refused (exit 1)" || fail "add $addr: exit $code"
  expect_grep "$T/err" "resubscribe $addr@example.org --reason" "add $addr says how to come back"
done
for st in active pending; do
  printf 'email,name\nLEFT@example.org,L\nbounced@EXAMPLE.org,B\ncomplained@example.org,C\nErased@Example.org,E\nnew-%s@example.org,N\n' "$st" > "$T/in.csv"
  "$B" subscribers import --status "$st" "$T/in.csv" > "$T/out" 2> "$T/err"
  expect_grep "$T/out" "1 added, 0 updated, 0 unchanged, 4 suppressed (not re-activated)" "import --status $st: 4 suppressed"
  expect_grep "$T/err" "in.csv:2: LEFT@example.org: unsubscribed, bounced or complained before; not re-activated" "import names the unsubscribed row ($st)"
  expect_grep "$T/err" "in.csv:5: Erased@example.org: erased on request before; not added" "import names the erased row ($st)"
done
[ "$(status left@example.org)" = unsubscribed ] && pass "still unsubscribed" || fail "left is $(status left@example.org)"
[ "$(status bounced@example.org)" = bounced ] && pass "still bounced" || fail "bounced is $(status bounced@example.org)"
[ "$(status complained@example.org)" = complained ] && pass "still complained" || fail "complained is $(status complained@example.org)"
[ -z "$(status erased@example.org)" ] && pass "erased stays out" || fail "erased came back"
"$B" subscribers list --status active > "$T/out"
expect_no_grep "$T/out" "left@" "not listed as active"
"$B" subscribers data erased@example.org > "$T/out"
expect_grep "$T/out" '"erased_and_suppressed": true' "data says erased"
expect_grep "$T/out" '"subscriber": null' "data holds nothing else"

# only resubscribe, with a reason, brings them back
code=0; "$B" subscribers resubscribe left@example.org > /dev/null 2> "$T/err" || code=$?
[ "$code" = 2 ] && pass "resubscribe without --reason is a usage error" || fail "exit $code"
for addr in left bounced complained erased; do
  "$B" subscribers resubscribe "$addr@example.org" --reason "asked on the phone, 3 March" > "$T/out"
  expect_grep "$T/out" "$addr@example.org is active again" "resubscribe $addr"
  [ "$(status $addr@example.org)" = active ] && pass "$addr active" || fail "$addr is $(status $addr@example.org)"
done
"$B" subscribers show left@example.org > "$T/out"
expect_grep "$T/out" "unsubscribed -> active  (cli) asked on the phone, 3 March" "the reason is in the history"
finish
