#ifndef STORE_ISSUE_H
#define STORE_ISSUE_H

#include <stdint.h>

#include "err.h"
#include "store.h"

/*
 * The editorial lifecycle in the store (the SQL lives here): who
 * approved which version of an issue, and every step an issue took
 * (compiled, approved, sending, sent), each with who took it and when.
 */

struct store_approval {
	char *issue;
	char *digest;   /* of the manifest (hex SHA-256) */
	char *manifest; /* "HEX  NAME" lines, as compile wrote them */
	char *by;
	int64_t at; /* Unix seconds */
};

void store_approval_release(struct store_approval *a);

/*
 * Records an approval of issue (and an 'approved' event) in one
 * transaction. at 0 means now.
 */
int store_issue_approve(struct store *st, const char *issue, const char *digest,
                        const char *manifest, const char *by, int64_t at,
                        struct err *err);

/* The latest approval of issue: 1 (fills a), 0 none, -1 error. */
int store_issue_approval(struct store *st, const char *issue,
                         struct store_approval *a, struct err *err);

struct store_issue_event {
	char *who, *detail;
	int64_t at;
};

void store_issue_event_release(struct store_issue_event *e);

/* Records a step of issue ("compiled", "sending", "sent"...) by who. */
int store_issue_event(struct store *st, const char *issue, const char *event,
                      const char *who, const char *detail, struct err *err);

/* The latest event of that name for issue: 1 (fills e), 0 none, -1. */
int store_issue_last_event(struct store *st, const char *issue,
                           const char *event, struct store_issue_event *e,
                           struct err *err);

#endif
