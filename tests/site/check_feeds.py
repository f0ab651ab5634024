#!/usr/bin/python3
"""Reads a built public/ through real parsers and checks what a feed
reader or a calendar program would get.

  python3 tests/site/check_feeds.py PUBLIC_DIR NOW_ISO

Atom (feedparser): feed.xml and case-studies/feed.xml parse without
complaint, every entry has a title, link, id and date. iCalendar
(icalendar): events.ics and every issues/*/*.ics parse, lines are CRLF
and at most 75 octets, UIDs are unique, each event has DTSTAMP, DTSTART,
SUMMARY and URL, events.ics holds exactly the events starting at or after
NOW, and the spring health fair (10:00 Europe/London on 2027-03-28, the
day the clocks go forward) starts at 09:00 UTC. Prints one line per
check; exits 1 on any failure.
"""
import datetime
import glob
import os
import sys

import feedparser
import icalendar

failures = 0


def check(ok, what):
    global failures
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures += 1


def atom(path, want_min):
    f = feedparser.parse(path)
    check(not f.bozo, f"{path} is well-formed Atom"
          + ("" if not f.bozo else f": {f.bozo_exception}"))
    check(f.version == "atom10", f"{path} is Atom 1.0 ({f.version})")
    check(len(f.entries) >= want_min, f"{path} has {len(f.entries)} entries (at least {want_min})")
    for e in f.entries:
        check(e.get("title") and e.get("link") and e.get("id") and e.get("updated_parsed"),
              f"{path}: entry '{e.get('title')}' has title, link, id and date")
    ids = [e.id for e in f.entries]
    check(len(ids) == len(set(ids)), f"{path}: entry ids are unique")
    return f


def raw_lines_ok(path):
    data = open(path, "rb").read()
    lines = data.split(b"\r\n")
    check(lines[-1] == b"" and b"\n" not in data.replace(b"\r\n", b""),
          f"{path}: every line ends in CRLF")
    check(all(len(l) <= 75 for l in lines), f"{path}: lines are at most 75 octets")


def events(path):
    raw_lines_ok(path)
    cal = icalendar.Calendar.from_ical(open(path, "rb").read())
    evs = [c for c in cal.walk("VEVENT")]
    for ev in evs:
        check(all(k in ev for k in ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "URL")),
              f"{path}: {ev.get('SUMMARY')} has UID, DTSTAMP, DTSTART, SUMMARY, URL")
    tzs = [c for c in cal.walk("VTIMEZONE")]
    starts = [ev.decoded("DTSTART") for ev in evs]
    if any(isinstance(s, datetime.datetime) and s.tzinfo and str(s.tzinfo) != "UTC" for s in starts):
        check(len(tzs) == 1 and str(tzs[0]["TZID"]) == "Europe/London",
              f"{path}: a VTIMEZONE for Europe/London")
    return evs


def utc(dt):
    if isinstance(dt, datetime.datetime):
        return dt.astimezone(datetime.timezone.utc)
    return datetime.datetime(dt.year, dt.month, dt.day, tzinfo=datetime.timezone.utc)


def main():
    pub, now_iso = sys.argv[1], sys.argv[2]
    now = datetime.datetime.fromisoformat(now_iso.replace("Z", "+00:00"))
    atom(os.path.join(pub, "feed.xml"), 1)
    atom(os.path.join(pub, "case-studies", "feed.xml"), 1)

    every = {}
    for path in sorted(glob.glob(os.path.join(pub, "issues", "*", "*.ics"))):
        evs = events(path)
        check(len(evs) == 1, f"{path}: one event")
        for ev in evs:
            every[str(ev["UID"])] = ev
    check(len(every) >= 2, f"{len(every)} events with calendar files, UIDs distinct")
    upcoming = events(os.path.join(pub, "events.ics"))
    got = sorted(str(e["UID"]) for e in upcoming)
    want = sorted(u for u, e in every.items() if utc(e.decoded("DTSTART")) >= now)
    check(got == want, f"events.ics holds the upcoming events {want} (got {got})")
    past = [u for u, e in every.items() if utc(e.decoded("DTSTART")) < now]
    check(len(past) >= 1 and len(want) >= 1, f"events both before and after {now_iso}")
    fair = [e for e in every.values() if "health fair" in str(e["SUMMARY"])]
    check(len(fair) == 1, "the spring health fair has a calendar file")
    if fair:
        start = utc(fair[0].decoded("DTSTART"))
        check(start == datetime.datetime(2027, 3, 28, 9, 0, tzinfo=datetime.timezone.utc),
              f"10:00 Europe/London on 2027-03-28 is 09:00 UTC (got {start.isoformat()})")
        end = utc(fair[0].decoded("DTEND"))
        check(end.hour == 14, f"its end, 15:00 BST, is 14:00 UTC (got {end.isoformat()})")
    winter = [e for e in every.values() if utc(e.decoded("DTSTART")).month in (1, 11, 12)]
    for e in winter:
        local = e.decoded("DTSTART")
        check(utc(local).hour == local.hour, f"{e['SUMMARY']}: in GMT, local time is UTC")
    sys.exit(1 if failures else 0)


main()
