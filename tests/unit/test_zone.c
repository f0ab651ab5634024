#include "zone.h"

#include <string.h>

#include "check.h"

static int64_t utc_of(int y, int mo, int d, int h, int mi, const char *zone)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return zone_utc(&tm, zone);
}

static void format_is(int64_t t, const char *zone, const char *want)
{
	struct buf b = BUF_INIT;

	zone_format(t, zone, &b);
	CHECK_STR(b.data, want);
	buf_release(&b);
}

int main(void)
{
	/* 2027-01-14 09:00 GMT is 09:00 UTC: 1799917200. */
	CHECK(utc_of(2027, 1, 14, 9, 0, "Europe/London") == 1799917200);
	CHECK(utc_of(2027, 1, 14, 9, 0, "UTC") == 1799917200);
	/* Summer: 09:00 BST is 08:00 UTC. */
	CHECK(utc_of(2027, 7, 1, 9, 0, "Europe/London") ==
	      utc_of(2027, 7, 1, 8, 0, "UTC"));
	/* 2027: BST from 28 March 01:00 GMT to 31 October 01:00 GMT. */
	CHECK(utc_of(2027, 3, 28, 0, 59, "Europe/London") ==
	      utc_of(2027, 3, 28, 0, 59, "UTC"));
	CHECK(utc_of(2027, 3, 28, 2, 0, "Europe/London") ==
	      utc_of(2027, 3, 28, 1, 0, "UTC"));
	/* The hour lived twice in October: its first time (BST). */
	CHECK(utc_of(2027, 10, 31, 1, 30, "Europe/London") ==
	      utc_of(2027, 10, 31, 0, 30, "UTC"));
	CHECK(utc_of(2027, 10, 31, 2, 0, "Europe/London") ==
	      utc_of(2027, 10, 31, 2, 0, "UTC"));
	/* And back: the words name the zone in force. */
	format_is(1799917200, "Europe/London", "2027-01-14 09:00 GMT");
	format_is(1799917200, "UTC", "2027-01-14 09:00 UTC");
	format_is(utc_of(2027, 7, 1, 9, 0, "Europe/London"), "Europe/London",
	          "2027-07-01 09:00 BST");
	format_is(utc_of(2027, 10, 31, 0, 59, "UTC"), "Europe/London",
	          "2027-10-31 01:59 BST");
	format_is(utc_of(2027, 10, 31, 1, 0, "UTC"), "Europe/London",
	          "2027-10-31 01:00 GMT");
	CHECK(zone_known("Europe/London") && zone_known("UTC"));
	CHECK(!zone_known("Europe/Paris") && !zone_known(""));
	return check_done();
}
