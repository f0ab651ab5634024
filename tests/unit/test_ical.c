#include "ical.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

/* Unix time of a UTC "YYYY-MM-DDTHH:MM". */
static int64_t utc(const char *s)
{
	int64_t t = -1;

	CHECK(ical_utc(s, "UTC", &t) == 0);
	return t;
}

static void test_london(void)
{
	int64_t t;

	/* Winter: GMT, local time is UTC. */
	CHECK(ical_utc("2027-01-21T10:00", "Europe/London", &t) == 0);
	CHECK(t == utc("2027-01-21T10:00"));
	/* 2027-03-28, the last Sunday of March: BST from 01:00 GMT. */
	CHECK(ical_utc("2027-03-28T00:59", "Europe/London", &t) == 0);
	CHECK(t == utc("2027-03-28T00:59"));
	CHECK(ical_utc("2027-03-28T10:00", "Europe/London", &t) == 0);
	CHECK(t == utc("2027-03-28T09:00"));
	CHECK(ical_utc("2027-03-27T10:00", "Europe/London", &t) == 0);
	CHECK(t == utc("2027-03-27T10:00"));
	/* Summer. */
	CHECK(ical_utc("2027-07-01T12:00", "Europe/London", &t) == 0);
	CHECK(t == utc("2027-07-01T11:00"));
	/* 2027-10-31, the last Sunday of October: GMT from 02:00 BST. */
	CHECK(ical_utc("2027-10-31T00:30", "Europe/London", &t) == 0);
	CHECK(t == utc("2027-10-30T23:30"));
	CHECK(ical_utc("2027-10-31T02:00", "Europe/London", &t) == 0);
	CHECK(t == utc("2027-10-31T02:00"));
	/* Another year's rule: 2026-03-29 and 2026-10-25. */
	CHECK(ical_utc("2026-03-29T12:00", "Europe/London", &t) == 0);
	CHECK(t == utc("2026-03-29T11:00"));
	CHECK(ical_utc("2026-10-25T12:00", "Europe/London", &t) == 0);
	CHECK(t == utc("2026-10-25T12:00"));
	/* A date alone is its midnight; nonsense is refused. */
	CHECK(ical_utc("2027-06-01", "Europe/London", &t) == 0);
	CHECK(t == utc("2027-05-31T23:00"));
	CHECK(ical_utc("next tuesday", "Europe/London", &t) < 0);
	CHECK(ical_utc(NULL, "UTC", &t) < 0);
}

static void test_fold_escape(void)
{
	struct buf b = BUF_INIT, long_text = BUF_INIT;
	const char *p;
	size_t line = 0;

	ical_escape(&b, "a\\b;c,d\ne\r");
	CHECK_STR(b.data, "a\\\\b\\;c\\,d\\ne");
	buf_reset(&b);
	/* 200 octets of two-octet characters: folded, never mid-character. */
	for (int i = 0; i < 100; i++)
		buf_adds(&long_text, "\xc3\xa9");
	ical_line(&b, "SUMMARY", long_text.data);
	for (p = b.data; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			CHECK(line <= 75);
			line = 0;
			p++;
			if (p[1])
				CHECK(p[1] == ' ' &&
				      ((unsigned char)p[2] & 0xC0) != 0x80);
			continue;
		}
		line++;
	}
	CHECK(b.len >= 2 && !strcmp(b.data + b.len - 2, "\r\n"));
	buf_release(&b);
	buf_release(&long_text);
}

static void test_event(void)
{
	struct buf b = BUF_INIT;
	struct ical_event ev = {
	        "2027-03-x@example.org", "20261105T000000Z",
	        "2027-03-28T10:00",      "2027-03-28T15:00",
	        "Fair, with music",      NULL,
	        "Park; gate 2",          "https://example.org/e"};

	ical_begin(&b, "News", "Europe/London");
	CHECK(ical_add_event(&b, &ev, "Europe/London") == 0);
	ical_end(&b);
	CHECK(strstr(b.data, "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"));
	CHECK(strstr(b.data, "DTSTART;TZID=Europe/London:20270328T100000\r\n"));
	CHECK(strstr(b.data, "DTEND;TZID=Europe/London:20270328T150000\r\n"));
	CHECK(strstr(b.data, "SUMMARY:Fair\\, with music\r\n"));
	CHECK(strstr(b.data, "LOCATION:Park\\; gate 2\r\n"));
	CHECK(!strstr(b.data, "DESCRIPTION"));
	buf_reset(&b);
	ical_begin(&b, "News", "UTC");
	CHECK(ical_add_event(&b, &ev, "UTC") == 0);
	CHECK(!strstr(b.data, "VTIMEZONE"));
	CHECK(strstr(b.data, "DTSTART:20270328T100000Z\r\n"));
	ev.start = "soon";
	CHECK(ical_add_event(&b, &ev, "UTC") < 0);
	ev.start = "2027-04-01";
	buf_reset(&b);
	CHECK(ical_add_event(&b, &ev, "UTC") == 0);
	CHECK(strstr(b.data, "DTSTART;VALUE=DATE:20270401\r\n"));
	buf_release(&b);
}

int main(void)
{
	test_london();
	test_fold_escape();
	test_event();
	return check_done();
}
