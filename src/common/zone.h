#ifndef ZONE_H
#define ZONE_H

#include <stdint.h>
#include <time.h>

#include "buf.h"

/*
 * The time zones bulletin knows (site.timezone): "Europe/London", with
 * the GMT/BST rule (summer time from 01:00 GMT on the last Sunday of
 * March to 01:00 GMT on the last Sunday of October), and "UTC". The
 * events' calendar files and scheduled sends read local times through
 * here, so that both mean the same instant by the same words.
 */

/* Whether zone is one of them. */
int zone_known(const char *zone);

/*
 * The Unix time of a local broken-down time in zone (tm's fields as
 * written, not normalised by the zone). The hour skipped in March is
 * read as BST, the hour lived twice in October as BST too (its first
 * time).
 */
int64_t zone_utc(const struct tm *local, const char *zone);

/*
 * Appends t as "YYYY-MM-DD HH:MM" local to zone, followed by " GMT",
 * " BST" or " UTC".
 */
void zone_format(int64_t t, const char *zone, struct buf *out);

#endif
