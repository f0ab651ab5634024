# The sample history's feeds and calendars through real parsers (Debian's
# python3-feedparser and python3-icalendar): valid Atom, valid iCalendar
# with a VTIMEZONE for Europe/London, the events split at the build's
# "now", and the day the clocks change handled (check_feeds.py says
# what is checked). The calendar files are served as text/calendar.
# Debian's own python3 (/usr/bin/python3) holds those packages.
source tests/lib.sh
source tests/web/lib.sh
/usr/bin/python3 -c 'import feedparser, icalendar' 2>/dev/null \
  || { echo "FAIL: python3-feedparser or python3-icalendar missing: run scripts/deps test" >&2; exit 1; }
sample_workspace
publish_sample
/usr/bin/python3 "$ROOT/tests/site/check_feeds.py" "$T/sample/public" "$SAMPLE_NOW" > "$T/out" 2>&1 \
  && pass "feeds and calendars parse and agree ($(grep -c '^ok' "$T/out") checks)" \
  || { fail "feeds or calendars:"; grep -v '^ok' "$T/out" >&2; }

# Upcoming events soonest first on the events page, then the past ones.
python3 - "$T/sample/public/events/index.html" <<'PY' && pass "events page: upcoming soonest first, then past" || fail "events page order"
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
up, past = html.split('id="past"')
up_titles = re.findall(r'class="piece-title"><a [^>]*>([^<]*)<', up)
past_titles = re.findall(r'class="piece-title"><a [^>]*>([^<]*)<', past.split('id="news"')[0])
want_up = ["Learning session: putting the principles into practice", "Spring health fair in Wardown Park"]
want_past = ["Save the date: One Year On conference"]
sys.exit(0 if up_titles == want_up and past_titles == want_past else print(up_titles, past_titles) or 1)
PY

# Served with the right types.
WS=$T/sample
start_server
expect_status ics 200 "events.ics" "$URL/events.ics"
has_header ics 'Content-Type: text/calendar; charset=utf-8' && pass "text/calendar" || fail "events.ics content type"
expect_status cs 200 "the case studies feed" "$URL/case-studies/feed.xml"
has_header cs 'Content-Type: application/atom\+xml' && pass "Atom type" || fail "case studies feed type"
for p in / /case-studies/ /case-studies/best-start/ /sections/work/ /partners/ /events/ /issues/ \
         /partners/luton-council-public-health/ /issues/2026-11/ /2026-11/; do
  expect_status pg 200 "$p" "$URL$p"
done
stop_server
finish
