#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <stddef.h>

/*
 * Rate limits keyed by a string (a client address, a network): each key
 * may do `limit` things per `period` seconds, as a token bucket that
 * refills evenly, so a burst of `limit` is allowed and then one more
 * every period/limit seconds. Safe to use from many threads.
 *
 * Memory is bounded: at most max_keys keys are tracked. A new key never
 * waits for room: the key seen least recently is forgotten (a key
 * forgotten starts again with its whole allowance). So filling the table
 * with made-up keys costs an attacker their own limits, never an honest
 * newcomer's sign-up; and the networks around a client (see
 * ratelimit_client_keys) are seen on every request from them, so they are
 * the last to be forgotten.
 */

struct ratelimit;

/*
 * Returns a new limiter whose keys may do limit things per period
 * seconds unless the caller says otherwise (caller frees with
 * ratelimit_free).
 */
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

/*
 * As ratelimit_take for n keys at once, key i with limits[i] (0: the
 * limiter's): allowed only when every key has one left, and then one is
 * taken from each; otherwise none is taken.
 */
int ratelimit_take_keys(struct ratelimit *rl, const char *const *keys,
                        const long *limits, size_t n, double now,
                        long *retry_after);

/* Seconds on CLOCK_MONOTONIC: the clock the callers' `now` is on. */
double ratelimit_now(void);

/* How many keys are tracked (for tests). */
size_t ratelimit_keys(struct ratelimit *rl);

/*
 * The keys a client address is counted under: the address itself and
 * its /24 for IPv4 ("192.0.2.7", "192.0.2.0/24"); its /64 and /48 for
 * IPv6 ("2001:db8:1:2::/64", "2001:db8:1::/48"), as one IPv6 client
 * commonly owns a whole /64 and a site a /48. Anything else is one key,
 * as given. Returns how many keys were written (1 or 2); each key
 * holds up to RATELIMIT_KEY_MAX bytes with its NUL.
 */
#define RATELIMIT_KEY_MAX 64
size_t ratelimit_client_keys(const char *client,
                             char keys[2][RATELIMIT_KEY_MAX]);

#endif
