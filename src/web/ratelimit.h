#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <stddef.h>

/*
 * Rate limits keyed by a string (a client address, an email address):
 * each key may do `limit` things per `period` seconds, as a token bucket
 * that refills evenly, so a burst of `limit` is allowed and then one
 * more every period/limit seconds. Safe to use from many threads.
 *
 * Memory is bounded: at most max_keys keys are tracked. Keys whose bucket
 * has refilled carry no information and are dropped when room is
 * needed; when every tracked key is still limited, a new key is refused
 * too (failing closed: the limits protect people's inboxes).
 */

struct ratelimit;

/* Returns a new limiter (caller frees with ratelimit_free). */
struct ratelimit *ratelimit_new(long limit, double period, size_t max_keys);
void ratelimit_free(struct ratelimit *rl);

/*
 * Takes one from key's allowance at time now (seconds on a clock that
 * never goes back, CLOCK_MONOTONIC). Returns 1 when allowed; 0 when
 * over the limit, with *retry_after (unless NULL) set to the whole
 * seconds (at least 1) until the key may try again.
 */
int ratelimit_take(struct ratelimit *rl, const char *key, double now,
                   long *retry_after);

/* How many keys are tracked (for tests). */
size_t ratelimit_keys(struct ratelimit *rl);

#endif
