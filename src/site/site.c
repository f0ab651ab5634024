#include "site.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "defaults.h"
#include "diag.h"
#include "file.h"
#include "ical.h"
#include "issue.h"
#include "render.h"
#include "sha256.h"
#include "store_site.h"
#include "template.h"
#include "banned.h"

#define MANIFEST       ".manifest"
#define MANIFEST_MAGIC "bulletin-site 2"
#define MAX_MANIFEST   (64 << 20)
#define MAX_SOURCE     (64 << 20)
#define HEX_LEN        (2 * SHA256_LEN + 1)
/* Upcoming events on the home page; the events page lists them all. */
#define HOME_EVENTS 5

/* One piece of a published issue, as the list pages need it. */
struct piece {
	char *slug, *title, *partner, *section, *type, *summary;
	char *start, *end, *location; /* events; NULL when not given */
};

/* A file an issue produced, with what it looked like once written. */
struct out_file {
	char *path; /* relative to public/ */
	long long size, mtime_ns;
};

/*
 * A folder of public/ ("" for public/ itself, else "issues/2027-01/") and
 * its ctime, 0 when it was too recent to be trusted by the next build.
 */
struct dir_mark {
	char *path;
	long long ctime_ns;
};

struct sissue {
	char *id, *title, *date, *preheader;
	int sample;
	char digest[HEX_LEN];
	/* Of what the pages across issues show of it ("" until computed):
	 * kept in the manifest, so an unchanged issue is not hashed again. */
	char shown[HEX_LEN];
	struct piece *pieces;
	size_t npieces;
	struct out_file *files;
	size_t nfiles;
	/* The source folder's ctime (0: not to be trusted) and its entries
	 * then, separated by '/': unchanged, it is not read again. */
	long long dir_ctime;
	char *names;
};

/* How many folders of public/ a build keeps open for writing. */
#define DIR_CACHE 32

struct site {
	const struct config *cfg;
	time_t now;
	struct site_report *rep;
	struct buf pub;       /* the public/ folder's path */
	int pubfd;            /* and the folder, open */
	char global[HEX_LEN]; /* of the settings and issue templates */
	long long started_ns; /* when this build started */
	struct sissue *v;     /* published issues on the site */
	size_t n;
	struct sissue *old; /* from the manifest */
	size_t nold;
	/* The pages across issues: their digest and files, now and then. */
	struct sissue lists, old_lists;
	struct buf manifest; /* as read: not written again unchanged */
	/* Every file the last build left under public/, sorted. */
	char **old_paths;
	size_t nold_paths;
	/* public/'s folders with their ctime, then (sorted) and now. */
	struct dir_mark *old_dirs, *dirs;
	size_t nold_dirs, ndirs;
	char **written; /* paths under public/ this build wrote */
	size_t nwritten, capwritten;
	/* Folders of public/ open for writing (pub_dir). */
	struct dir_slot {
		char *rel;
		int fd;
	} dirc[DIR_CACHE];
	size_t dirc_next;
};

/* Small helpers. */

static void add_str(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

static void note(struct site *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void note(struct site *s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	add_str(&s->rep->notes, &s->rep->nnotes, buf_detach(&b));
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static void hex(const unsigned char *d, char out[HEX_LEN])
{
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

char *site_slug(const char *name)
{
	struct buf b = BUF_INIT;
	int dash = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			if (dash && b.len)
				buf_addch(&b, '-');
			buf_addch(&b, *p);
			dash = 0;
		} else if (*p >= 'A' && *p <= 'Z') {
			if (dash && b.len)
				buf_addch(&b, '-');
			buf_addch(&b, *p - 'A' + 'a');
			dash = 0;
		} else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
			/* Latin-1 letters lose their accents: "Café" -> "cafe".
			 */
			static const char latin1[] =
			        "aaaaaaaceeeeiiiidnooooo-ouuuuyts"
			        "aaaaaaaceeeeiiiidnooooo-ouuuuyty";
			char c = latin1[p[1] - 0x80];

			p++;
			if (c == '-') {
				dash = 1;
				continue;
			}
			if (dash && b.len)
				buf_addch(&b, '-');
			buf_addch(&b, c);
			dash = 0;
		} else if (*p == '\'' || *p >= 0x80) {
			/* "Children's" -> "childrens"; other letters vanish */
		} else {
			dash = 1;
		}
	}
	if (!b.len)
		buf_adds(&b, "partner");
	return buf_detach(&b);
}

static void piece_release(struct piece *p)
{
	free(p->slug);
	free(p->title);
	free(p->partner);
	free(p->section);
	free(p->type);
	free(p->summary);
	free(p->start);
	free(p->end);
	free(p->location);
}

static void sissue_release(struct sissue *si)
{
	for (size_t i = 0; i < si->npieces; i++)
		piece_release(&si->pieces[i]);
	free(si->pieces);
	for (size_t i = 0; i < si->nfiles; i++)
		free(si->files[i].path);
	free(si->files);
	free(si->id);
	free(si->title);
	free(si->date);
	free(si->preheader);
	free(si->names);
	memset(si, 0, sizeof(*si));
}

void site_report_release(struct site_report *rep)
{
	for (size_t i = 0; i < rep->nremoved; i++)
		free(rep->removed[i]);
	free(rep->removed);
	for (size_t i = 0; i < rep->nnotes; i++)
		free(rep->notes[i]);
	free(rep->notes);
	memset(rep, 0, sizeof(*rep));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_dir(const void *a, const void *b)
{
	return strcmp(((const struct dir_mark *)a)->path,
	              ((const struct dir_mark *)b)->path);
}

/* The manifest: one line per record, fields split by tabs. */

static void field_out(struct buf *b, const char *s)
{
	buf_addch(b, '\t');
	if (!s) {
		buf_adds(b, "\\0"); /* NULL, as opposed to "" */
		return;
	}
	for (;;) {
		size_t n = strcspn(s, "\\\t\n");

		buf_add(b, s, n);
		s += n;
		if (!*s)
			break;
		buf_adds(b, *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : "\\n");
		s++;
	}
}

/* Splits line (modified) at tabs into at most max unescaped fields. */
static size_t fields_in(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *r = line, *w = line;

	f[n++] = w;
	for (; *r; r++) {
		if (*r == '\t' && n < max) {
			*w++ = '\0';
			f[n++] = w;
		} else if (*r == '\\' && r[1]) {
			r++;
			*w++ = *r == 't'   ? '\t'
			       : *r == 'n' ? '\n'
			       : *r == '0' ? '\1'
			                   : *r;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return n;
}

static char *field_dup(const char *f)
{
	return !strcmp(f, "\1") ? NULL : xstrdup(f);
}

/* The manifest's records, one kind each: an issue, a piece of the last
 * one named, a file it wrote, a folder of public/. */
static struct sissue *old_issue(struct site *s, char **f)
{
	struct sissue *cur;

	s->old = xrealloc(s->old, (s->nold + 1) * sizeof(*s->old));
	cur = &s->old[s->nold++];
	memset(cur, 0, sizeof(*cur));
	cur->id = xstrdup(f[1]);
	snprintf(cur->digest, sizeof(cur->digest), "%s", f[2]);
	cur->sample = !strcmp(f[3], "1");
	cur->title = field_dup(f[4]);
	cur->date = field_dup(f[5]);
	cur->preheader = field_dup(f[6]);
	if (strlen(f[7]) == HEX_LEN - 1)
		memcpy(cur->shown, f[7], HEX_LEN);
	cur->dir_ctime = strtoll(f[8], NULL, 10);
	cur->names = field_dup(f[9]);
	return cur;
}

static void old_piece(struct sissue *cur, char **f)
{
	struct piece *p;

	cur->pieces = xrealloc(cur->pieces, (cur->npieces + 1) * sizeof(*p));
	p = &cur->pieces[cur->npieces++];
	p->slug = field_dup(f[1]);
	p->title = field_dup(f[2]);
	p->partner = field_dup(f[3]);
	p->section = field_dup(f[4]);
	p->type = field_dup(f[5]);
	p->summary = field_dup(f[6]);
	p->start = field_dup(f[7]);
	p->end = field_dup(f[8]);
	p->location = field_dup(f[9]);
}

static void old_file(struct site *s, struct sissue *cur, char **f)
{
	struct out_file *o;

	cur->files = xrealloc(cur->files, (cur->nfiles + 1) * sizeof(*o));
	o = &cur->files[cur->nfiles++];
	o->path = xstrdup(f[1]);
	o->size = strtoll(f[2], NULL, 10);
	o->mtime_ns = strtoll(f[3], NULL, 10);
	add_str(&s->old_paths, &s->nold_paths, xstrdup(f[1]));
}

static void old_dir(struct site *s, char **f)
{
	s->old_dirs = xrealloc(s->old_dirs,
	                       (s->nold_dirs + 1) * sizeof(*s->old_dirs));
	s->old_dirs[s->nold_dirs].path = xstrdup(f[1]);
	s->old_dirs[s->nold_dirs++].ctime_ns = strtoll(f[2], NULL, 10);
}

static void load_manifest(struct site *s)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct sissue *cur = NULL;
	char *line, *next, *f[12];
	int ok = 0;

	buf_addf(&path, "%s/%s", s->pub.data, MANIFEST);
	if (buf_read_file(&text, path.data, MAX_MANIFEST) < 0)
		goto out;
	buf_add(&s->manifest, text.data, text.len);
	for (line = text.data; *line; line = next) {
		size_t n;

		next = strchr(line, '\n');
		if (!next)
			break;
		*next++ = '\0';
		n = fields_in(line, f, 12);
		if (!ok) {
			/* Another version's manifest: build everything. */
			if (strcmp(f[0], MANIFEST_MAGIC) || n != 2 ||
			    strcmp(f[1], s->global))
				goto out;
			ok = 1;
		} else if (!strcmp(f[0], "A") && n == 2) {
			cur = &s->old_lists;
			snprintf(cur->digest, sizeof(cur->digest), "%s", f[1]);
		} else if (!strcmp(f[0], "I") && n == 10) {
			cur = old_issue(s, f);
		} else if (!strcmp(f[0], "P") && n == 10 && cur) {
			old_piece(cur, f);
		} else if (!strcmp(f[0], "F") && n == 4 && cur) {
			old_file(s, cur, f);
		} else if (!strcmp(f[0], "D") && n == 3) {
			old_dir(s, f);
		}
	}
	if (s->nold_paths)
		qsort(s->old_paths, s->nold_paths, sizeof(*s->old_paths),
		      cmp_str);
	if (s->nold_dirs)
		qsort(s->old_dirs, s->nold_dirs, sizeof(*s->old_dirs), cmp_dir);
out:
	buf_release(&path);
	buf_release(&text);
}

static int save_manifest(struct site *s, struct err *err)
{
	struct buf b = BUF_INIT, path = BUF_INIT;
	int ret;

	buf_addf(&b, "%s\t%s\n", MANIFEST_MAGIC, s->global);
	buf_addf(&b, "A\t%s\n", s->lists.digest);
	for (size_t k = 0; k < s->lists.nfiles; k++)
		buf_addf(&b, "F\t%s\t%lld\t%lld\n", s->lists.files[k].path,
		         s->lists.files[k].size, s->lists.files[k].mtime_ns);
	for (size_t i = 0; i < s->n; i++) {
		const struct sissue *si = &s->v[i];

		buf_adds(&b, "I");
		field_out(&b, si->id);
		field_out(&b, si->digest);
		field_out(&b, si->sample ? "1" : "0");
		field_out(&b, si->title);
		field_out(&b, si->date);
		field_out(&b, si->preheader);
		field_out(&b, si->shown);
		buf_addf(&b, "\t%lld", si->dir_ctime);
		field_out(&b, si->names);
		buf_addch(&b, '\n');
		for (size_t k = 0; k < si->npieces; k++) {
			const struct piece *p = &si->pieces[k];

			buf_adds(&b, "P");
			field_out(&b, p->slug);
			field_out(&b, p->title);
			field_out(&b, p->partner);
			field_out(&b, p->section);
			field_out(&b, p->type);
			field_out(&b, p->summary);
			field_out(&b, p->start);
			field_out(&b, p->end);
			field_out(&b, p->location);
			buf_addch(&b, '\n');
		}
		for (size_t k = 0; k < si->nfiles; k++)
			buf_addf(&b, "F\t%s\t%lld\t%lld\n", si->files[k].path,
			         si->files[k].size, si->files[k].mtime_ns);
	}
	if (s->ndirs)
		qsort(s->dirs, s->ndirs, sizeof(*s->dirs), cmp_dir);
	for (size_t k = 0; k < s->ndirs; k++) {
		buf_adds(&b, "D");
		field_out(&b, s->dirs[k].path);
		buf_addf(&b, "\t%lld\n", s->dirs[k].ctime_ns);
	}
	buf_addf(&path, "%s/%s", s->pub.data, MANIFEST);
	ret = b.len == s->manifest.len &&
	                      !memcmp(b.data, s->manifest.data, b.len)
	              ? 0
	              : file_write_atomic(path.data, b.data, b.len, 0644, 0,
	                                  err);
	buf_release(&b);
	buf_release(&path);
	return ret;
}

/* Digests: what an issue's pages are made from. */

/* A template's source: the workspace's, else the built-in one. */
static void template_source(const struct site *s, const char *name,
                            struct buf *out)
{
	struct buf path = BUF_INIT;

	config_path(s->cfg, &path, "templates/%s", name);
	if (buf_read_file(out, path.data, MAX_SOURCE) < 0) {
		char *rel = strstr(path.data, "templates/");
		const struct default_file *f = defaults_find(rel ? rel : name);

		buf_reset(out);
		if (f)
			buf_add(out, f->data, f->len);
	}
	buf_release(&path);
}

static void global_digest(struct site *s)
{
	/* Every template of the site: a change to one builds it all. */
	static const char *const used[] = {
	        "site/issue.html.mustache",
	        "site/head.html.mustache",
	        "site/foot.html.mustache",
	        "site/index.html.mustache",
	        "site/issues.html.mustache",
	        "site/pieces.html.mustache",
	        "site/case-studies.html.mustache",
	        "site/case-studies-feed.xml.mustache",
	        "site/section.html.mustache",
	        "site/partner.html.mustache",
	        "site/partners.html.mustache",
	        "site/events.html.mustache",
	        "site/event.html.mustache",
	        "site/redirect.html.mustache",
	        "site/feed.xml.mustache",
	        "style.css",
	};
	struct sha256 h;
	struct buf b = BUF_INIT, path = BUF_INIT;
	unsigned char d[SHA256_LEN];

	sha256_init(&h);
	sha256_update(&h, BULLETIN_VERSION, sizeof(BULLETIN_VERSION));
	config_path(s->cfg, &path, "bulletin.yaml");
	if (buf_read_file(&b, path.data, MAX_SOURCE) == 0)
		sha256_update(&h, b.data, b.len + 1);
	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
		buf_reset(&b);
		template_source(s, used[i], &b);
		sha256_update(&h, b.data, b.len + 1);
	}
	sha256_final(&h, d);
	hex(d, s->global);
	buf_release(&b);
	buf_release(&path);
}

static long long ns(struct timespec t)
{
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * The digest of every file in issues/ID (but build/ and hidden ones) by
 * name, size, inode and times, as git's index tells a changed file: any
 * write to a file changes its ctime, which no one can set by hand. A file
 * changed within two seconds of this build could change again within
 * the same tick of the clock, unseen: then the digest is made unique, so
 * that the next build reads the issue again. 1 when there is no such
 * folder.
 */
/* The manifest's record of the issue id, or NULL. */
static struct sissue *old_record(struct site *s, const char *id)
{
	for (size_t i = 0; i < s->nold; i++)
		if (s->old[i].id && !strcmp(s->old[i].id, id))
			return &s->old[i];
	return NULL;
}

/* The entries of an issue's folder (but build/ and hidden ones), sorted. */
static int list_names(int dfd, const char *id, char ***names, size_t *n,
                      struct err *err)
{
	int fd = dup(dfd);
	DIR *dh = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!dh) {
		if (fd >= 0)
			close(fd);
		return err_errno(err, "issues/%s: cannot read the folder", id);
	}
	while ((de = readdir(dh)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "build"))
			add_str(names, n, xstrdup(de->d_name));
	closedir(dh);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
}

/* The entries as the manifest keeps them: joined by '/', sorted. */
static void split_names(const char *all, char ***names, size_t *n)
{
	for (const char *p = all; *p;) {
		size_t len = strcspn(p, "/");
		struct buf one = BUF_INIT;

		buf_add(&one, p, len);
		add_str(names, n, buf_detach(&one));
		p += len + (p[len] == '/');
	}
}

static int issue_digest(struct site *s, struct sissue *si, struct err *err)
{
	const struct sissue *old = old_record(s, si->id);
	struct buf dir = BUF_INIT, rec = BUF_INIT, all = BUF_INIT;
	char **names = NULL;
	size_t n = 0;
	unsigned char d[SHA256_LEN];
	struct stat st;
	int dfd, ret = -1, racy = 0;

	config_path(s->cfg, &dir, "issues/%s", si->id);
	dfd = open(dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		ret = 1;
		goto out;
	}
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		err_errno(err, "issues/%s: cannot read the folder", si->id);
		goto out;
	}
	si->dir_ctime = ns(st.st_ctim);
	if (si->dir_ctime >= s->started_ns - 2000000000LL)
		si->dir_ctime = 0;
	/* The same ctime: no entry added, removed or renamed since. */
	if (old && old->names && si->dir_ctime &&
	    old->dir_ctime == si->dir_ctime)
		split_names(old->names, &names, &n);
	else if (list_names(dfd, si->id, &names, &n, err) < 0)
		goto out;
	buf_add(&rec, s->global, HEX_LEN);
	for (size_t i = 0; i < n; i++) {
		/* The name, then the numbers as they are in memory: the
		 * digest is only ever compared on this machine. */
		buf_add(&rec, names[i], strlen(names[i]) + 1);
		if (i)
			buf_addch(&all, '/');
		buf_adds(&all, names[i]);
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			racy = 1;
		} else {
			long long f[] = {(long long)st.st_mode,
			                 (long long)st.st_size,
			                 (long long)st.st_ino, ns(st.st_mtim),
			                 ns(st.st_ctim)};

			buf_add(&rec, f, sizeof(f));
			racy |= f[4] >= s->started_ns - 2000000000LL;
		}
	}
	if (racy)
		buf_addf(&rec, "racy %lld", s->started_ns);
	sha256_digest(rec.data, rec.len, d);
	hex(d, si->digest);
	free(si->names);
	si->names = n ? buf_detach(&all) : NULL;
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_release(&dir);
	buf_release(&rec);
	buf_release(&all);
	return ret;
}

/* Writing. */

static void mark_written(struct site *s, const char *rel)
{
	if (s->nwritten == s->capwritten) {
		s->capwritten = s->capwritten ? 2 * s->capwritten : 256;
		s->written = xrealloc(s->written,
		                      s->capwritten * sizeof(*s->written));
	}
	s->written[s->nwritten++] = xstrdup(rel);
}

/*
 * The folder rel (a path under public/, "" for public/ itself) open,
 * made where missing, each level opened from the one above without
 * following a link: a link or a file where the site needs a folder is
 * replaced by the folder, so nothing is ever written outside public/.
 * The last DIR_CACHE folders stay open: a file's folder, or the one
 * above it, is most often open already.
 */
static int pub_dir(struct site *s, const char *rel, struct err *err)
{
	const char *slash = strrchr(rel, '/');
	const char *name = slash ? slash + 1 : rel;
	struct buf up = BUF_INIT;
	struct dir_slot *slot;
	int fd, sub;

	if (!*rel)
		return s->pubfd;
	for (size_t i = 0; i < DIR_CACHE; i++)
		if (s->dirc[i].rel && !strcmp(s->dirc[i].rel, rel))
			return s->dirc[i].fd;
	buf_add(&up, rel, slash ? (size_t)(slash - rel) : 0);
	fd = pub_dir(s, up.data ? up.data : "", err);
	buf_release(&up);
	if (fd < 0)
		return -1;
	sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0 && (errno == ELOOP || errno == ENOTDIR))
		unlinkat(fd, name, 0);
	if (sub < 0 && mkdirat(fd, name, 0755) < 0 && errno != EEXIST)
		return err_errno(err, "cannot make the folder public/%s", rel);
	if (sub < 0)
		sub = openat(fd, name,
		             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return err_errno(err, "cannot open public/%s", rel);
	slot = &s->dirc[s->dirc_next++ % DIR_CACHE];
	if (slot->rel)
		close(slot->fd);
	free(slot->rel);
	slot->rel = xstrdup(rel);
	slot->fd = sub;
	return sub;
}

/*
 * Writes data as public/rel unless it holds those bytes already; with
 * rec, records the file for the manifest.
 */
static int put(struct site *s, const char *rel, const void *data, size_t len,
               struct sissue *rec, struct err *err)
{
	struct buf dir = BUF_INIT, old = BUF_INIT;
	const char *slash = strrchr(rel, '/');
	const char *name = slash ? slash + 1 : rel;
	struct stat st;
	int dfd, fd, same, ret = 0;

	buf_add(&dir, rel, slash ? (size_t)(slash - rel) : 0);
	dfd = pub_dir(s, dir.data ? dir.data : "", err);
	buf_release(&dir);
	if (dfd < 0)
		return -1;
	fd = file_open_regular(dfd, name, &st);
	same = fd >= 0 && (size_t)st.st_size == len &&
	       file_read_fd(fd, &old, len) == 0 && old.len == len &&
	       !memcmp(old.data, data, len);
	if (fd >= 0)
		close(fd);
	if (same) {
		s->rep->unchanged++;
	} else {
		ret = file_write_atomic_at(dfd, name, data, len, 0644, 0, err);
		if (ret < 0) {
			/* The message names the file; say where it is. */
			char *m = xstrdup(err_msg(err));

			err_set(err, "%s (in public/%s)", m, rel);
			free(m);
		}
		s->rep->written++;
	}
	mark_written(s, rel);
	if (!ret && rec) {
		struct out_file *o;

		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = err_errno(err, "cannot read public/%s", rel);
			goto out;
		}
		rec->files = xrealloc(rec->files,
		                      (rec->nfiles + 1) * sizeof(*rec->files));
		o = &rec->files[rec->nfiles++];
		o->path = xstrdup(rel);
		o->size = (long long)st.st_size;
		o->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL +
		              st.st_mtim.tv_nsec;
	}
out:
	buf_release(&old);
	return ret;
}

static int put_buf(struct site *s, const char *rel, const struct buf *b,
                   struct sissue *rec, struct err *err)
{
	return put(s, rel, b->data, b->len, rec, err);
}

/* The template data every page shares. */

static struct tmpl_value *newsletter(struct tmpl_data *d,
                                     const struct config *cfg)
{
	struct tmpl_value *nl = tmpl_map(d);
	struct buf b = BUF_INIT;

	tmpl_map_str(d, nl, "name", cfg->name);
	tmpl_map_str(d, nl, "base_url", cfg->base_url);
	tmpl_map_str(d, nl, "language", cfg->language);
	tmpl_map_str(d, nl, "from_name",
	             *cfg->from_name ? cfg->from_name : cfg->name);
	if (*cfg->footer)
		tmpl_map_str(d, nl, "footer", cfg->footer);
	buf_addf(&b, "%s/subscribe", cfg->base_url);
	tmpl_map_str(d, nl, "subscribe_url", b.data);
	buf_release(&b);
	return nl;
}

static struct tmpl_value *page(struct site *s, struct tmpl_data *d,
                               const char *root, const char *title)
{
	struct tmpl_value *m = tmpl_map(d);

	tmpl_map_set(m, "newsletter", newsletter(d, s->cfg));
	tmpl_map_str(d, m, "root", root);
	tmpl_map_str(d, m, "page_title", title);
	return m;
}

static int render_put(struct site *s, const char *tmpl,
                      const struct tmpl_value *data, const char *rel,
                      struct err *err)
{
	struct buf out = BUF_INIT;
	int ret = render_template(s->cfg, tmpl, data, 1, &out, err);

	if (!ret)
		ret = put_buf(s, rel, &out, &s->lists, err);
	buf_release(&out);
	return ret;
}

/* Events. */

static void utc_stamp(const char *date, struct buf *out)
{
	/* The issue's day: stable across rebuilds, unlike the clock. */
	buf_addf(out, "%.4s%.2s%.2sT000000Z", date, date + 5, date + 8);
}

static void host_of(const char *url, struct buf *out)
{
	const char *h = strstr(url, "://");

	h = h ? h + 3 : url;
	buf_add(out, h, strcspn(h, "/:"));
}

static int add_event(struct site *s, const struct sissue *si,
                     const struct piece *p, struct buf *out)
{
	struct buf uid = BUF_INIT, stamp = BUF_INIT, url = BUF_INIT;
	struct ical_event ev;
	int ret;

	buf_addf(&uid, "%s-%s@", si->id, p->slug);
	host_of(s->cfg->base_url, &uid);
	utc_stamp(si->date, &stamp);
	render_issue_url(s->cfg, si->id, &url);
	buf_addf(&url, "#%s", p->slug);
	ev = (struct ical_event){uid.data, stamp.data, p->start,    p->end,
	                         p->title, p->summary, p->location, url.data};
	ret = ical_add_event(out, &ev, s->cfg->timezone);
	buf_release(&uid);
	buf_release(&stamp);
	buf_release(&url);
	return ret;
}

static int is_event(const struct piece *p)
{
	return !strcmp(p->type, "event") && p->start;
}

/* One issue, read and rendered. */

/* Every local picture c uses (its image: and those in its text). */
static void images_of(const struct contribution *c, char ***v, size_t *n)
{
	cmark_iter *it;
	cmark_event_type ev;

	if (c->image && issue_image_is_local(c->image))
		add_str(v, n, xstrdup(c->image));
	if (!c->doc)
		return;
	it = cmark_iter_new(c->doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		const char *url = cmark_node_get_url(node);

		if (ev == CMARK_EVENT_ENTER &&
		    cmark_node_get_type(node) == CMARK_NODE_IMAGE &&
		    issue_image_is_local(url))
			add_str(v, n, xstrdup(url));
	}
	cmark_iter_free(it);
}

static void keep_piece(struct sissue *si, const struct contribution *c)
{
	struct piece *p;

	si->pieces = xrealloc(si->pieces, (si->npieces + 1) * sizeof(*p));
	p = &si->pieces[si->npieces++];
	p->slug = xstrdup(c->slug);
	p->title = xstrdup(c->title);
	p->partner = xstrdup(c->partner);
	p->section = xstrdup(c->section);
	p->type = xstrdup(c->type);
	p->summary = dup_or_null(c->summary);
	p->start = dup_or_null(c->start);
	p->end = dup_or_null(c->end);
	p->location = dup_or_null(c->location);
}

static int write_issue_files(struct site *s, struct sissue *si,
                             const struct issue *is, struct err *err)
{
	struct buf out = BUF_INIT, rel = BUF_INIT, url = BUF_INIT;
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *m;
	char **images = NULL;
	size_t nimages = 0;
	int ret = -1;

	if (render_issue_page(is, s->cfg, "site/issue.html", "../../", &out,
	                      err) < 0)
		goto out;
	buf_addf(&rel, "issues/%s/index.html", si->id);
	if (put_buf(s, rel.data, &out, si, err) < 0)
		goto out;
	/* The address pages had before issues/: a page that sends on. */
	m = page(s, d, "../", si->title);
	buf_addf(&url, "../issues/%s/index.html", si->id);
	tmpl_map_str(d, m, "target", url.data);
	buf_reset(&url);
	render_issue_url(s->cfg, si->id, &url);
	tmpl_map_str(d, m, "canonical", url.data);
	buf_reset(&out);
	buf_reset(&rel);
	buf_addf(&rel, "%s/index.html", si->id);
	if (render_template(s->cfg, "site/redirect.html", m, 1, &out, err) <
	            0 ||
	    put_buf(s, rel.data, &out, si, err) < 0)
		goto out;
	/* Pictures: only those a piece on the page uses, from the bytes
	 * issue_load checked. */
	for (size_t i = 0; i < is->n; i++)
		images_of(&is->v[i], &images, &nimages);
	for (size_t i = 0; i < is->nimages; i++) {
		const struct issue_image *im = &is->images[i];
		int used = 0;

		for (size_t k = 0; k < nimages && !used; k++)
			used = !strcmp(images[k], im->name);
		if (!im->ok || !used)
			continue;
		buf_reset(&rel);
		buf_addf(&rel, "issues/%s/%s", si->id, im->name);
		if (put(s, rel.data, im->data, im->len, si, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < si->npieces; i++) {
		const struct piece *p = &si->pieces[i];

		if (!is_event(p))
			continue;
		buf_reset(&out);
		ical_begin(&out, p->title, s->cfg->timezone);
		if (add_event(s, si, p, &out) < 0)
			continue;
		ical_end(&out);
		buf_reset(&rel);
		buf_addf(&rel, "issues/%s/%s.ics", si->id, p->slug);
		if (put_buf(s, rel.data, &out, si, err) < 0)
			goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < nimages; i++)
		free(images[i]);
	free(images);
	tmpl_data_free(d);
	buf_release(&out);
	buf_release(&rel);
	buf_release(&url);
	return ret;
}

/*
 * Reads issues/ID and writes its files. A piece with errors is left off
 * (and said so), never published as it was before.
 */
static int build_issue(struct site *s, struct sissue *si, struct err *err)
{
	struct issue is, shown;
	struct diags d = DIAGS_INIT;
	struct contribution *keep;
	int ret = -1;

	if (issue_load(&is, s->cfg, si->id, &d, err) < 0)
		goto out_diags;
	if (!is.title || !is.date) {
		note(s,
		     "issues/%s: left off the site: issue.yaml needs a "
		     "title and a date",
		     si->id);
		ret = 1;
		goto out;
	}
	si->title = xstrdup(is.title);
	si->date = xstrdup(is.date);
	si->preheader = dup_or_null(is.preheader);
	si->sample = is.sample;
	for (size_t i = 0; i < is.nwithdrawn; i++)
		note(s, "%s: withdrawn%s%s", is.withdrawn[i].path,
		     is.withdrawn[i].withdrawn_reason ? ": " : "",
		     is.withdrawn[i].withdrawn_reason
		             ? is.withdrawn[i].withdrawn_reason
		             : "");
	shown = is;
	keep = xcalloc(is.n ? is.n : 1, sizeof(*keep));
	shown.v = keep;
	shown.n = 0;
	for (size_t i = 0; i < is.n; i++) {
		if (!is.v[i].ok) {
			note(s,
			     "%s: left off the site: it has errors "
			     "('bulletin compile %s' shows them)",
			     is.v[i].path, si->id);
			continue;
		}
		keep[shown.n++] = is.v[i];
		keep_piece(si, &is.v[i]);
	}
	ret = write_issue_files(s, si, &shown, err);
	free(keep);
out:
	issue_release(&is);
out_diags:
	diags_release(&d);
	return ret;
}

/* Whether the files old records are still as the last build left them. */
static int files_intact(const struct site *s, const struct sissue *old)
{
	struct buf dir = BUF_INIT;
	int ok = s->pubfd >= 0, dfd = -1;

	/*
	 * Each file from its folder's descriptor, opened once for the files
	 * in it (an issue's are in two folders): a stat walks one name, not
	 * the whole path, and these are most of a rebuild's stats.
	 */
	for (size_t i = 0; i < old->nfiles && ok; i++) {
		const char *path = old->files[i].path;
		const char *slash = strrchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : 0;
		struct stat st;

		if (dfd < 0 || dir.len != n || memcmp(dir.data, path, n)) {
			if (dfd >= 0 && dfd != s->pubfd)
				close(dfd);
			buf_reset(&dir);
			buf_add(&dir, path, n);
			dfd = n ? openat(s->pubfd, dir.data,
			                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			                         O_CLOEXEC)
			        : s->pubfd;
		}
		ok = dfd >= 0 &&
		     fstatat(dfd, slash ? slash + 1 : path, &st,
		             AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISREG(st.st_mode) && st.st_size == old->files[i].size &&
		     ns(st.st_mtim) == old->files[i].mtime_ns;
	}
	if (dfd >= 0 && dfd != s->pubfd)
		close(dfd);
	buf_release(&dir);
	return ok;
}

/*
 * Takes an issue's pieces and files from the last build when its
 * sources are the same and its files are as that build left them
 * (intact: found by look_one).
 * Returns 1 when reused, 0 when it must be built.
 */
static int reuse_issue(struct site *s, struct sissue *si, int intact)
{
	struct sissue *old = old_record(s, si->id);
	long long dir_ctime = si->dir_ctime;
	char *names = si->names;

	if (!old || !intact)
		return 0;
	/* Take the old record whole: its strings move into si. */
	char digest[HEX_LEN];

	memcpy(digest, si->digest, HEX_LEN);
	free(si->id);
	free(old->names);
	*si = *old;
	si->dir_ctime = dir_ctime;
	si->names = names;
	memset(old, 0, sizeof(*old));
	old->id = xstrdup(si->id);
	memcpy(si->digest, digest, HEX_LEN);
	for (size_t i = 0; i < si->nfiles; i++) {
		mark_written(s, si->files[i].path);
		s->rep->unchanged++;
	}
	return 1;
}

/* The published list, from the store. */

static int add_published(const struct store_site_published *p, void *ctx,
                         struct err *err)
{
	struct site *s = ctx;

	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	memset(&s->v[s->n], 0, sizeof(*s->v));
	s->v[s->n++].id = xstrdup(p->issue);
	return 0;
}

/* Names a page may not take: the site's own folders. */
static int reserved(const char *id)
{
	static const char *const names[] = {
	        "issues",   "case-studies", "sections",  "partners",  "events",
	        "feed.xml", "events.ics",   "style.css", "index.html"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(id, names[i]))
			return 1;
	return 0;
}

/*
 * Moves si to place at (<= its own): the slot it leaves is emptied, so
 * that on a failure every issue is released once.
 */
static void keep_issue(struct site *s, struct sissue *si, size_t at)
{
	if (&s->v[at] != si) {
		s->v[at] = *si;
		memset(si, 0, sizeof(*si));
	}
}

/*
 * What a build learns of each published issue before it decides what to
 * build again: the digest of its sources and whether the last build's
 * files are as it left them. That is a stat of every source and every
 * page (3,500 of them for 100 issues), most of a rebuild's time, and
 * each issue's are its own: they are looked at in threads, as git reads
 * its index (core.preloadIndex).
 */
struct look {
	int r;      /* issue_digest's: -1 (err), 0, or 1 (no folder) */
	int intact; /* the last build's record of it still holds */
	struct err err;
};

struct lookers {
	struct site *s;
	struct look *v;
	atomic_size_t next;
};

static void look_one(struct site *s, struct sissue *si, struct look *l)
{
	const struct sissue *old;

	l->r = reserved(si->id) ? 1 : issue_digest(s, si, &l->err);
	old = l->r == 0 ? old_record(s, si->id) : NULL;
	l->intact = old && !strcmp(old->digest, si->digest) && old->title &&
	            old->date && files_intact(s, old);
}

static void *look_some(void *arg)
{
	struct lookers *lk = arg;
	size_t i;

	while ((i = atomic_fetch_add(&lk->next, 1)) < lk->s->n)
		look_one(lk->s, &lk->s->v[i], &lk->v[i]);
	return NULL;
}

/* Every issue looked at, by up to LOOK_THREADS threads with this one. */
#define LOOK_THREADS 4
static void look_all(struct site *s, struct look *v)
{
	struct lookers lk = {s, v, 0};
	pthread_t t[LOOK_THREADS - 1];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = s->n / 16, n = 0;

	if (want > (size_t)(cpus > 0 ? cpus : 1))
		want = (size_t)(cpus > 0 ? cpus : 1);
	if (want > LOOK_THREADS)
		want = LOOK_THREADS;
	while (n + 1 < want && pthread_create(&t[n], NULL, look_some, &lk) == 0)
		n++;
	look_some(&lk);
	while (n)
		pthread_join(t[--n], NULL);
}

static int build_issues(struct site *s, struct err *err)
{
	struct look *looks = xcalloc(s->n ? s->n : 1, sizeof(*looks));
	size_t kept = 0, n = s->n;
	int ret = -1;

	for (size_t i = 0; i < n; i++)
		err_init(&looks[i].err);
	look_all(s, looks);
	for (size_t i = 0; i < n; i++) {
		struct sissue *si = &s->v[i];
		int r = looks[i].r;

		if (r < 0) {
			err_set(err, "%s", err_msg(&looks[i].err));
			goto out;
		}
		if (r > 0) {
			note(s,
			     "issues/%s: published but %s: it is not on "
			     "the site ('bulletin unpublish %s' forgets it)",
			     si->id,
			     reserved(si->id) ? "its name is one the site "
			                        "uses for its own pages"
			                      : "the folder is gone",
			     si->id);
			sissue_release(si);
			continue;
		}
		if (reuse_issue(s, si, looks[i].intact)) {
			keep_issue(s, si, kept++);
			continue;
		}
		r = build_issue(s, si, err);
		if (r < 0)
			goto out;
		if (r > 0) {
			sissue_release(si);
			continue;
		}
		s->rep->rebuilt++;
		keep_issue(s, si, kept++);
	}
	s->n = kept;
	s->rep->issues = kept;
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		err_release(&looks[i].err);
	free(looks);
	return ret;
}

/* The pages across issues. */

struct ref {
	const struct sissue *is;
	const struct piece *p;
	size_t order;  /* position in the issue */
	int64_t start; /* events: the Unix time they start */
	char *partner_slug;
};

static int cmp_issue(const void *a, const void *b)
{
	const struct sissue *x = a, *y = b;
	int c = strcmp(y->date, x->date);

	return c ? c : strcmp(y->id, x->id);
}

/* Newest issue first; in an issue, newsletter order. */
static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->is != y->is)
		return cmp_issue(x->is, y->is);
	return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_partner(const void *a, const void *b)
{
	const struct ref *x = *(const struct ref *const *)a;
	const struct ref *y = *(const struct ref *const *)b;
	int c = strcmp(x->partner_slug, y->partner_slug);

	return c ? c : cmp_ref(x, y);
}

static int cmp_soonest(const void *a, const void *b)
{
	const struct ref *x = *(const struct ref *const *)a;
	const struct ref *y = *(const struct ref *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return cmp_ref(x, y);
}

static int cmp_latest(const void *a, const void *b)
{
	return cmp_soonest(b, a);
}

static const char *type_label(const char *type)
{
	if (!strcmp(type, "case-study"))
		return "Case study";
	if (!strcmp(type, "event"))
		return "Event";
	if (!strcmp(type, "opportunity"))
		return "Opportunity";
	return "News";
}

static void when_text(const struct piece *p, struct buf *out)
{
	char *start = issue_format_date(p->start);

	buf_adds(out, start ? start : p->start);
	if (p->end) {
		char *end = issue_format_date(p->end);

		/* Same day: only the finishing time. */
		if (end && !strncmp(p->start, p->end, 10) && strlen(end) > 7)
			buf_addf(out, " to %s", end + strlen(end) - 5);
		else if (end)
			buf_addf(out, " to %s", end);
		free(end);
	}
	free(start);
}

static struct tmpl_value *piece_value(struct site *s, struct tmpl_data *d,
                                      const struct ref *r, const char *root)
{
	const struct piece *p = r->p;
	const struct config_section *sec = config_section(s->cfg, p->section);
	struct tmpl_value *m = tmpl_map(d);
	struct buf b = BUF_INIT;
	char *date = issue_format_date(r->is->date);

	tmpl_map_str(d, m, "title", p->title);
	tmpl_map_str(d, m, "partner", p->partner);
	tmpl_map_str(d, m, "type_label", type_label(p->type));
	tmpl_map_str(d, m, "section", p->section);
	tmpl_map_str(d, m, "section_title", sec ? sec->title : p->section);
	tmpl_map_str(d, m, "issue_title", r->is->title);
	tmpl_map_str(d, m, "issue_date_long", date ? date : r->is->date);
	free(date);
	if (p->summary)
		tmpl_map_str(d, m, "summary", p->summary);
	if (p->location)
		tmpl_map_str(d, m, "location", p->location);
	buf_addf(&b, "%sissues/%s/index.html#%s", root, r->is->id, p->slug);
	tmpl_map_str(d, m, "url", b.data);
	buf_reset(&b);
	buf_addf(&b, "%sissues/%s/index.html", root, r->is->id);
	tmpl_map_str(d, m, "issue_url", b.data);
	buf_reset(&b);
	buf_addf(&b, "%spartners/%s/index.html", root, r->partner_slug);
	tmpl_map_str(d, m, "partner_url", b.data);
	buf_reset(&b);
	buf_addf(&b, "%ssections/%s/index.html", root, p->section);
	tmpl_map_str(d, m, "section_url", b.data);
	buf_reset(&b);
	if (is_event(p)) {
		buf_addf(&b, "%sissues/%s/%s.ics", root, r->is->id, p->slug);
		tmpl_map_str(d, m, "ics_url", b.data);
		buf_reset(&b);
		when_text(p, &b);
		tmpl_map_str(d, m, "when", b.data);
		buf_reset(&b);
	}
	render_issue_url(s->cfg, r->is->id, &b);
	buf_addf(&b, "#%s", p->slug);
	tmpl_map_str(d, m, "web_url", b.data);
	buf_reset(&b);
	buf_addf(&b, "%.10sT00:00:00Z", r->is->date);
	tmpl_map_str(d, m, "updated", b.data);
	buf_release(&b);
	return m;
}

/* The pieces of refs that match, as a template list; *count gets how many. */
static struct tmpl_value *piece_list(struct site *s, struct tmpl_data *d,
                                     struct ref *const *refs, size_t n,
                                     const char *type, const char *section,
                                     const char *root, size_t *count)
{
	struct tmpl_value *list = tmpl_list(d);

	*count = 0;
	for (size_t i = 0; i < n; i++) {
		const struct piece *p = refs[i]->p;

		if ((type && strcmp(p->type, type)) ||
		    (section && strcmp(p->section, section)))
			continue;
		tmpl_list_add(list, piece_value(s, d, refs[i], root));
		(*count)++;
	}
	return list;
}

static void set_count(struct tmpl_data *d, struct tmpl_value *m, size_t n)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%zu", n);
	tmpl_map_set(m, "count", tmpl_number(d, b.data));
	tmpl_map_bool(d, m, "one", n == 1);
	buf_release(&b);
}

struct lists {
	struct ref *refs; /* every piece, newest first */
	size_t n;
	struct ref **by_date; /* pointers into refs, the same order */
	struct ref **upcoming, **past;
	size_t nupcoming, npast;
};

/* The links to each section's page, each with its count of case studies. */
static struct tmpl_value *section_filters(struct site *s, struct tmpl_data *d,
                                          const struct lists *l,
                                          const struct config_section *cur,
                                          const char *root)
{
	struct tmpl_value *filters = tmpl_list(d);
	const struct config_section *secs = s->cfg->sections;
	struct buf b = BUF_INIT;

	for (size_t k = 0; secs && k < s->cfg->nsections; k++) {
		const struct config_section *sec = &secs[k];
		struct tmpl_value *f = tmpl_map(d);
		size_t c = 0;

		for (size_t j = 0; j < l->n; j++)
			c += !strcmp(l->refs[j].p->type, "case-study") &&
			     !strcmp(l->refs[j].p->section, sec->key);
		tmpl_map_str(d, f, "title", sec->title);
		buf_reset(&b);
		buf_addf(&b, "%scase-studies/%s/index.html", root, sec->key);
		tmpl_map_str(d, f, "url", b.data);
		tmpl_map_bool(d, f, "current", sec == cur);
		set_count(d, f, c);
		tmpl_list_add(filters, f);
	}
	buf_release(&b);
	return filters;
}

/*
 * case-studies/feed.xml from the page of all of them, m; it was updated
 * when the newest case study came out (the epoch when there is none).
 */
static int case_study_feed(struct site *s, const struct lists *l,
                           struct tmpl_data *d, struct tmpl_value *m,
                           struct err *err)
{
	struct buf feed = BUF_INIT, updated = BUF_INIT;
	const struct ref *newest = NULL;
	int ret;

	for (size_t j = 0; j < l->n && !newest; j++)
		if (!strcmp(l->by_date[j]->p->type, "case-study"))
			newest = l->by_date[j];
	buf_addf(&updated, "%.10sT00:00:00Z",
	         newest ? newest->is->date : "1970-01-01");
	tmpl_map_str(d, m, "updated", updated.data);
	ret = render_template(s->cfg, "site/case-studies-feed.xml", m, 1, &feed,
	                      err);
	if (!ret)
		ret = put_buf(s, "case-studies/feed.xml", &feed, &s->lists,
		              err);
	buf_release(&feed);
	buf_release(&updated);
	return ret;
}

/* The case studies of section cur, or of every section when cur is NULL. */
static int case_study_page(struct site *s, const struct lists *l,
                           const struct config_section *cur, struct err *err)
{
	struct buf rel = BUF_INIT, title = BUF_INIT;
	const char *root = cur ? "../../" : "../";
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *m;
	size_t count;
	int ret;

	if (cur)
		buf_addf(&title, "Case studies: %s", cur->title);
	else
		buf_adds(&title, "Case studies");
	m = page(s, d, root, title.data);
	tmpl_map_str(d, m, "heading", title.data);
	tmpl_map_set(m, "pieces",
	             piece_list(s, d, l->by_date, l->n, "case-study",
	                        cur ? cur->key : NULL, root, &count));
	set_count(d, m, count);
	tmpl_map_bool(d, m, "has_pieces", count > 0);
	tmpl_map_bool(d, m, "all_current", !cur);
	tmpl_map_set(m, "filters", section_filters(s, d, l, cur, root));
	if (cur)
		buf_addf(&rel, "case-studies/%s/index.html", cur->key);
	else
		buf_adds(&rel, "case-studies/index.html");
	ret = render_put(s, "site/case-studies.html", m, rel.data, err);
	if (!ret && !cur)
		ret = case_study_feed(s, l, d, m, err);
	tmpl_data_free(d);
	buf_release(&rel);
	buf_release(&title);
	return ret;
}

static int case_study_pages(struct site *s, struct lists *l, struct err *err)
{
	/* i == nsections: the page of all of them. */
	for (size_t i = 0; i <= s->cfg->nsections; i++) {
		const struct config_section *cur =
		        i < s->cfg->nsections ? &s->cfg->sections[i] : NULL;

		if (case_study_page(s, l, cur, err) < 0)
			return -1;
	}
	return 0;
}

static int section_pages(struct site *s, struct lists *l, struct err *err)
{
	struct buf rel = BUF_INIT, b = BUF_INIT;
	int ret = 0;

	for (size_t i = 0; i < s->cfg->nsections && !ret; i++) {
		const struct config_section *sec = &s->cfg->sections[i];
		struct tmpl_data *d = tmpl_data_new();
		struct tmpl_value *m = page(s, d, "../../", sec->title);
		size_t count;

		tmpl_map_str(d, m, "heading", sec->title);
		if (*sec->description)
			tmpl_map_str(d, m, "description", sec->description);
		tmpl_map_set(m, "pieces",
		             piece_list(s, d, l->by_date, l->n, NULL, sec->key,
		                        "../../", &count));
		tmpl_map_bool(d, m, "has_pieces", count > 0);
		buf_reset(&b);
		buf_addf(&b, "../../case-studies/%s/index.html", sec->key);
		tmpl_map_str(d, m, "case_studies_url", b.data);
		buf_reset(&rel);
		buf_addf(&rel, "sections/%s/index.html", sec->key);
		ret = render_put(s, "site/section.html", m, rel.data, err);
		tmpl_data_free(d);
	}
	buf_release(&rel);
	buf_release(&b);
	return ret;
}

static int partner_pages(struct site *s, struct lists *l, struct err *err)
{
	struct ref **v = xcalloc(l->n ? l->n : 1, sizeof(struct ref *));
	struct tmpl_data *all = tmpl_data_new();
	struct tmpl_value *index = page(s, all, "../", "Partners");
	struct tmpl_value *partners = tmpl_list(all);
	struct buf rel = BUF_INIT, b = BUF_INIT;
	int ret = 0;

	memcpy(v, l->by_date, l->n * sizeof(struct ref *));
	if (l->n)
		qsort(v, l->n, sizeof(struct ref *), cmp_partner);
	for (size_t i = 0; i < l->n && !ret;) {
		size_t j = i;
		struct tmpl_data *d = tmpl_data_new();
		struct tmpl_value *m, *e = tmpl_map(all);
		size_t count;

		while (j < l->n &&
		       !strcmp(v[j]->partner_slug, v[i]->partner_slug))
			j++;
		/* The name as the newest piece gives it. */
		m = page(s, d, "../../", v[i]->p->partner);
		tmpl_map_str(d, m, "heading", v[i]->p->partner);
		tmpl_map_set(m, "pieces",
		             piece_list(s, d, v + i, j - i, NULL, NULL,
		                        "../../", &count));
		buf_reset(&rel);
		buf_addf(&rel, "partners/%s/index.html", v[i]->partner_slug);
		ret = render_put(s, "site/partner.html", m, rel.data, err);
		tmpl_map_str(all, e, "name", v[i]->p->partner);
		buf_reset(&b);
		buf_addf(&b, "%s/index.html", v[i]->partner_slug);
		tmpl_map_str(all, e, "url", b.data);
		set_count(all, e, count);
		tmpl_list_add(partners, e);
		tmpl_data_free(d);
		i = j;
	}
	tmpl_map_set(index, "partners", partners);
	if (!ret)
		ret = render_put(s, "site/partners.html", index,
		                 "partners/index.html", err);
	tmpl_data_free(all);
	free(v);
	buf_release(&rel);
	buf_release(&b);
	return ret;
}

static struct tmpl_value *event_list(struct site *s, struct tmpl_data *d,
                                     struct ref **v, size_t n, size_t max,
                                     const char *root)
{
	struct tmpl_value *list = tmpl_list(d);

	for (size_t i = 0; i < n && i < max; i++)
		tmpl_list_add(list, piece_value(s, d, v[i], root));
	return list;
}

static int event_pages(struct site *s, struct lists *l, struct err *err)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *m = page(s, d, "../", "News and events");
	struct buf ics = BUF_INIT, name = BUF_INIT;
	size_t count;
	int ret;

	tmpl_map_set(m, "upcoming",
	             event_list(s, d, l->upcoming, l->nupcoming, l->nupcoming,
	                        "../"));
	tmpl_map_bool(d, m, "has_upcoming", l->nupcoming > 0);
	tmpl_map_set(m, "past",
	             event_list(s, d, l->past, l->npast, l->npast, "../"));
	tmpl_map_bool(d, m, "has_past", l->npast > 0);
	tmpl_map_set(m, "news",
	             piece_list(s, d, l->by_date, l->n, "news", NULL, "../",
	                        &count));
	tmpl_map_bool(d, m, "has_news", count > 0);
	ret = render_put(s, "site/events.html", m, "events/index.html", err);
	buf_addf(&name, "%s: events", s->cfg->name);
	ical_begin(&ics, name.data, s->cfg->timezone);
	for (size_t i = 0; i < l->nupcoming; i++)
		add_event(s, l->upcoming[i]->is, l->upcoming[i]->p, &ics);
	ical_end(&ics);
	if (!ret)
		ret = put_buf(s, "events.ics", &ics, &s->lists, err);
	tmpl_data_free(d);
	buf_release(&ics);
	buf_release(&name);
	return ret;
}

static struct tmpl_value *issue_entries(struct site *s, struct tmpl_data *d,
                                        const char *root)
{
	struct tmpl_value *list = tmpl_list(d);
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < s->n; i++) {
		const struct sissue *si = &s->v[i];
		struct tmpl_value *m = tmpl_map(d);
		char *date = issue_format_date(si->date);

		tmpl_map_str(d, m, "id", si->id);
		tmpl_map_str(d, m, "title", si->title);
		tmpl_map_str(d, m, "date", si->date);
		tmpl_map_str(d, m, "date_long", date ? date : si->date);
		free(date);
		if (si->preheader)
			tmpl_map_str(d, m, "summary", si->preheader);
		buf_reset(&b);
		buf_addf(&b, "%sissues/%s/index.html", root, si->id);
		tmpl_map_str(d, m, "url", b.data);
		buf_reset(&b);
		render_issue_url(s->cfg, si->id, &b);
		tmpl_map_str(d, m, "web_url", b.data);
		buf_reset(&b);
		buf_addf(&b, "%.10sT00:00:00Z", si->date);
		tmpl_map_str(d, m, "updated", b.data);
		tmpl_list_add(list, m);
	}
	buf_release(&b);
	return list;
}

static int home_pages(struct site *s, struct lists *l, struct err *err)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *home = page(s, d, "", "Home");
	struct tmpl_value *issues = page(s, d, "../", "All issues");
	struct tmpl_value *sections = tmpl_list(d);
	struct tmpl_value *entries = issue_entries(s, d, "");
	struct buf b = BUF_INIT;
	int ret;

	if (s->n)
		tmpl_map_set(home, "latest",
		             (struct tmpl_value *)tmpl_at(entries, 0, NULL));
	tmpl_map_set(
	        home, "upcoming",
	        event_list(s, d, l->upcoming, l->nupcoming, HOME_EVENTS, ""));
	tmpl_map_bool(d, home, "has_upcoming", l->nupcoming > 0);
	for (size_t i = 0; i < s->cfg->nsections; i++) {
		const struct config_section *sec = &s->cfg->sections[i];
		struct tmpl_value *m = tmpl_map(d);
		size_t c = 0;

		for (size_t j = 0; j < l->n; j++)
			c += !strcmp(l->refs[j].p->section, sec->key);
		tmpl_map_str(d, m, "title", sec->title);
		buf_reset(&b);
		buf_addf(&b, "sections/%s/index.html", sec->key);
		tmpl_map_str(d, m, "url", b.data);
		if (c)
			set_count(d, m, c);
		tmpl_list_add(sections, m);
	}
	tmpl_map_set(home, "sections", sections);
	ret = render_put(s, "site/index.html", home, "index.html", err);
	tmpl_map_set(issues, "issues", issue_entries(s, d, "../"));
	tmpl_map_bool(d, issues, "has_issues", s->n > 0);
	if (!ret)
		ret = render_put(s, "site/issues.html", issues,
		                 "issues/index.html", err);
	/* The feed of issues, at the address it always had. */
	buf_reset(&b);
	buf_addf(&b, "%.10sT00:00:00Z", s->n ? s->v[0].date : "1970-01-01");
	tmpl_map_str(d, issues, "updated", b.data);
	if (!ret)
		ret = render_put(s, "site/feed.xml", issues, "feed.xml", err);
	tmpl_data_free(d);
	buf_release(&b);
	return ret;
}

static int style_sheet(struct site *s, struct err *err)
{
	struct buf css = BUF_INIT;
	int ret;

	template_source(s, "style.css", &css);
	ret = put_buf(s, "style.css", &css, &s->lists, err);
	buf_release(&css);
	return ret;
}

static void lists_build(struct site *s, struct lists *l)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].npieces;
	l->refs = xcalloc(n ? n : 1, sizeof(*l->refs));
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->v[i].npieces; k++) {
			struct ref *r = &l->refs[l->n++];

			r->is = &s->v[i];
			r->p = &s->v[i].pieces[k];
			r->order = k;
			r->partner_slug = site_slug(r->p->partner);
			if (is_event(r->p) &&
			    ical_utc(r->p->start, s->cfg->timezone, &r->start) <
			            0)
				r->start = INT64_MIN;
		}
	if (l->n)
		qsort(l->refs, l->n, sizeof(*l->refs), cmp_ref);
	l->by_date = xcalloc(n ? n : 1, sizeof(struct ref *));
	l->upcoming = xcalloc(n ? n : 1, sizeof(struct ref *));
	l->past = xcalloc(n ? n : 1, sizeof(struct ref *));
	for (size_t i = 0; i < l->n; i++) {
		struct ref *r = &l->refs[i];

		l->by_date[i] = r;
		if (!is_event(r->p) || r->start == INT64_MIN)
			continue;
		if (r->start >= (int64_t)s->now)
			l->upcoming[l->nupcoming++] = r;
		else
			l->past[l->npast++] = r;
	}
	if (l->nupcoming)
		qsort(l->upcoming, l->nupcoming, sizeof(struct ref *),
		      cmp_soonest);
	if (l->npast)
		qsort(l->past, l->npast, sizeof(struct ref *), cmp_latest);
}

static void digest_str(struct buf *b, const char *str)
{
	/* NULL and "" differ: the byte after says which. */
	if (str)
		buf_add(b, str, strlen(str) + 1);
	buf_addch(b, str ? 's' : 'n');
}

/* The digest of what the pages across issues show of one issue: its
 * title and date, each piece's details (not its text). */
static void shown_digest(struct sissue *si)
{
	struct buf b = BUF_INIT;
	unsigned char d[SHA256_LEN];

	if (si->shown[0])
		return;
	digest_str(&b, si->id);
	digest_str(&b, si->title);
	digest_str(&b, si->date);
	digest_str(&b, si->preheader);
	for (size_t k = 0; k < si->npieces; k++) {
		const struct piece *p = &si->pieces[k];
		const char *f[] = {p->slug,    p->title, p->partner,
		                   p->section, p->type,  p->summary,
		                   p->start,   p->end,   p->location};

		for (size_t j = 0; j < sizeof(f) / sizeof(f[0]); j++)
			digest_str(&b, f[j]);
	}
	sha256_digest(b.data, b.len, d);
	hex(d, si->shown);
	buf_release(&b);
}

/*
 * The digest of everything the pages across issues show: each issue's
 * part (shown_digest, hashed once and then kept in the manifest), which
 * events are upcoming, the templates and settings. Hashing every piece's
 * details again on each build was a tenth of a one-piece rebuild
 * (scripts/bench site).
 */
static void lists_digest(struct site *s, const struct lists *l)
{
	struct buf b = BUF_INIT;
	unsigned char d[SHA256_LEN];

	buf_add(&b, s->global, HEX_LEN);
	for (size_t i = 0; i < s->n; i++) {
		shown_digest(&s->v[i]);
		buf_add(&b, s->v[i].shown, HEX_LEN);
	}
	buf_add(&b, "upcoming", 8);
	for (size_t i = 0; i < l->nupcoming; i++) {
		digest_str(&b, l->upcoming[i]->is->id);
		digest_str(&b, l->upcoming[i]->p->slug);
	}
	sha256_digest(b.data, b.len, d);
	hex(d, s->lists.digest);
	buf_release(&b);
}

static void lists_release(struct lists *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->refs[i].partner_slug);
	free(l->refs);
	free(l->by_date);
	free(l->upcoming);
	free(l->past);
}

/* Removing what this build did not write. */

static int kept(const struct config *cfg, const char *rel)
{
	for (size_t i = 0; i < cfg->nsite_keep; i++) {
		const char *k = cfg->site_keep[i];
		size_t n = strlen(k);

		if (!strcmp(k, rel) ||
		    (n && k[n - 1] == '/' && !strncmp(k, rel, n)) ||
		    (!strncmp(k, rel, strlen(rel)) && k[strlen(rel)] == '/'))
			return 1;
	}
	return 0;
}

static int was_written(const struct site *s, const char *rel)
{
	return bsearch(&rel, s->written, s->nwritten, sizeof(*s->written),
	               cmp_str) != NULL;
}

/* By name, whatever the kind character in front. */
static int cmp_kind_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/* Whether this build wrote a file below the folder rel. */
static int was_written_below(const struct site *s, const char *rel)
{
	size_t n = strlen(rel), lo = 0, hi = s->nwritten;

	/* The first written path not before "rel/" in the sorted list. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(s->written[mid], rel, n);

		if (c < 0 || (c == 0 && s->written[mid][n] < '/'))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nwritten && !strncmp(s->written[lo], rel, n) &&
	       s->written[lo][n] == '/';
}

/*
 * A folder of public/ on the way down, opened only when it must be read
 * or something in it removed: unchanged folders are known from the
 * manifest (prune), and opening each was a tenth of a rebuild with
 * nothing changed. Each level is opened from the one above without
 * following a link, so a link planted in public/ never leads out of it.
 */
struct pdir {
	struct pdir *up; /* NULL for public/ itself */
	const char *name;
	int fd; /* -1 until opened */
};

static int pdir_fd(struct pdir *d)
{
	int up;

	if (d->fd >= 0 || !d->up)
		return d->fd;
	up = pdir_fd(d->up);
	if (up >= 0)
		d->fd = openat(up, d->name,
		               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return d->fd;
}

static int prune(struct site *s, struct pdir *d, const char *prefix,
                 struct err *err);

/*
 * Removes the entry name of the folder d (prefix) unless this build
 * wrote it or it is kept; a folder is pruned in turn, and removed once
 * emptied. kind: 'd' a folder, '-' a file, '?' not known yet.
 */
static int prune_entry(struct site *s, struct pdir *d, const char *prefix,
                       const char *name, char kind, struct err *err)
{
	struct buf rel = BUF_INIT;
	struct stat st;
	int ret = 0;

	buf_addf(&rel, "%s%s", prefix, name);
	if (!*prefix && !strcmp(name, MANIFEST))
		goto out;
	if (kind == '?') {
		if (fstatat(pdir_fd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto out;
		kind = S_ISDIR(st.st_mode) ? 'd' : '-';
	}
	if (kind == 'd') {
		struct pdir sub = {d, name, -1};

		buf_addch(&rel, '/');
		ret = prune(s, &sub, rel.data, err);
		if (sub.fd >= 0)
			close(sub.fd);
		buf_setlen(&rel, rel.len - 1);
		/* An emptied folder goes too; one in use stays. */
		if (!ret && !kept(s->cfg, rel.data) &&
		    !was_written_below(s, rel.data))
			unlinkat(pdir_fd(d), name, AT_REMOVEDIR);
		goto out;
	}
	if (was_written(s, rel.data) || kept(s->cfg, rel.data))
		goto out;
	if (unlinkat(pdir_fd(d), name, 0) < 0) {
		if (errno != ENOENT)
			ret = err_errno(err, "cannot remove public/%s",
			                rel.data);
		goto out;
	}
	buf_reset(&rel);
	buf_addf(&rel, "public/%s%s", prefix, name);
	add_str(&s->rep->removed, &s->rep->nremoved, buf_detach(&rel));
out:
	buf_release(&rel);
	return ret;
}

/* Every entry of the folder, as it is on disk now. */
static int prune_listed(struct site *s, struct pdir *d, const char *prefix,
                        struct err *err)
{
	int fd = pdir_fd(d) < 0 ? -1 : dup(pdir_fd(d));
	DIR *dh = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int ret = 0;

	if (!dh) {
		if (fd >= 0)
			close(fd);
		/* Gone or replaced meanwhile: nothing of ours to remove. */
		return d->up ? 0
		             : err_errno(err, "cannot read public/%s", prefix);
	}
	while ((de = readdir(dh)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			/* The kind as a leading character: 'd' a folder. */
			struct buf e = BUF_INIT;

			buf_addch(&e, de->d_type == DT_DIR       ? 'd'
			              : de->d_type == DT_UNKNOWN ? '?'
			                                         : '-');
			buf_adds(&e, de->d_name);
			add_str(&names, &n, buf_detach(&e));
		}
	if (n)
		qsort(names, n, sizeof(*names), cmp_kind_name);
	for (size_t i = 0; i < n && !ret; i++)
		ret = prune_entry(s, d, prefix, names[i] + 1, names[i][0], err);
	closedir(dh);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

/* The first index of a sorted array of n strings, at stride size, whose
 * string is not before prefix. */
static size_t lower_bound(const void *v, size_t n, size_t size,
                          const char *prefix)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *str =
		        *(char *const *)((const char *)v + mid * size);

		if (strcmp(str, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The entries of a folder unchanged since the last build, known without
 * reading it: the files that build left there (old_paths) and its
 * folders (old_dirs).
 */
static int prune_known(struct site *s, struct pdir *d, const char *prefix,
                       struct err *err)
{
	size_t n = strlen(prefix), i;
	int ret = 0;

	i = lower_bound(s->old_paths, s->nold_paths, sizeof(char *), prefix);
	for (; i < s->nold_paths && !ret; i++) {
		const char *p = s->old_paths[i];

		if (strncmp(p, prefix, n))
			break;
		if (!strchr(p + n, '/'))
			ret = prune_entry(s, d, prefix, p + n, '-', err);
	}
	i = lower_bound(s->old_dirs, s->nold_dirs, sizeof(*s->old_dirs),
	                prefix);
	for (; i < s->nold_dirs && !ret; i++) {
		const char *p = s->old_dirs[i].path, *slash;
		struct buf name = BUF_INIT;

		if (strncmp(p, prefix, n))
			break;
		slash = strchr(p + n, '/');
		if (!slash || slash[1])
			continue; /* the folder itself, or deeper down */
		buf_add(&name, p + n, (size_t)(slash - (p + n)));
		ret = prune_entry(s, d, prefix, name.data, 'd', err);
		buf_release(&name);
	}
	return ret;
}

/*
 * Removes from the folder d (prefix) of public/ what this build did not
 * write. A folder whose ctime is the one the last build saw has had
 * nothing added, removed or renamed since (no one can set a ctime by
 * hand), so its entries are known without reading it: reading every
 * folder was an eighth of a rebuild with nothing changed (scripts/bench
 * site). A ctime within two seconds of this build could change again
 * within the same tick of the clock, unseen: it is recorded as 0, never
 * trusted. The ctime is read from the folder above, without opening this
 * one, and not through a link.
 */
static int prune(struct site *s, struct pdir *d, const char *prefix,
                 struct err *err)
{
	struct dir_mark key = {(char *)prefix, 0}, *old;
	struct stat st;
	int r = d->up ? fstatat(pdir_fd(d->up), d->name, &st,
	                        AT_SYMLINK_NOFOLLOW)
	              : fstat(d->fd, &st);
	long long c = r == 0 && S_ISDIR(st.st_mode) ? ns(st.st_ctim) : 0;

	old = s->nold_dirs ? bsearch(&key, s->old_dirs, s->nold_dirs,
	                             sizeof(*s->old_dirs), cmp_dir)
	                   : NULL;
	s->dirs = xrealloc(s->dirs, (s->ndirs + 1) * sizeof(*s->dirs));
	s->dirs[s->ndirs].path = xstrdup(prefix);
	s->dirs[s->ndirs++].ctime_ns = c < s->started_ns - 2000000000LL ? c : 0;
	if (old && c && old->ctime_ns == c)
		return prune_known(s, d, prefix, err);
	return prune_listed(s, d, prefix, err);
}

static int prune_all(struct site *s, struct err *err)
{
	struct pdir top = {NULL, "", s->pubfd};

	if (s->nwritten)
		qsort(s->written, s->nwritten, sizeof(*s->written), cmp_str);
	return prune(s, &top, "", err);
}

static void dir_marks_free(struct dir_mark *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

/* Everything a build held, the public/ folder's lock with it. */
static void site_release(struct site *s)
{
	for (size_t i = 0; i < s->n; i++)
		sissue_release(&s->v[i]);
	free(s->v);
	for (size_t i = 0; i < s->nold; i++)
		sissue_release(&s->old[i]);
	free(s->old);
	sissue_release(&s->lists);
	sissue_release(&s->old_lists);
	for (size_t i = 0; i < s->nold_paths; i++)
		free(s->old_paths[i]);
	free(s->old_paths);
	dir_marks_free(s->old_dirs, s->nold_dirs);
	dir_marks_free(s->dirs, s->ndirs);
	for (size_t i = 0; i < s->nwritten; i++)
		free(s->written[i]);
	free(s->written);
	for (size_t i = 0; i < DIR_CACHE; i++)
		if (s->dirc[i].rel) {
			close(s->dirc[i].fd);
			free(s->dirc[i].rel);
		}
	if (s->pubfd >= 0)
		close(s->pubfd);
	buf_release(&s->pub);
	buf_release(&s->manifest);
}

int site_build(const struct config *cfg, struct store *st, time_t now,
               struct site_report *rep, struct err *err)
{
	struct site s = {.cfg = cfg, .now = now, .rep = rep, .pubfd = -1};
	struct lists l = {0};
	int ret = -1;

	struct timespec t0;

	memset(rep, 0, sizeof(*rep));
	clock_gettime(CLOCK_REALTIME, &t0);
	s.started_ns = ns(t0);
	buf_init(&s.pub);
	buf_init(&s.manifest);
	config_path(cfg, &s.pub, "public");
	if (!ical_zone_known(cfg->timezone)) {
		err_set(err, "site.timezone '%s' is not known", cfg->timezone);
		goto out;
	}
	if (file_mkdirs(s.pub.data, err) < 0)
		goto out;
	s.pubfd = open(s.pub.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/*
	 * One build at a time (a publish while a send publishes): another
	 * build would remove the files this one writes. The lock is on the
	 * folder itself and goes with the descriptor.
	 */
	if (s.pubfd < 0 || flock(s.pubfd, LOCK_EX) < 0) {
		err_errno(err, "cannot lock public/ for building");
		goto out;
	}
	global_digest(&s);
	load_manifest(&s);
	if (store_site_each(st, add_published, &s, err) < 0 ||
	    build_issues(&s, err) < 0)
		goto out;
	if (s.n)
		qsort(s.v, s.n, sizeof(*s.v), cmp_issue);
	lists_build(&s, &l);
	lists_digest(&s, &l);
	if (!strcmp(s.lists.digest, s.old_lists.digest) && s.old_lists.nfiles &&
	    files_intact(&s, &s.old_lists)) {
		/* Nothing the pages across issues show has changed. */
		s.lists.files = s.old_lists.files;
		s.lists.nfiles = s.old_lists.nfiles;
		s.old_lists.files = NULL;
		s.old_lists.nfiles = 0;
		for (size_t i = 0; i < s.lists.nfiles; i++) {
			mark_written(&s, s.lists.files[i].path);
			rep->unchanged++;
		}
	} else if (home_pages(&s, &l, err) < 0 ||
	           case_study_pages(&s, &l, err) < 0 ||
	           section_pages(&s, &l, err) < 0 ||
	           partner_pages(&s, &l, err) < 0 ||
	           event_pages(&s, &l, err) < 0 || style_sheet(&s, err) < 0) {
		goto out;
	}
	if (prune_all(&s, err) < 0 || save_manifest(&s, err) < 0)
		goto out;
	ret = 0;
out:
	lists_release(&l);
	site_release(&s);
	return ret;
}
