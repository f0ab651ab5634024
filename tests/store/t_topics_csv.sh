# Topics at the command line: a CSV import's topics column (unknown
# topics rejected with the row and the nearest topic; someone new
# without topics gets the default ones), subscribers add --topic, list
# and export --topic, and an export that imports again with its topics.
source tests/lib.sh
new_workspace
cd "$T/ws"
printf '%s\n' "topics:" "  - key: news" "    title: Everything" "    default: true" \
  "  - key: events" "    title: Events only" >> bulletin.yaml
printf 'email,name,topics\r\na@example.org,A,events\r\nb@example.org,B,"news, events"\r\nc@example.org,C,\r\nd@example.org,D,evnts\r\ne@example.org,E,news;events\r\n' > in.csv
"$BULLETIN" subscribers import in.csv > imp.out 2> imp.err
expect_grep imp.out "4 added" "the good rows are in"
expect_grep imp.err "in.csv:5: d@example.org: unknown topic 'evnts' in the topics column: did you mean 'events'?" \
  "an unknown topic names the row and the nearest topic"
"$BULLETIN" subscribers show c@example.org > c.out
expect_grep c.out "topics:       news" "no topics given: the default ones"
"$BULLETIN" subscribers list --topic events > ev.out
[ "$(awk '{print $2}' ev.out | tr '\n' ' ')" = "a@example.org b@example.org e@example.org " ] &&
  pass "list --topic events" || { fail "list --topic events:"; cat ev.out >&2; }
"$BULLETIN" subscribers list --topic evnts > bad.out 2>&1 && fail "an unknown --topic exited 0" ||
  expect_grep bad.out "no topic 'evnts'; did you mean 'events'?" "an unknown --topic suggests one"
"$BULLETIN" subscribers add f@example.org --topic events >/dev/null
"$BULLETIN" subscribers show f@example.org > f.out
expect_grep f.out "topics:       events" "add --topic"
# A row with topics changes those of someone held, as an event.
printf 'email,topics\na@example.org,news\n' > change.csv
"$BULLETIN" subscribers import change.csv >/dev/null 2>&1
"$BULLETIN" subscribers show a@example.org > a.out
expect_grep a.out "topics:       news" "an import changes someone's topics"
expect_grep a.out "topics changed by an import" "and says so in their history"
"$BULLETIN" subscribers export --topic events - > ex.csv
expect_grep ex.csv ',"news, events"' "the export's topics column"
[ "$(grep -c example.org ex.csv)" = 3 ] && pass "export --topic events: 3" || fail "export: $(cat ex.csv)"
rm -f subscribers/bulletin.db*
"$BULLETIN" subscribers import ex.csv >/dev/null 2>&1
"$BULLETIN" subscribers show b@example.org > b.out
expect_grep b.out "topics:       news, events" "an export imports again with its topics"
# Without topics in bulletin.yaml a topics column is refused row by row.
"$BULLETIN" init "$T/ws2" >/dev/null
cp "$ROOT/bulletin.yaml" "$T/ws2/"
cd "$T/ws2"
printf 'email,topics\ng@example.org,news\nh@example.org,\n' > none.csv
"$BULLETIN" subscribers import none.csv > n.out 2> n.err
expect_grep n.err "none.csv:2: g@example.org: the topics column names 'news', but bulletin.yaml offers no topics" \
  "topics without any configured: the row says so"
expect_grep n.out "1 added" "the row without topics is in"
finish
