#ifndef ISSUELIST_H
#define ISSUELIST_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "issuecache.h"
#include "store.h"

/*
 * Every issue of the workspace with where it stands, as `bulletin issues`
 * and the desk's issues page show it: each folder under issues/, its
 * lifecycle (lifecycle_load) and its own details (deadline, pieces).
 * Every field is text; "-" means none, "?" unreadable.
 */
struct issuelist_row {
	char *id, *state, *deadline, *pieces, *compiled, *approver, *site,
	        *scheduled, *note;
	/* A schedule cancelled by this look (the issue changed since its
	 * approval): the sentence saying so and why; "" when none. */
	char *cancelled;
	size_t errors, warnings; /* in its files now (lint_issue) */
};

/*
 * Fills *v (caller frees with issuelist_free) with every issue, by id.
 * A schedule the issue no longer matches is cancelled on the way
 * (schedule_check), as every look at an issue does.
 * Returns 0, or -1 with err.
 */
int issuelist_load(const struct config *cfg, struct store *st,
                   struct issuelist_row **v, size_t *n, struct err *err);
/*
 * Rows kept between looks (the desk's issues page). A row is worked out
 * again when anything it came from may have changed: the stat records of
 * its issue's files (issuecache_stamp) or of the templates, or anything
 * committed to the store since (store_data_version, asked on a
 * connection of the cache's own). files: what the files say (borrowed).
 * Caller frees with issuelist_cache_free. `scripts/bench desk` (100
 * issues, wrk 4 connections, a busy 2-core machine): the issues page's
 * p99 went from 1,500 ms (every folder read, hashed, parsed and checked
 * at each load) to 9 ms (median of 3 runs; 6.1 to 50.8).
 */
struct issuelist_cache;
struct issuelist_cache *issuelist_cache_new(struct issuecache *files,
                                            const struct config *cfg);
void issuelist_cache_free(struct issuelist_cache *c);

/* issuelist_load with cache (NULL: everything read now). */
int issuelist_load_cached(const struct config *cfg, struct store *st,
                          struct issuelist_cache *cache,
                          struct issuelist_row **v, size_t *n, struct err *err);
void issuelist_free(struct issuelist_row *v, size_t n);

/* Appends "YYYY-MM-DD HH:MM" in local time, or "-" for 0. */
void issuelist_when(long long t, struct buf *out);

#endif
