#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "banned.h"

struct entry {
	struct entry *next;
	double tokens; /* what is left of the allowance at `last` */
	double last;
	char key[]; /* NUL-terminated */
};

struct ratelimit {
	pthread_mutex_t lock;
	double limit, period;
	size_t max_keys, count, nbuckets; /* nbuckets: a power of two */
	double last_sweep;
	struct entry **buckets;
};

struct ratelimit *ratelimit_new(long limit, double period, size_t max_keys)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));

	pthread_mutex_init(&rl->lock, NULL);
	rl->limit = limit > 0 ? (double)limit : 1;
	rl->period = period > 0 ? period : 1;
	rl->max_keys = max_keys ? max_keys : 1;
	rl->nbuckets = 16;
	while (rl->nbuckets < rl->max_keys && rl->nbuckets < (1u << 16))
		rl->nbuckets <<= 1;
	rl->buckets = xcalloc(rl->nbuckets, sizeof(struct entry *));
	rl->last_sweep = -INFINITY;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	for (size_t i = 0; i < rl->nbuckets; i++) {
		struct entry *e = rl->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e);
		}
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
	double t = e->tokens + (now - e->last) * rl->limit / rl->period;

	return t > rl->limit ? rl->limit : t;
}

/* Drops the keys whose allowance is whole again. */
static void sweep(struct ratelimit *rl, double now)
{
	rl->last_sweep = now;
	for (size_t i = 0; i < rl->nbuckets; i++) {
		struct entry **pp = &rl->buckets[i];

		while (*pp) {
			struct entry *e = *pp;

			if (tokens_at(rl, e, now) >= rl->limit) {
				*pp = e->next;
				free(e);
				rl->count--;
			} else {
				pp = &e->next;
			}
		}
	}
}

static long wait_for_one(const struct ratelimit *rl, double tokens)
{
	double s = ceil((1 - tokens) * rl->period / rl->limit);

	return s < 1 ? 1 : (long)s;
}

/* The entry for key, made when there is room; NULL when there is none. */
static struct entry *lookup(struct ratelimit *rl, const char *key, double now)
{
	uint32_t h = hash(key) & (uint32_t)(rl->nbuckets - 1);
	size_t n = strlen(key);
	struct entry *e;

	for (e = rl->buckets[h]; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	/* At most one sweep a second, so a flood of new keys stays cheap. */
	if (rl->count >= rl->max_keys && now - rl->last_sweep >= 1)
		sweep(rl, now);
	if (rl->count >= rl->max_keys)
		return NULL;
	e = xmalloc(sizeof(*e) + n + 1);
	memcpy(e->key, key, n + 1);
	e->tokens = rl->limit;
	e->last = now;
	e->next = rl->buckets[h];
	rl->buckets[h] = e;
	rl->count++;
	return e;
}

int ratelimit_take(struct ratelimit *rl, const char *key, double now,
                   long *retry_after)
{
	struct entry *e;
	int ok = 0;
	long wait = 0;

	pthread_mutex_lock(&rl->lock);
	e = lookup(rl, key, now);
	if (!e) {
		wait = wait_for_one(rl, 0);
	} else {
		double t = tokens_at(rl, e, now);

		e->last = now > e->last ? now : e->last;
		if (t >= 1) {
			e->tokens = t - 1;
			ok = 1;
		} else {
			e->tokens = t;
			wait = wait_for_one(rl, t);
		}
	}
	pthread_mutex_unlock(&rl->lock);
	if (!ok && retry_after)
		*retry_after = wait;
	return ok;
}

size_t ratelimit_keys(struct ratelimit *rl)
{
	size_t n;

	pthread_mutex_lock(&rl->lock);
	n = rl->count;
	pthread_mutex_unlock(&rl->lock);
	return n;
}
