#ifndef ICAL_H
#define ICAL_H

#include <stdint.h>

#include "buf.h"

/*
 * iCalendar (RFC 5545) for the site's events: one calendar file per event
 * and one holding every upcoming event. Lines end in CRLF and are folded
 * at 75 octets (never inside a UTF-8 character); text values are escaped.
 * Times are local to a zone: "Europe/London" (described by a VTIMEZONE
 * with the GMT/BST rules) or "UTC" (written with a "Z").
 */

/* One event (strings borrowed for the call). */
struct ical_event {
	const char *uid;   /* stable across rebuilds */
	const char *stamp; /* DTSTAMP, "YYYYMMDDTHHMMSSZ" */
	const char *start,
	        *end; /* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM"; end may be NULL */
	const char *summary, *description, *location, *url; /* may be NULL */
};

/* Whether zone is one this module can write ("Europe/London", "UTC"). */
int ical_zone_known(const char *zone);

/* BEGIN:VCALENDAR, its properties, and the VTIMEZONE zone needs. */
void ical_begin(struct buf *out, const char *name, const char *zone);
/* One VEVENT; returns -1 (nothing written) when start is not a date. */
int ical_add_event(struct buf *out, const struct ical_event *ev,
                   const char *zone);
void ical_end(struct buf *out);

/*
 * The Unix time of a local "YYYY-MM-DD[THH:MM[:SS]]" in zone (a date
 * alone is its midnight). Returns 0 and sets *t, or -1 when s is not a
 * date.
 */
int ical_utc(const char *s, const char *zone, int64_t *t);

/* Appends one content line "name:value" (value as given), folded. */
void ical_line(struct buf *out, const char *name, const char *value);
/* Appends text escaped as an iCalendar TEXT value (\\ \; \, \n). */
void ical_escape(struct buf *out, const char *text);

#endif
