#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "defaults.h"
#include "file.h"
#include "banned.h"

/* Folders inside an issue folder followed at most this deep. */
#define MAX_DEPTH 8
/* A manifest bigger than this is not one bulletin wrote. */
#define MAX_MANIFEST (4 << 20)
/* Templates read to find the partials they include. */

static const char hexdig[] = "0123456789abcdef";

static void to_hex(const unsigned char sha[SHA256_LEN],
                   char hex[SHA256_LEN * 2 + 1])
{
	for (size_t i = 0; i < SHA256_LEN; i++) {
		hex[2 * i] = hexdig[sha[i] >> 4];
		hex[2 * i + 1] = hexdig[sha[i] & 15];
	}
	hex[SHA256_LEN * 2] = '\0';
}

void inputs_init(struct inputs *in)
{
	in->v = NULL;
	in->n = 0;
}

void inputs_release(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->v[i].name);
	free(in->v);
	inputs_init(in);
}

static void add_entry(struct inputs *in, const char *name,
                      const unsigned char sha[SHA256_LEN])
{
	in->v = xrealloc(in->v, (in->n + 1) * sizeof(*in->v));
	in->v[in->n].name = xstrdup(name);
	to_hex(sha, in->v[in->n].hex);
	in->n++;
}

static void add_data(struct inputs *in, const char *name, const void *p,
                     size_t n)
{
	unsigned char sha[SHA256_LEN];

	sha256_digest(p, n, sha);
	add_entry(in, name, sha);
}

/* The digest of a file's bytes, read in pieces (pictures can be big). */
static int digest_file(int dfd, const char *base, const char *name,
                       unsigned char sha[SHA256_LEN], struct err *err)
{
	unsigned char chunk[65536];
	struct sha256 s;
	ssize_t got;
	int fd =
	        openat(dfd, base, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return err_errno(err, "%s: cannot read it", name);
	sha256_init(&s);
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return err_errno(err, "%s: cannot read it", name);
		}
		sha256_update(&s, chunk, (size_t)got);
	}
	close(fd);
	sha256_final(&s, sha);
	return 0;
}

static int skipped_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || (n && name[n - 1] == '~');
}

/* What walk does with each file: its folder, its name there, its name
 * from the root. */
typedef int (*walk_fn)(void *ctx, int dfd, const char *base, const char *name,
                       const struct stat *st, struct err *err);

/*
 * Every regular file under the folder dfd (rel from the root), build/
 * aside; from the folder's descriptor, not the whole path each time.
 */
static int walk_at(int dfd, const char *rel, int depth, walk_fn fn, void *ctx,
                   struct err *err)
{
	struct buf name = BUF_INIT;
	struct dirent *de;
	DIR *d = fdopendir(dfd);
	int ret = 0;

	if (!d) {
		close(dfd);
		return err_errno(err, "%s: cannot read the folder", rel);
	}
	while (!ret && (de = readdir(d))) {
		struct stat st;
		int sub;

		if (skipped_name(de->d_name) ||
		    (depth == 0 && !strcmp(de->d_name, "build")))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* removed while we looked */
		/* A link to a file counts by its content; links to folders
		 * are not followed (a loop would never end). */
		if (S_ISLNK(st.st_mode) &&
		    (fstatat(dfd, de->d_name, &st, 0) < 0 ||
		     S_ISDIR(st.st_mode)))
			continue;
		buf_reset(&name);
		buf_addf(&name, "%s/%s", rel, de->d_name);
		if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			sub = openat(dfd, de->d_name,
			             O_RDONLY | O_DIRECTORY | O_CLOEXEC |
			                     O_NOFOLLOW);
			ret = sub < 0 ? err_errno(err,
			                          "%s: cannot read the folder",
			                          name.data)
			              : walk_at(sub, name.data, depth + 1, fn,
			                        ctx, err);
		} else if (S_ISREG(st.st_mode)) {
			ret = fn(ctx, dfd, de->d_name, name.data, &st, err);
		}
	}
	closedir(d);
	buf_release(&name);
	return ret;
}

/* Every regular file of the issue's folder (rel: "issues/ID"). */
static int walk(const struct config *cfg, const char *rel, walk_fn fn,
                void *ctx, struct err *err)
{
	struct buf path = BUF_INIT;
	int dfd;

	config_path(cfg, &path, "%s", rel);
	dfd = open(path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	buf_release(&path);
	if (dfd < 0)
		return err_errno(err, "%s: cannot read the folder", rel);
	return walk_at(dfd, rel, 0, fn, ctx, err);
}

static int add_file(void *ctx, int dfd, const char *base, const char *name,
                    const struct stat *st, struct err *err)
{
	unsigned char sha[SHA256_LEN];

	(void)st;
	if (digest_file(dfd, base, name, sha, err) < 0)
		return -1;
	add_entry(ctx, name, sha);
	return 0;
}

/* The source of template name: the workspace's, else the built-in one
 * (the same read as render's, so the digest is of what renders). */
static int template_source(const struct config *cfg, const char *name,
                           struct buf *text)
{
	buf_reset(text);
	return defaults_read_template(cfg, name, text) < 0 ? -1 : 0;
}

static int listed(char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

/* Adds the names of the partials text includes ({{> name}}). */
static void find_partials(const char *text, char ***names, size_t *n)
{
	const char *p = text;

	while ((p = strstr(p, "{{>"))) {
		const char *s = p + 3, *e;
		char *name;

		while (*s == ' ' || *s == '\t')
			s++;
		e = s;
		while (*e && *e != ' ' && *e != '\t' && *e != '}')
			e++;
		p = e;
		if (e == s)
			continue;
		name = xstrndup(s, (size_t)(e - s));
		/* As render does: nothing may climb out of templates/. */
		if (strstr(name, "..") || name[0] == '/' ||
		    listed(*names, *n, name)) {
			free(name);
			continue;
		}
		*names = xrealloc(*names, (*n + 1) * sizeof(**names));
		(*names)[(*n)++] = name;
	}
}

/* The email templates and every partial they include, transitively;
 * their names (looked for, found or not) handed to *looked if asked. */
static void add_templates(struct inputs *in, const struct config *cfg,
                          char ***looked, size_t *nlooked)
{
	char **names = xcalloc(2, sizeof(*names));
	size_t n = 2;
	struct buf text = BUF_INIT, label = BUF_INIT;

	names[0] = xstrdup("email.html");
	names[1] = xstrdup("email.txt");
	for (size_t i = 0; i < n; i++) {
		buf_reset(&label);
		buf_addf(&label, "templates/%s.mustache", names[i]);
		/* A partial that exists nowhere renders as nothing; its
		 * absence is recorded too, so that adding it counts. */
		if (template_source(cfg, names[i], &text) < 0)
			continue;
		add_data(in, label.data, text.data, text.len);
		find_partials(text.data, &names, &n);
	}
	if (looked) {
		*looked = names;
		*nlooked = n;
	} else {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	buf_release(&text);
	buf_release(&label);
}

static void setting(struct buf *b, const char *key, const char *value)
{
	value = value ? value : "";
	buf_addf(b, "%s %zu:%s\n", key, strlen(value), value);
}

static void add_settings(struct inputs *in, const struct config *cfg)
{
	struct buf b = BUF_INIT;

	setting(&b, "name", cfg->name);
	setting(&b, "from", cfg->from);
	setting(&b, "reply_to", cfg->reply_to);
	setting(&b, "list_id", cfg->list_id);
	setting(&b, "base_url", cfg->base_url);
	setting(&b, "language", cfg->language);
	setting(&b, "footer", cfg->footer);
	setting(&b, "unsubscribe_mailto", cfg->unsubscribe_mailto);
	setting(&b, "embed_images", cfg->embed_images ? "yes" : "no");
	/* Only when on, so that issues approved before the setting existed
	 * keep their digest. */
	if (cfg->track_clicks)
		setting(&b, "tracking.clicks", "yes");
	for (size_t i = 0; i < cfg->nsections; i++) {
		setting(&b, "section.key", cfg->sections[i].key);
		setting(&b, "section.title", cfg->sections[i].title);
	}
	add_data(in, INPUTS_SETTINGS, b.data, b.len);
	buf_release(&b);
}

static int by_name(const void *a, const void *b)
{
	const struct inputs_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int inputs_collect_issue(struct inputs *in, const struct config *cfg,
                         const char *id, struct err *err)
{
	struct buf dir = BUF_INIT;
	int ret;

	inputs_init(in);
	buf_addf(&dir, "issues/%s", id);
	ret = walk(cfg, dir.data, add_file, in, err);
	buf_release(&dir);
	if (ret < 0)
		inputs_release(in);
	return ret;
}

void inputs_collect_shared(struct inputs *in, const struct config *cfg,
                           char ***looked, size_t *nlooked)
{
	add_templates(in, cfg, looked, nlooked);
	add_settings(in, cfg);
}

void inputs_sort(struct inputs *in)
{
	if (in->n)
		qsort(in->v, in->n, sizeof(*in->v), by_name);
}

int inputs_collect(struct inputs *in, const struct config *cfg, const char *id,
                   struct err *err)
{
	if (inputs_collect_issue(in, cfg, id, err) < 0)
		return -1;
	inputs_collect_shared(in, cfg, NULL, NULL);
	inputs_sort(in);
	return 0;
}

static long long ns(struct timespec t)
{
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The numbers of st as they are in memory: only ever compared here. */
static void add_stat(struct buf *rec, const struct stat *st, long long since,
                     int *racy)
{
	long long f[] = {(long long)st->st_mode, (long long)st->st_size,
	                 (long long)st->st_ino,  (long long)st->st_dev,
	                 ns(st->st_mtim),        ns(st->st_ctim)};

	buf_add(rec, f, sizeof(f));
	*racy |= f[4] >= since || f[5] >= since;
}

void inputs_stat_record(const char *path, struct buf *rec, long long since,
                        int *racy)
{
	struct stat st;

	buf_add(rec, path, strlen(path) + 1);
	if (stat(path, &st) == 0)
		add_stat(rec, &st, since, racy);
	else
		buf_addf(rec, "-%d", errno);
}

struct stat_walk {
	struct buf *rec;
	long long since;
	int *racy;
};

static int add_file_stat(void *ctx, int dfd, const char *base, const char *name,
                         const struct stat *st, struct err *err)
{
	struct stat_walk *w = ctx;

	(void)dfd;
	(void)base;
	(void)err;
	buf_add(w->rec, name, strlen(name) + 1);
	add_stat(w->rec, st, w->since, w->racy);
	return 0;
}

int inputs_stat_issue(const struct config *cfg, const char *id, struct buf *rec,
                      long long since, int *racy, struct err *err)
{
	struct stat_walk w = {rec, since, racy};
	struct buf dir = BUF_INIT;
	int ret;

	buf_addf(&dir, "issues/%s", id);
	ret = walk(cfg, dir.data, add_file_stat, &w, err);
	buf_release(&dir);
	return ret;
}

void inputs_format(const struct inputs *in, struct buf *out)
{
	for (size_t i = 0; i < in->n; i++)
		buf_addf(out, "%s  %s\n", in->v[i].hex, in->v[i].name);
}

static int is_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(hexdig, p[i]) || !p[i])
			return 0;
	return 1;
}

int inputs_parse(struct inputs *in, const char *text, size_t len,
                 const char *name, struct err *err)
{
	const char *p = text, *end = text + len;
	int line = 0;

	inputs_init(in);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct inputs_entry *e;

		line++;
		if (n && *p != '#') {
			if (n < SHA256_LEN * 2 + 3 ||
			    !is_hex(p, SHA256_LEN * 2) ||
			    p[SHA256_LEN * 2] != ' ' ||
			    p[SHA256_LEN * 2 + 1] != ' ') {
				inputs_release(in);
				return err_set(err,
				               "%s:%d: not a line bulletin "
				               "wrote: compile the issue again",
				               name, line);
			}
			in->v = xrealloc(in->v, (in->n + 1) * sizeof(*in->v));
			e = &in->v[in->n++];
			memcpy(e->hex, p, SHA256_LEN * 2);
			e->hex[SHA256_LEN * 2] = '\0';
			e->name = xstrndup(p + SHA256_LEN * 2 + 2,
			                   n - SHA256_LEN * 2 - 2);
		}
		p += n + 1;
	}
	if (in->n)
		qsort(in->v, in->n, sizeof(*in->v), by_name);
	return 0;
}

void inputs_digest(const struct inputs *in, char hex[SHA256_LEN * 2 + 1])
{
	struct buf b = BUF_INIT;
	unsigned char sha[SHA256_LEN];

	inputs_format(in, &b);
	sha256_digest(b.data, b.len, sha);
	to_hex(sha, hex);
	buf_release(&b);
}

int inputs_write(const struct inputs *in, const struct config *cfg,
                 const char *id, struct err *err)
{
	struct buf text = BUF_INIT, path = BUF_INIT;
	int ret;

	/* No time or name: the same files give the same bytes (the store
	 * records who compiled, and when). */
	buf_addf(&text,
	         "# What issues/%s was compiled from: the SHA-256 of each\n"
	         "# input. bulletin compares them with the files before an\n"
	         "# approval and before a send.\n",
	         id);
	inputs_format(in, &text);
	config_path(cfg, &path, "issues/%s/build/inputs", id);
	ret = file_write_atomic(path.data, text.data, text.len, 0644, 0, err);
	buf_release(&text);
	buf_release(&path);
	return ret;
}

int inputs_read(struct inputs *in, const struct config *cfg, const char *id,
                long long *when, struct err *err)
{
	struct buf text = BUF_INIT, path = BUF_INIT, name = BUF_INIT;
	struct stat st;
	int ret = 1;

	inputs_init(in);
	*when = 0;
	config_path(cfg, &path, "issues/%s/build/inputs", id);
	buf_addf(&name, "issues/%s/build/inputs", id);
	if (buf_read_file(&text, path.data, MAX_MANIFEST) < 0) {
		if (errno == ENOENT)
			ret = 0;
		else
			ret = err_errno(err, "%s: cannot read it", name.data);
		goto out;
	}
	/* For messages only ("compiled on ..."): nothing is decided by it. */
	if (stat(path.data, &st) == 0)
		*when = (long long)st.st_mtime;
	if (inputs_parse(in, text.data, text.len, name.data, err) < 0)
		ret = -1;
out:
	buf_release(&text);
	buf_release(&path);
	buf_release(&name);
	return ret;
}

size_t inputs_compare(const struct inputs *was, const struct inputs *now,
                      struct inputs_change **out)
{
	size_t i = 0, j = 0, n = 0;
	struct inputs_change *v = NULL;

	while (i < was->n || j < now->n) {
		int c = i == was->n   ? 1
		        : j == now->n ? -1
		                      : strcmp(was->v[i].name, now->v[j].name);
		struct inputs_change ch;

		if (c < 0) {
			ch = (struct inputs_change){was->v[i++].name,
			                            INPUTS_REMOVED};
		} else if (c > 0) {
			ch = (struct inputs_change){now->v[j++].name,
			                            INPUTS_ADDED};
		} else {
			int same = !strcmp(was->v[i].hex, now->v[j].hex);

			ch = (struct inputs_change){now->v[j].name,
			                            INPUTS_CHANGED};
			i++;
			j++;
			if (same)
				continue;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = ch;
	}
	*out = v;
	return n;
}

const char *inputs_change_verb(enum inputs_change_kind kind)
{
	return kind == INPUTS_ADDED     ? "was added"
	       : kind == INPUTS_REMOVED ? "was removed"
	                                : "changed";
}
