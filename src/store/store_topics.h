#ifndef STORE_TOPICS_H
#define STORE_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "store.h"

/*
 * Topics in the store: each topic of bulletin.yaml has a bit, given the
 * first time the topic is seen and never reused, and a subscriber's
 * topics are the bits of one mask (store_subscriber.topics). Reordering
 * or renaming the other topics in bulletin.yaml changes no one's choice.
 */
struct store_topics {
	const struct config *cfg; /* borrowed: its topics, in order */
	int64_t *bit;             /* bit[i]: the mask of cfg->topics[i] */
	size_t n;
	int64_t defaults; /* the topics ticked by default; ALL when none */
};

/*
 * Reads the bits of cfg's topics, giving one to each topic that has
 * none yet (a write, only then). Release t with store_topics_release.
 */
int store_topics_load(struct store *st, const struct config *cfg,
                      struct store_topics *t, struct err *err);
void store_topics_release(struct store_topics *t);

/* The mask of the topic with key: 0 when no such topic. */
int64_t store_topics_bit(const struct store_topics *t, const char *key);

/*
 * The mask of a list of topic keys separated by commas, spaces or
 * semicolons ("news, events"). Returns 0 and sets *mask (0 for an empty
 * list), or -1 with the first unknown key in unknown, and a suggestion
 * of the nearest known one in hint ("" when none).
 */
int store_topics_parse(const struct store_topics *t, const char *list,
                       int64_t *mask, struct buf *unknown, struct buf *hint);

/* The keys of mask's topics, in bulletin.yaml's order, "a, b" (sep). */
void store_topics_keys(const struct store_topics *t, int64_t mask,
                       const char *sep, struct buf *out);

#endif
