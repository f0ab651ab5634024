#ifndef AUDIENCE_H
#define AUDIENCE_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "store.h"
#include "store_send.h"

/*
 * Who a send of an issue is for: the active subscribers with at least
 * one of the issue's topics (issue.yaml's topics:, every topic when it
 * names none), narrowed by the send's own topics (--topic, each one of
 * the issue's) and organisations (--org). The words say it for the
 * campaign's record and for `bulletin status`.
 */
struct audience {
	struct store_audience a; /* a.orgs and a.words point into this */
	char **orgs;
	struct buf words;
};

/*
 * Builds the audience of a send of the issue whose topics are
 * issue_topics ("a, b", NULL: every topic) with the narrowing given
 * (arrays may be NULL with a count of 0). An unknown topic, or one the
 * issue is not for, fails with err naming it (and the nearest known).
 */
int audience_build(struct store *st, const struct config *cfg,
                   const char *issue_id, const char *issue_topics,
                   const char *const *topics, size_t ntopics,
                   const char *const *orgs, size_t norgs, struct audience *out,
                   struct err *err);
void audience_release(struct audience *au);

#endif
