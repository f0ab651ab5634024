#ifndef IMPORT_H
#define IMPORT_H

#include "err.h"
#include "store.h"
#include "store_topics.h"

/*
 * Importing a subscriber CSV file into the store, in one transaction: if
 * the import is stopped part-way (an error, a kill, a power cut) the store
 * is as it was before. Every row is checked; bad rows are reported and
 * skipped while the good ones go in.
 */

struct import_options {
	const char *name; /* the file as shown in messages (NULL: the path) */
	enum store_status status; /* STORE_ACTIVE or STORE_PENDING */
	int dry_run;              /* do it all, report, then roll back */
	/* The topics to read the topics column with, and to give someone
	 * new without one (their defaults). NULL: no topics column. */
	const struct store_topics *topics;
};

struct import_summary {
	long added;
	long updated;    /* name or organisation set, or pending made active */
	long unchanged;  /* already in the store as given */
	long suppressed; /* unsubscribed, bounced, complained or erased */
	long duplicates; /* seen earlier in the same file */
	long rejected;   /* bad rows */
};

enum import_note {
	IMPORT_REJECTED,
	IMPORT_DUPLICATE,
	IMPORT_EXISTING, /* already in the store (unchanged or updated) */
	IMPORT_SUPPRESSED,
};

/*
 * Imports the file at path. report (may be NULL) is called for each row
 * not simply added, with a message "name:line: ..." borrowed for the
 * call. Returns 0 with *sum filled, or -1 with err set when nothing was
 * imported (the file unreadable, its header unusable, the store failing).
 */
int import_csv(struct store *st, const char *path,
               const struct import_options *opt,
               void (*report)(enum import_note note, const char *msg,
                              void *ctx),
               void *ctx, struct import_summary *sum, struct err *err);

#endif
