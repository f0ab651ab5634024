# A partner's page shows the click counts on the links of its own pieces
# in the issues sent (tracking.clicks), split as 'status --clicks' splits
# them (people, early, link checkers), and nothing of another partner's
# pieces; without tracking.clicks it shows none.
source tests/lib.sh
source tests/web/lib.sh
clicks_workspace
"$BULLETIN" compile 2026-12 >/dev/null
"$BULLETIN" approve 2026-12 >/dev/null
"$BULLETIN" send 2026-12 >"$T/send.out" 2>&1 || { fail "send:"; cat "$T/send.out" >&2; }
db() { sqlite3 subscribers/bulletin.db "$1"; }
# Counts that say which link they are: people 100+N, early 200+N,
# link checkers 300+N.
db "UPDATE click_links SET people = 100 + n, early = 200 + n, scanner = 300 + n"
"$BULLETIN" partners add "Luton Council Public Health" --contact amina@luton.gov.uk >/dev/null
"$BULLETIN" partners add "East London NHS Foundation Trust" --contact team@elft.nhs.uk >/dev/null
"$BULLETIN" partners add "Nobody Yet" --contact someone@example.org >/dev/null
page_of() { local link; link=$("$BULLETIN" partners link "$1"); echo "/contribute/${link##*/contribute/}"; }
luton=$(page_of "Luton Council Public Health")
elft=$(page_of "East London NHS Foundation Trust")
nobody=$(page_of "Nobody Yet")
L=issues/2026-12/build/links

start_server
expect_status luton 200 "Luton Council Public Health's page" "$URL$luton"
expect_grep "$T/luton.b" "Clicks on the links in your pieces" "it shows the click counts"
expect_grep "$T/luton.b" "nobody who clicked is recorded" "... and says what they are"
mine=0
while IFS=$'\t' read -r n piece partner url; do
  row="<tr><td>$url</td><td>$((100 + n))</td><td>$((200 + n))</td><td>$((300 + n))</td></tr>"
  if [ "$partner" = "Luton Council Public Health" ]; then
    mine=$((mine + 1))
    expect_grep "$T/luton.b" "$row" "link $n ($piece): people, early and link checkers"
    expect_grep "$T/luton.b" "<caption>$piece: $((100 + n)) people, $((200 + n)) early, $((300 + n)) from link checkers</caption>" "... and the piece's totals"
  else
    expect_no_grep "$T/luton.b" "<td>$((100 + n))</td>" "not link $n, $partner's"
  fi
done < $L
[ "$mine" = 3 ] && pass "the sample issue has 3 links of Luton Council Public Health's pieces" || fail "$mine links of theirs"
expect_grep "$T/luton.b" "<h3>One year on as a Health Equity Town</h3>" "the sent issue is named by its title"

expect_status elft 200 "East London NHS Foundation Trust's page" "$URL$elft"
n=$(awk -F'\t' '$3 == "East London NHS Foundation Trust" {print $1}' $L)
expect_grep "$T/elft.b" "<td>$((100 + n))</td><td>$((200 + n))</td><td>$((300 + n))</td>" "ELFT sees its link's counts"
expect_no_grep "$T/elft.b" "eight-marmot-principles" "... and not another partner's piece"

expect_status nobody 200 "a partner with no piece sent" "$URL$nobody"
expect_no_grep "$T/nobody.b" "Clicks on the links" "... shows no counts"
stop_server

# Without tracking.clicks, no counts are shown.
sed -i 's/^  clicks: true/  clicks: false/' bulletin.yaml
start_server
expect_status off 200 "the page without tracking.clicks" "$URL$luton"
expect_no_grep "$T/off.b" "Clicks on the links" "no counts without tracking.clicks"
stop_server
finish
