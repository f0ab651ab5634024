#include "import.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "csvfile.h"
#include "store_topics.h"
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

/*
 * Two threads share the work, as the machine has two cores: a reader
 * parses and checks the file (libcsv, the address check, duplicates) and
 * hands rows over in batches; the caller's thread writes them to the
 * store in file order. The queue is short, so memory stays bounded.
 */
enum { BATCH_ROWS = 512, QUEUE_BATCHES = 4 };

/* A row ready for the store, or a note about a row that will not go in. */
struct item {
	long line;
	int note; /* -1: a row to store; else an enum import_note */
	size_t email, name, org; /* offsets in the batch's text */
	int64_t topics;          /* the topics column's, 0: none given */
};

struct batch {
	struct item items[BATCH_ROWS];
	size_t n;
	struct buf text;
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch *full[QUEUE_BATCHES]; /* for the writer, in order */
	size_t head, count;
	struct batch *spare[QUEUE_BATCHES + 2]; /* emptied, for the reader */
	size_t nspare;
	int reading; /* the reader has not finished */
	int stop;    /* the writer failed: the reader should stop */
};

/* The reader's side. */
struct reader {
	const char *path, *name;
	const struct store_topics *topics; /* NULL: no column to read */
	struct queue *q;
	struct batch *batch; /* being filled */
	struct seen seen;
	struct buf email, key;
	struct err err; /* why reading failed */
	int ret;
};

static void free_batch(struct batch *b)
{
	buf_release(&b->text);
	free(b);
}

static struct batch *take_spare(struct queue *q)
{
	struct batch *b;

	pthread_mutex_lock(&q->lock);
	b = q->nspare ? q->spare[--q->nspare] : NULL;
	pthread_mutex_unlock(&q->lock);
	if (!b) {
		b = xcalloc(1, sizeof(*b));
		buf_init(&b->text);
	}
	b->n = 0;
	buf_reset(&b->text);
	return b;
}

/* Hands the batch to the writer; returns -1 if the writer has stopped. */
static int hand_over(struct queue *q, struct batch *b)
{
	int stop;

	pthread_mutex_lock(&q->lock);
	while (q->count == QUEUE_BATCHES && !q->stop)
		pthread_cond_wait(&q->changed, &q->lock);
	stop = q->stop;
	if (!stop) {
		q->full[(q->head + q->count) % QUEUE_BATCHES] = b;
		q->count++;
		pthread_cond_broadcast(&q->changed);
	} else {
		q->spare[q->nspare++] = b;
	}
	pthread_mutex_unlock(&q->lock);
	return stop ? -1 : 0;
}

static size_t add_text(struct batch *b, const char *s)
{
	size_t at = b->text.len;

	buf_add(&b->text, s, strlen(s) + 1);
	return at;
}

static struct item *next_item(struct reader *r, long line, int note)
{
	struct item *it;

	if (r->batch->n == BATCH_ROWS) {
		if (hand_over(r->q, r->batch) < 0) {
			r->batch = NULL;
			return NULL;
		}
		r->batch = take_spare(r->q);
	}
	it = &r->batch->items[r->batch->n++];
	it->line = line;
	it->note = note;
	return it;
}

static int add_note(struct reader *r, long line, enum import_note note,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A note: its message "name:line: ..." is in the email slot. */
static int add_note(struct reader *r, long line, enum import_note note,
                    const char *fmt, ...)
{
	struct item *it = next_item(r, line, (int)note);
	struct batch *b = r->batch;
	va_list ap;

	if (!it)
		return -1;
	it->email = b->text.len;
	buf_addf(&b->text, "%s:%ld: ", r->name, line);
	va_start(ap, fmt);
	buf_vaddf(&b->text, fmt, ap);
	va_end(ap);
	buf_addch(&b->text, '\0');
	return 0;
}

/*
 * The row's topics column as a mask. Returns 1 after noting an unknown
 * topic (*ret: add_note's), else 0.
 */
static int row_topics(struct reader *r, const struct csvfile_row *row,
                      int64_t *mask, int *ret)
{
	struct buf bad = BUF_INIT, hint = BUF_INIT;
	int noted = 1;

	*mask = 0;
	if (!*row->topics)
		return 0;
	if (!r->topics || !r->topics->n)
		*ret = add_note(r, row->line, IMPORT_REJECTED,
		                "%s: the topics column names '%s', but "
		                "bulletin.yaml offers no topics; leave the "
		                "column out",
		                r->email.data, row->topics);
	else if (store_topics_parse(r->topics, row->topics, mask, &bad, &hint) <
	         0)
		*ret = add_note(
		        r, row->line, IMPORT_REJECTED,
		        "%s: unknown topic '%s' in the topics column%s%s%s "
		        "(the topics are listed in bulletin.yaml)",
		        r->email.data, bad.data,
		        hint.len ? ": did you mean '" : "", hint.data,
		        hint.len ? "'?" : "");
	else
		noted = 0;
	buf_release(&bad);
	buf_release(&hint);
	return noted;
}

static int read_row(const struct csvfile_row *row, void *ctx)
{
	struct reader *r = ctx;
	struct err why = ERR_INIT;
	struct item *it;
	int64_t topics;
	long first;
	int ret;

	if (row->error)
		return add_note(r, row->line, IMPORT_REJECTED, "%s",
		                row->error);
	if (address_normalise(row->email, strlen(row->email), &r->email, &why) <
	    0) {
		ret = add_note(r, row->line, IMPORT_REJECTED, "%s",
		               err_msg(&why));
		err_release(&why);
		return ret;
	}
	buf_reset(&r->key);
	buf_add(&r->key, r->email.data, r->email.len);
	for (char *p = r->key.data; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	if (row_topics(r, row, &topics, &ret))
		return ret;
	first = seen_add(&r->seen, r->key.data, row->line);
	if (first)
		return add_note(r, row->line, IMPORT_DUPLICATE,
		                "%s: duplicate of line %ld; skipped",
		                r->email.data, first);
	it = next_item(r, row->line, -1);
	if (!it)
		return -1;
	it->email = add_text(r->batch, r->email.data);
	it->name = add_text(r->batch, row->name);
	it->org = add_text(r->batch, row->organisation);
	it->topics = topics;
	return 0;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	r->ret = csvfile_read(r->path, r->name, read_row, r, &r->err);
	if (r->batch && r->batch->n)
		hand_over(r->q, r->batch);
	else if (r->batch)
		free_batch(r->batch);
	pthread_mutex_lock(&r->q->lock);
	r->q->reading = 0;
	pthread_cond_broadcast(&r->q->changed);
	pthread_mutex_unlock(&r->q->lock);
	return NULL;
}

/* The writer's side. */
struct writer {
	struct store *st;
	const struct import_options *opt;
	void (*report)(enum import_note note, const char *msg, void *ctx);
	void *ctx;
	struct import_summary *sum;
	struct buf detail, msg;
	size_t name_len; /* of "name:" at the start of detail */
};

static void add_number(struct buf *b, long n)
{
	char digits[24];
	size_t i = sizeof(digits);

	do {
		digits[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0 && i > 0);
	buf_add(b, digits + i, sizeof(digits) - i);
}

static void report(struct writer *w, enum import_note note, long line,
                   const char *email, const char *what)
{
	if (!w->report)
		return;
	buf_setlen(&w->msg, 0);
	buf_add(&w->msg, w->detail.data, w->name_len);
	add_number(&w->msg, line);
	buf_addf(&w->msg, ": %s: %s", email, what);
	w->report(note, w->msg.data, w->ctx);
}

static void count(struct writer *w, enum store_outcome outcome, long line,
                  const char *email)
{
	switch (outcome) {
	case STORE_ADDED:
		w->sum->added++;
		break;
	case STORE_UPDATED:
		w->sum->updated++;
		report(w, IMPORT_EXISTING, line, email,
		       "already in the store; updated");
		break;
	case STORE_UNCHANGED:
		w->sum->unchanged++;
		report(w, IMPORT_EXISTING, line, email, "already in the store");
		break;
	case STORE_SUPPRESSED:
		w->sum->suppressed++;
		report(w, IMPORT_SUPPRESSED, line, email,
		       "unsubscribed, bounced or complained before; not "
		       "re-activated");
		break;
	case STORE_ERASED:
		w->sum->suppressed++;
		report(w, IMPORT_SUPPRESSED, line, email,
		       "erased on request before; not added");
		break;
	}
}

static int write_item(struct writer *w, const struct batch *b,
                      const struct item *it, struct err *err)
{
	const char *text = b->text.data;
	struct store_signup su = {
	        .email = text + it->email,
	        .source = "import",
	        .status = w->opt->status,
	        .normalised = 1,
	};
	enum store_outcome outcome;

	if (it->note >= 0) {
		if (it->note == IMPORT_REJECTED)
			w->sum->rejected++;
		else
			w->sum->duplicates++;
		if (w->report)
			w->report((enum import_note)it->note, text + it->email,
			          w->ctx);
		return 0;
	}
	su.name = text + it->name;
	su.organisation = text + it->org;
	su.topics = it->topics;
	su.new_topics = w->opt->topics ? w->opt->topics->defaults : 0;
	su.detail_topics = "topics changed by an import";
	/* "name:line" without printf: this runs a million times */
	buf_setlen(&w->detail, w->name_len);
	add_number(&w->detail, it->line);
	su.detail = w->detail.data;
	if (store_subscribe(w->st, &su, &outcome, NULL, err) < 0)
		return -1;
	count(w, outcome, it->line, su.email);
	return 0;
}

/* Takes the next batch from the reader, NULL when it has finished. */
static struct batch *next_batch(struct queue *q)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&q->lock);
	while (!q->count && q->reading)
		pthread_cond_wait(&q->changed, &q->lock);
	if (q->count) {
		b = q->full[q->head];
		q->head = (q->head + 1) % QUEUE_BATCHES;
		q->count--;
		pthread_cond_broadcast(&q->changed);
	}
	pthread_mutex_unlock(&q->lock);
	return b;
}

static void give_back(struct queue *q, struct batch *b)
{
	pthread_mutex_lock(&q->lock);
	if (q->nspare < QUEUE_BATCHES + 2) {
		q->spare[q->nspare++] = b;
		b = NULL;
	}
	pthread_mutex_unlock(&q->lock);
	if (b)
		free_batch(b);
}

static int write_all(struct writer *w, struct queue *q, struct err *err)
{
	struct batch *b;
	int ret = 0;

	while ((b = next_batch(q))) {
		for (size_t i = 0; i < b->n && ret == 0; i++)
			ret = write_item(w, b, &b->items[i], err);
		give_back(q, b);
		if (ret < 0) {
			pthread_mutex_lock(&q->lock);
			q->stop = 1;
			pthread_cond_broadcast(&q->changed);
			pthread_mutex_unlock(&q->lock);
		}
	}
	return ret;
}

/*
 * The file is read on a thread of its own while this one writes to the
 * store. The writer's error wins; the reader's is passed on when the
 * writer had none.
 */
static int read_and_write(struct reader *r, struct writer *w, struct queue *q,
                          struct err *err)
{
	pthread_t thread;
	int ret;

	r->batch = take_spare(q);
	if (pthread_create(&thread, NULL, reader_main, r) != 0) {
		ret = err_set(err, "cannot start a thread to read %s", r->name);
		free_batch(r->batch);
		return ret;
	}
	ret = write_all(w, q, err);
	pthread_join(thread, NULL);
	if (ret == 0 && r->ret != 0)
		return err_set(err, "%s", err_msg(&r->err));
	return ret;
}

/* The whole file is one transaction: a dry run or a failure leaves the
 * store as it was, and a failure leaves no counts. */
static int end_import(struct store *st, int dry_run, int ret,
                      struct import_summary *sum, struct err *err)
{
	if (ret == 0 && !dry_run)
		ret = store_commit(st, err);
	else
		store_rollback(st);
	if (ret != 0) {
		memset(sum, 0, sizeof(*sum));
		return -1;
	}
	return 0;
}

static void import_release(struct reader *r, struct writer *w, struct queue *q)
{
	while (q->nspare)
		free_batch(q->spare[--q->nspare]);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->changed);
	free(r->seen.slots);
	buf_release(&r->seen.arena);
	buf_release(&r->email);
	buf_release(&r->key);
	err_release(&r->err);
	buf_release(&w->detail);
	buf_release(&w->msg);
}

int import_csv(struct store *st, const char *path,
               const struct import_options *opt,
               void (*report_fn)(enum import_note note, const char *msg,
                                 void *ctx),
               void *ctx, struct import_summary *sum, struct err *err)
{
	struct queue q = {.reading = 1};
	struct reader r = {
	        .path = path,
	        .name = opt->name ? opt->name : path,
	        .topics = opt->topics,
	        .q = &q,
	        .seen = {.arena = BUF_INIT},
	        .email = BUF_INIT,
	        .key = BUF_INIT,
	        .err = ERR_INIT,
	};
	struct writer w = {
	        .st = st,
	        .opt = opt,
	        .report = report_fn,
	        .ctx = ctx,
	        .sum = sum,
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
	buf_addf(&w.detail, "%s:", r.name);
	w.name_len = w.detail.len;
	pthread_mutex_init(&q.lock, NULL);
	pthread_cond_init(&q.changed, NULL);
	ret = read_and_write(&r, &w, &q, err);
	ret = end_import(st, opt->dry_run, ret, sum, err);
	import_release(&r, &w, &q);
	return ret;
}
