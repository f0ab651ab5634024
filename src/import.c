#include "import.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "csvfile.h"
#include "banned.h"

/*
 * The addresses seen so far in the file, for reporting duplicates: an
 * open-addressing table over one arena of lower-cased addresses. About 50
 * bytes an address; a file of a million rows costs ~50 MB for the import's
 * duration only.
 */
struct seen_slot {
	uint32_t hash;
	uint32_t line;
	uint64_t at; /* offset of the address in the arena, plus one */
};

struct seen {
	struct seen_slot *slots;
	size_t cap, used; /* cap is a power of two */
	struct buf arena;
};

static uint64_t hash_of(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3u;
	}
	return h ^ (h >> 32);
}

static void seen_grow(struct seen *seen)
{
	size_t cap = seen->cap ? seen->cap * 2 : 1024;
	struct seen_slot *slots = xcalloc(cap, sizeof(*slots));

	for (size_t i = 0; i < seen->cap; i++) {
		struct seen_slot *s = &seen->slots[i];
		size_t j = s->hash & (cap - 1);

		if (!s->at)
			continue;
		while (slots[j].at)
			j = (j + 1) & (cap - 1);
		slots[j] = *s;
	}
	free(seen->slots);
	seen->slots = slots;
	seen->cap = cap;
}

/*
 * Looks key (lower case) up: returns the line it was first seen on, or 0
 * after adding it with line.
 */
static long seen_add(struct seen *seen, const char *key, long line)
{
	uint32_t h = (uint32_t)hash_of(key);
	size_t j;

	if ((seen->used + 1) * 4 > seen->cap * 3)
		seen_grow(seen);
	for (j = h & (seen->cap - 1); seen->slots[j].at;
	     j = (j + 1) & (seen->cap - 1)) {
		struct seen_slot *s = &seen->slots[j];

		if (s->hash == h && !strcmp(seen->arena.data + s->at - 1, key))
			return (long)s->line;
	}
	seen->slots[j] = (struct seen_slot){
	        .hash = h,
	        .line = (uint32_t)line,
	        .at = seen->arena.len + 1,
	};
	buf_add(&seen->arena, key, strlen(key) + 1);
	seen->used++;
	return 0;
}

struct import {
	struct store *st;
	const struct import_options *opt;
	const char *name;
	void (*report)(enum import_note note, const char *msg, void *ctx);
	void *ctx;
	struct import_summary *sum;
	struct err *err;
	struct seen seen;
	struct buf email, key, detail, msg;
};

static void note(struct import *im, enum import_note kind, long line,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void note(struct import *im, enum import_note kind, long line,
                 const char *fmt, ...)
{
	va_list ap;

	if (!im->report)
		return;
	buf_reset(&im->msg);
	buf_addf(&im->msg, "%s:%ld: ", im->name, line);
	va_start(ap, fmt);
	buf_vaddf(&im->msg, fmt, ap);
	va_end(ap);
	im->report(kind, im->msg.data, im->ctx);
}

static void count(struct import *im, enum store_outcome outcome, long line)
{
	switch (outcome) {
	case STORE_ADDED:
		im->sum->added++;
		break;
	case STORE_UPDATED:
		im->sum->updated++;
		note(im, IMPORT_EXISTING, line,
		     "%s: already in the store; updated", im->email.data);
		break;
	case STORE_UNCHANGED:
		im->sum->unchanged++;
		note(im, IMPORT_EXISTING, line, "%s: already in the store",
		     im->email.data);
		break;
	case STORE_SUPPRESSED:
		im->sum->suppressed++;
		note(im, IMPORT_SUPPRESSED, line,
		     "%s: unsubscribed, bounced or complained before; not "
		     "re-activated",
		     im->email.data);
		break;
	case STORE_ERASED:
		im->sum->suppressed++;
		note(im, IMPORT_SUPPRESSED, line,
		     "%s: erased on request before; not added", im->email.data);
		break;
	}
}

static int import_row(const struct csvfile_row *row, void *ctx)
{
	struct import *im = ctx;
	struct err why = ERR_INIT;
	struct store_signup su = {
	        .name = row->name,
	        .organisation = row->organisation,
	        .source = "import",
	        .status = im->opt->status,
	};
	enum store_outcome outcome;
	long first;

	if (row->error) {
		im->sum->rejected++;
		note(im, IMPORT_REJECTED, row->line, "%s", row->error);
		return 0;
	}
	if (address_normalise(row->email, strlen(row->email), &im->email,
	                      &why) < 0) {
		im->sum->rejected++;
		note(im, IMPORT_REJECTED, row->line, "%s", err_msg(&why));
		err_release(&why);
		return 0;
	}
	buf_reset(&im->key);
	buf_add(&im->key, im->email.data, im->email.len);
	for (char *p = im->key.data; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	first = seen_add(&im->seen, im->key.data, row->line);
	if (first) {
		im->sum->duplicates++;
		note(im, IMPORT_DUPLICATE, row->line,
		     "%s: duplicate of line %ld; skipped", im->email.data,
		     first);
		return 0;
	}
	buf_reset(&im->detail);
	buf_addf(&im->detail, "%s:%ld", im->name, row->line);
	su.email = im->email.data;
	su.detail = im->detail.data;
	if (store_subscribe(im->st, &su, &outcome, NULL, im->err) < 0)
		return -1;
	count(im, outcome, row->line);
	return 0;
}

int import_csv(struct store *st, const char *path,
               const struct import_options *opt,
               void (*report)(enum import_note note, const char *msg,
                              void *ctx),
               void *ctx, struct import_summary *sum, struct err *err)
{
	struct import im = {
	        .st = st,
	        .opt = opt,
	        .name = opt->name ? opt->name : path,
	        .report = report,
	        .ctx = ctx,
	        .sum = sum,
	        .err = err,
	        .seen = {.arena = BUF_INIT},
	        .email = BUF_INIT,
	        .key = BUF_INIT,
	        .detail = BUF_INIT,
	        .msg = BUF_INIT,
	};
	int ret;

	memset(sum, 0, sizeof(*sum));
	if (opt->status != STORE_ACTIVE && opt->status != STORE_PENDING)
		return err_set(err,
		               "imported subscribers are active or "
		               "pending, not %s",
		               store_status_name(opt->status));
	if (store_begin(st, err) < 0)
		return -1;
	ret = csvfile_read(path, im.name, import_row, &im, err);
	if (ret == 0 && !opt->dry_run)
		ret = store_commit(st, err);
	else
		store_rollback(st);
	if (ret != 0) {
		memset(sum, 0, sizeof(*sum));
		ret = -1;
	}
	free(im.seen.slots);
	buf_release(&im.seen.arena);
	buf_release(&im.email);
	buf_release(&im.key);
	buf_release(&im.detail);
	buf_release(&im.msg);
	return ret;
}
