#include "submission.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "frontmatter.h"
#include "lint.h"
#include "store_issue.h"
#include "token.h"
#include "yamldoc.h"
#include "banned.h"

#define SLUG_MAX   60
#define SLUG_TRIES 1000 /* "title-2" ... before giving up */

void submission_saved_release(struct submission_saved *s)
{
	free(s->slug);
	free(s->path);
	free(s->image);
	free(s->history);
	memset(s, 0, sizeof(*s));
}

/*
 * The code point at s (n bytes left) into *cp: returns its length, or 0
 * when the bytes are not UTF-8 (overlong, surrogate, beyond U+10FFFF).
 */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], need, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		need = 1, min = 0x80, *cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2, min = 0x800, *cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3, min = 0x10000, *cp = c & 0x07;
	else
		return 0;
	if (n <= need)
		return 0;
	for (unsigned k = 1; k <= need; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[k] & 0x3F);
	}
	if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return need + 1;
}

/*
 * The escape YAML needs for code point cp inside double quotes, or NULL
 * when it may stand as itself. libyaml refuses control characters in a
 * document and reads U+0085, U+2028 and U+2029 as line breaks, which
 * would fold the value: all are escaped.
 */
static const char *yaml_escape(unsigned cp, char tmp[12])
{
	switch (cp) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\t':
		return "\\t";
	case 0x85:
		return "\\N";
	case 0x2028:
		return "\\L";
	case 0x2029:
		return "\\P";
	default:
		break;
	}
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
		snprintf(tmp, 12, "\\x%02X", cp);
		return tmp;
	}
	if (cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF) {
		snprintf(tmp, 12, "\\u%04X", cp);
		return tmp;
	}
	return NULL;
}

/* s with CRLF and lone CR as LF, and, when trim, no blanks at its ends. */
static void normalise(const char *s, int trim, struct buf *out)
{
	size_t start = out->len;

	for (; *s; s++) {
		if (*s == '\r') {
			buf_addch(out, '\n');
			if (s[1] == '\n')
				s++;
		} else {
			buf_addch(out, *s);
		}
	}
	if (!trim)
		return;
	while (out->len > start && strchr(" \t\n", out->data[out->len - 1]))
		out->len--;
	out->data[out->len] = '\0';
	size_t lead = start;
	while (lead < out->len && strchr(" \t\n", out->data[lead]))
		lead++;
	memmove(out->data + start, out->data + lead, out->len - lead + 1);
	out->len -= lead - start;
}

/* Whether s[0..n) is UTF-8 without NUL; names the field in err if not. */
static int check_text(const char *field, const char *s, size_t n,
                      struct err *err)
{
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t k = utf8_next((const unsigned char *)s + i, n - i, &cp);

		if (!k)
			return err_set(err,
			               "the %s has characters that could not "
			               "be read: type it again",
			               field);
		if (!cp)
			return err_set(err,
			               "the %s holds a NUL byte: type it again",
			               field);
		i += k;
	}
	return 0;
}

/* Appends "key: \"value\"\n" when value is not empty. */
static int add_field(struct buf *out, const char *key, const char *value,
                     struct err *err)
{
	struct buf v = BUF_INIT;
	int ret = -1;

	if (!value)
		return 0;
	normalise(value, 1, &v);
	if (check_text(key, v.data, v.len, err) < 0)
		goto out;
	ret = 0;
	if (!v.len)
		goto out;
	buf_addf(out, "%s: \"", key);
	for (size_t i = 0; i < v.len;) {
		char tmp[12];
		unsigned cp = 0;
		size_t k =
		        utf8_next((unsigned char *)v.data + i, v.len - i, &cp);
		const char *esc = yaml_escape(cp, tmp);

		if (esc)
			buf_adds(out, esc);
		else
			buf_add(out, v.data + i, k);
		i += k;
	}
	buf_adds(out, "\"\n");
out:
	buf_release(&v);
	return ret;
}

int submission_text(const struct submission *p, const char *image,
                    struct buf *out, struct err *err)
{
	const struct {
		const char *key, *value;
	} fields[] = {
	        {"title", p->title},
	        {"partner", p->partner},
	        {"author", p->author},
	        {"section", p->section},
	        {"type", p->type},
	        {"summary", p->summary},
	        {"image", image},
	        {"image_alt", image ? p->image_alt : NULL},
	        {"start", p->start},
	        {"end", p->end},
	        {"location", p->location},
	        {"received", p->received},
	        {"withdrawn_reason", p->withdrawn ? p->withdrawn_reason : NULL},
	};
	struct buf body = BUF_INIT;
	size_t start = out->len;

	buf_adds(out, "---\n");
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		if (add_field(out, fields[i].key, fields[i].value, err) < 0)
			goto fail;
	if (p->weight)
		buf_addf(out, "weight: %ld\n", p->weight);
	if (p->withdrawn)
		buf_adds(out, "withdrawn: true\n");
	buf_adds(out, "---\n");
	normalise(p->body ? p->body : "", 0, &body);
	if (check_text("text", body.data, body.len, err) < 0)
		goto fail;
	buf_add(out, body.data, body.len);
	buf_release(&body);
	return 0;
fail:
	buf_release(&body);
	buf_setlen(out, start);
	return -1;
}

void submission_slug(const char *title, struct buf *out)
{
	size_t start = out->len;
	int dash = 0;

	for (const unsigned char *s = (const unsigned char *)title; s && *s;
	     s++) {
		int c = *s >= 'A' && *s <= 'Z' ? *s + 32 : *s;

		if (out->len - start >= SLUG_MAX)
			break;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && out->len > start)
				buf_addch(out, '-');
			buf_addch(out, c);
			dash = 0;
		} else if (c < 0x80 || (c & 0xC0) == 0xC0) {
			dash = 1; /* one per character, not per byte */
		}
	}
	if (out->len == start)
		buf_adds(out, "piece");
}

int submission_check_image(const void *data, size_t len, size_t max,
                           struct image_info *info, struct err *err)
{
	struct err why = ERR_INIT;
	int ret = 0;

	if (len > max) {
		return err_set(err,
		               "the picture is %.1f MB, more than the %.1f MB "
		               "allowed: save it about 1200 pixels wide and "
		               "choose it again",
		               (double)len / (1 << 20),
		               (double)max / (1 << 20));
	}
	if (image_probe(data, len, info, &why) < 0)
		ret = err_set(err,
		              "the file chosen is %s: save the picture as a "
		              "JPEG or PNG and choose that file",
		              err_msg(&why));
	err_release(&why);
	return ret;
}

/* Files. */

/* The issue folder's path for opening, and as messages name it. */
static void issue_dirs(const struct config *cfg, const char *id,
                       struct buf *path, struct buf *shown)
{
	config_path(cfg, path, "issues/%s", id);
	buf_addf(shown, "issues/%s", id);
}

/*
 * Writes data into a new temporary file in dir whose name starts with
 * '.' (nothing reads those as content), flushed to disk. Returns its
 * name (caller frees and removes it), or NULL with err set.
 */
static char *write_temp(const char *dir, const void *data, size_t len,
                        struct err *err)
{
	struct buf name = BUF_INIT;
	const char *p = data;
	int fd;

	buf_addf(&name, "%s/.piece-XXXXXX", dir);
	fd = mkstemp(name.data);
	if (fd < 0) {
		err_errno(err, "cannot write in %s", dir);
		buf_release(&name);
		return NULL;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	if (len || fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		err_errno(err, "cannot write in %s", dir);
		close(fd);
		unlink(name.data);
		buf_release(&name);
		return NULL;
	}
	close(fd);
	return buf_detach(&name);
}

/* Flushes the folder itself, so renames and links in it are on disk. */
static int sync_dir(const char *dir, struct err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return err_errno(err, "cannot open %s", dir);
	r = fsync(fd);
	close(fd);
	return r < 0 ? err_errno(err, "cannot write %s", dir) : 0;
}

/* Whether dir/name exists (as anything). */
static int exists(const char *dir, const char *name)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int r;

	buf_addf(&p, "%s/%s", dir, name);
	r = lstat(p.data, &st) == 0;
	buf_release(&p);
	return r;
}

/* Today's date, "YYYY-MM-DD" (UTC). */
static void today(char out[16])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

/*
 * Moves dir/name into dir/.history/ as "STEM.WHEN.EXT" (a name not taken
 * yet), copying instead when keep is set (the file stays in place).
 * Appends the new path, relative to dir, to moved. Returns 0 or -1.
 */
static int to_history(const char *dir, const char *name, int keep,
                      struct buf *moved, struct err *err)
{
	struct buf from = BUF_INIT, hist = BUF_INIT, to = BUF_INIT;
	const char *dot = strrchr(name, '.');
	size_t stem = dot ? (size_t)(dot - name) : strlen(name);
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	int ret = -1;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	buf_addf(&from, "%s/%s", dir, name);
	buf_addf(&hist, "%s/.history", dir);
	if (mkdir(hist.data, 0755) < 0 && errno != EEXIST) {
		err_errno(err, "cannot create %s", hist.data);
		goto out;
	}
	for (int i = 1; i < SLUG_TRIES; i++) {
		buf_reset(&to);
		buf_addf(&to, ".history/%.*s.%s", (int)stem, name, when);
		if (i > 1)
			buf_addf(&to, "-%d", i);
		buf_adds(&to, dot ? dot : "");
		if (!exists(dir, to.data))
			break;
	}
	buf_reset(&hist);
	buf_addf(&hist, "%s/%s", dir, to.data);
	/* A link keeps the old bytes under a second name, at no copy. */
	if (link(from.data, hist.data) < 0) {
		err_errno(err, "cannot keep the previous version of %s", name);
		goto out;
	}
	if (!keep && unlink(from.data) < 0) {
		err_errno(err, "cannot remove %s", name);
		goto out;
	}
	buf_adds(moved, to.data);
	ret = 0;
out:
	buf_release(&from);
	buf_release(&hist);
	buf_release(&to);
	return ret;
}

/* A file of this folder, named by the piece: nothing to move elsewhere. */
static int plain_name(const char *name)
{
	return *name && name[0] != '.' && !strchr(name, '/') &&
	       !strchr(name, '\\') && !strstr(name, "..");
}

/* The extension for a picture of that type. */
static const char *image_ext(enum image_type t)
{
	return t == IMAGE_JPEG  ? "jpg"
	       : t == IMAGE_PNG ? "png"
	       : t == IMAGE_GIF ? "gif"
	                        : "webp";
}

/*
 * Writes the new picture under a fresh name, "SLUG-XXXXXXXX.EXT", never
 * the old one's: the text in place until the switch points at the old
 * bytes. Fills out->image and out->image_info.
 */
static int write_image(const char *dir, const char *slug,
                       const struct submission_image *img, size_t max,
                       struct submission_saved *out, struct err *err)
{
	struct buf name = BUF_INIT, path = BUF_INIT;
	unsigned char rnd[4];
	char *tmp;
	int ret = -1;

	if (submission_check_image(img->data, img->len, max, &out->image_info,
	                           err) < 0 ||
	    token_random_bytes(rnd, sizeof(rnd), err) < 0)
		return -1;
	buf_addf(&name, "%s-%02x%02x%02x%02x.%s", slug, rnd[0], rnd[1], rnd[2],
	         rnd[3], image_ext(out->image_info.type));
	tmp = write_temp(dir, img->data, img->len, err);
	if (!tmp)
		goto out;
	buf_addf(&path, "%s/%s", dir, name.data);
	if (link(tmp, path.data) < 0)
		err_errno(err, "cannot save the picture as %s", name.data);
	else
		ret = 0;
	unlink(tmp);
	free(tmp);
	if (ret == 0)
		out->image = buf_detach(&name);
out:
	buf_release(&name);
	buf_release(&path);
	return ret;
}

/*
 * Links the text of a new piece under the first free name from its
 * title ("title", "title-2", ...; a name whose .md or picture exists is
 * taken). Fills out->slug.
 */
static int claim_slug(const char *dir, const char *title, const char *tmp,
                      struct submission_saved *out, struct err *err)
{
	struct buf base = BUF_INIT, slug = BUF_INIT, path = BUF_INIT;
	int ret = -1;

	submission_slug(title, &base);
	for (int i = 1; i < SLUG_TRIES && ret < 0; i++) {
		buf_reset(&slug);
		buf_add(&slug, base.data, base.len);
		if (i > 1)
			buf_addf(&slug, "-%d", i);
		if (!strcmp(slug.data, "contributing") ||
		    !strcmp(slug.data, "readme") || !strcmp(slug.data, "build"))
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s.md", dir, slug.data);
		if (link(tmp, path.data) == 0)
			ret = 0;
		else if (errno != EEXIST)
			break;
	}
	if (ret < 0)
		err_errno(err, "cannot save the piece in %s", dir);
	else
		out->slug = buf_detach(&slug);
	buf_release(&base);
	buf_release(&slug);
	buf_release(&path);
	return ret;
}

/*
 * The piece slug as it is on disk now: its fields into c (through
 * issue_load_one, without the checks' verdict). Returns 1, 0 when there
 * is no such piece, -1.
 */
static int load_current(const struct config *cfg, const char *id,
                        const char *slug, struct issue *is, struct err *err)
{
	struct diags d = DIAGS_INIT;
	struct buf name = BUF_INIT, dir = BUF_INIT;
	int r;

	config_path(cfg, &dir, "issues/%s", id);
	buf_addf(&name, "%s.md", slug);
	if (!exists(dir.data, name.data)) {
		r = 0;
		memset(is, 0, sizeof(*is));
	} else {
		r = issue_load_one(is, cfg, id, name.data, &d, err) < 0 ? -1
		                                                        : 1;
	}
	if (r == 1 && !submission_of(is))
		r = 0;
	diags_release(&d);
	buf_release(&name);
	buf_release(&dir);
	return r;
}

/* A new piece: the picture first, then the text under a free name. */
static int save_new(const char *dir, const struct submission *p,
                    const struct submission_image *img, size_t max,
                    struct submission_saved *out, struct err *err)
{
	struct buf text = BUF_INIT, slug = BUF_INIT;
	struct submission q = *p;
	char date[16];
	char *tmp = NULL;
	int ret = -1;

	if (!q.received) {
		today(date);
		q.received = date;
	}
	submission_slug(p->title, &slug);
	if (img && img->change == SUBMISSION_IMAGE_REPLACE &&
	    write_image(dir, slug.data, img, max, out, err) < 0)
		goto out;
	if (submission_text(&q, out->image, &text, err) < 0)
		goto out;
	tmp = write_temp(dir, text.data, text.len, err);
	if (!tmp || claim_slug(dir, p->title, tmp, out, err) < 0)
		goto out;
	out->created = 1;
	ret = 0;
out:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (ret < 0 && out->image) {
		struct buf path = BUF_INIT;

		buf_addf(&path, "%s/%s", dir, out->image);
		unlink(path.data);
		buf_release(&path);
	}
	buf_release(&text);
	buf_release(&slug);
	return ret;
}

/*
 * An existing piece: a new picture under a fresh name, the old text to
 * .history/, the new text renamed over it, then the old picture (when
 * replaced or removed) to .history/.
 */
static int save_existing(const char *dir, const char *slug, const char *old,
                         const struct submission *p,
                         const struct submission_image *img, size_t max,
                         struct submission_saved *out, struct err *err)
{
	struct buf text = BUF_INIT, name = BUF_INIT, hist = BUF_INIT;
	enum submission_image_change change =
	        img ? img->change : SUBMISSION_IMAGE_KEEP;
	char *tmp = NULL;
	int ret = -1;

	buf_addf(&name, "%s.md", slug);
	if (change == SUBMISSION_IMAGE_REPLACE) {
		if (write_image(dir, slug, img, max, out, err) < 0)
			goto out;
	} else if (change == SUBMISSION_IMAGE_KEEP && old) {
		out->image = xstrdup(old);
	}
	if (submission_text(p, out->image, &text, err) < 0)
		goto out;
	tmp = write_temp(dir, text.data, text.len, err);
	if (!tmp || to_history(dir, name.data, 1, &hist, err) < 0)
		goto out;
	buf_reset(&name);
	buf_addf(&name, "%s/%s.md", dir, slug);
	if (rename(tmp, name.data) < 0) {
		err_errno(err, "cannot save %s.md", slug);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	out->history = buf_detach(&hist);
	/* The text no longer uses the old picture: keep it aside (a
	 * failure here loses nothing, so it is not the save's). */
	if (old && change != SUBMISSION_IMAGE_KEEP && plain_name(old)) {
		struct err ignored = ERR_INIT;

		buf_reset(&hist);
		to_history(dir, old, 0, &hist, &ignored);
		err_release(&ignored);
	}
	ret = 0;
out:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (ret < 0 && change == SUBMISSION_IMAGE_REPLACE && out->image) {
		buf_reset(&name);
		buf_addf(&name, "%s/%s", dir, out->image);
		unlink(name.data);
	}
	buf_release(&text);
	buf_release(&name);
	buf_release(&hist);
	return ret;
}

/* Names the saved piece's files as messages do, "issues/ID/...". */
static void name_saved(const char *id, struct submission_saved *out)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "issues/%s/%s.md", id, out->slug);
	out->path = buf_detach(&b);
	if (out->history) {
		buf_addf(&b, "issues/%s/%s", id, out->history);
		free(out->history);
		out->history = buf_detach(&b);
	}
}

int submission_save(const struct config *cfg, const char *id, const char *slug,
                    const struct submission *p,
                    const struct submission_image *img, size_t max,
                    struct submission_saved *out, struct err *err)
{
	struct buf dir = BUF_INIT, shown = BUF_INIT;
	struct issue cur;
	struct submission q = *p;
	int ret = -1, r;

	memset(out, 0, sizeof(*out));
	memset(&cur, 0, sizeof(cur));
	issue_dirs(cfg, id, &dir, &shown);
	if (!slug) {
		ret = save_new(dir.data, p, img, max, out, err);
	} else if ((r = load_current(cfg, id, slug, &cur, err)) <= 0) {
		if (r == 0)
			err_set(err, "%s/%s.md: there is no such piece",
			        shown.data, slug);
	} else {
		const struct contribution *c = submission_of(&cur);

		if (!q.received)
			q.received = c->received;
		out->slug = xstrdup(slug);
		ret = save_existing(dir.data, slug, c->image, &q, img, max, out,
		                    err);
	}
	if (ret == 0 && !p->folder_flushed_by_caller)
		ret = sync_dir(dir.data, err);
	if (ret == 0) {
		out->withdrawn = p->withdrawn;
		name_saved(id, out);
	} else
		submission_saved_release(out);
	issue_release(&cur);
	buf_release(&dir);
	buf_release(&shown);
	return ret;
}

void submission_from_contribution(struct submission *p,
                                  const struct contribution *c)
{
	memset(p, 0, sizeof(*p));
	p->title = c->title;
	p->partner = c->partner;
	p->author = c->author;
	p->section = c->section;
	p->type = c->type;
	p->summary = c->summary;
	p->image_alt = c->image_alt;
	p->start = c->start;
	p->end = c->end;
	p->location = c->location;
	p->received = c->received;
	p->weight = c->weight;
	p->withdrawn = c->withdrawn;
	p->withdrawn_reason = c->withdrawn_reason;
	p->body = c->body;
}

int submission_withdraw(const struct config *cfg, const char *id,
                        const char *slug, const char *reason,
                        struct submission_saved *out, struct err *err)
{
	struct issue cur;
	struct submission p;
	int r = load_current(cfg, id, slug, &cur, err);

	memset(out, 0, sizeof(*out));
	if (r <= 0) {
		if (r == 0)
			err_set(err, "issues/%s/%s.md: there is no such piece",
			        id, slug);
		issue_release(&cur);
		return -1;
	}
	submission_from_contribution(&p, submission_of(&cur));
	p.withdrawn = 1;
	p.withdrawn_reason = reason;
	r = submission_save(cfg, id, slug, &p, NULL, 0, out, err);
	issue_release(&cur);
	return r;
}

const struct contribution *submission_of(const struct issue *is)
{
	if (is->n)
		return &is->v[0];
	if (is->nwithdrawn)
		return &is->withdrawn[0];
	return NULL;
}

int submission_check(const struct config *cfg, const char *id, const char *slug,
                     struct issue *is, struct diags *d, struct err *err)
{
	struct buf name = BUF_INIT, dir = BUF_INIT;
	int r = 0;

	memset(is, 0, sizeof(*is));
	config_path(cfg, &dir, "issues/%s", id);
	buf_addf(&name, "%s.md", slug);
	if (exists(dir.data, name.data)) {
		r = issue_load_one(is, cfg, id, name.data, d, err) < 0 ? -1 : 1;
		if (r == 1)
			lint_issue(is, cfg, d);
	}
	buf_release(&name);
	buf_release(&dir);
	return r;
}

int submission_record(struct store *st, const char *id,
                      const struct submission_saved *s, const char *who,
                      struct err *err)
{
	const char *event = s->created     ? "piece-added"
	                    : s->withdrawn ? "piece-withdrawn"
	                                   : "piece-changed";

	return store_issue_event(st, id, event, who, s->path, err);
}

int submission_partner(const char *text, size_t len, struct buf *out)
{
	struct frontmatter fm;
	struct yamldoc y;
	struct err err = ERR_INIT;
	yaml_node_t *root, *v;
	int bad, r = 0;

	if (frontmatter_split(text, len, &fm, &bad) != 0)
		return 0;
	if (yamldoc_load(&y, fm.yaml, fm.yaml_len, "", 0, &err) == 0) {
		root = yamldoc_root(&y);
		v = root && root->type == YAML_MAPPING_NODE
		            ? yamldoc_get(&y, root, "partner")
		            : NULL;
		if (v && yamldoc_scalar(v)) {
			buf_adds(out, yamldoc_scalar(v));
			r = 1;
		}
		yamldoc_release(&y);
	}
	err_release(&err);
	return r;
}
