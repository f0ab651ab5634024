#include "zone.h"

#include <string.h>

#include "banned.h"

int zone_known(const char *zone)
{
	return !strcmp(zone, "Europe/London") || !strcmp(zone, "UTC");
}

/* The day of the month of the last Sunday of month (1-12) in year. */
static int last_sunday(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
	                           31, 31, 30, 31, 30, 31};
	int last = days[month - 1];
	struct tm tm = {0};
	time_t t;

	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = last;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return last - tm.tm_wday;
}

static int64_t at(int year, int month, int day, int hour)
{
	struct tm tm = {0};

	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	return (int64_t)timegm(&tm);
}

int64_t zone_utc(const struct tm *local, const char *zone)
{
	struct tm tm = *local;
	int64_t t = (int64_t)timegm(&tm);
	int y = local->tm_year + 1900;

	/* In local terms summer time runs from 01:00 (GMT) to 02:00 (BST). */
	if (!strcmp(zone, "Europe/London") &&
	    t >= at(y, 3, last_sunday(y, 3), 1) &&
	    t < at(y, 10, last_sunday(y, 10), 2))
		t -= 3600;
	return t;
}

/* Whether the instant t is in British Summer Time. */
static int in_bst(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	int y;

	gmtime_r(&tt, &tm);
	y = tm.tm_year + 1900;
	return t >= at(y, 3, last_sunday(y, 3), 1) &&
	       t < at(y, 10, last_sunday(y, 10), 1);
}

void zone_format(int64_t t, const char *zone, struct buf *out)
{
	int bst = !strcmp(zone, "Europe/London") && in_bst(t);
	time_t tt = (time_t)(t + (bst ? 3600 : 0));
	char text[32];
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M", &tm);
	buf_addf(out, "%s %s", text,
	         !strcmp(zone, "Europe/London") ? (bst ? "BST" : "GMT")
	                                        : "UTC");
}
