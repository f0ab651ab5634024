#include "issue.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "markdown.h"
#include "suggest.h"
#include "contribution.h"
#include "text.h"
#include "yamldoc.h"
#include "banned.h"

const char *const issue_types[4] = {"news", "case-study", "event",
                                    "opportunity"};

/* Contributions bigger than this are not newsletter articles. */
#define MAX_CONTRIBUTION (1 << 20)

int issue_parse_datetime(const char *s, struct tm *tm, int *has_time)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;

	memset(tm, 0, sizeof(*tm));
	*has_time = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		int m = 0;

		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
			return -1;
		s += 1 + m;
		if (*s == ':') {
			if (sscanf(s + 1, "%2d%n", &sec, &m) != 1 || m != 2)
				return -1;
			s += 3;
		}
		*has_time = 1;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || h < 0 || mi < 0 || sec < 0)
		return -1;
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = sec;
	/* Normalise and check the day exists (31 February comes back as 3
	 * March). */
	struct tm check = *tm;
	time_t t = timegm(&check);
	if (t == (time_t)-1 || check.tm_mday != d || check.tm_mon != mo - 1)
		return -1;
	tm->tm_wday = check.tm_wday;
	return 0;
}

int issue_deadline_time(const char *s, int64_t *t)
{
	struct tm tm;
	int has_time;

	if (!s || issue_parse_datetime(s, &tm, &has_time) < 0)
		return -1;
	*t = (int64_t)timegm(&tm) + (has_time ? 0 : 86400);
	return 0;
}

char *issue_format_date(const char *s)
{
	static const char *const days[] = {"Sunday",    "Monday",   "Tuesday",
	                                   "Wednesday", "Thursday", "Friday",
	                                   "Saturday"};
	static const char *const months[] = {"January", "February", "March",
	                                     "April",   "May",      "June",
	                                     "July",    "August",   "September",
	                                     "October", "November", "December"};
	struct buf b = BUF_INIT;
	struct tm tm;
	int has_time;

	if (issue_parse_datetime(s, &tm, &has_time) < 0)
		return xstrdup(s);
	buf_addf(&b, "%s %d %s %d", days[tm.tm_wday], tm.tm_mday,
	         months[tm.tm_mon], tm.tm_year + 1900);
	if (has_time)
		buf_addf(&b, ", %02d:%02d", tm.tm_hour, tm.tm_min);
	return buf_detach(&b);
}

void issue_release(struct issue *is)
{
	for (size_t i = 0; i < is->n; i++)
		contribution_release(&is->v[i]);
	free(is->v);
	for (size_t i = 0; i < is->nwithdrawn; i++)
		contribution_release(&is->withdrawn[i]);
	free(is->withdrawn);
	for (size_t i = 0; i < is->nimages; i++)
		issue_image_release(&is->images[i]);
	free(is->images);
	free(is->id);
	free(is->dir);
	free(is->path);
	free(is->title);
	free(is->date);
	free(is->deadline);
	free(is->intro);
	free(is->preheader);
	free(is->topics);
	memset(is, 0, sizeof(*is));
}

/* A relative path inside the issue folder: no "..", not absolute. */
static int safe_name(const char *s)
{
	if (!*s || strchr(s, '/') || strstr(s, "..") || strchr(s, '\\') ||
	    s[0] == '.' || text_control_at(s))
		return 0;
	return 1;
}

/* What a partner would call a file that is not an ordinary one. */
static const char *kind_of(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return "a link to another file";
	if (S_ISDIR(st->st_mode))
		return "a folder";
	if (S_ISFIFO(st->st_mode))
		return "a pipe";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		return "a device";
	return "not an ordinary file";
}

/*
 * Opens the contribution name in the issue folder as a regular file, or
 * reports why not (what is there, and to put the real thing in its
 * place).
 */
static int open_contribution(int dfd, const char *path, const char *name,
                             struct stat *st, struct diags *d)
{
	int fd = file_open_regular(dfd, name, st);

	if (fd >= 0)
		return fd;
	if (st->st_mode)
		diags_add(d, DIAG_ERROR, path, 0, 0, "not-a-file",
		          "this is %s, not a piece: put the piece itself "
		          "in the issue's folder",
		          kind_of(st));
	else
		diags_add(d, DIAG_ERROR, path, 0, 0, "unreadable",
		          "cannot read: %s",
		          errno == ENOENT ? "the file went away while "
		                            "compiling; compile again"
		                          : strerror(errno));
	return -1;
}

/*
 * Reads the contribution name into text, within MAX_CONTRIBUTION: returns
 * 0, or -1 once the reason is in d.
 */
static int read_contribution(struct contribution *c, int dfd, const char *name,
                             struct buf *text, struct diags *d)
{
	struct stat st;
	int fd, ret = -1;

	fd = open_contribution(dfd, c->path, name, &st, d);
	if (fd < 0)
		return -1;
	c->mtime = st.st_mtime;
	if ((st.st_size > 0 && st.st_size > MAX_CONTRIBUTION) ||
	    file_read_fd(fd, text, MAX_CONTRIBUTION) < 0)
		diags_add(d, DIAG_ERROR, c->path, 0, 0, "unreadable",
		          "cannot read: %s",
		          errno == EFBIG || st.st_size > MAX_CONTRIBUTION
		                  ? "over 1 MB, too big for a piece"
		                  : strerror(errno));
	else
		ret = 0;
	close(fd);
	return ret;
}

const struct issue_image *issue_image_find(const struct issue *is,
                                           const char *name)
{
	for (size_t i = 0; i < is->nimages; i++)
		if (!strcmp(is->images[i].name, name))
			return &is->images[i];
	return NULL;
}

int issue_image_is_local(const char *url)
{
	return url && *url && url[0] != '/' && !strchr(url, ':');
}

/*
 * Reads im->name from the folder dfd through a descriptor that refused
 * links and anything but a regular file, and checks the bytes are a
 * picture of the kind the name says. Returns 0 with im->data filled, or
 * -1 with a message about the file in err and its code in *code
 * (im->missing set when there is no such file).
 */
static int read_image(struct issue_image *im, int dfd, const char **code,
                      struct err *err)
{
	struct buf data = BUF_INIT;
	struct err why = ERR_INIT;
	struct stat st;
	int fd, ret = -1;

	fd = file_open_regular(dfd, im->name, &st);
	if (fd < 0) {
		if (st.st_mode) {
			*code = "not-a-file";
			return err_set(err,
			               "this is %s, not a picture: put the "
			               "picture itself in the issue's folder",
			               kind_of(&st));
		}
		im->missing = errno == ENOENT;
		*code = im->missing ? "image-missing" : "image-unreadable";
		return err_errno(err, "cannot read");
	}
	if (st.st_size > ISSUE_IMAGE_MAX ||
	    file_read_fd(fd, &data, ISSUE_IMAGE_MAX) < 0) {
		*code = "image-unreadable";
		if (errno == EFBIG || st.st_size > ISSUE_IMAGE_MAX)
			err_set(err, "cannot read: over 16 MB, far too big for "
			             "a newsletter picture; save it about 1200 "
			             "pixels wide");
		else
			err_errno(err, "cannot read");
		goto out;
	}
	if (image_probe(data.data, data.len, &im->info, &why) < 0) {
		*code = "not-a-picture";
		err_set(err,
		        "this is %s: save the picture as PNG or JPEG and use "
		        "that file",
		        err_msg(&why));
		goto out;
	}
	if (image_type_of_name(im->name) != im->info.type) {
		const char *ext = im->info.type == IMAGE_JPEG  ? "jpg"
		                  : im->info.type == IMAGE_PNG ? "png"
		                  : im->info.type == IMAGE_GIF ? "gif"
		                                               : "webp";

		*code = "image-name";
		err_set(err,
		        "this is a %s picture, but its name does not say so: "
		        "rename it to end in .%s (and change the name where it "
		        "is used)",
		        image_type_name(im->info.type), ext);
		goto out;
	}
	im->len = data.len;
	im->data = buf_detach(&data);
	im->ok = 1;
	ret = 0;
out:
	close(fd);
	err_release(&why);
	buf_release(&data);
	return ret;
}

static void image_init(struct issue_image *im, const char *dir,
                       const char *name)
{
	struct buf path = BUF_INIT;

	memset(im, 0, sizeof(*im));
	im->name = xstrdup(name);
	buf_addf(&path, "%s/%s", dir, name);
	im->path = buf_detach(&path);
}

void issue_image_release(struct issue_image *im)
{
	free(im->name);
	free(im->path);
	free(im->data);
	memset(im, 0, sizeof(*im));
}

int issue_image_read(const char *dir, const char *name, struct issue_image *im,
                     struct err *err)
{
	struct err why = ERR_INIT;
	const char *code;
	int dfd, ret = -1;

	image_init(im, dir, name);
	if (!safe_name(name)) {
		err_set(err,
		        "%s: a picture must be a file in the issue's "
		        "folder, named without '/' or '..'",
		        im->path);
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err_errno(err, "%s: cannot open the folder", dir);
		goto out;
	}
	ret = read_image(im, dfd, &code, &why);
	close(dfd);
	if (ret < 0)
		err_set(err, "%s: %s", im->path, err_msg(&why));
out:
	err_release(&why);
	return ret;
}

/* The image called name: found among those already read, or read now. */
static struct issue_image *load_image(struct issue *is, int dfd,
                                      const char *name, struct diags *d)
{
	struct issue_image *im;
	struct err err = ERR_INIT;
	const char *code = NULL;

	im = (struct issue_image *)issue_image_find(is, name);
	if (im)
		return im;
	is->images =
	        xrealloc(is->images, (is->nimages + 1) * sizeof(*is->images));
	im = &is->images[is->nimages++];
	image_init(im, is->dir, name);
	/* A missing file is reported where it is used, with the name. */
	if (read_image(im, dfd, &code, &err) < 0 && !im->missing)
		diags_add(d, DIAG_ERROR, im->path, 0, 0, code, "%s",
		          err_msg(&err));
	err_release(&err);
	return im;
}

/*
 * One use of an image in contribution c, at line:col: a file name in the
 * issue's folder, which exists and is a picture. Returns 0 or -1.
 */
static int use_image(struct issue *is, int dfd, struct contribution *c,
                     const char *name, int line, int col, struct diags *d)
{
	struct issue_image *im;

	if (!safe_name(name)) {
		diags_add(d, DIAG_ERROR, c->path, line, col, "image-path",
		          "image '%s' must be a file in this issue's folder, "
		          "named without '/' or '..'",
		          name);
		return -1;
	}
	im = load_image(is, dfd, name, d);
	if (im->missing)
		diags_add(d, DIAG_ERROR, c->path, line, col, "image-missing",
		          "image '%s' is not in %s: add the file or correct "
		          "the name",
		          name, is->dir);
	return im->ok ? 0 : -1;
}

/* Every image c uses: the 'image:' field and those in the text. */
static int use_images(struct issue *is, int dfd, struct contribution *c,
                      struct diags *d)
{
	cmark_iter *it;
	cmark_event_type ev;
	int ret = 0;

	if (c->image && use_image(is, dfd, c, c->image, c->image_line, 8, d))
		ret = -1;
	if (!c->doc)
		return ret;
	it = cmark_iter_new(c->doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		const char *url = cmark_node_get_url(n);
		int col;

		if (ev != CMARK_EVENT_ENTER ||
		    cmark_node_get_type(n) != CMARK_NODE_IMAGE ||
		    !issue_image_is_local(url))
			continue;
		col = cmark_node_get_start_column(n);
		if (use_image(is, dfd, c, url,
		              c->body_line + cmark_node_get_start_line(n) - 1,
		              col > 0 ? col : 1, d))
			ret = -1;
	}
	cmark_iter_free(it);
	return ret;
}

/*
 * Reads issue.yaml into text. path names it as messages do. Not being
 * able to read it is an error, not a diagnostic: without it there is no
 * issue to report on.
 */
static int read_issue_yaml(struct issue *is, const char *path, struct buf *text,
                           struct err *err)
{
	struct buf where = BUF_INIT;
	struct stat st;
	int fd, ret = -1;

	buf_addf(&where, "%s/issue.yaml", is->path);
	fd = file_open_regular(AT_FDCWD, where.data, &st);
	buf_release(&where);
	if (fd < 0 && st.st_mode)
		err_set(err,
		        "%s: this is %s, not the issue's details: put the "
		        "file itself in the issue's folder",
		        path, kind_of(&st));
	else if (fd < 0 || file_read_fd(fd, text, 1 << 20) < 0)
		err_errno(err,
		          "%s: cannot read (create it with 'bulletin new "
		          "%s')",
		          path, is->id);
	else
		ret = 0;
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * Parses text into y (the caller releases it on 0): returns 0, or -1
 * once d points at the invisible character or the YAML mistake.
 */
static int parse_issue_yaml(const char *path, const struct buf *raw,
                            struct yamldoc *y, struct diags *d)
{
	struct buf text = BUF_INIT;
	struct yamldoc_problem pr;
	enum text_encoding enc;
	int line, col, ret = -1;

	if (text_decode(raw->data, raw->len, &text, &enc, &line, &col) < 0)
		diags_add(d, DIAG_ERROR, path, line, col, "encoding",
		          "some characters on this line cannot be read: save "
		          "the file as UTF-8 and check this line");
	else if (text_find_control(text.data, text.len, 1, &line, &col))
		diags_add(d, DIAG_ERROR, path, line, col, "control-character",
		          "this line contains an invisible control character: "
		          "retype the line without it");
	else if (yamldoc_parse(y, text.data, text.len, 0, &pr) < 0)
		diags_add(d, DIAG_ERROR, path, pr.line, pr.col, "issue-details",
		          "this line cannot be read: %s", pr.plain);
	else
		ret = 0;
	buf_release(&text);
	return ret;
}

/* One topic key of issue.yaml's topics:, checked against bulletin.yaml. */
static void add_topic(const struct config *cfg, const char *key, int line,
                      int col, const char *path, struct diags *d,
                      struct buf *keys)
{
	const char **cands;
	const char *hint;

	if (config_topic(cfg, key)) {
		buf_addf(keys, "%s%s", keys->len ? ", " : "", key);
		return;
	}
	if (!cfg->ntopics) {
		diags_add(d, DIAG_ERROR, path, line, col, "unknown-topic",
		          "topic '%s': the newsletter offers no topics yet; "
		          "remove 'topics:' (the issue then goes to everyone) "
		          "or list the topics in the newsletter's settings",
		          key);
		return;
	}
	cands = xcalloc(cfg->ntopics, sizeof(*cands));
	for (size_t i = 0; i < cfg->ntopics; i++)
		cands[i] = cfg->topics[i].key;
	hint = suggest_nearest(key, cands, cfg->ntopics);
	diags_add(d, DIAG_ERROR, path, line, col, "unknown-topic",
	          "unknown topic '%s'%s%s%s (the newsletter's settings "
	          "list its topics)",
	          key, hint ? ": did you mean '" : "", hint ? hint : "",
	          hint ? "'?" : "");
	free(cands);
}

/*
 * topics: in issue.yaml, a list or "a, b": the topics the issue is for
 * (none given: every topic). is->topics gets the keys as "a, b".
 */
static void read_topics(struct issue *is, const struct config *cfg,
                        struct yamldoc *y, yaml_node_t *v, const char *path,
                        struct diags *d)
{
	struct buf keys = BUF_INIT, one = BUF_INIT;
	yaml_node_t *it;

	for (size_t i = 0;
	     v->type == YAML_SEQUENCE_NODE && (it = yamldoc_item(y, v, i));
	     i++) {
		if (yamldoc_scalar(it))
			add_topic(cfg, yamldoc_scalar(it), yamldoc_line(y, it),
			          yamldoc_col(it), path, d, &keys);
	}
	for (const char *p = yamldoc_scalar(v); p && *p;) {
		size_t n = strcspn(p, ", ");

		buf_reset(&one);
		buf_add(&one, p, n);
		if (n)
			add_topic(cfg, one.data, yamldoc_line(y, v),
			          yamldoc_col(v), path, d, &keys);
		p += n;
		p += strspn(p, ", ");
	}
	free(is->topics);
	is->topics = keys.len ? buf_detach(&keys) : NULL;
	buf_release(&keys);
	buf_release(&one);
}

static void read_issue_fields(struct issue *is, const struct config *cfg,
                              struct yamldoc *y, const char *path,
                              struct diags *d)
{
	yaml_node_t *root = yamldoc_root(y), *k, *v;

	for (size_t i = 0; yamldoc_pair(y, root, i, &k, &v); i++) {
		const char *key = yamldoc_scalar(k);
		char **dst = NULL;
		int *line = NULL;

		if (!key)
			continue;
		if (!strcmp(key, "title"))
			dst = &is->title;
		else if (!strcmp(key, "date"))
			dst = &is->date, line = &is->date_line;
		else if (!strcmp(key, "deadline"))
			dst = &is->deadline, line = &is->deadline_line;
		else if (!strcmp(key, "intro"))
			dst = &is->intro;
		else if (!strcmp(key, "preheader"))
			dst = &is->preheader;
		else if (!strcmp(key, "sample"))
			is->sample = yamldoc_scalar(v) &&
			             !strcmp(yamldoc_scalar(v), "true");
		else if (!strcmp(key, "topics"))
			read_topics(is, cfg, y, v, path, d);
		else
			diags_add(d, DIAG_WARNING, path, yamldoc_line(y, k),
			          yamldoc_col(k), "unknown-field",
			          "unknown field '%s' (known: title, date, "
			          "deadline, intro, preheader, sample, topics)",
			          key);
		if (dst)
			contribution_take(y, v, dst, line, path, key, d);
	}
}

/* Partners write until the deadline: an issue out before it loses pieces. */
static void check_dates(const struct issue *is, const char *path,
                        struct diags *d)
{
	struct tm date, deadline;
	int date_time, deadline_time;

	if (!is->deadline ||
	    issue_parse_datetime(is->date, &date, &date_time) < 0 ||
	    issue_parse_datetime(is->deadline, &deadline, &deadline_time) < 0)
		return;
	/* A date alone is the whole of that day: compare days then. */
	if (!date_time || !deadline_time) {
		date.tm_hour = date.tm_min = date.tm_sec = 0;
		deadline.tm_hour = deadline.tm_min = deadline.tm_sec = 0;
	}
	if (timegm(&date) < timegm(&deadline))
		diags_add(d, DIAG_WARNING, path, is->date_line, 7,
		          "date-before-deadline",
		          "the issue is dated %s, before its deadline (%s): "
		          "partners still writing would miss it; move the "
		          "date or the deadline",
		          is->date, is->deadline);
}

static int load_issue_yaml(struct issue *is, const struct config *cfg,
                           struct diags *d, struct err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct yamldoc y;
	int ret = -1;

	buf_addf(&path, "%s/issue.yaml", is->dir);
	if (read_issue_yaml(is, path.data, &text, err) < 0)
		goto out;
	ret = 0;
	/* A mistake in the file is the user's to fix: in d, not err. */
	if (parse_issue_yaml(path.data, &text, &y, d) < 0)
		goto out;
	read_issue_fields(is, cfg, &y, path.data, d);
	yamldoc_release(&y);
	if (!is->title || !*is->title)
		diags_add(d, DIAG_ERROR, path.data, 1, 1, "missing-title",
		          "missing 'title' for the issue");
	if (!is->date)
		diags_add(d, DIAG_ERROR, path.data, 1, 1, "missing-date",
		          "missing 'date: YYYY-MM-DD' for the issue");
	else
		check_dates(is, path.data, d);
out:
	buf_release(&path);
	buf_release(&text);
	return ret;
}

int issue_load_meta(struct issue *is, const struct config *cfg, const char *id,
                    struct diags *d, struct err *err)
{
	struct buf dir = BUF_INIT;

	memset(is, 0, sizeof(*is));
	is->id = xstrdup(id);
	buf_addf(&dir, "issues/%s", id);
	is->dir = buf_detach(&dir);
	config_path(cfg, &dir, "%s", is->dir);
	is->path = buf_detach(&dir);
	return load_issue_yaml(is, cfg, d, err);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t section_index(const struct config *cfg, const char *key)
{
	for (size_t i = 0; key && i < cfg->nsections; i++)
		if (!strcmp(cfg->sections[i].key, key))
			return i;
	return cfg->nsections;
}

static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct config *cfg = arg;
	const struct contribution *x = a, *y = b;
	size_t sx = section_index(cfg, x->section);
	size_t sy = section_index(cfg, y->section);
	int c;

	if (sx != sy)
		return sx < sy ? -1 : 1;
	if (x->weight != y->weight)
		return x->weight < y->weight ? -1 : 1;
	c = strcasecmp(x->title ? x->title : "", y->title ? y->title : "");
	return c ? c : strcmp(x->slug, y->slug);
}

/* Every name in the folder dfd but "." and "..", sorted: -1 on failure. */
static int list_folder(int dfd, char ***names, size_t *n)
{
	size_t cap = 0;
	struct dirent *de;
	DIR *dh = fdopendir(dup(dfd));

	*names = NULL;
	*n = 0;
	if (!dh)
		return -1;
	while ((de = readdir(dh))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*names = xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(dh);
	/* Sorted names make messages and output independent of the disk. */
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_name);
	return 0;
}

/* Two files making one slug would share a web page anchor and .ics. */
static void check_slug(const struct issue *is, const struct contribution *c,
                       struct diags *d)
{
	for (size_t i = 0; i + 1 < is->n; i++)
		if (!strcmp(is->v[i].slug, c->slug))
			diags_add(
			        d, DIAG_ERROR, c->path, 0, 0, "same-name",
			        "this piece and %s have the same name once "
			        "spaces and punctuation are set aside ('%s'): "
			        "rename one of them",
			        is->v[i].path, c->slug);
}

/* Reads, checks and keeps (or sets aside, when withdrawn) the piece name. */
static void load_piece(struct issue *is, const struct config *cfg, int dfd,
                       const char *name, struct diags *d)
{
	struct contribution *c = &is->v[is->n++];
	size_t before = diags_count(d, DIAG_ERROR);
	struct buf b = BUF_INIT;
	int images;

	buf_addf(&b, "%s/%s", is->dir, name);
	c->path = buf_detach(&b);
	c->slug = contribution_slug(name);
	if (read_contribution(c, dfd, name, &b, d) == 0)
		contribution_load(c, cfg, b.data, b.len, d);
	buf_release(&b);
	if (c->withdrawn) {
		/* Out of the issue, with its pictures: kept aside only so
		 * the report can say it was withdrawn. */
		is->withdrawn =
		        xrealloc(is->withdrawn,
		                 (is->nwithdrawn + 1) * sizeof(*is->withdrawn));
		is->withdrawn[is->nwithdrawn++] = *c;
		memset(c, 0, sizeof(*c));
		is->n--;
		return;
	}
	check_slug(is, c, d);
	images = use_images(is, dfd, c, d);
	c->ok = diags_count(d, DIAG_ERROR) == before && images == 0;
}

static int has_ext(const char *name, const char *const *exts)
{
	const char *dot = strrchr(name, '.');

	for (; dot && *exts; exts++)
		if (!strcasecmp(dot + 1, *exts))
			return 1;
	return 0;
}

/* Whether a piece (kept or withdrawn) made from name exists: a .docx. */
static int converted(const struct issue *is, const char *name)
{
	char *slug = contribution_slug(name);
	int found = 0;

	for (size_t i = 0; i < is->n && !found; i++)
		found = !strcmp(is->v[i].slug, slug);
	for (size_t i = 0; i < is->nwithdrawn && !found; i++)
		found = !strcmp(is->withdrawn[i].slug, slug);
	free(slug);
	return found;
}

/* Why the file name in the folder is of no use, or NULL when it is. */
static const char *unused_why(const struct issue *is, int dfd, const char *name)
{
	static const char *const pictures[] = {"png", "jpg",  "jpeg",
	                                       "gif", "webp", NULL};
	static const char *const other_pictures[] = {"heic", "heif", "tif",
	                                             "tiff", "bmp",  "svg",
	                                             "emf",  "wmf",  NULL};
	static const char *const documents[] = {"doc",   "rtf", "odt",
	                                        "pages", "wps", NULL};
	static const char *const docx[] = {"docx", NULL};
	struct stat st;
	size_t n = strlen(name);

	if (name[0] == '.' || name[n - 1] == '~' ||
	    contribution_name_ext(name) || !strcmp(name, "issue.yaml") ||
	    !strcmp(name, "build") || !strcmp(name, "CONTRIBUTING.md") ||
	    !strcmp(name, "README.md") || issue_image_find(is, name))
		return NULL;
	for (size_t i = 0; i < is->nwithdrawn; i++)
		if (is->withdrawn[i].image &&
		    !strcmp(is->withdrawn[i].image, name))
			return NULL;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode))
		return "a folder: pieces and pictures go directly in the "
		       "issue's folder";
	if (has_ext(name, docx))
		return converted(is, name)
		               ? NULL
		               : "a Word file not made into a piece "
		                 "yet: 'bulletin compile' converts it";
	if (has_ext(name, pictures))
		return "no piece uses this picture: add it to a piece with "
		       "![what it shows](file name), or remove it";
	if (has_ext(name, other_pictures))
		return "pictures must be PNG, JPEG, GIF or WebP: save it as "
		       "JPEG or PNG and use it in a piece";
	if (has_ext(name, documents))
		return "bulletin cannot read this kind of document: save it as "
		       ".docx (Word) or as plain text (.txt)";
	if (has_ext(name, (const char *const[]){"pdf", NULL}))
		return "a PDF cannot be made into a piece: copy its text into "
		       "a .txt or .docx file";
	return "not a piece (a .md, .markdown, .txt or .docx file) nor a "
	       "picture a piece uses";
}

/* "not used: FILE — why" for each file of the folder nothing uses. */
static void list_unused(const struct issue *is, int dfd, char **names, size_t n,
                        struct diags *d)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = unused_why(is, dfd, names[i]);

		if (why && !text_control_at(names[i]))
			diags_add(d, DIAG_NOTE, is->dir, 0, 0, "not-used",
			          "not used: %s — %s", names[i], why);
	}
}

int issue_load(struct issue *is, const struct config *cfg, const char *id,
               struct diags *d, struct err *err)
{
	struct buf path = BUF_INIT;
	char **names;
	size_t nnames;
	int dfd;

	if (issue_load_meta(is, cfg, id, d, err) < 0)
		return -1;
	/* Everything below is opened relative to this one descriptor, so
	 * the folder read is the folder checked. */
	dfd = open(is->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || list_folder(dfd, &names, &nnames) < 0) {
		err_errno(err, "%s: cannot open the folder", is->dir);
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	is->v = xcalloc(nnames ? nnames : 1, sizeof(*is->v));
	for (size_t i = 0; i < nnames; i++) {
		if (!contribution_name_ext(names[i]))
			continue;
		if (text_control_at(names[i])) {
			buf_reset(&path);
			buf_addf(&path, "%s/%s", is->dir, names[i]);
			diags_add(d, DIAG_ERROR, path.data, 0, 0,
			          "control-character",
			          "the file name contains an invisible control "
			          "character: rename the file");
			continue;
		}
		load_piece(is, cfg, dfd, names[i], d);
	}
	list_unused(is, dfd, names, nnames, d);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	buf_release(&path);
	close(dfd);
	if (!is->n)
		diags_add(d, DIAG_WARNING, is->dir, 0, 0, "no-contributions",
		          "no pieces (.md, .txt or .docx files) in the folder "
		          "yet");
	qsort_r(is->v, is->n, sizeof(*is->v), cmp_order, (void *)cfg);
	return 0;
}

int issue_load_one(struct issue *is, const struct config *cfg, const char *id,
                   const char *name, struct diags *d, struct err *err)
{
	int dfd;

	if (issue_load_meta(is, cfg, id, d, err) < 0)
		return -1;
	if (!contribution_name_ext(name) || !safe_name(name))
		return err_set(err, "%s/%s: not a piece's name", is->dir, name);
	dfd = open(is->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(err, "%s: cannot open the folder", is->dir);
	is->v = xcalloc(1, sizeof(*is->v));
	load_piece(is, cfg, dfd, name, d);
	close(dfd);
	return 0;
}
