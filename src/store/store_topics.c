#include "store_topics.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"
#include "store_impl.h"
#include "banned.h"

/* The bit of key, or -1 when it has none yet. */
static int find_bit(struct store *st, sqlite3_stmt *s, const char *key,
                    int *bit, struct err *err)
{
	int rc;

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	*bit = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the topics", err);
	return 0;
}

/* The bits given so far, as a mask. */
static int used_bits(struct store *st, int64_t *used, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	*used = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT bit FROM topic_bits", -1, &s,
	                       NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot read the topics", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*used |= (int64_t)1 << (sqlite3_column_int(s, 0) & 63);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE
	               ? 0
	               : store_db_fail(st, "cannot read the topics", err);
}

/* Gives key the lowest free bit, unless it has one. */
static int give_bit(struct store *st, const char *key, struct err *err)
{
	sqlite3_stmt *s;
	int64_t used;
	int bit = 0, rc;

	if (used_bits(st, &used, err) < 0)
		return -1;
	while (bit < 63 && (used & ((int64_t)1 << bit)))
		bit++;
	if (bit == 63)
		return err_set(err,
		               "store %s: topic '%s' cannot be added: the "
		               "store has given all 63 places for topics",
		               st->path, key);
	if (sqlite3_prepare_v2(
	            st->db,
	            "INSERT INTO topic_bits (key, bit) VALUES (?, ?) "
	            "ON CONFLICT (key) DO NOTHING",
	            -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot add a topic", err);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, bit);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0
	                         : store_db_fail(st, "cannot add a topic", err);
}

/* Reads every bit; *missing says whether a topic had none. */
static int read_bits(struct store *st, struct store_topics *t, int *missing,
                     struct err *err)
{
	sqlite3_stmt *s;
	int ret = 0;

	*missing = 0;
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT bit FROM topic_bits WHERE key = ?", -1,
	                       &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot read the topics", err);
	for (size_t i = 0; i < t->n && !ret; i++) {
		int bit;

		ret = find_bit(st, s, t->cfg->topics[i].key, &bit, err);
		t->bit[i] = bit < 0 ? 0 : (int64_t)1 << bit;
		*missing |= bit < 0;
	}
	sqlite3_finalize(s);
	return ret;
}

static int add_missing(struct store *st, struct store_topics *t,
                       struct err *err)
{
	int ret = store_write_begin(st, err), missing = 0;

	for (size_t i = 0; i < t->n && ret == 0; i++)
		ret = give_bit(st, t->cfg->topics[i].key, err);
	ret = store_write_end(st, ret, err);
	if (ret == 0)
		ret = read_bits(st, t, &missing, err);
	return ret;
}

int store_topics_load(struct store *st, const struct config *cfg,
                      struct store_topics *t, struct err *err)
{
	int missing = 0;

	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->n = cfg->ntopics;
	t->bit = xcalloc(t->n ? t->n : 1, sizeof(*t->bit));
	t->defaults = t->n ? 0 : STORE_ALL_TOPICS;
	if (read_bits(st, t, &missing, err) < 0 ||
	    (missing && add_missing(st, t, err) < 0)) {
		store_topics_release(t);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++)
		if (cfg->topics[i].on)
			t->defaults |= t->bit[i];
	return 0;
}

void store_topics_release(struct store_topics *t)
{
	free(t->bit);
	memset(t, 0, sizeof(*t));
}

int64_t store_topics_bit(const struct store_topics *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->cfg->topics[i].key, key))
			return t->bit[i];
	return 0;
}

int store_topics_parse(const struct store_topics *t, const char *list,
                       int64_t *mask, struct buf *unknown, struct buf *hint)
{
	struct buf key = BUF_INIT;
	const char *p = list;
	int ret = 0;

	*mask = 0;
	while (*p && ret == 0) {
		size_t n = strcspn(p, ",; \t");
		int64_t bit;

		buf_reset(&key);
		buf_add(&key, p, n);
		p += n;
		p += strspn(p, ",; \t");
		if (!key.len)
			continue;
		bit = store_topics_bit(t, key.data);
		if (bit) {
			*mask |= bit;
			continue;
		}
		const char **keys = xcalloc(t->n + 1, sizeof(*keys));
		const char *near;

		for (size_t i = 0; i < t->n; i++)
			keys[i] = t->cfg->topics[i].key;
		near = suggest_nearest(key.data, keys, t->n);
		buf_add(unknown, key.data, key.len);
		buf_adds(hint, near ? near : "");
		free(keys);
		ret = -1;
	}
	buf_release(&key);
	return ret;
}

void store_topics_keys(const struct store_topics *t, int64_t mask,
                       const char *sep, struct buf *out)
{
	size_t start = out->len;

	for (size_t i = 0; i < t->n; i++) {
		if (!(mask & t->bit[i]))
			continue;
		if (out->len > start)
			buf_adds(out, sep);
		buf_adds(out, t->cfg->topics[i].key);
	}
}
