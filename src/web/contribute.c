#include "contribute.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clicks.h"
#include "file.h"
#include "issue.h"
#include "lifecycle.h"
#include "submission.h"
#include "ratelimit.h"
#include "receipt.h"
#include "render.h"
#include "store_issue.h"
#include "store_partner.h"
#include "store_web.h"
#include "web_impl.h"
#include "banned.h"

#define TEXT_SLACK  (256u << 10) /* the text fields of a form, at most */
#define LIMIT_KEYS  65536
#define FIELD_COUNT 11

/* The form's fields, in page order; "general" is the rest. */
static const char *const field_ids[FIELD_COUNT] = {
        "title", "section",   "type",  "summary", "body",     "author",
        "image", "image_alt", "start", "end",     "location",
};

static const char *const type_labels[4] = {"News", "Case study", "Event",
                                           "Opportunity"};

/* Who owns which file of an issue, as last read (see owned_pieces). */
/* A piece as its partner's page lists it: its checks counted. */
struct summary {
	char *slug, *title, *type;
	int withdrawn;
	size_t errors, warnings;
};

struct owned {
	char *name;
	struct timespec mtime;
	off_t size;
	char *partner; /* NULL: the file names none */
	char *key; /* partner in lower case, trimmed (store_partner_owns, for
	              the index) */
	/* The checks, once counted (sum.slug set), valid while the piece
	 * and issue.yaml are as they were, for SUMMARY_FRESH seconds. */
	struct summary sum;
	struct timespec yaml_mtime;
	double summed_at;
};

/* A picture changed in place is seen within this many seconds. */
#define SUMMARY_FRESH 60.0

struct issue_index {
	char *id;
	struct owned *v;
	size_t n;
	struct timespec dir_mtime; /* of the folder when last read */
	double read_at;            /* web_monotonic() then */
	size_t *by_partner;        /* indexes of v by partner key, then name */
	size_t nby;
};

/*
 * A folder whose time has not changed has had no file added, removed or
 * renamed (every save here, and most editors', renames a new file into
 * place); a file changed where it stands is caught by reading the folder
 * again at least this often (seconds).
 */
#define INDEX_FRESH 10.0

struct contribute {
	struct web *w;
	const struct config *cfg;
	struct ratelimit *saves;
	pthread_mutex_t index_lock; /* the indexes */
	struct issue_index *idx;
	size_t nidx;
	pthread_mutex_t save_lock; /* one save at a time (submission.h) */
};

/* One request: the partner and where in their pages it is. */
struct visit {
	struct contribute *c;
	struct http_exchange *ex;
	struct store *st; /* a reader, for the request */
	struct store_partner p;
	char token[STORE_WEB_FORM_TOKEN_LEN + 1];
	char *id, *slug, *tail; /* from the path; NULL when absent */
	struct lifecycle_window win;
};

size_t contribute_body_max(const struct config *cfg)
{
	return (size_t)cfg->upload_max_kb * 1024 + TEXT_SLACK;
}

struct contribute *contribute_new(struct web *w, struct err *err)
{
	struct contribute *c = xcalloc(1, sizeof(*c));

	c->w = w;
	c->cfg = web_config(w);
	c->saves = ratelimit_new(c->cfg->saves_per_hour, 3600, LIMIT_KEYS);
	pthread_mutex_init(&c->index_lock, NULL);
	pthread_mutex_init(&c->save_lock, NULL);
	(void)err;
	return c;
}

static void summary_release(struct summary *m)
{
	free(m->slug);
	free(m->title);
	free(m->type);
	memset(m, 0, sizeof(*m));
}

static void summary_copy(struct summary *to, const struct summary *from)
{
	*to = *from;
	to->slug = from->slug ? xstrdup(from->slug) : NULL;
	to->title = from->title ? xstrdup(from->title) : NULL;
	to->type = from->type ? xstrdup(from->type) : NULL;
}

static void owned_release(struct owned *o)
{
	free(o->name);
	free(o->partner);
	free(o->key);
	summary_release(&o->sum);
}

void contribute_free(struct contribute *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nidx; i++) {
		for (size_t k = 0; k < c->idx[i].n; k++)
			owned_release(&c->idx[i].v[k]);
		free(c->idx[i].v);
		free(c->idx[i].by_partner);
		free(c->idx[i].id);
	}
	free(c->idx);
	ratelimit_free(c->saves);
	pthread_mutex_destroy(&c->index_lock);
	pthread_mutex_destroy(&c->save_lock);
	free(c);
}

/* Names from a path. */

/* A name an issue or piece may have in a path: one plain file name. */
static int plain_name(const char *s)
{
	if (!*s || s[0] == '.' || strlen(s) > 200)
		return 0;
	for (; *s; s++)
		if (*s == '/' || *s == '\\' || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/* "SECRET[/ISSUE[/SLUG[/TAIL]]]" into v; 0, or -1 for any other shape. */
static int split_rest(const char *rest, char *secret, size_t n, struct visit *v)
{
	const char *parts[4] = {0};
	size_t lens[4] = {0}, k = 0;
	const char *p = rest;

	for (;;) {
		const char *slash = strchr(p, '/');

		if (k == 4)
			return -1; /* more than four parts */
		parts[k] = p;
		lens[k] = slash ? (size_t)(slash - p) : strlen(p);
		k++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (lens[0] >= n)
		return -1;
	memcpy(secret, parts[0], lens[0]);
	secret[lens[0]] = '\0';
	if (k > 1)
		v->id = xstrndup(parts[1], lens[1]);
	if (k > 2)
		v->slug = xstrndup(parts[2], lens[2]);
	if (k > 3)
		v->tail = xstrndup(parts[3], lens[3]);
	if ((v->id && !plain_name(v->id)) || (v->slug && !plain_name(v->slug)))
		return -1;
	return 0;
}

/* The links of the pages, "/contribute/SECRET/..." (relative to the site). */
static void page_url(const struct visit *v, const char *id, const char *slug,
                     const char *tail, struct buf *out)
{
	buf_addf(out, "/contribute/%s", v->p.secret);
	if (id)
		buf_addf(out, "/%s", id);
	if (slug)
		buf_addf(out, "/%s", slug);
	if (tail)
		buf_addf(out, "/%s", tail);
}

/* Checks, in the partner's words. */

/* Where on the form a problem belongs: an index of field_ids, or -1. */
static int field_of(const struct diag *g, const struct contribution *c)
{
	static const struct {
		const char *code;
		int field;
	} by_code[] = {
	        {"missing-title", 0},   {"missing-section", 1},
	        {"unknown-section", 1}, {"unknown-type", 2},
	        {"event-start", 8},     {"event-end", 9},
	        {"late", -1},           {"front-matter", -1},
	};

	if (strcmp(g->file, c->path) != 0)
		return 6; /* the picture's own file */
	if (c->body_line && g->line >= c->body_line)
		return 4;
	for (size_t i = 0; i < sizeof(by_code) / sizeof(*by_code); i++)
		if (!strcmp(g->code, by_code[i].code))
			return by_code[i].field;
	if (!strcmp(g->code, "image-alt") ||
	    (g->line && g->line == c->image_alt_line))
		return 7;
	if (!strncmp(g->code, "image", 5))
		return 6;
	if (g->line && g->line == c->title_line)
		return 0;
	if (g->line && g->line == c->section_line)
		return 1;
	if (g->line && g->line == c->type_line)
		return 2;
	if (g->line && (g->line == c->start_line))
		return 8;
	return -1;
}

/*
 * The message for the form: a few of the compiler's name the lines of
 * the file, which the partner never sees; the rest are its own words.
 */
static void form_message(const struct diag *g, const struct contribution *c,
                         struct buf *out)
{
	if (!strcmp(g->code, "missing-title"))
		buf_adds(out, "Enter a title");
	else if (!strcmp(g->code, "missing-section"))
		buf_adds(out, "Choose the section your piece belongs in");
	else if (!strcmp(g->code, "event-start") && !c->start)
		buf_adds(out, "An event needs the date and time it starts");
	else if (!strcmp(g->code, "image-alt") && g->line == c->image_line)
		buf_adds(out, "Describe what the picture shows, for people "
		              "who cannot see it");
	else if (!strcmp(g->code, "front-matter"))
		buf_adds(out, "The details of the piece could not be read: "
		              "save it again");
	else {
		size_t at = out->len;

		buf_adds(out, g->msg);
		if (out->data[at] >= 'a' && out->data[at] <= 'z')
			out->data[at] = (char)(out->data[at] - 32);
	}
}

/* The checks of one piece, with the field each concerns. */
struct check {
	int field; /* an index of field_ids, or -1: the whole piece */
	int error;
	char *message;
};

struct checks {
	struct check *v;
	size_t n, errors, warnings;
};

static const char *field_label(int f)
{
	static const char *const labels[FIELD_COUNT] = {
	        "Title",  "Section", "Type",    "Summary",
	        "Text",   "Author",  "Picture", "Picture description",
	        "Starts", "Ends",    "Place",
	};

	return f >= 0 && f < FIELD_COUNT ? labels[f] : "The piece";
}

static void checks_fill(struct checks *k, const struct diags *ds,
                        const struct contribution *c)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; c && i < ds->n; i++) {
		const struct diag *g = &ds->v[i];
		struct buf m = BUF_INIT;
		struct check *ck;

		form_message(g, c, &m);
		k->v = xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
		ck = &k->v[k->n++];
		ck->field = field_of(g, c);
		ck->error = g->level == DIAG_ERROR;
		ck->message = buf_detach(&m);
		if (ck->error)
			k->errors++;
		else
			k->warnings++;
	}
}

/* "Field: message" for each error (or each warning), for the receipt. */
static char **checks_lines(const struct checks *k, int errors, size_t *n)
{
	char **v = NULL;

	*n = 0;
	for (size_t i = 0; i < k->n; i++) {
		struct buf line = BUF_INIT;

		if (k->v[i].error != errors)
			continue;
		buf_addf(&line, "%s: %s", field_label(k->v[i].field),
		         k->v[i].message);
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = buf_detach(&line);
	}
	return v;
}

static void checks_release(struct checks *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].message);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* Which pieces are whose. */

static int cmp_owned(const void *a, const void *b)
{
	return strcmp(((const struct owned *)a)->name,
	              ((const struct owned *)b)->name);
}

static int is_piece_name(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && name[0] != '.' && !strcmp(name + n - 3, ".md") &&
	       strcmp(name, "CONTRIBUTING.md") && strcmp(name, "README.md");
}

/* The partner field of dir/name, read (within 1 MB) and parsed. */
static char *read_partner(int dfd, const char *name)
{
	struct buf text = BUF_INIT, partner = BUF_INIT;
	struct stat st;
	int fd = file_open_regular(dfd, name, &st);
	char *r = NULL;

	if (fd < 0)
		return NULL;
	if (file_read_fd(fd, &text, 1 << 20) == 0 &&
	    submission_partner(text.data, text.len, &partner) == 1)
		r = buf_detach(&partner);
	close(fd);
	buf_release(&text);
	buf_release(&partner);
	return r;
}

static struct issue_index *index_of(struct contribute *c, const char *id)
{
	for (size_t i = 0; i < c->nidx; i++)
		if (!strcmp(c->idx[i].id, id))
			return &c->idx[i];
	c->idx = xrealloc(c->idx, (c->nidx + 1) * sizeof(*c->idx));
	memset(&c->idx[c->nidx], 0, sizeof(*c->idx));
	c->idx[c->nidx].id = xstrdup(id);
	return &c->idx[c->nidx++];
}

/* A partner's name or a piece's partner field as store_partner_owns reads
 * it, for the index (names in any case, trimmed). */
static char *partner_key(const char *s)
{
	struct buf b = BUF_INIT;

	while (*s == ' ')
		s++;
	for (; *s; s++)
		buf_addch(&b, *s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
	while (b.len && b.data[b.len - 1] == ' ')
		buf_setlen(&b, b.len - 1);
	return buf_detach(&b);
}

static int cmp_key(const void *a, const void *b, void *ctx)
{
	const struct issue_index *ix = ctx;
	const struct owned *x = &ix->v[*(const size_t *)a];
	const struct owned *y = &ix->v[*(const size_t *)b];
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->name, y->name);
}

/* The pieces naming a partner, sorted by their key, to find them fast. */
static void sort_by_partner(struct issue_index *ix)
{
	free(ix->by_partner);
	ix->by_partner = xcalloc(ix->n ? ix->n : 1, sizeof(size_t));
	ix->nby = 0;
	for (size_t i = 0; i < ix->n; i++) {
		if (!ix->v[i].partner)
			continue;
		ix->v[i].key = partner_key(ix->v[i].partner);
		ix->by_partner[ix->nby++] = i;
	}
	if (ix->nby)
		qsort_r(ix->by_partner, ix->nby, sizeof(size_t), cmp_key, ix);
}

/* Appends to *v the indexes of the pieces whose key is key. */
static void find_key(const struct issue_index *ix, const char *key, size_t **v,
                     size_t *n)
{
	size_t lo = 0, hi = ix->nby;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->v[ix->by_partner[mid]].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->nby && !strcmp(ix->v[ix->by_partner[lo]].key, key);
	     lo++) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = ix->by_partner[lo];
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The pieces of partner p in ix, in name order: those naming its name
 * (any case) or its slug, each once.
 */
static size_t *partner_pieces(const struct issue_index *ix,
                              const struct store_partner *p, size_t *count)
{
	char *name = partner_key(p->name);
	size_t *v = NULL, n = 0, k = 0;

	find_key(ix, name, &v, &n);
	if (strcmp(name, p->slug))
		find_key(ix, p->slug, &v, &n);
	free(name);
	if (n)
		qsort(v, n, sizeof(*v), cmp_size);
	for (size_t i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	*count = k;
	return v;
}

/* An entry copied (for reading it without the lock). */
static void owned_copy_one(struct owned *to, const struct owned *from)
{
	*to = *from;
	to->name = xstrdup(from->name);
	to->partner = from->partner ? xstrdup(from->partner) : NULL;
	to->key = NULL;
	summary_copy(&to->sum, &from->sum);
}

static struct owned *owned_copy(const struct owned *v, size_t n)
{
	struct owned *c = xcalloc(n ? n : 1, sizeof(*c));

	for (size_t i = 0; i < n; i++)
		owned_copy_one(&c[i], &v[i]);
	return c;
}

static void owned_free(struct owned *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		owned_release(&v[i]);
	free(v);
}

/*
 * The entry for file name in the folder dfd: what old knew of it while
 * its time and size are as they were, else read again.
 */
static void owned_entry(struct owned *e, const char *name,
                        const struct stat *st, const struct owned *old,
                        size_t nold, int dfd)
{
	struct owned key = {.name = (char *)name}, *was = NULL;

	memset(e, 0, sizeof(*e));
	if (nold)
		was = bsearch(&key, old, nold, sizeof(*old), cmp_owned);
	e->name = xstrdup(name);
	e->mtime = st->st_mtim;
	e->size = st->st_size;
	if (was && was->size == st->st_size &&
	    was->mtime.tv_sec == st->st_mtim.tv_sec &&
	    was->mtime.tv_nsec == st->st_mtim.tv_nsec) {
		e->partner = was->partner ? xstrdup(was->partner) : NULL;
		summary_copy(&e->sum, &was->sum);
		e->yaml_mtime = was->yaml_mtime;
		e->summed_at = was->summed_at;
	} else {
		e->partner = read_partner(dfd, name);
	}
}

/*
 * Brings the index of issue id up to date: a file whose time and size
 * are as they were is not read again, and the folder itself only when
 * its time changed or INDEX_FRESH passed. The folder is read without
 * the lock: pages keep using the index as it was meanwhile.
 */
static void refresh_index(struct contribute *c, const char *id, int dfd)
{
	struct owned *v = NULL, *old;
	size_t n = 0, cap = 0, nold;
	struct issue_index *ix;
	struct dirent *de;
	struct stat dst;
	double now = web_monotonic();
	DIR *dh;

	if (fstat(dfd, &dst) < 0)
		return;
	pthread_mutex_lock(&c->index_lock);
	ix = index_of(c, id);
	if (ix->read_at && now - ix->read_at < INDEX_FRESH &&
	    dst.st_mtim.tv_sec == ix->dir_mtime.tv_sec &&
	    dst.st_mtim.tv_nsec == ix->dir_mtime.tv_nsec) {
		pthread_mutex_unlock(&c->index_lock);
		return;
	}
	ix->dir_mtime = dst.st_mtim;
	ix->read_at = now;
	old = owned_copy(ix->v, ix->n);
	nold = ix->n;
	pthread_mutex_unlock(&c->index_lock);
	dh = fdopendir(dup(dfd));
	while (dh && (de = readdir(dh))) {
		struct stat st;

		if (!is_piece_name(de->d_name) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		owned_entry(&v[n++], de->d_name, &st, old, nold, dfd);
	}
	if (dh)
		closedir(dh);
	owned_free(old, nold);
	if (n)
		qsort(v, n, sizeof(*v), cmp_owned);
	pthread_mutex_lock(&c->index_lock);
	ix = index_of(c, id);
	owned_free(ix->v, ix->n);
	ix->v = v;
	ix->n = n;
	sort_by_partner(ix);
	pthread_mutex_unlock(&c->index_lock);
}

/* Counts the checks of the piece o (compile's, as submission_check runs them).
 */
static void summarise(struct contribute *c, const char *id, struct owned *o)
{
	struct diags ds = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct checks k;
	struct issue is;
	const struct contribution *p = NULL;
	char *slug = xstrndup(o->name, strlen(o->name) - 3);

	summary_release(&o->sum);
	if (submission_check(c->cfg, id, slug, &is, &ds, &err) == 1)
		p = submission_of(&is);
	checks_fill(&k, &ds, p);
	o->sum.slug = slug;
	o->sum.title = xstrdup(p && p->title ? p->title : slug);
	o->sum.type = p && p->type ? xstrdup(p->type) : NULL;
	o->sum.withdrawn = p && p->withdrawn;
	o->sum.errors = k.errors;
	o->sum.warnings = k.warnings;
	checks_release(&k);
	issue_release(&is);
	diags_release(&ds);
	err_release(&err);
}

/* Whether o's counts still hold, with issue.yaml's time now yaml. */
static int summary_fresh(const struct owned *o, const struct timespec *yaml,
                         double now)
{
	return o->sum.slug && now - o->summed_at < SUMMARY_FRESH &&
	       o->yaml_mtime.tv_sec == yaml->tv_sec &&
	       o->yaml_mtime.tv_nsec == yaml->tv_nsec;
}

/*
 * Counts the checks of the pieces stale[0..n) (copies of index entries)
 * without the lock, then keeps each count in the index if its file is
 * still as it was.
 */
static void summarise_stale(struct contribute *c, const char *id,
                            struct owned *stale, size_t n,
                            const struct timespec *yaml, double now)
{
	struct issue_index *ix;

	for (size_t i = 0; i < n; i++)
		summarise(c, id, &stale[i]);
	pthread_mutex_lock(&c->index_lock);
	ix = index_of(c, id);
	for (size_t i = 0; i < n; i++) {
		struct owned *e = ix->n ? bsearch(&stale[i], ix->v, ix->n,
		                                  sizeof(*ix->v), cmp_owned)
		                        : NULL;

		if (!e || e->size != stale[i].size ||
		    e->mtime.tv_sec != stale[i].mtime.tv_sec ||
		    e->mtime.tv_nsec != stale[i].mtime.tv_nsec)
			continue;
		summary_release(&e->sum);
		summary_copy(&e->sum, &stale[i].sum);
		e->summed_at = now;
		e->yaml_mtime = *yaml;
	}
	pthread_mutex_unlock(&c->index_lock);
}

/*
 * The partner's pieces in issue id, by name, with their checks counted
 * (caller frees with summaries_free). The counts are kept while nothing
 * they depend on changed, so a page costs a few stats, not a compile.
 */
static struct summary *owned_pieces(struct contribute *c, const struct visit *v,
                                    const char *id, size_t *count)
{
	struct buf dir = BUF_INIT;
	struct owned *stale = NULL;
	struct summary *out;
	struct stat yst;
	double now = web_monotonic();
	size_t n, nstale = 0, *mine, *where = NULL;
	int dfd;

	config_path(c->cfg, &dir, "issues/%s", id);
	dfd = open(dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	buf_release(&dir);
	*count = 0;
	if (dfd < 0)
		return NULL;
	if (fstatat(dfd, "issue.yaml", &yst, 0) < 0)
		memset(&yst, 0, sizeof(yst));
	refresh_index(c, id, dfd);
	close(dfd);
	pthread_mutex_lock(&c->index_lock);
	mine = partner_pieces(index_of(c, id), &v->p, &n);
	out = xcalloc(n ? n : 1, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct owned *o = &index_of(c, id)->v[mine[i]];

		if (summary_fresh(o, &yst.st_mtim, now)) {
			summary_copy(&out[i], &o->sum);
			continue;
		}
		stale = xrealloc(stale, (nstale + 1) * sizeof(*stale));
		where = xrealloc(where, (nstale + 1) * sizeof(*where));
		owned_copy_one(&stale[nstale], o);
		where[nstale++] = i;
	}
	pthread_mutex_unlock(&c->index_lock);
	summarise_stale(c, id, stale, nstale, &yst.st_mtim, now);
	for (size_t i = 0; i < nstale; i++)
		summary_copy(&out[where[i]], &stale[i].sum);
	owned_free(stale, nstale);
	free(where);
	free(mine);
	*count = n;
	return out;
}

static void summaries_free(struct summary *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		summary_release(&v[i]);
	free(v);
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The partner's page. */

/* "Thursday 21 January 2027" for a deadline, or NULL (caller frees). */
static char *deadline_text(const char *deadline)
{
	return deadline && *deadline ? issue_format_date(deadline) : NULL;
}

static const char *type_label(const char *type)
{
	for (size_t i = 0; i < 4; i++)
		if (type && !strcmp(type, issue_types[i]))
			return type_labels[i];
	return "News";
}

/* One of the partner's pieces on their page, with its checks counted. */
static struct tmpl_value *piece_item(struct visit *v, struct tmpl_data *d,
                                     const char *id, const struct summary *m)
{
	struct tmpl_value *e = tmpl_map(d);
	struct buf url = BUF_INIT, status = BUF_INIT;

	page_url(v, id, m->slug, NULL, &url);
	tmpl_map_str(d, e, "url", url.data);
	tmpl_map_str(d, e, "title", m->title);
	tmpl_map_str(d, e, "type_label", type_label(m->type));
	if (m->withdrawn)
		buf_adds(&status, "Withdrawn");
	else if (m->errors)
		buf_addf(&status, "%zu thing%s to fix", m->errors,
		         m->errors == 1 ? "" : "s");
	else if (m->warnings)
		buf_addf(&status, "Ready; %zu thing%s to check", m->warnings,
		         m->warnings == 1 ? "" : "s");
	else
		buf_adds(&status, "Ready: nothing to fix");
	tmpl_map_str(d, e, "status", status.data);
	tmpl_map_bool(d, e, "to_fix", m->errors > 0 && !m->withdrawn);
	buf_release(&url);
	buf_release(&status);
	return e;
}

/* An issue open to partners, with the partner's pieces in it. */
static struct tmpl_value *issue_item(struct visit *v, struct tmpl_data *d,
                                     const char *id,
                                     const struct lifecycle_window *w)
{
	struct tmpl_value *m = tmpl_map(d), *pieces = tmpl_list(d);
	struct diags ds = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct buf url = BUF_INIT;
	struct issue meta;
	size_t n;
	struct summary *mine = owned_pieces(v->c, v, id, &n);
	char *deadline;

	issue_load_meta(&meta, v->c->cfg, id, &ds, &err);
	tmpl_map_str(d, m, "id", id);
	tmpl_map_str(d, m, "title", meta.title ? meta.title : id);
	deadline = deadline_text(meta.deadline);
	tmpl_map_str(d, m, "deadline", deadline);
	tmpl_map_bool(d, m, "reopened", !strcmp(w->why, "reopened"));
	free(deadline);
	page_url(v, id, "new", NULL, &url);
	tmpl_map_str(d, m, "new_url", url.data);
	for (size_t i = 0; i < n; i++)
		tmpl_list_add(pieces, piece_item(v, d, id, &mine[i]));
	tmpl_map_set(m, "pieces", pieces);
	tmpl_map_bool(d, m, "has_pieces", n > 0);
	summaries_free(mine, n);
	issue_release(&meta);
	diags_release(&ds);
	err_release(&err);
	buf_release(&url);
	return m;
}

/* Click counts. */

static void add_count(struct tmpl_data *d, struct tmpl_value *m,
                      const char *key, long n)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%ld", n);
	tmpl_map_str(d, m, key, b.data);
	buf_release(&b);
}

static void add_counts(struct tmpl_data *d, struct tmpl_value *m, long people,
                       long early, long scanner)
{
	add_count(d, m, "people", people);
	add_count(d, m, "early", early);
	add_count(d, m, "scanner", scanner);
}

/* The links of rows[first]'s piece in its issue, with their total. */
static struct tmpl_value *piece_clicks(struct tmpl_data *d,
                                       const struct clicks_row *rows, size_t n,
                                       size_t first)
{
	struct tmpl_value *m = tmpl_map(d), *links = tmpl_list(d);
	const struct clicks_row *r0 = &rows[first];
	long people = 0, early = 0, scanner = 0;

	for (size_t i = first; i < n && !strcmp(rows[i].issue, r0->issue);
	     i++) {
		struct tmpl_value *l;

		if (strcmp(rows[i].piece, r0->piece))
			continue;
		l = tmpl_map(d);
		tmpl_map_str(d, l, "url", rows[i].url);
		add_counts(d, l, rows[i].people, rows[i].early,
		           rows[i].scanner);
		tmpl_list_add(links, l);
		people += rows[i].people;
		early += rows[i].early;
		scanner += rows[i].scanner;
	}
	tmpl_map_str(d, m, "piece", r0->piece);
	tmpl_map_set(m, "links", links);
	add_counts(d, m, people, early, scanner);
	return m;
}

/* Whether rows[i]'s piece came earlier in its issue (already shown). */
static int piece_seen(const struct clicks_row *rows, size_t i)
{
	for (size_t k = i; k-- > 0 && !strcmp(rows[k].issue, rows[i].issue);)
		if (!strcmp(rows[k].piece, rows[i].piece))
			return 1;
	return 0;
}

/*
 * The counts on the links of the partner's own pieces in the issues sent
 * (clicks_for_partner: by the partner named in each piece's details), by
 * issue and piece, split as 'bulletin status --clicks' splits them.
 * Nothing without tracking.clicks.
 */
static void add_clicks(struct visit *v, struct tmpl_data *d,
                       struct tmpl_value *root)
{
	struct tmpl_value *issues = tmpl_list(d), *m = NULL, *pieces = NULL;
	struct clicks_row *rows = NULL;
	struct err err = ERR_INIT;
	size_t n = 0;

	if (v->c->cfg->track_clicks &&
	    clicks_for_partner(v->st, v->p.name, &rows, &n, &err) < 0)
		web_say(v->c->w, "bulletin: %s", err_msg(&err));
	for (size_t i = 0; i < n; i++) {
		if (!i || strcmp(rows[i].issue, rows[i - 1].issue)) {
			struct diags ds = DIAGS_INIT;
			struct issue meta;

			issue_load_meta(&meta, v->c->cfg, rows[i].issue, &ds,
			                &err);
			m = tmpl_map(d);
			pieces = tmpl_list(d);
			tmpl_map_str(d, m, "id", rows[i].issue);
			tmpl_map_str(d, m, "title",
			             meta.title ? meta.title : rows[i].issue);
			tmpl_map_set(m, "pieces", pieces);
			tmpl_list_add(issues, m);
			issue_release(&meta);
			diags_release(&ds);
		}
		if (!piece_seen(rows, i))
			tmpl_list_add(pieces, piece_clicks(d, rows, n, i));
	}
	tmpl_map_set(root, "clicks", issues);
	tmpl_map_bool(d, root, "has_clicks", n > 0);
	clicks_rows_free(rows, n);
	err_release(&err);
}

static int partner_page(struct visit *v)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *root, *issues = tmpl_list(d);
	size_t n, open = 0;
	char **ids = lifecycle_issue_ids(v->c->cfg, &n);
	int64_t now = (int64_t)time(NULL);

	root = web_page_data(v->c->w, d, "Your contributions");
	for (size_t i = 0; i < n; i++) {
		struct lifecycle_window w;
		struct err err = ERR_INIT;

		if (lifecycle_partner_window(v->c->cfg, v->st, ids[i], now, &w,
		                             &err) == 0 &&
		    w.open) {
			tmpl_list_add(issues, issue_item(v, d, ids[i], &w));
			open++;
		}
		err_release(&err);
	}
	tmpl_map_str(d, root, "partner", v->p.name);
	tmpl_map_set(root, "issues", issues);
	tmpl_map_bool(d, root, "has_issues", open > 0);
	add_clicks(v, d, root);
	web_render(v->c->w, v->ex, 200, "web/partner.html", root);
	lifecycle_issue_ids_free(ids, n);
	tmpl_data_free(d);
	return HTTP_ANSWER;
}

/* A piece's page: the form, its checks, the preview. */

struct view {
	struct submission f;          /* the values shown */
	const char *image;            /* the current picture's file name */
	const struct contribution *c; /* as saved: checks, preview; or NULL */
	const struct diags *ds;
	const char *hard[FIELD_COUNT]; /* what stopped a save */
	int saved;
	int status;
};

static void add_choices(struct visit *v, struct tmpl_data *d,
                        struct tmpl_value *root, const struct submission *f)
{
	struct tmpl_value *sections = tmpl_list(d), *types = tmpl_list(d);
	const struct config *cfg = v->c->cfg;

	for (size_t i = 0; i < cfg->nsections; i++) {
		struct tmpl_value *m = tmpl_map(d);

		tmpl_map_str(d, m, "key", cfg->sections[i].key);
		tmpl_map_str(d, m, "title", cfg->sections[i].title);
		tmpl_map_bool(d, m, "selected",
		              f->section && !strcmp(f->section,
		                                    cfg->sections[i].key));
		tmpl_list_add(sections, m);
	}
	for (size_t i = 0; i < 4; i++) {
		struct tmpl_value *m = tmpl_map(d);

		tmpl_map_str(d, m, "value", issue_types[i]);
		tmpl_map_str(d, m, "label", type_labels[i]);
		tmpl_map_bool(d, m, "checked",
		              f->type ? !strcmp(f->type, issue_types[i])
		                      : i == 0);
		tmpl_list_add(types, m);
	}
	tmpl_map_set(root, "sections", sections);
	tmpl_map_set(root, "types", types);
	tmpl_map_bool(d, root, "is_event",
	              f->type && !strcmp(f->type, "event"));
}

static void add_values(struct tmpl_data *d, struct tmpl_value *root,
                       const struct submission *f)
{
	struct tmpl_value *m = tmpl_map(d);

	tmpl_map_str(d, m, "title", f->title);
	tmpl_map_str(d, m, "summary", f->summary);
	tmpl_map_str(d, m, "body", f->body);
	tmpl_map_str(d, m, "author", f->author);
	tmpl_map_str(d, m, "image_alt", f->image_alt);
	tmpl_map_str(d, m, "start", f->start);
	tmpl_map_str(d, m, "end", f->end);
	tmpl_map_str(d, m, "location", f->location);
	tmpl_map_set(root, "value", m);
}

static struct tmpl_value *check_item(struct tmpl_data *d, int field, int error,
                                     const char *message)
{
	struct tmpl_value *e = tmpl_map(d);

	tmpl_map_str(d, e, "message", message);
	tmpl_map_str(d, e, "field", field >= 0 ? field_ids[field] : NULL);
	tmpl_map_bool(d, e, "error", error);
	return e;
}

/*
 * The checks beside each field ("checks.title.list") and those about
 * the whole piece ("checks.general"), the problems that stopped a save
 * first; and the summary at the top, linking to each field.
 */
static void add_checks(struct tmpl_data *d, struct tmpl_value *root,
                       const struct view *vw)
{
	struct tmpl_value *by_field = tmpl_map(d), *summary = tmpl_list(d);
	struct checks k;
	size_t shown = 0, hard = 0;

	checks_fill(&k, vw->ds, vw->c);
	for (int i = 0; i <= FIELD_COUNT; i++) {
		struct tmpl_value *f = tmpl_map(d), *list = tmpl_list(d);
		int slot = i < FIELD_COUNT ? i : -1;
		size_t n = 0;

		if (slot >= 0 && vw->hard[i]) {
			tmpl_list_add(list, check_item(d, i, 1, vw->hard[i]));
			tmpl_list_add(summary,
			              check_item(d, i, 1, vw->hard[i]));
			n++;
			hard++;
		}
		for (size_t j = 0; j < k.n; j++) {
			if (k.v[j].field != slot)
				continue;
			tmpl_list_add(list, check_item(d, slot, k.v[j].error,
			                               k.v[j].message));
			tmpl_list_add(summary, check_item(d, slot, k.v[j].error,
			                                  k.v[j].message));
			n++;
		}
		tmpl_map_set(f, "list", list);
		tmpl_map_bool(d, f, "has", n > 0);
		tmpl_map_set(by_field, slot >= 0 ? field_ids[i] : "general", f);
		shown += n;
	}
	tmpl_map_set(root, "checks", by_field);
	tmpl_map_set(root, "summary", summary);
	tmpl_map_bool(d, root, "has_summary", shown > 0);
	tmpl_map_bool(d, root, "has_errors", k.errors + hard > 0);
	checks_release(&k);
}

/* The piece as the email shows it (the compiler's renderer). */
static void add_preview(struct visit *v, struct tmpl_data *d,
                        struct tmpl_value *root, const struct view *vw)
{
	struct tmpl_value *a;
	struct buf url = BUF_INIT;

	if (!vw->c || vw->c->withdrawn || !vw->c->doc || !vw->c->title ||
	    !vw->c->partner || !vw->c->type)
		return;
	a = render_article(d, vw->c, v->c->cfg, v->id, 0);
	if (vw->c->image) {
		page_url(v, v->id, vw->c->slug, "image", &url);
		tmpl_map_str(d, a, "image_url", url.data);
	}
	tmpl_map_set(root, "preview", a);
	buf_release(&url);
}

static void piece_page(struct visit *v, const struct view *vw)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *root;
	struct buf url = BUF_INIT, title = BUF_INIT;
	struct diags ds = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct issue meta;
	char *deadline;

	if (vw->status == 400)
		buf_adds(&title, "Error: ");
	buf_adds(&title, v->slug ? vw->f.title && *vw->f.title ? vw->f.title
	                                                       : "Your piece"
	                         : "A new piece");
	root = web_page_data(v->c->w, d, title.data);
	issue_load_meta(&meta, v->c->cfg, v->id, &ds, &err);
	tmpl_map_str(d, root, "partner", v->p.name);
	tmpl_map_str(d, root, "issue_title", meta.title ? meta.title : v->id);
	deadline = deadline_text(meta.deadline);
	tmpl_map_str(d, root, "deadline", deadline);
	free(deadline);
	tmpl_map_bool(d, root, "open", v->win.open);
	tmpl_map_bool(d, root, "new", v->slug == NULL);
	tmpl_map_bool(d, root, "saved", vw->saved);
	tmpl_map_bool(d, root, "withdrawn", vw->c && vw->c->withdrawn);
	tmpl_map_str(d, root, "token", v->token);
	buf_addf(&url, "%ld", (v->c->cfg->upload_max_kb + 1023) / 1024);
	tmpl_map_set(root, "upload_max_mb", tmpl_number(d, url.data));
	buf_reset(&url);
	page_url(v, NULL, NULL, NULL, &url);
	tmpl_map_str(d, root, "home_url", url.data);
	buf_reset(&url);
	page_url(v, v->id, v->slug ? v->slug : "new", NULL, &url);
	tmpl_map_str(d, root, "action_url", url.data);
	if (vw->image) {
		buf_reset(&url);
		page_url(v, v->id, v->slug, "image", &url);
		tmpl_map_str(d, root, "image_url", url.data);
	}
	add_values(d, root, &vw->f);
	add_choices(v, d, root, &vw->f);
	add_checks(d, root, vw);
	add_preview(v, d, root, vw);
	web_render(v->c->w, v->ex, vw->status ? vw->status : 200,
	           "web/piece.html", root);
	issue_release(&meta);
	diags_release(&ds);
	err_release(&err);
	buf_release(&url);
	buf_release(&title);
	tmpl_data_free(d);
}

/*
 * Loads the partner's piece v->slug with its checks: 1, or 0 after
 * answering 404 (no such piece, or another partner's).
 */
static int own_piece(struct visit *v, struct issue *is, struct diags *ds)
{
	struct err err = ERR_INIT;
	const struct contribution *c = NULL;
	int r = submission_check(v->c->cfg, v->id, v->slug, is, ds, &err);

	if (r == 1)
		c = submission_of(is);
	if (r < 0)
		web_say(v->c->w, "bulletin: %s", err_msg(&err));
	err_release(&err);
	if (c && c->partner && store_partner_owns(&v->p, c->partner))
		return 1;
	web_not_found(v->c->w, v->ex);
	return 0;
}

static int piece_get(struct visit *v)
{
	struct view vw = {0};
	struct diags ds = DIAGS_INIT;
	struct issue is;

	memset(&is, 0, sizeof(is));
	if (!v->slug) {
		vw.f.partner = v->p.name;
		piece_page(v, &vw);
		return HTTP_ANSWER;
	}
	if (own_piece(v, &is, &ds)) {
		vw.c = submission_of(&is);
		submission_from_contribution(&vw.f, vw.c);
		vw.image = vw.c->image;
		vw.ds = &ds;
		vw.saved = v->tail && !strcmp(v->tail, "saved");
		piece_page(v, &vw);
	}
	issue_release(&is);
	diags_release(&ds);
	return HTTP_ANSWER;
}

/* The piece's picture, read with the compiler's checks. */
static int image_get(struct visit *v)
{
	struct diags ds = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct issue_image im;
	struct issue is;
	const struct contribution *c;

	memset(&im, 0, sizeof(im));
	if (!own_piece(v, &is, &ds))
		goto out;
	c = submission_of(&is);
	if (!c->image || !issue_image_is_local(c->image) ||
	    issue_image_read(is.path, c->image, &im, &err) < 0) {
		web_not_found(v->c->w, v->ex);
		goto out;
	}
	buf_add(&v->ex->resp.body, im.data, im.len);
	v->ex->resp.content_type = image_media_type(im.info.type);
out:
	issue_image_release(&im);
	issue_release(&is);
	diags_release(&ds);
	err_release(&err);
	return HTTP_ANSWER;
}

/* Saving. */

/* A save on its way to disk: the events, then the receipts and 303. */
struct save_job {
	struct writer_job job; /* first: converts back */
	struct contribute *c;
	struct http_exchange *ex;
	char *id, *partner, *location;
	int64_t partner_id;
	struct submission_saved saved;
	struct buf *messages; /* one receipt per contact */
	char **to;
	size_t n;
};

static void save_job_free(struct save_job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		buf_release(&j->messages[i]);
		free(j->to[i]);
	}
	free(j->messages);
	free(j->to);
	free(j->id);
	free(j->partner);
	free(j->location);
	submission_saved_release(&j->saved);
	free(j);
}

static int run_save(struct store *st, struct writer_job *job, struct err *err)
{
	struct save_job *j = (struct save_job *)job;
	const char *what =
	        j->saved.withdrawn ? "piece-withdrawn" : "piece-saved";

	if (submission_record(st, j->id, &j->saved, j->partner, err) < 0)
		return -1;
	return store_partner_event(st, j->partner_id, what, "web",
	                           j->saved.path, err);
}

static void done_save(struct writer_job *job, int ret, const struct err *err)
{
	struct save_job *j = (struct save_job *)job;
	struct http_exchange *ex = j->ex;

	/* The files are saved whatever happens here: say so. */
	if (ret < 0)
		web_say(j->c->w, "bulletin: %s saved, but not recorded: %s",
		        j->saved.path, err_msg(err));
	for (size_t i = 0; i < j->n; i++)
		if (web_send(j->c->w, j->to[i], &j->messages[i]) < 0)
			web_say(j->c->w, "bulletin: receipt for %s not queued",
			        j->saved.path);
	ex->resp.status = 303;
	ex->resp.location = j->location;
	ex->resp.content_type = "text/plain; charset=utf-8";
	j->location = NULL;
	save_job_free(j);
	http_resume(ex);
}

/* The receipts for a save: the checks now, the link, one per contact. */
static void build_receipts(struct visit *v, struct save_job *j)
{
	struct diags ds = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct buf link = BUF_INIT;
	struct checks k = {0};
	struct issue is, meta;
	const struct contribution *c = NULL;
	struct receipt r = {.partner = v->p.name};
	char **fix = NULL, **check = NULL, *deadline;

	issue_load_meta(&meta, v->c->cfg, v->id, &ds, &err);
	if (submission_check(v->c->cfg, v->id, j->saved.slug, &is, &ds, &err) ==
	    1)
		c = submission_of(&is);
	checks_fill(&k, &ds, c);
	fix = checks_lines(&k, 1, &r.nfix);
	check = checks_lines(&k, 0, &r.ncheck);
	r.fix = (const char *const *)fix;
	r.check = (const char *const *)check;
	r.title = c && c->title ? c->title : j->saved.slug;
	r.issue_title = meta.title ? meta.title : v->id;
	deadline = deadline_text(meta.deadline);
	r.deadline = deadline;
	r.withdrawn = j->saved.withdrawn;
	buf_addf(&link, "%s/contribute/%s/%s/%s", v->c->cfg->base_url,
	         v->p.secret, v->id, j->saved.slug);
	r.link = link.data;
	j->messages = xcalloc(v->p.ncontacts ? v->p.ncontacts : 1,
	                      sizeof(*j->messages));
	j->to = xcalloc(v->p.ncontacts ? v->p.ncontacts : 1, sizeof(*j->to));
	for (size_t i = 0; i < v->p.ncontacts; i++) {
		buf_init(&j->messages[j->n]);
		err_clear(&err);
		if (receipt_build(v->c->cfg, &r, v->p.contacts[i],
		                  &j->messages[j->n], &err) < 0) {
			web_say(v->c->w, "bulletin: receipt not built: %s",
			        err_msg(&err));
			buf_release(&j->messages[j->n]);
			continue;
		}
		j->to[j->n++] = xstrdup(v->p.contacts[i]);
	}
	free(deadline);
	free_strings(fix, r.nfix);
	free_strings(check, r.ncheck);
	checks_release(&k);
	issue_release(&is);
	issue_release(&meta);
	diags_release(&ds);
	err_release(&err);
	buf_release(&link);
}

/* Records the save and answers once it is on disk. */
static int defer_save(struct visit *v, struct submission_saved *saved)
{
	struct save_job *j = xcalloc(1, sizeof(*j));
	struct buf loc = BUF_INIT;

	j->c = v->c;
	j->ex = v->ex;
	j->id = xstrdup(v->id);
	j->partner = xstrdup(v->p.name);
	j->partner_id = v->p.id;
	j->saved = *saved;
	memset(saved, 0, sizeof(*saved));
	build_receipts(v, j);
	page_url(v, v->id, j->saved.slug, "saved", &loc);
	j->location = buf_detach(&loc);
	j->job.run = run_save;
	j->job.done = done_save;
	web_defer_job(v->c->w, v->ex, &j->job);
	return HTTP_LATER;
}

/* Compares in time that does not depend on where they differ. */
static int same_token(const char *a, const char *b)
{
	size_t n = strlen(b);
	unsigned char diff = strlen(a) != n;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return a[0] && !diff;
}

/* The values typed, as a piece to save (strings borrowed from f). */
static void piece_from_form(struct submission *p, const struct form *f,
                            const struct visit *v)
{
	memset(p, 0, sizeof(*p));
	p->partner = v->p.name;
	p->title = form_get(f, "title");
	p->section = form_get(f, "section");
	p->type = form_get(f, "type");
	p->summary = form_get(f, "summary");
	p->body = form_get(f, "body");
	p->author = form_get(f, "author");
	p->image_alt = form_get(f, "image_alt");
	if (p->type && !strcmp(p->type, "event")) {
		p->start = form_get(f, "start");
		p->end = form_get(f, "end");
		p->location = form_get(f, "location");
	}
}

/*
 * What stops a save outright (the rest the checks report after it): no
 * title to name the piece by, a picture that is not one or too big.
 */
static int hard_problems(struct visit *v, const struct submission *p,
                         const struct submission_image *img, struct view *vw,
                         struct buf *why)
{
	struct image_info info;
	struct err err = ERR_INIT;
	int bad = 0;

	if (!p->title || !p->title[strspn(p->title, " \t\r\n")]) {
		vw->hard[0] = "Enter a title";
		bad = 1;
	}
	if (img->change == SUBMISSION_IMAGE_REPLACE &&
	    submission_check_image(img->data, img->len,
	                           (size_t)v->c->cfg->upload_max_kb * 1024,
	                           &info, &err) < 0) {
		buf_adds(why, err_msg(&err));
		buf_addf(why, " (choose the picture again: it was not kept)");
		if (why->data[0] >= 'a' && why->data[0] <= 'z')
			why->data[0] = (char)(why->data[0] - 32);
		vw->hard[6] = why->data;
		bad = 1;
	}
	err_release(&err);
	return bad;
}

static int closed_page(struct visit *v)
{
	web_error_page(v->c->w, v->ex, 403,
	               "Contributions to this issue are closed",
	               "The deadline for this issue has passed, so pieces can "
	               "no longer be changed here. Write to the newsletter's "
	               "editor if something must change.");
	return HTTP_ANSWER;
}

/* Saves (or withdraws) once everything allows it. */
static int save(struct visit *v, const struct form *f,
                const struct contribution *old)
{
	const struct form_field *file = form_file(f, "image");
	const char *remove = form_get(f, "remove_image");
	struct submission_image img = {SUBMISSION_IMAGE_KEEP, NULL, 0};
	struct view vw = {.status = 400};
	struct submission_saved saved;
	struct buf why = BUF_INIT;
	struct err err = ERR_INIT;
	struct submission p;
	int r;

	piece_from_form(&p, f, v);
	if (old)
		p.weight = old->weight;
	if (file && file->value_len) {
		img = (struct submission_image){SUBMISSION_IMAGE_REPLACE,
		                                file->value, file->value_len};
	} else if (remove && !strcmp(remove, "yes")) {
		img.change = SUBMISSION_IMAGE_REMOVE;
	}
	if (hard_problems(v, &p, &img, &vw, &why)) {
		vw.f = p;
		vw.image = old ? old->image : NULL;
		piece_page(v, &vw);
		buf_release(&why);
		return HTTP_ANSWER;
	}
	pthread_mutex_lock(&v->c->save_lock);
	r = submission_save(v->c->cfg, v->id, v->slug, &p, &img,
	                    (size_t)v->c->cfg->upload_max_kb * 1024, &saved,
	                    &err);
	pthread_mutex_unlock(&v->c->save_lock);
	buf_release(&why);
	if (r < 0) {
		web_say(v->c->w, "bulletin: contribution not saved: %s",
		        err_msg(&err));
		err_release(&err);
		web_server_error(v->c->w, v->ex);
		return HTTP_ANSWER;
	}
	err_release(&err);
	return defer_save(v, &saved);
}

static int withdraw(struct visit *v)
{
	struct submission_saved saved;
	struct err err = ERR_INIT;
	int r;

	pthread_mutex_lock(&v->c->save_lock);
	r = submission_withdraw(v->c->cfg, v->id, v->slug,
	                        "withdrawn by the partner from the form",
	                        &saved, &err);
	pthread_mutex_unlock(&v->c->save_lock);
	if (r < 0) {
		web_say(v->c->w, "bulletin: not withdrawn: %s", err_msg(&err));
		err_release(&err);
		web_server_error(v->c->w, v->ex);
		return HTTP_ANSWER;
	}
	err_release(&err);
	return defer_save(v, &saved);
}

/* Takes a save from the partner's allowance and the client's. */
static int take_save(struct visit *v, long *wait)
{
	char keys[2][RATELIMIT_KEY_MAX], partner[RATELIMIT_KEY_MAX];
	const char *names[2] = {partner, keys[0]};

	snprintf(partner, sizeof(partner), "partner:%lld", (long long)v->p.id);
	ratelimit_client_keys(v->ex->req.client, keys);
	return ratelimit_take_keys(v->c->saves, names, NULL, 2, web_monotonic(),
	                           wait);
}

static int piece_post(struct visit *v)
{
	struct diags ds = DIAGS_INIT;
	struct issue is;
	struct form f;
	const char *token, *action;
	const struct contribution *old = NULL;
	long wait;
	int ret = HTTP_ANSWER;

	memset(&is, 0, sizeof(is));
	form_init(&f);
	if (!web_got_form(v->c->w, v->ex, &f))
		goto out;
	token = form_get(&f, "token");
	if (!token || !same_token(token, v->token)) {
		web_error_page(v->c->w, v->ex, 403, "This form cannot be sent",
		               "The form was not sent from your page, or the "
		               "link to it has changed. Open your page from "
		               "the newest email we sent you, and save the "
		               "piece again.");
		goto out;
	}
	if (!v->win.open) {
		ret = closed_page(v);
		goto out;
	}
	if (v->slug && !own_piece(v, &is, &ds))
		goto out;
	if (v->slug)
		old = submission_of(&is);
	if (!take_save(v, &wait)) {
		web_error_page(
		        v->c->w, v->ex, 429, "Too many saves",
		        "Your pieces were saved many times in the last "
		        "hour. Please wait a few minutes and try again.");
		v->ex->resp.retry_after = wait;
		goto out;
	}
	action = form_get(&f, "action");
	if (v->slug && action && !strcmp(action, "withdraw"))
		ret = withdraw(v);
	else
		ret = save(v, &f, old);
out:
	form_release(&f);
	issue_release(&is);
	diags_release(&ds);
	return ret;
}

/* Routing. */

static int dispatch(struct visit *v)
{
	enum http_method m = v->ex->req.method;
	int get = m == HTTP_GET || m == HTTP_HEAD;
	struct err err = ERR_INIT;

	if (!v->id) {
		if (get)
			return partner_page(v);
		web_method_not_allowed(v->c->w, v->ex, "GET, HEAD");
		return HTTP_ANSWER;
	}
	if (lifecycle_partner_window(v->c->cfg, v->st, v->id,
	                             (int64_t)time(NULL), &v->win, &err) < 0) {
		err_release(&err); /* no such issue */
		web_not_found(v->c->w, v->ex);
		return HTTP_ANSWER;
	}
	err_release(&err);
	if (!v->slug || (!strcmp(v->slug, "new") && !v->tail)) {
		free(v->slug);
		v->slug = NULL;
		if (!v->win.open)
			return closed_page(v);
	} else if (v->tail && !strcmp(v->tail, "image") && get) {
		return image_get(v);
	} else if (v->tail && (strcmp(v->tail, "saved") || !get)) {
		web_not_found(v->c->w, v->ex);
		return HTTP_ANSWER;
	}
	if (m == HTTP_POST)
		return piece_post(v);
	if (get)
		return piece_get(v);
	web_method_not_allowed(v->c->w, v->ex, "GET, HEAD, POST");
	return HTTP_ANSWER;
}

int contribute_route(struct contribute *c, struct http_exchange *ex,
                     const char *rest)
{
	struct visit v = {.c = c, .ex = ex};
	char secret[STORE_PARTNER_SECRET_LEN + 2];
	struct err err = ERR_INIT;
	int r, ret = HTTP_ANSWER;

	/* A wrong secret of any shape is a page that does not exist. */
	if (split_rest(rest, secret, sizeof(secret), &v) < 0 ||
	    !store_partner_secret_valid(secret)) {
		web_not_found(c->w, ex);
		goto out;
	}
	v.st = web_reader_get(c->w, &err);
	r = v.st ? store_partner_find_secret(v.st, secret, &v.p, &err) : -1;
	if (r < 0) {
		web_say(c->w, "bulletin: %s", err_msg(&err));
		web_server_error(c->w, ex);
	} else if (r == 0) {
		web_not_found(c->w, ex);
	} else {
		store_web_form_token(v.st, v.p.secret, v.token);
		ret = dispatch(&v);
	}
out:
	if (v.st)
		web_reader_put(c->w, v.st);
	store_partner_release(&v.p);
	free(v.id);
	free(v.slug);
	free(v.tail);
	err_release(&err);
	return ret;
}
