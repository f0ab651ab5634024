#ifndef STORE_PREFS_H
#define STORE_PREFS_H

#include <stdint.h>

#include "err.h"
#include "store.h"
#include "token.h"

/*
 * What subscribers choose for themselves: their topics, name and
 * organisation on the preferences page, and coming back after leaving.
 * Each change is an event in their log.
 *
 * Coming back: someone unsubscribed, bounced or complained who signs up
 * again stays as they are until they confirm from the email: the
 * request waits with a secret of its own (the link's token is their id
 * and that secret), and is forgotten after web.pending_days like any
 * unconfirmed sign-up (store_purge_pending). Only the confirmation makes
 * them active again, beside the old departure in their log. Imports and
 * the commands never come here: they keep the suppression rules.
 */

struct store_prefs {
	int64_t topics;                  /* 0: kept */
	const char *name, *organisation; /* NULL: kept; "" clears */
	const char *topics_words;        /* the topics as the event says them */
	const char *source, *detail;     /* for the events */
};

/*
 * Applies p to the subscriber with token, pending or active, one event
 * per thing changed; *changed (unless NULL) gets how many. Returns 1
 * done, 0 when the token is unknown or they have left, -1 on error.
 */
int store_prefs_set(struct store *st, const char *token,
                    const struct store_prefs *p, int *changed, struct err *err);

/*
 * Records (or renews) the request to come back of subscriber id, who
 * must have left: topics and the consent wording they agreed to now.
 * A request already waiting keeps its secret, so that every link sent
 * works. token gets the confirmation link's token. Returns 1, 0 when
 * the subscriber has not left (or is unknown), -1 on error.
 */
int store_return_request(struct store *st, int64_t id, int64_t topics,
                         const char *consent_text, int64_t consent_at,
                         char token[TOKEN_PUBLIC_LEN + 1], struct err *err);

/* The subscriber whose request to come back token is: 1 (out filled,
 * release it), 0 none, -1 on error. */
int store_return_find(struct store *st, const char *token,
                      struct store_subscriber *out, struct err *err);

/*
 * Confirms the request: the subscriber becomes active with its topics
 * and consent, an event says so (source, detail), the request is gone.
 * out gets the subscriber as now. Returns 1, 0 when there is no such
 * request, -1 on error.
 */
int store_return_confirm(struct store *st, const char *token,
                         const char *source, const char *detail,
                         struct store_subscriber *out, struct err *err);

#endif
