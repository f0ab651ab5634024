#include "issuelist.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "issuecache.h"
#include "lifecycle.h"
#include "schedule.h"
#include "banned.h"

static void row_release(struct issuelist_row *r)
{
	free(r->id);
	free(r->state);
	free(r->deadline);
	free(r->pieces);
	free(r->compiled);
	free(r->approver);
	free(r->site);
	free(r->scheduled);
	free(r->note);
	free(r->cancelled);
}

void issuelist_when(long long t, struct buf *out)
{
	struct buf b = BUF_INIT;

	if (!t) {
		buf_adds(out, "-");
		return;
	}
	lifecycle_when(t, &b);
	/* "on YYYY-MM-DD HH:MM" without "on " */
	buf_adds(out, b.data + 3);
	buf_release(&b);
}

static char *when_text(long long t)
{
	struct buf b = BUF_INIT;

	issuelist_when(t, &b);
	return buf_detach(&b);
}

/* The deadline, pieces and problems, from the issue's own files. */
static void fill_issue(struct issuelist_row *r, const struct config *cfg,
                       struct issuecache *cache)
{
	const struct issuecache_view *v = issuecache_view(cache, cfg, r->id);
	struct buf n = BUF_INIT;

	if (v->loaded) {
		r->deadline = xstrdup(v->is.deadline && *v->is.deadline
		                              ? v->is.deadline
		                              : "-");
		buf_addf(&n, "%zu", v->is.n);
		r->pieces = buf_detach(&n);
		r->errors = diags_count(&v->d, DIAG_ERROR);
		r->warnings = diags_count(&v->d, DIAG_WARNING);
	} else {
		r->deadline = xstrdup("?");
		r->pieces = xstrdup("?");
	}
	issuecache_put(cache, v);
	buf_release(&n);
}

/*
 * Where the issue stands; a schedule it no longer matches cancelled on
 * the way (schedule_check: only an issue ever scheduled has one to
 * check, and then it is looked at again).
 */
static int load_state(struct issuelist_row *r, const struct config *cfg,
                      struct store *st, struct issuecache *cache,
                      struct lifecycle *lc, struct err *err)
{
	struct buf said = BUF_INIT;
	int moved = 0;

	if (lifecycle_load_cached(lc, cfg, st, cache, r->id, err) < 0)
		return -1;
	if (lc->has_schedule)
		moved = schedule_check(cfg, st, r->id, &said, err);
	r->cancelled = buf_detach(&said);
	if (moved != 0)
		lifecycle_release(lc);
	if (moved > 0 &&
	    lifecycle_load_cached(lc, cfg, st, cache, r->id, err) < 0)
		return -1;
	return moved < 0 ? -1 : 0;
}

static int fill_row(struct issuelist_row *r, const struct config *cfg,
                    struct store *st, struct issuecache *cache, struct err *err)
{
	struct lifecycle lc;
	struct buf when = BUF_INIT;

	if (load_state(r, cfg, st, cache, &lc, err) < 0)
		return -1;
	if (lc.has_schedule)
		schedule_describe(cfg, &lc.schedule, 1, &when);
	r->scheduled = when.len ? buf_detach(&when) : xstrdup("-");
	buf_release(&when);
	r->state = xstrdup(lifecycle_state_name(lc.state));
	r->compiled = lc.compiled ? when_text(lc.compiled_at) : xstrdup("-");
	r->approver = xstrdup(lc.approved ? lc.approval.by : "-");
	r->site = xstrdup(lc.published ? "published" : "-");
	r->note = xstrdup(lc.has_schedule && lc.schedule.state == SCHEDULE_HELD
	                          ? "scheduled send missed: see 'bulletin "
	                            "status'"
	                  : lc.stale ? "changed since compiled"
	                  : lc.approved && !lc.approval_holds &&
	                                  lc.state < LIFECYCLE_SENDING
	                          ? "changed since approved"
	                          : "");
	lifecycle_release(&lc);
	fill_issue(r, cfg, cache);
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct issuelist_row *)a)->id,
	              ((const struct issuelist_row *)b)->id);
}

/* Every folder under issues/, by name. */
static struct issuelist_row *list_issues(const struct config *cfg, size_t *n)
{
	struct buf p = BUF_INIT;
	struct issuelist_row *v = NULL;
	struct dirent *de;
	DIR *d;

	*n = 0;
	config_path(cfg, &p, "issues");
	d = opendir(p.data);
	while (d && (de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		/* The kind from the folder's listing when it says. */
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN &&
		    de->d_type != DT_LNK)
			continue;
		buf_reset(&p);
		config_path(cfg, &p, "issues/%s", de->d_name);
		if (de->d_type != DT_DIR &&
		    (stat(p.data, &st) < 0 || !S_ISDIR(st.st_mode)))
			continue;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		memset(&v[*n], 0, sizeof(*v));
		v[(*n)++].id = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	buf_release(&p);
	if (*n)
		qsort(v, *n, sizeof(*v), by_id);
	return v;
}

/* Rows kept, each with the key it was worked out under. */
struct kept {
	struct buf key;
	struct issuelist_row row;
};

struct issuelist_cache {
	struct issuecache *files;
	pthread_mutex_t lock; /* guards everything below */
	struct store watch;   /* asked for its data_version only */
	int watching;
	struct kept *v;
	size_t n;
};

struct issuelist_cache *issuelist_cache_new(struct issuecache *files,
                                            const struct config *cfg)
{
	struct issuelist_cache *c = xcalloc(1, sizeof(*c));
	struct buf path = BUF_INIT;
	struct err err = ERR_INIT;

	c->files = files;
	pthread_mutex_init(&c->lock, NULL);
	config_path(cfg, &path, "%s", cfg->store);
	/* Without it every row is worked out each time, as without a cache. */
	c->watching = store_open(&c->watch, path.data, &err) == 0;
	buf_release(&path);
	err_release(&err);
	return c;
}

void issuelist_cache_free(struct issuelist_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		buf_release(&c->v[i].key);
		row_release(&c->v[i].row);
	}
	free(c->v);
	if (c->watching)
		store_close(&c->watch);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void row_copy(struct issuelist_row *to, const struct issuelist_row *from)
{
	*to = *from;
	to->id = dup_or_null(from->id);
	to->state = dup_or_null(from->state);
	to->deadline = dup_or_null(from->deadline);
	to->pieces = dup_or_null(from->pieces);
	to->compiled = dup_or_null(from->compiled);
	to->approver = dup_or_null(from->approver);
	to->site = dup_or_null(from->site);
	to->scheduled = dup_or_null(from->scheduled);
	to->note = dup_or_null(from->note);
	to->cancelled = dup_or_null(from->cancelled);
}

/*
 * What a row depends on beyond its issue's files, appended to key: the
 * store's version and the templates' stat records. 0 when rows cannot be
 * kept now (no cache, the store not asked, templates not read yet).
 */
static int page_key(struct issuelist_cache *c, const struct config *cfg,
                    struct buf *key)
{
	struct err err = ERR_INIT;
	int64_t version = 0;
	int ok, racy = 0;

	if (!c || !c->watching)
		return 0;
	pthread_mutex_lock(&c->lock);
	ok = store_data_version(&c->watch, &version, &err) == 0;
	pthread_mutex_unlock(&c->lock);
	err_release(&err);
	buf_add(key, &version, sizeof(version));
	issuecache_shared_stamp(c->files, cfg, key, &racy);
	return ok && !racy;
}

/* The kept row of id under key: copied into r, 1; 0 when none. */
static int kept_row(struct issuelist_cache *c, const struct buf *key,
                    struct issuelist_row *r)
{
	int found = 0;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n && !found; i++) {
		if (strcmp(c->v[i].row.id, r->id))
			continue;
		found = c->v[i].key.len == key->len &&
		        !memcmp(c->v[i].key.data, key->data, key->len);
		if (found) {
			free(r->id);
			row_copy(r, &c->v[i].row);
		}
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

static void keep_row(struct issuelist_cache *c, const struct buf *key,
                     const struct issuelist_row *r)
{
	struct kept *k = NULL;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n && !k; i++)
		if (!strcmp(c->v[i].row.id, r->id))
			k = &c->v[i];
	if (k) {
		buf_reset(&k->key);
		row_release(&k->row);
	} else {
		c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
		k = &c->v[c->n++];
		buf_init(&k->key);
	}
	buf_add(&k->key, key->data, key->len);
	row_copy(&k->row, r);
	pthread_mutex_unlock(&c->lock);
}

/* Row r, kept or worked out (and kept when its files are settled). */
static int load_row(struct issuelist_row *r, const struct config *cfg,
                    struct store *st, struct issuelist_cache *c,
                    const struct buf *page, struct err *err)
{
	struct buf key = BUF_INIT;
	struct err stamp_err = ERR_INIT;
	int keep = page != NULL, racy = 0, ret = 0;

	if (keep) {
		long long changes = issuecache_watch(c->files, cfg, r->id);

		buf_add(&key, page->data, page->len);
		/* Watched: the changes seen so far; else the stat records. */
		buf_addch(&key, changes >= 0 ? 'w' : 's');
		if (changes >= 0)
			buf_add(&key, &changes, sizeof(changes));
		else
			keep = issuecache_stamp(c->files, cfg, r->id, &key,
			                        &racy, &stamp_err) == 0 &&
			       !racy;
	}
	if (!keep || !kept_row(c, &key, r)) {
		ret = fill_row(r, cfg, st, c ? c->files : NULL, err);
		if (ret == 0 && keep)
			keep_row(c, &key, r);
	}
	buf_release(&key);
	err_release(&stamp_err);
	return ret;
}

int issuelist_load(const struct config *cfg, struct store *st,
                   struct issuelist_row **v, size_t *n, struct err *err)
{
	return issuelist_load_cached(cfg, st, NULL, v, n, err);
}

int issuelist_load_cached(const struct config *cfg, struct store *st,
                          struct issuelist_cache *cache,
                          struct issuelist_row **v, size_t *n, struct err *err)
{
	struct buf page = BUF_INIT;
	int keep;

	/* The page's key first: a change after it makes the next miss. */
	keep = page_key(cache, cfg, &page);
	*v = list_issues(cfg, n);
	for (size_t i = 0; i < *n; i++) {
		if (load_row(&(*v)[i], cfg, st, cache, keep ? &page : NULL,
		             err) < 0) {
			issuelist_free(*v, *n);
			*v = NULL;
			*n = 0;
			buf_release(&page);
			return -1;
		}
	}
	buf_release(&page);
	return 0;
}

void issuelist_free(struct issuelist_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		row_release(&v[i]);
	free(v);
}
