#include "ratelimit.h"

#include <time.h>

#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "banned.h"

/* Keys taken at once, at most (ratelimit_take_keys). */
#define KEYS_AT_ONCE 4

struct entry {
	struct entry *next;          /* in its hash chain */
	struct entry *newer, *older; /* in the order last seen */
	double tokens; /* what is left of the allowance at `last` */
	double last;
	double limit;
	char key[]; /* NUL-terminated */
};

struct ratelimit {
	pthread_mutex_t lock;
	double limit, period;
	size_t max_keys, count, nbuckets; /* nbuckets: a power of two */
	struct entry **buckets;
	struct entry *newest, *oldest;
};

struct ratelimit *ratelimit_new(long limit, double period, size_t max_keys)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));

	pthread_mutex_init(&rl->lock, NULL);
	rl->limit = limit > 0 ? (double)limit : 1;
	rl->period = period > 0 ? period : 1;
	/* Room for the keys of one call, which must not push each other out. */
	rl->max_keys = max_keys > KEYS_AT_ONCE ? max_keys : KEYS_AT_ONCE;
	rl->nbuckets = 16;
	while (rl->nbuckets < rl->max_keys && rl->nbuckets < (1u << 20))
		rl->nbuckets <<= 1;
	rl->buckets = xcalloc(rl->nbuckets, sizeof(struct entry *));
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	struct entry *e, *next;

	if (!rl)
		return;
	for (e = rl->newest; e; e = next) {
		next = e->older;
		free(e);
	}
	free(rl->buckets);
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The allowance of e at now, refilled since it was last used. */
static double tokens_at(const struct ratelimit *rl, const struct entry *e,
                        double now)
{
	double t = e->tokens + (now - e->last) * e->limit / rl->period;

	return t > e->limit ? e->limit : t;
}

static long wait_for_one(const struct ratelimit *rl, const struct entry *e,
                         double tokens)
{
	double s = ceil((1 - tokens) * rl->period / e->limit);

	return s < 1 ? 1 : (long)s;
}

static void unlink_order(struct ratelimit *rl, struct entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		rl->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		rl->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void make_newest(struct ratelimit *rl, struct entry *e)
{
	e->older = rl->newest;
	e->newer = NULL;
	if (rl->newest)
		rl->newest->newer = e;
	rl->newest = e;
	if (!rl->oldest)
		rl->oldest = e;
}

static struct entry **chain_of(struct ratelimit *rl, const char *key)
{
	return &rl->buckets[hash(key) & (uint32_t)(rl->nbuckets - 1)];
}

/* Forgets the key seen least recently. */
static void forget_oldest(struct ratelimit *rl)
{
	struct entry *e = rl->oldest, **pp;

	if (!e)
		return;
	unlink_order(rl, e);
	for (pp = chain_of(rl, e->key); *pp != e; pp = &(*pp)->next)
		;
	*pp = e->next;
	free(e);
	rl->count--;
}

/* The entry for key, made (with the whole allowance) when new; now newest. */
static struct entry *lookup(struct ratelimit *rl, const char *key, double limit,
                            double now)
{
	struct entry **chain = chain_of(rl, key), *e;
	size_t n = strlen(key);

	for (e = *chain; e; e = e->next) {
		if (!strcmp(e->key, key)) {
			unlink_order(rl, e);
			make_newest(rl, e);
			return e;
		}
	}
	if (rl->count >= rl->max_keys)
		forget_oldest(rl);
	e = xcalloc(1, sizeof(*e) + n + 1);
	memcpy(e->key, key, n + 1);
	e->limit = limit;
	e->tokens = limit;
	e->last = now;
	chain = chain_of(rl, key); /* forget_oldest may have changed it */
	e->next = *chain;
	*chain = e;
	make_newest(rl, e);
	rl->count++;
	return e;
}

int ratelimit_take_keys(struct ratelimit *rl, const char *const *keys,
                        const long *limits, size_t n, double now,
                        long *retry_after)
{
	struct entry *e[KEYS_AT_ONCE];
	double t[KEYS_AT_ONCE];
	long wait = 0;
	int ok = 1;

	if (n > KEYS_AT_ONCE)
		n = KEYS_AT_ONCE;
	pthread_mutex_lock(&rl->lock);
	for (size_t i = 0; i < n; i++) {
		double limit =
		        limits && limits[i] > 0 ? (double)limits[i] : rl->limit;

		e[i] = lookup(rl, keys[i], limit, now);
		t[i] = tokens_at(rl, e[i], now);
		if (t[i] < 1) {
			long w = wait_for_one(rl, e[i], t[i]);

			ok = 0;
			wait = w > wait ? w : wait;
		}
	}
	for (size_t i = 0; i < n; i++) {
		e[i]->tokens = ok ? t[i] - 1 : t[i];
		e[i]->last = now > e[i]->last ? now : e[i]->last;
	}
	pthread_mutex_unlock(&rl->lock);
	if (!ok && retry_after)
		*retry_after = wait;
	return ok;
}

int ratelimit_take(struct ratelimit *rl, const char *key, double now,
                   long *retry_after)
{
	return ratelimit_take_keys(rl, &key, NULL, 1, now, retry_after);
}

size_t ratelimit_keys(struct ratelimit *rl)
{
	size_t n;

	pthread_mutex_lock(&rl->lock);
	n = rl->count;
	pthread_mutex_unlock(&rl->lock);
	return n;
}

/* Writes the address a with all but its first bits zeroed, then "/bits". */
static int prefix_key(int family, const unsigned char *a, int bits,
                      char out[RATELIMIT_KEY_MAX])
{
	unsigned char p[16] = {0};
	char text[INET6_ADDRSTRLEN];
	size_t whole = (size_t)bits / 8;

	memcpy(p, a, whole);
	if (!inet_ntop(family, p, text, sizeof(text)))
		return -1;
	snprintf(out, RATELIMIT_KEY_MAX, "%s/%d", text, bits);
	return 0;
}

size_t ratelimit_client_keys(const char *client,
                             char keys[2][RATELIMIT_KEY_MAX])
{
	static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0,    0,
	                                           0, 0, 0, 0, 0xff, 0xff};
	unsigned char a[16];
	int v4 = inet_pton(AF_INET, client, a) == 1;

	if (!v4 && inet_pton(AF_INET6, client, a) == 1) {
		/* ::ffff:192.0.2.7 is an IPv4 client on an IPv6 socket. */
		if (!memcmp(a, v4mapped, sizeof(v4mapped))) {
			memmove(a, a + 12, 4);
			v4 = 1;
		} else if (prefix_key(AF_INET6, a, 64, keys[0]) == 0 &&
		           prefix_key(AF_INET6, a, 48, keys[1]) == 0) {
			return 2;
		}
	}
	if (v4 && inet_ntop(AF_INET, a, keys[0], RATELIMIT_KEY_MAX) &&
	    prefix_key(AF_INET, a, 24, keys[1]) == 0)
		return 2;
	snprintf(keys[0], RATELIMIT_KEY_MAX, "%s", client);
	return 1;
}

double ratelimit_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
