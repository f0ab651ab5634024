# The click redirect keeps the links of many sent issues at once, loaded
# from the store when the server starts, or within a second or two of a
# send recording them while it runs, and found without the store (a
# sorted table, a new issue going in at the front, the middle or the
# end): every issue answers with its own links, and every click is
# counted against its own issue (no send recorded for them: the clicks
# count as early).
source tests/lib.sh
source tests/web/lib.sh
web_workspace "tracking:" "  clicks: true"
DB=$WS/subscribers/bulletin.db
(cd "$WS" && "$BULLETIN" subscribers list >/dev/null) # creates the store
ids="2026-05 2026-01 2026-09 2026-03 2026-07 2026-02"
for id in $ids; do
  sqlite3 "$DB" "INSERT INTO click_links (issue, n, url, piece, partner) VALUES
    ('$id', 1, 'https://example.org/$id/one', 'p', 'P'),
    ('$id', 2, 'https://example.org/$id/two', 'p', 'P')"
done
BROWSER='Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
start_server
ok=1
# First clicks in that order (middle, front, end, ...), then all again.
for round in 1 2; do
  for id in $ids; do
    for n in 1 2; do
      code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -A "$BROWSER" "$URL/r/$id/$n")
      loc=$(sed -n 's/^Location: //Ip' "$T/h" | tr -d '\r')
      want=https://example.org/$id/$([ $n = 1 ] && echo one || echo two)
      [ "$code" = 302 ] && [ "$loc" = "$want" ] || { ok=0; echo "  /r/$id/$n: $code $loc" >&2; }
    done
  done
done
[ $ok = 1 ] && pass "six issues, each first clicked in turn: every link answers its own address" || fail "a link answered wrongly"
expect_status none 404 "an issue with no links recorded" -A "$BROWSER" "$URL/r/2026-04/1"
# An issue whose send starts while the server runs (its links recorded
# now, after a first click that found none): found within a
# second or two, counted from then on.
sqlite3 "$DB" "INSERT INTO click_links (issue, n, url, piece, partner) VALUES
  ('2026-04', 1, 'https://example.org/2026-04/one', 'p', 'P')"
sleep 2.5
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -A "$BROWSER" "$URL/r/2026-04/1")
loc=$(sed -n 's/^Location: //Ip' "$T/h" | tr -d '\r')
[ "$code" = 302 ] && [ "$loc" = https://example.org/2026-04/one ] && pass "an issue recorded while serving answers within seconds" ||
  fail "2026-04 after its links were recorded: $code $loc"
stop_server
[ "$(sqlite3 "$DB" "SELECT early FROM click_links WHERE issue = '2026-04'")" = 1 ] && pass "... and its click is counted" ||
  fail "2026-04 counted $(sqlite3 "$DB" "SELECT early FROM click_links WHERE issue = '2026-04'")"
sqlite3 "$DB" "DELETE FROM click_links WHERE issue = '2026-04'"
got=$(sqlite3 "$DB" "SELECT group_concat(issue || ':' || n || '=' || early, ' ') FROM (SELECT * FROM click_links ORDER BY issue, n)")
want=$(for id in $(echo $ids | tr ' ' '\n' | sort); do printf '%s:1=2 %s:2=2 ' "$id" "$id"; done | sed 's/ $//')
[ "$got" = "$want" ] && pass "each click counted against its own issue and link" || fail "counts: $got (wanted $want)"
finish
