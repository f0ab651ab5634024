#ifndef STORE_SITE_H
#define STORE_SITE_H

#include <stdint.h>

#include "err.h"
#include "store.h"

/*
 * The public site's part of the store (the SQL lives here): which issues
 * are published, since when and by whom, and a log of every publish and
 * unpublish. Only a published issue appears under public/ (site_build).
 *
 * Each write runs in its own transaction, or joins the caller's
 * store_begin/store_commit one.
 */

/*
 * Marks issue published by by (a login name), now, and logs it. Returns
 * 1 when it was not published before, 0 when it was (the time and name
 * are updated), -1 on error.
 */
int store_site_publish(struct store *st, const char *issue, const char *by,
                       struct err *err);

/*
 * Takes issue off the published list and logs it. Returns 1 when it was
 * published, 0 when it was not (nothing logged), -1 on error.
 */
int store_site_unpublish(struct store *st, const char *issue, const char *by,
                         struct err *err);

/* Whether issue is published: 1 yes, 0 no, -1 error. */
int store_site_is_published(struct store *st, const char *issue,
                            struct err *err);

/* One published issue, for store_site_each (strings borrowed for the call). */
struct store_site_published {
	const char *issue;
	int64_t at; /* Unix seconds */
	const char *by;
};

/*
 * Calls fn for each published issue in order of id. fn returns 0 to go on,
 * or -1 to stop (the walk then returns -1: fn sets err).
 */
int store_site_each(struct store *st,
                    int (*fn)(const struct store_site_published *p, void *ctx,
                              struct err *err),
                    void *ctx, struct err *err);

/* One entry of the publish log (strings borrowed for the call). */
struct store_site_log {
	int64_t at;
	const char *issue, *action, *by; /* action: "publish" or "unpublish" */
};

/* Calls fn for each logged change of issue (NULL: every issue), oldest first.
 */
int store_site_each_log(struct store *st, const char *issue,
                        int (*fn)(const struct store_site_log *l, void *ctx,
                                  struct err *err),
                        void *ctx, struct err *err);

#endif
