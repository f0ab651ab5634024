#include "issuecache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lint.h"
#include "sha256.h"
#include "banned.h"

/* What is kept of one issue, each part with the digest of the stat
 * records it was read under. */
struct entry {
	char *id;
	int has_files;
	unsigned char files_fp[SHA256_LEN];
	struct inputs files; /* inputs_collect_issue's, unsorted */
	int has_built;
	unsigned char built_fp[SHA256_LEN];
	struct inputs built;
	long long when;
	int found;
	unsigned char view_fp[SHA256_LEN];
	struct issuecache_view *view; /* NULL: none kept */
	/* issuecache_watch: every folder and file watched, and the changes
	 * seen to them since */
	int watched;
	long long changes;
};

/* Which issue a watch descriptor is of (one inode may be in two). */
struct watch {
	int wd;
	char *id;
};

struct issuecache {
	long long racy_ns;
	pthread_mutex_t lock; /* guards everything below */
	struct entry *v;
	size_t n;
	/* The templates and settings every issue shares. */
	int has_shared;
	unsigned char shared_fp[SHA256_LEN];
	struct inputs shared;
	char **looked; /* the templates looked for */
	size_t nlooked;
	int ifd; /* inotify; -1: none */
	struct watch *w;
	size_t nw;
};

struct issuecache *issuecache_new(long long racy_ns)
{
	struct issuecache *c = xcalloc(1, sizeof(*c));

	c->racy_ns = racy_ns;
	pthread_mutex_init(&c->lock, NULL);
	c->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	return c;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void view_free(struct issuecache_view *v)
{
	if (!v)
		return;
	issue_release(&v->is);
	diags_release(&v->d);
	err_release(&v->err);
	free(v);
}

/* Lets go of a reference to v, under c->lock when c. */
static void view_unref(struct issuecache_view *v)
{
	if (v && --v->refs == 0)
		view_free(v);
}

void issuecache_free(struct issuecache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].id);
		inputs_release(&c->v[i].files);
		inputs_release(&c->v[i].built);
		view_unref(c->v[i].view);
	}
	free(c->v);
	inputs_release(&c->shared);
	free_names(c->looked, c->nlooked);
	for (size_t i = 0; i < c->nw; i++)
		free(c->w[i].id);
	free(c->w);
	if (c->ifd >= 0)
		close(c->ifd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Appends a copy of every entry of from to to. */
static void append(struct inputs *to, const struct inputs *from)
{
	if (!from->n)
		return;
	to->v = xrealloc(to->v, (to->n + from->n) * sizeof(*to->v));
	for (size_t i = 0; i < from->n; i++) {
		to->v[to->n] = from->v[i];
		to->v[to->n++].name = xstrdup(from->v[i].name);
	}
}

/* The moment before which files are trusted to their stat records. */
static long long since(const struct issuecache *c)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec -
	       (c ? c->racy_ns : 0);
}

static void digest(const struct buf *rec, unsigned char fp[SHA256_LEN])
{
	sha256_digest(rec->data, rec->len, fp);
}

/* The issue's folder and every file inputs_collect_issue reads. */
static int folder_rec(const struct config *cfg, const char *id, long long t,
                      struct buf *rec, int *racy, struct err *err)
{
	struct buf dir = BUF_INIT;
	int ret;

	config_path(cfg, &dir, "issues/%s", id);
	inputs_stat_record(dir.data, rec, t, racy);
	ret = inputs_stat_issue(cfg, id, rec, t, racy, err);
	buf_release(&dir);
	return ret;
}

static int folder_fp(const struct config *cfg, const char *id, long long t,
                     unsigned char fp[SHA256_LEN], int *racy, struct err *err)
{
	struct buf rec = BUF_INIT;
	int ret = folder_rec(cfg, id, t, &rec, racy, err);

	digest(&rec, fp);
	buf_release(&rec);
	return ret;
}

static void built_rec(const struct config *cfg, const char *id, long long t,
                      struct buf *rec, int *racy)
{
	struct buf path = BUF_INIT;

	config_path(cfg, &path, "issues/%s/build/inputs", id);
	inputs_stat_record(path.data, rec, t, racy);
	buf_release(&path);
}

/* The workspace's file for each template looked for, there or not. */
static void shared_rec(const struct config *cfg, char *const *looked, size_t n,
                       long long t, struct buf *rec, int *racy)
{
	struct buf path = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		buf_reset(&path);
		config_path(cfg, &path, "templates/%s.mustache", looked[i]);
		inputs_stat_record(path.data, rec, t, racy);
	}
	buf_release(&path);
}

static void shared_fp(const struct config *cfg, char *const *looked, size_t n,
                      long long t, unsigned char fp[SHA256_LEN], int *racy)
{
	struct buf rec = BUF_INIT;

	shared_rec(cfg, looked, n, t, &rec, racy);
	digest(&rec, fp);
	buf_release(&rec);
}

int issuecache_stamp(struct issuecache *c, const struct config *cfg,
                     const char *id, struct buf *stamp, int *racy,
                     struct err *err)
{
	long long t = since(c);

	if (!c)
		*racy = 1;
	built_rec(cfg, id, t, stamp, racy);
	return folder_rec(cfg, id, t, stamp, racy, err);
}

void issuecache_shared_stamp(struct issuecache *c, const struct config *cfg,
                             struct buf *stamp, int *racy)
{
	if (!c) {
		*racy = 1;
		return;
	}
	pthread_mutex_lock(&c->lock);
	if (c->has_shared)
		shared_rec(cfg, c->looked, c->nlooked, since(c), stamp, racy);
	else
		*racy = 1;
	pthread_mutex_unlock(&c->lock);
}

/* The entry of id, made when missing; under c->lock. */
static struct entry *entry_of(struct issuecache *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].id, id))
			return &c->v[i];
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	memset(&c->v[c->n], 0, sizeof(*c->v));
	c->v[c->n].id = xstrdup(id);
	return &c->v[c->n++];
}

/* The templates and settings into now, from c while they hold. */
static void shared_part(struct issuecache *c, const struct config *cfg,
                        long long t, struct inputs *now)
{
	unsigned char fp[SHA256_LEN];
	struct inputs sh;
	char **looked = NULL;
	size_t nlooked = 0;
	int racy = 0, hit = 0;

	if (c) {
		pthread_mutex_lock(&c->lock);
		if (c->has_shared) {
			shared_fp(cfg, c->looked, c->nlooked, t, fp, &racy);
			hit = !racy && !memcmp(fp, c->shared_fp, sizeof(fp));
			if (hit)
				append(now, &c->shared);
		}
		pthread_mutex_unlock(&c->lock);
	}
	if (hit)
		return;
	inputs_init(&sh);
	inputs_collect_shared(&sh, cfg, c ? &looked : NULL, &nlooked);
	append(now, &sh);
	if (!c) {
		inputs_release(&sh);
		return;
	}
	racy = 0;
	shared_fp(cfg, looked, nlooked, t, fp, &racy);
	pthread_mutex_lock(&c->lock);
	if (!racy) {
		inputs_release(&c->shared);
		free_names(c->looked, c->nlooked);
		c->shared = sh;
		c->looked = looked;
		c->nlooked = nlooked;
		memcpy(c->shared_fp, fp, sizeof(fp));
		c->has_shared = 1;
		inputs_init(&sh);
		looked = NULL;
		nlooked = 0;
	}
	pthread_mutex_unlock(&c->lock);
	inputs_release(&sh);
	free_names(looked, nlooked);
}

int issuecache_inputs(struct issuecache *c, const struct config *cfg,
                      const char *id, struct inputs *now, struct err *err)
{
	unsigned char fp[SHA256_LEN];
	long long t = since(c);
	struct inputs files;
	struct entry *e;
	int racy = 0, hit = 0;

	inputs_init(now);
	if (c) {
		if (folder_fp(cfg, id, t, fp, &racy, err) < 0)
			return -1;
		pthread_mutex_lock(&c->lock);
		e = entry_of(c, id);
		hit = !racy && e->has_files &&
		      !memcmp(fp, e->files_fp, sizeof(fp));
		if (hit)
			append(now, &e->files);
		pthread_mutex_unlock(&c->lock);
	}
	if (!hit) {
		if (inputs_collect_issue(&files, cfg, id, err) < 0)
			return -1;
		append(now, &files);
		if (c && !racy) {
			pthread_mutex_lock(&c->lock);
			e = entry_of(c, id);
			inputs_release(&e->files);
			e->files = files;
			memcpy(e->files_fp, fp, sizeof(fp));
			e->has_files = 1;
			pthread_mutex_unlock(&c->lock);
			inputs_init(&files);
		}
		inputs_release(&files);
	}
	shared_part(c, cfg, t, now);
	inputs_sort(now);
	return 0;
}

int issuecache_built(struct issuecache *c, const struct config *cfg,
                     const char *id, struct inputs *built, long long *when,
                     struct err *err)
{
	unsigned char fp[SHA256_LEN];
	struct buf rec = BUF_INIT;
	struct entry *e;
	int racy = 0, found = -1;

	if (!c)
		return inputs_read(built, cfg, id, when, err);
	built_rec(cfg, id, since(c), &rec, &racy);
	digest(&rec, fp);
	buf_release(&rec);
	inputs_init(built);
	pthread_mutex_lock(&c->lock);
	e = entry_of(c, id);
	if (!racy && e->has_built && !memcmp(fp, e->built_fp, sizeof(fp))) {
		append(built, &e->built);
		*when = e->when;
		found = e->found;
	}
	pthread_mutex_unlock(&c->lock);
	if (found >= 0)
		return found;
	found = inputs_read(built, cfg, id, when, err);
	if (found < 0 || racy)
		return found;
	pthread_mutex_lock(&c->lock);
	e = entry_of(c, id);
	inputs_release(&e->built);
	append(&e->built, built);
	e->when = *when;
	e->found = found;
	memcpy(e->built_fp, fp, sizeof(fp));
	e->has_built = 1;
	pthread_mutex_unlock(&c->lock);
	return found;
}

static struct issuecache_view *view_load(const struct config *cfg,
                                         const char *id)
{
	struct issuecache_view *v = xcalloc(1, sizeof(*v));
	struct diags none = DIAGS_INIT;

	v->d = none;
	err_init(&v->err);
	v->refs = 1;
	if (issue_load(&v->is, cfg, id, &v->d, &v->err) == 0) {
		v->loaded = 1;
		lint_issue(&v->is, cfg, &v->d);
		diags_sort(&v->d);
	}
	return v;
}

const struct issuecache_view *
issuecache_view(struct issuecache *c, const struct config *cfg, const char *id)
{
	unsigned char fp[SHA256_LEN];
	struct issuecache_view *v = NULL;
	struct err err = ERR_INIT;
	struct entry *e;
	int racy = 0, fp_ok;

	if (!c)
		return view_load(cfg, id);
	fp_ok = folder_fp(cfg, id, since(c), fp, &racy, &err) == 0;
	err_release(&err);
	pthread_mutex_lock(&c->lock);
	e = entry_of(c, id);
	if (fp_ok && !racy && e->view && !memcmp(fp, e->view_fp, sizeof(fp))) {
		v = e->view;
		v->refs++;
	}
	pthread_mutex_unlock(&c->lock);
	if (v)
		return v;
	v = view_load(cfg, id);
	if (!fp_ok || racy)
		return v;
	pthread_mutex_lock(&c->lock);
	e = entry_of(c, id);
	view_unref(e->view);
	e->view = v;
	memcpy(e->view_fp, fp, sizeof(fp));
	v->refs++;
	pthread_mutex_unlock(&c->lock);
	return v;
}

void issuecache_put(struct issuecache *c, const struct issuecache_view *v)
{
	/* The cache's own: the const is for its readers. */
	struct issuecache_view *w = (struct issuecache_view *)v;

	if (!c) {
		view_unref(w);
		return;
	}
	pthread_mutex_lock(&c->lock);
	view_unref(w);
	pthread_mutex_unlock(&c->lock);
}

/* Watching. */

/* What changes a folder's or a file's content, names or details. */
#define DIR_EVENTS                                                        \
	(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | \
	 IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)
#define FILE_EVENTS \
	(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF)

/* A change to what wd watches (0: to everything, the queue overflowed);
 * gone: wd watches nothing any more. Under c->lock. */
static void changed(struct issuecache *c, int wd, int gone)
{
	size_t kept = 0;

	for (size_t i = 0; !wd && i < c->n; i++) {
		c->v[i].changes++;
		c->v[i].watched = 0; /* watched again at the next look */
	}
	if (!wd)
		return;
	for (size_t k = 0; k < c->nw; k++) {
		if (c->w[k].wd == wd) {
			for (size_t i = 0; i < c->n; i++) {
				if (strcmp(c->v[i].id, c->w[k].id))
					continue;
				c->v[i].changes++;
				if (gone)
					c->v[i].watched = 0;
			}
			if (gone) {
				free(c->w[k].id);
				continue;
			}
		}
		c->w[kept++] = c->w[k];
	}
	c->nw = kept;
}

/* Reads every event waiting; under c->lock. */
static void drain(struct issuecache *c)
{
	char ev[4096]
	        __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t got;

	while ((got = read(c->ifd, ev, sizeof(ev))) > 0) {
		for (char *p = ev; p < ev + got;) {
			const struct inotify_event *e = (const void *)p;

			if (e->mask & IN_Q_OVERFLOW)
				changed(c, 0, 0);
			else
				changed(c, e->wd, (e->mask & IN_IGNORED) != 0);
			p += sizeof(*e) + e->len;
		}
	}
}

/* Watches path for issue id; 0, or -1 when it cannot. Under c->lock. */
static int add_watch(struct issuecache *c, const char *path, uint32_t events,
                     const char *id)
{
	int wd = inotify_add_watch(c->ifd, path, events);

	if (wd < 0)
		return -1;
	for (size_t k = 0; k < c->nw; k++)
		if (c->w[k].wd == wd && !strcmp(c->w[k].id, id))
			return 0;
	c->w = xrealloc(c->w, (c->nw + 1) * sizeof(*c->w));
	c->w[c->nw].wd = wd;
	c->w[c->nw++].id = xstrdup(id);
	return 0;
}

/* The folder path (and every folder and file under it) for id. */
static int watch_tree(struct issuecache *c, struct buf *path, int depth,
                      const char *id)
{
	size_t len = path->len;
	struct dirent *de;
	DIR *d;
	int ret;

	if (add_watch(c, path->data, DIR_EVENTS | IN_ONLYDIR, id) < 0)
		return -1;
	d = opendir(path->data);
	ret = d ? 0 : -1;
	while (!ret && (de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		buf_setlen(path, len);
		buf_addf(path, "/%s", de->d_name);
		if (lstat(path->data, &st) < 0)
			continue; /* gone: its folder's event says so */
		if (S_ISDIR(st.st_mode))
			ret = depth < 8 ? watch_tree(c, path, depth + 1, id)
			                : -1;
		else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			/* A link: its target, wherever it is. */
			ret = add_watch(c, path->data, FILE_EVENTS, id);
	}
	if (d)
		closedir(d);
	buf_setlen(path, len);
	return ret;
}

long long issuecache_watch(struct issuecache *c, const struct config *cfg,
                           const char *id)
{
	struct buf path = BUF_INIT;
	struct entry *e;
	long long changes = -1;

	if (!c || c->ifd < 0)
		return -1;
	config_path(cfg, &path, "issues/%s", id);
	pthread_mutex_lock(&c->lock);
	drain(c);
	e = entry_of(c, id);
	if (!e->watched)
		e->watched = watch_tree(c, &path, 0, id) == 0;
	if (e->watched)
		changes = e->changes;
	pthread_mutex_unlock(&c->lock);
	buf_release(&path);
	return changes;
}
