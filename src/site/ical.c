#include "ical.h"

#include <string.h>
#include <time.h>

#include "issue.h"
#include "zone.h"
#include "banned.h"

#define FOLD_AT 75 /* octets per line, CRLF excluded (RFC 5545 3.1) */

static const char *const london_vtimezone[] = {
        "BEGIN:VTIMEZONE",
        "TZID:Europe/London",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0100",
        "TZNAME:BST",
        "DTSTART:19810329T010000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0000",
        "TZNAME:GMT",
        "DTSTART:19961027T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
};

int ical_zone_known(const char *zone)
{
	return zone_known(zone);
}

void ical_line(struct buf *out, const char *name, const char *value)
{
	size_t col = 0;
	const unsigned char *p;
	struct buf line = BUF_INIT;

	buf_addf(&line, "%s:%s", name, value);
	p = (const unsigned char *)line.data;
	while (*p) {
		size_t n = 1;

		/* A UTF-8 character is never cut by a fold. */
		while ((p[n] & 0xC0) == 0x80)
			n++;
		if (col + n > FOLD_AT) {
			buf_adds(out, "\r\n ");
			col = 1;
		}
		buf_add(out, p, n);
		col += n;
		p += n;
	}
	buf_adds(out, "\r\n");
	buf_release(&line);
}

void ical_escape(struct buf *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '\\':
		case ';':
		case ',':
			buf_addch(out, '\\');
			buf_addch(out, *p);
			break;
		case '\n':
			buf_adds(out, "\\n");
			break;
		case '\r':
			break;
		default:
			buf_addch(out, *p);
		}
	}
}

static void text_line(struct buf *out, const char *name, const char *text)
{
	struct buf v = BUF_INIT;

	if (!text || !*text)
		return;
	ical_escape(&v, text);
	ical_line(out, name, v.data);
	buf_release(&v);
}

void ical_begin(struct buf *out, const char *name, const char *zone)
{
	ical_line(out, "BEGIN", "VCALENDAR");
	ical_line(out, "VERSION", "2.0");
	ical_line(out, "PRODID", "-//bulletin//site//EN");
	ical_line(out, "CALSCALE", "GREGORIAN");
	text_line(out, "X-WR-CALNAME", name);
	if (!strcmp(zone, "Europe/London")) {
		ical_line(out, "X-WR-TIMEZONE", zone);
		for (size_t i = 0;
		     i < sizeof(london_vtimezone) / sizeof(london_vtimezone[0]);
		     i++) {
			const char *l = london_vtimezone[i];
			const char *colon = strchr(l, ':');
			struct buf n = BUF_INIT;

			buf_add(&n, l, (size_t)(colon - l));
			ical_line(out, n.data, colon + 1);
			buf_release(&n);
		}
	}
}

void ical_end(struct buf *out)
{
	ical_line(out, "END", "VCALENDAR");
}

int ical_utc(const char *s, const char *zone, int64_t *t)
{
	struct tm tm;
	int has_time;

	if (!s || issue_parse_datetime(s, &tm, &has_time) < 0)
		return -1;
	*t = zone_utc(&tm, zone);
	return 0;
}

/* "20270328T100000" (+ "Z" in UTC), or "20270328" for a date alone. */
static int when(struct buf *out, const char *name, const char *s,
                const char *zone)
{
	struct tm tm;
	int has_time;
	struct buf n = BUF_INIT, v = BUF_INIT;

	if (issue_parse_datetime(s, &tm, &has_time) < 0)
		return -1;
	buf_adds(&n, name);
	if (!has_time) {
		buf_adds(&n, ";VALUE=DATE");
		buf_addf(&v, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday);
	} else {
		if (strcmp(zone, "UTC"))
			buf_addf(&n, ";TZID=%s", zone);
		buf_addf(&v, "%04d%02d%02dT%02d%02d%02d%s", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		         tm.tm_sec, strcmp(zone, "UTC") ? "" : "Z");
	}
	ical_line(out, n.data, v.data);
	buf_release(&n);
	buf_release(&v);
	return 0;
}

int ical_add_event(struct buf *out, const struct ical_event *ev,
                   const char *zone)
{
	struct buf e = BUF_INIT;

	ical_line(&e, "BEGIN", "VEVENT");
	ical_line(&e, "UID", ev->uid);
	ical_line(&e, "DTSTAMP", ev->stamp);
	if (when(&e, "DTSTART", ev->start, zone) < 0) {
		buf_release(&e);
		return -1;
	}
	if (ev->end)
		when(&e, "DTEND", ev->end, zone);
	text_line(&e, "SUMMARY", ev->summary);
	text_line(&e, "LOCATION", ev->location);
	text_line(&e, "DESCRIPTION", ev->description);
	if (ev->url && *ev->url)
		ical_line(&e, "URL", ev->url);
	ical_line(&e, "END", "VEVENT");
	buf_add(out, e.data, e.len);
	buf_release(&e);
	return 0;
}
