#include "redirect.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clicks.h"
#include "linktable.h"
#include "store.h"
#include "store_send.h"
#include "banned.h"

#define ID_MAX     100  /* characters of an issue id in a path */
#define N_DIGITS   6    /* digits of a link number */
#define MAX_ISSUES 1024 /* issues whose links are kept in memory */
#define LINKS_MAX  (1 << 20)
#define UA_MAX     512 /* characters of a User-Agent looked at */

/*
 * Mail scanners and link previewers, matched as case-insensitive parts
 * of the User-Agent. From the user agents the services document
 * (Microsoft's BingPreview and Office "Existence Discovery", the Google,
 * Slack, Facebook, WhatsApp, Discord, Telegram, Skype and LinkedIn link
 * expanders), the names security gateways put in theirs (Barracuda,
 * Mimecast, Proofpoint, Symantec, Sophos, FireEye, Forcepoint, Trend
 * Micro, Cisco IronPort), and HTTP libraries that are no one's browser.
 * docs/comms.md says how to read the counts. No User-Agent at all counts
 * as a scanner too.
 */
static const char *const scanners[] = {
        "bot",
        "crawler",
        "spider",
        "preview",
        "existence discovery",
        "google-safety",
        "googleimageproxy",
        "facebookexternalhit",
        "whatsapp",
        "slack",
        "telegram",
        "skypeuri",
        "linkedin",
        "barracuda",
        "mimecast",
        "proofpoint",
        "symantec",
        "sophos",
        "fireeye",
        "forcepoint",
        "trendmicro",
        "trend micro",
        "ironport",
        "headlesschrome",
        "phantomjs",
        "python-",
        "go-http-client",
        "java/",
        "okhttp",
        "libwww",
        "wget",
        "curl/",
        "httpclient",
        "scanner",
        NULL,
};

/*
 * One pass to lower case, then a plain strstr per signature: strcasestr
 * sets up its search afresh for each of them and was the largest cost of
 * the redirect in user space (8% of the server's samples under wrk, perf
 * record; scripts/bench serve). A User-Agent is looked at up to UA_MAX
 * characters: a browser's is about 120.
 */
int redirect_is_scanner(const char *ua)
{
	char low[UA_MAX + 1];
	size_t n = 0;

	if (!ua || !*ua)
		return 1;
	for (; n < UA_MAX && ua[n]; n++)
		low[n] = ua[n] >= 'A' && ua[n] <= 'Z' ? (char)(ua[n] + 32)
		                                      : ua[n];
	low[n] = '\0';
	for (size_t i = 0; scanners[i]; i++)
		if (strstr(low, scanners[i]))
			return 1;
	return 0;
}

static int id_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

int redirect_parse_path(const char *path, char *id, size_t size, size_t *n)
{
	const char *p, *slash;
	size_t len, digits = 0, v = 0;

	if (strncmp(path, "/r/", 3))
		return 0;
	p = path + 3;
	slash = strchr(p, '/');
	if (!slash)
		return 0;
	len = (size_t)(slash - p);
	if (!len || len > ID_MAX || len >= size || p[0] == '.' ||
	    p[len - 1] == '.')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!id_char((unsigned char)p[i]) ||
		    (p[i] == '.' && p[i + 1] == '.'))
			return 0;
	for (const char *d = slash + 1; *d; d++, digits++) {
		if (*d < '0' || *d > '9' || digits >= N_DIGITS)
			return 0;
		v = v * 10 + (size_t)(*d - '0');
	}
	if (!digits || slash[1] == '0')
		return 0;
	memcpy(id, p, len);
	id[len] = '\0';
	*n = v;
	return 1;
}

/* The counts of one link since the last flush (atomic adds). */
struct counter {
	long people, early, scanner;
};

/* A sent issue's links, kept for the server's life. */
struct entry {
	char *issue;
	struct linktable links;
	struct counter *counts;    /* links.n */
	int64_t started, finished; /* the send's; read and set atomically */
};

/*
 * The issues whose links are known, sorted by id, never changed once
 * published: a request finds its issue by binary search in the table it
 * loads, with no lock at all. A new issue publishes a new table; the old
 * ones are kept until redirect_stop, as a request may still be reading
 * one (at most MAX_ISSUES of them, each of pointers only).
 */
struct table {
	size_t n;
	struct entry *v[];
};

struct redirect {
	const struct config *cfg;
	struct writer *writer;
	struct table *table; /* the current one: atomic loads and stores */
	pthread_mutex_t grow_lock; /* over publishing a table, and old */
	struct table **old;
	size_t nold;
	pthread_mutex_t reader_lock; /* over reader, for loading tables */
	struct store reader;
	int reader_open;
	pthread_t flusher;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	int stopping, started;
};

static struct table *current(struct redirect *r)
{
	return __atomic_load_n(&r->table, __ATOMIC_ACQUIRE);
}

/* Where issue is, or would go, in t. */
static size_t position(const struct table *t, const char *issue)
{
	size_t lo = 0, hi = t ? t->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->v[mid]->issue, issue) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct entry *find_in(const struct table *t, const char *issue)
{
	size_t i = position(t, issue);

	return t && i < t->n && !strcmp(t->v[i]->issue, issue) ? t->v[i] : NULL;
}

static struct entry *find(struct redirect *r, const char *issue)
{
	return find_in(current(r), issue);
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	free(e->issue);
	linktable_release(&e->links);
	free(e->counts);
	free(e);
}

/* Opens the reader if it is not open yet (reader_lock held): 1 open. */
static int reader_ready(struct redirect *r, struct err *err)
{
	struct buf path = BUF_INIT;

	if (r->reader_open)
		return 1;
	config_path(r->cfg, &path, "%s", r->cfg->store);
	r->reader_open = store_open(&r->reader, path.data, err) == 0;
	buf_release(&path);
	return r->reader_open;
}

/* The recorded table of issue and its send's times; NULL when none
 * (reader_lock held, the reader open). */
static struct entry *load(struct redirect *r, const char *issue,
                          struct err *err)
{
	struct entry *e = xcalloc(1, sizeof(*e));
	struct store_campaign c;
	int found = clicks_links(&r->reader, issue, &e->links, err);

	if (found > 0 && store_campaign_find(&r->reader, issue, &c, err) > 0) {
		e->started = c.started;
		e->finished = c.finished;
		store_campaign_release(&c);
	}
	if (found <= 0) {
		entry_free(e);
		return NULL;
	}
	e->issue = xstrdup(issue);
	e->counts = xcalloc(e->links.n, sizeof(*e->counts));
	return e;
}

/* A copy of now (NULL: none) with e in its place. */
static struct table *table_with(const struct table *now, struct entry *e)
{
	size_t n = now ? now->n : 0, at = position(now, e->issue), k = 0;
	struct table *t =
	        xcalloc(1, sizeof(*t) + (n + 1) * sizeof(struct entry *));

	t->n = n + 1;
	for (size_t i = 0; i < t->n; i++)
		t->v[i] = i == at ? e : now->v[k++];
	return t;
}

/*
 * Publishes a table with e added, unless issue is there already (then
 * that entry) or the table is full (then NULL: e is not kept).
 */
static struct entry *publish(struct redirect *r, struct entry *e)
{
	struct table *now;
	struct entry *kept;

	pthread_mutex_lock(&r->grow_lock);
	now = current(r);
	kept = find_in(now, e->issue);
	if (!kept && (!now || now->n < MAX_ISSUES)) {
		if (now) {
			r->old = xrealloc(
			        r->old, (r->nold + 1) * sizeof(struct table *));
			r->old[r->nold++] = now;
		}
		__atomic_store_n(&r->table, table_with(now, e),
		                 __ATOMIC_RELEASE);
		kept = e;
	}
	pthread_mutex_unlock(&r->grow_lock);
	return kept;
}

/*
 * Loads the tables of the issues recorded in the store since the last
 * time (every issue sent with tracking.clicks, up to MAX_ISSUES, the
 * latest first): at the start and then once a second, on the flushing
 * thread, so that no request ever reads the store. A send that starts
 * while the server runs is counted from the next second; a click before
 * that is answered from build/links, uncounted.
 */
static void load_new(struct redirect *r)
{
	struct err err = ERR_INIT;
	char **ids = NULL;
	size_t n = 0;

	pthread_mutex_lock(&r->reader_lock);
	if (reader_ready(r, &err) &&
	    clicks_issues(&r->reader, MAX_ISSUES, &ids, &n, &err) == 0)
		for (size_t i = 0; i < n; i++) {
			struct table *t = current(r);
			struct entry *e;

			/* Full: the newer issues answer from build/links. */
			if (t && t->n >= MAX_ISSUES)
				break;
			if (find_in(t, ids[i]))
				continue;
			e = load(r, ids[i], &err);
			if (e && publish(r, e) != e)
				entry_free(e);
		}
	pthread_mutex_unlock(&r->reader_lock);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	err_release(&err);
}

/* An issue not sent yet: its build/links (uncounted). Caller frees. */
static int build_url(struct redirect *r, const char *issue, size_t n,
                     struct buf *url)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct linktable t = LINKTABLE_INIT;
	struct err err = ERR_INIT;
	int found = 0;

	config_path(r->cfg, &path, "issues/%s/build/links", issue);
	if (buf_read_file(&text, path.data, LINKS_MAX) == 0 &&
	    linktable_parse(&t, text.data, text.len, path.data, &err) == 0 &&
	    n <= t.n) {
		buf_adds(url, t.v[n - 1].url);
		found = 1;
	}
	linktable_release(&t);
	buf_release(&path);
	buf_release(&text);
	err_release(&err);
	return found;
}

static void count(struct entry *e, size_t n, const char *user_agent)
{
	struct counter *c = &e->counts[n - 1];
	int64_t now = (int64_t)time(NULL);
	int64_t started = __atomic_load_n(&e->started, __ATOMIC_RELAXED);
	int64_t finished = __atomic_load_n(&e->finished, __ATOMIC_RELAXED);
	long *which = &c->people;

	if (redirect_is_scanner(user_agent))
		which = &c->scanner;
	else if (!started || !finished || now <= finished + REDIRECT_EARLY)
		which = &c->early;
	__atomic_fetch_add(which, 1, __ATOMIC_RELAXED);
}

static void answer(struct http_exchange *ex, const char *url)
{
	ex->resp.status = 302;
	ex->resp.location = xstrdup(url);
	ex->resp.content_type = "text/plain; charset=utf-8";
}

enum redirect_result redirect_route(struct redirect *r,
                                    struct http_exchange *ex)
{
	char id[ID_MAX + 1];
	struct buf url = BUF_INIT;
	struct entry *e;
	size_t n;
	int found;

	if (strncmp(ex->req.path, "/r/", 3))
		return REDIRECT_NOT_MINE;
	if (!redirect_parse_path(ex->req.path, id, sizeof(id), &n))
		return REDIRECT_NOT_FOUND;
	if (ex->req.method != HTTP_GET && ex->req.method != HTTP_HEAD) {
		ex->resp.status = 405;
		ex->resp.allow = "GET, HEAD";
		return REDIRECT_ANSWERED;
	}
	e = find(r, id);
	if (e) {
		found = n <= e->links.n;
		if (found && ex->req.method == HTTP_GET)
			count(e, n, ex->req.user_agent);
		if (found)
			answer(ex, e->links.v[n - 1].url);
		return found ? REDIRECT_ANSWERED : REDIRECT_NOT_FOUND;
	}
	found = build_url(r, id, n, &url);
	if (found)
		answer(ex, url.data);
	buf_release(&url);
	return found ? REDIRECT_ANSWERED : REDIRECT_NOT_FOUND;
}

/* Counts taken from memory, to be added to the store. */
struct delta {
	const char *issue; /* the entry's (entries live as long as r) */
	struct counter *c;
	size_t n;
	long people, early, scanner;
};

struct flush_job {
	struct delta *v;
	size_t n;
};

static int run_flush(struct store *st, void *ctx, struct err *err)
{
	struct flush_job *job = ctx;

	for (size_t i = 0; i < job->n; i++) {
		const struct delta *d = &job->v[i];

		if (clicks_add(st, d->issue, d->n, d->people, d->early,
		               d->scanner, err) < 0)
			return -1;
	}
	return 0;
}

/* Takes every count since the last flush out of memory into job. */
static void take_counts(struct redirect *r, struct flush_job *job)
{
	struct table *t = current(r);

	for (size_t i = 0; t && i < t->n; i++) {
		struct entry *e = t->v[i];

		for (size_t k = 0; k < e->links.n; k++) {
			struct counter *c = &e->counts[k];
			struct delta d = {e->issue, c, k + 1, 0, 0, 0};

			d.people = __atomic_exchange_n(&c->people, 0,
			                               __ATOMIC_RELAXED);
			d.early = __atomic_exchange_n(&c->early, 0,
			                              __ATOMIC_RELAXED);
			d.scanner = __atomic_exchange_n(&c->scanner, 0,
			                                __ATOMIC_RELAXED);
			if (!d.people && !d.early && !d.scanner)
				continue;
			job->v = xrealloc(job->v, (job->n + 1) * sizeof(d));
			job->v[job->n++] = d;
		}
	}
}

/* A flush that failed: its counts go back, for the next one. */
static void give_back(struct flush_job *job)
{
	for (size_t i = 0; i < job->n; i++) {
		struct delta *d = &job->v[i];

		__atomic_fetch_add(&d->c->people, d->people, __ATOMIC_RELAXED);
		__atomic_fetch_add(&d->c->early, d->early, __ATOMIC_RELAXED);
		__atomic_fetch_add(&d->c->scanner, d->scanner,
		                   __ATOMIC_RELAXED);
	}
}

/* The send times of issues whose send has not finished, read again. */
static void refresh_sends(struct redirect *r)
{
	struct err err = ERR_INIT;
	struct table *t = current(r);

	pthread_mutex_lock(&r->reader_lock);
	for (size_t i = 0; t && i < t->n && r->reader_open; i++) {
		struct entry *e = t->v[i];
		struct store_campaign c;

		if (__atomic_load_n(&e->finished, __ATOMIC_RELAXED) ||
		    store_campaign_find(&r->reader, e->issue, &c, &err) <= 0)
			continue;
		__atomic_store_n(&e->started, c.started, __ATOMIC_RELAXED);
		__atomic_store_n(&e->finished, c.finished, __ATOMIC_RELAXED);
		store_campaign_release(&c);
	}
	pthread_mutex_unlock(&r->reader_lock);
	err_release(&err);
}

int redirect_flush(struct redirect *r, struct err *err)
{
	struct flush_job job = {NULL, 0};
	int ret = 0;

	load_new(r);
	refresh_sends(r);
	take_counts(r, &job);
	if (job.n && writer_run(r->writer, run_flush, &job, err) < 0) {
		give_back(&job);
		ret = -1;
	}
	free(job.v);
	return ret;
}

static void *flusher_main(void *arg)
{
	struct redirect *r = arg;

	pthread_mutex_lock(&r->stop_lock);
	while (!r->stopping) {
		struct timespec ts;
		struct err err = ERR_INIT;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&r->stop_cond, &r->stop_lock, &ts);
		pthread_mutex_unlock(&r->stop_lock);
		redirect_flush(r, &err);
		err_release(&err);
		pthread_mutex_lock(&r->stop_lock);
	}
	pthread_mutex_unlock(&r->stop_lock);
	return NULL;
}

struct redirect *redirect_start(const struct config *cfg, struct writer *writer,
                                struct err *err)
{
	struct redirect *r = xcalloc(1, sizeof(*r));

	r->cfg = cfg;
	r->writer = writer;
	pthread_mutex_init(&r->grow_lock, NULL);
	pthread_mutex_init(&r->reader_lock, NULL);
	pthread_mutex_init(&r->stop_lock, NULL);
	pthread_cond_init(&r->stop_cond, NULL);
	load_new(r);
	if (pthread_create(&r->flusher, NULL, flusher_main, r)) {
		err_set(err, "cannot start the thread that counts clicks");
		redirect_stop(r);
		return NULL;
	}
	r->started = 1;
	return r;
}

void redirect_stop(struct redirect *r)
{
	struct err err = ERR_INIT;

	if (!r)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->stop_lock);
		r->stopping = 1;
		pthread_cond_signal(&r->stop_cond);
		pthread_mutex_unlock(&r->stop_lock);
		pthread_join(r->flusher, NULL);
		/* The last second's counts. */
		redirect_flush(r, &err);
		err_release(&err);
	}
	for (size_t i = 0; r->table && i < r->table->n; i++)
		entry_free(r->table->v[i]);
	free(r->table);
	for (size_t i = 0; i < r->nold; i++)
		free(r->old[i]);
	free(r->old);
	if (r->reader_open)
		store_close(&r->reader);
	pthread_mutex_destroy(&r->grow_lock);
	pthread_mutex_destroy(&r->reader_lock);
	pthread_mutex_destroy(&r->stop_lock);
	pthread_cond_destroy(&r->stop_cond);
	free(r);
}
