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
#include "frontmatter.h"
#include "markdown.h"
#include "suggest.h"
#include "yamldoc.h"
#include "banned.h"

const char *const issue_types[4] = {"news", "case-study", "event",
                                    "opportunity"};

static const char *const fields[] = {
        "title",   "partner",  "author",    "section",   "type",
        "summary", "image",    "image_alt", "weight",    "start",
        "end",     "location", "received",  "withdrawn", "withdrawn_reason",
};

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

static void free_contribution(struct contribution *c)
{
	char **strs[] = {
	        &c->path,     &c->slug,      &c->title, &c->partner,
	        &c->author,   &c->section,   &c->type,  &c->summary,
	        &c->image,    &c->image_alt, &c->start, &c->end,
	        &c->location, &c->received,  &c->body,  &c->withdrawn_reason};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	if (c->doc)
		cmark_node_free(c->doc);
}

void issue_release(struct issue *is)
{
	for (size_t i = 0; i < is->n; i++)
		free_contribution(&is->v[i]);
	free(is->v);
	for (size_t i = 0; i < is->nwithdrawn; i++)
		free_contribution(&is->withdrawn[i]);
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
	memset(is, 0, sizeof(*is));
}

/*
 * Length of the terminal control character at s (C0 but tab and newline,
 * DEL, and C1, U+0080-U+009F, as UTF-8), 0 when s is not one. A
 * terminal acts on these instead of showing them, so they must never
 * reach the report or a page.
 */
static size_t control_len(const char *s, int allow_cr)
{
	unsigned char c = (unsigned char)s[0];

	if (c == '\t' || c == '\n' || (c == '\r' && allow_cr))
		return 0;
	if (c < 0x20 || c == 0x7f)
		return 1;
	if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
	    (unsigned char)s[1] <= 0x9f)
		return 2;
	return 0;
}

/* 1-based character position of the first control character, or 0. */
static size_t control_at(const char *s)
{
	size_t chars = 0;

	for (; *s; s++) {
		if (((unsigned char)*s & 0xc0) == 0x80)
			continue;
		chars++;
		if (control_len(s, 0))
			return chars;
	}
	return 0;
}

/*
 * Copies a scalar field into *dst, recording its line. A value holding a
 * control character is an error naming the field, and is kept with each
 * one shown as U+FFFD, so that it cannot act on anyone's terminal even
 * where the error is not seen (the archive index reads other issues).
 */
static void take(struct yamldoc *y, yaml_node_t *v, char **dst, int *line,
                 const char *file, const char *field, struct diags *d)
{
	const char *s = yamldoc_scalar(v);
	struct buf b = BUF_INIT;
	size_t n, at;

	if (!s)
		return;
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		n--;
	for (size_t i = 0; i < n;) {
		size_t k = control_len(s + i, 0);

		if (k) {
			buf_adds(&b, "\xef\xbf\xbd");
			i += k;
		} else {
			buf_addch(&b, s[i++]);
		}
	}
	free(*dst);
	*dst = buf_detach(&b);
	if (line)
		*line = yamldoc_line(y, v);
	if ((at = control_at(s)))
		diags_add(d, DIAG_ERROR, file, yamldoc_line(y, v),
		          yamldoc_col(v), "control-character",
		          "the %s contains an invisible control character "
		          "(character %zu): retype the %s without it",
		          field, at, field);
}

/* A relative path inside the issue folder: no "..", not absolute. */
static int safe_name(const char *s)
{
	if (!*s || strchr(s, '/') || strstr(s, "..") || strchr(s, '\\') ||
	    s[0] == '.' || control_at(s))
		return 0;
	return 1;
}

/* An unknown section: the nearest key as a hint, else the first one. */
static void unknown_section(const struct contribution *c,
                            const struct config *cfg, struct diags *d)
{
	const char **keys = xcalloc(cfg->nsections, sizeof(char *));
	const char *hint;

	for (size_t i = 0; i < cfg->nsections; i++)
		keys[i] = cfg->sections[i].key;
	hint = suggest_nearest(c->section, keys, cfg->nsections);
	if (hint)
		diags_add(d, DIAG_ERROR, c->path, c->section_line, 10,
		          "unknown-section",
		          "unknown section '%s': did you mean '%s'?",
		          c->section, hint);
	else
		diags_add(d, DIAG_ERROR, c->path, c->section_line, 10,
		          "unknown-section",
		          "unknown section '%s': use one of the keys "
		          "listed in bulletin.yaml (e.g. '%s')",
		          c->section, keys[0]);
	free(keys);
}

/* No type means news, the commonest kind. */
static void check_type(struct contribution *c, struct diags *d)
{
	int known = 0;

	if (!c->type) {
		c->type = xstrdup("news");
		return;
	}
	for (size_t i = 0; i < 4; i++)
		known |= !strcmp(c->type, issue_types[i]);
	if (!known)
		diags_add(d, DIAG_ERROR, c->path, c->type_line, 7,
		          "unknown-type",
		          "unknown type '%s': use news, case-study, "
		          "event or opportunity",
		          c->type);
}

/* An event goes into calendars, so its times must parse. */
static void check_event(const struct contribution *c, struct diags *d)
{
	const char *p = c->path;
	struct tm tm;
	int has_time;

	if (!c->start)
		diags_add(d, DIAG_ERROR, p, c->type_line, 1, "event-start",
		          "an event needs 'start: YYYY-MM-DDTHH:MM' "
		          "(and 'location:')");
	else if (issue_parse_datetime(c->start, &tm, &has_time) < 0)
		diags_add(d, DIAG_ERROR, p, c->start_line, 8, "event-start",
		          "'start: %s' is not a date and time: write "
		          "it as 2027-01-21T10:00",
		          c->start);
	if (c->end && issue_parse_datetime(c->end, &tm, &has_time) < 0)
		diags_add(d, DIAG_ERROR, p, c->start_line, 1, "event-end",
		          "'end: %s' is not a date and time: write "
		          "it as 2027-01-21T13:00",
		          c->end);
}

static void check_fields(struct contribution *c, const struct config *cfg,
                         struct diags *d)
{
	const char *p = c->path;
	int l = c->fm_line;

	if (!c->title || !*c->title)
		diags_add(d, DIAG_ERROR, p, l, 1, "missing-title",
		          "missing 'title': add a line 'title: ...' to the "
		          "front matter");
	if (!c->partner || !*c->partner)
		diags_add(d, DIAG_ERROR, p, l, 1, "missing-partner",
		          "missing 'partner': add 'partner: ' followed by "
		          "your organisation's name");
	if (!c->section || !*c->section)
		diags_add(d, DIAG_ERROR, p, l, 1, "missing-section",
		          "missing 'section': add 'section: ' with one of "
		          "the section keys (see CONTRIBUTING.md)");
	else if (!config_section(cfg, c->section))
		unknown_section(c, cfg, d);
	check_type(c, d);
	/* The file itself is checked with the body's images. */
	if (c->image && (!c->image_alt || !*c->image_alt))
		diags_add(d, DIAG_ERROR, p, c->image_line, 1, "image-alt",
		          "image '%s' has no 'image_alt': describe "
		          "what the picture shows for people who "
		          "cannot see it",
		          c->image);
	if (c->type && !strcmp(c->type, "event"))
		check_event(c, d);
}

/*
 * Points *dst and *where (NULL when the line is not kept) at the text
 * field named key: returns 1, or 0 when key is not a text field.
 */
static int text_field(struct contribution *c, const char *key, char ***dst,
                      int **where)
{
#define FIELD(name, line_var)      \
	if (!strcmp(key, #name)) { \
		*dst = &c->name;   \
		*where = line_var; \
		return 1;          \
	}
	FIELD(title, &c->title_line)
	FIELD(partner, &c->partner_line)
	FIELD(author, NULL)
	FIELD(section, &c->section_line)
	FIELD(type, &c->type_line)
	FIELD(summary, NULL)
	FIELD(image, &c->image_line)
	FIELD(image_alt, &c->image_alt_line)
	FIELD(start, &c->start_line)
	FIELD(end, NULL)
	FIELD(location, NULL)
	FIELD(received, &c->received_line)
	FIELD(withdrawn_reason, NULL)
#undef FIELD
	return 0;
}

/* line is the field's: where the partner looks for the mistake. */
static void read_withdrawn(struct contribution *c, int line, yaml_node_t *v,
                           struct diags *d)
{
	const char *s = yamldoc_scalar(v);

	if (!strcmp(s, "true") || !strcmp(s, "yes"))
		c->withdrawn = 1;
	else if (strcmp(s, "false") && strcmp(s, "no"))
		diags_add(d, DIAG_ERROR, c->path, line, yamldoc_col(v),
		          "withdrawn", "'withdrawn: %s' must be true or false",
		          s);
}

static void read_weight(struct contribution *c, int line, yaml_node_t *v,
                        struct diags *d)
{
	char *end;
	const char *s = yamldoc_scalar(v);
	long w = strtol(s, &end, 10);

	if (end == s || *end)
		diags_add(d, DIAG_ERROR, c->path, line, yamldoc_col(v),
		          "weight",
		          "'weight: %s' must be a whole number "
		          "(smaller comes first)",
		          s);
	else
		c->weight = w;
}

/* An unknown field is ignored, so a warning: often a misspelt one. */
static void warn_unknown_field(struct contribution *c, struct yamldoc *y,
                               yaml_node_t *k, struct diags *d)
{
	const char *key = yamldoc_scalar(k);
	const char *hint =
	        suggest_nearest(key, fields, sizeof(fields) / sizeof(*fields));

	diags_add(d, DIAG_WARNING, c->path, yamldoc_line(y, k), yamldoc_col(k),
	          "unknown-field", "unknown field '%s'%s%s%s", key,
	          hint ? ": did you mean '" : " (it is ignored)",
	          hint ? hint : "", hint ? "'?" : "");
}

static void read_fields(struct contribution *c, struct yamldoc *y,
                        struct diags *d)
{
	yaml_node_t *root = yamldoc_root(y), *k, *v;

	if (!root || root->type != YAML_MAPPING_NODE) {
		diags_add(d, DIAG_ERROR, c->path, c->fm_line, 1, "front-matter",
		          "the front matter must be 'field: value' lines "
		          "between two '---' lines");
		return;
	}
	for (size_t i = 0; yamldoc_pair(y, root, i, &k, &v); i++) {
		const char *key = yamldoc_scalar(k);
		char **dst = NULL;
		int *where = NULL;

		if (!key)
			continue;
		if (!yamldoc_scalar(v))
			diags_add(d, DIAG_ERROR, c->path, yamldoc_line(y, k),
			          yamldoc_col(k), "front-matter",
			          "'%s' must be a single value on its line",
			          key);
		else if (text_field(c, key, &dst, &where))
			take(y, v, dst, where, c->path, key, d);
		else if (!strcmp(key, "withdrawn"))
			read_withdrawn(c, yamldoc_line(y, k), v, d);
		else if (!strcmp(key, "weight"))
			read_weight(c, yamldoc_line(y, k), v, d);
		else
			warn_unknown_field(c, y, k, d);
	}
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
		          "this is %s, not a contribution: put the "
		          "contribution itself in the issue's folder",
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
 * Finds the first control character (tab, newline and carriage return
 * are allowed) in text that starts on first_line: returns 1 with its
 * line and column, or 0.
 */
static int find_control(const char *text, size_t len, int first_line, int *line,
                        int *col)
{
	*line = first_line;
	*col = 1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			++*line;
			*col = 1;
			continue;
		}
		/* A NUL inside the text counts: cmark would keep going. */
		if (text[i] == '\0' || control_len(text + i, 1))
			return 1;
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			++*col;
	}
	return 0;
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
		                  ? "over 1 MB, too big for a contribution"
		                  : strerror(errno));
	else
		ret = 0;
	close(fd);
	return ret;
}

/*
 * Splits text into the details and the article: returns 0, or -1 once d
 * says how to mark the details out with '---' lines.
 */
static int split_contribution(struct contribution *c, const struct buf *text,
                              struct frontmatter *fm, struct diags *d)
{
	int bad_line = 0,
	    r = frontmatter_split(text->data, text->len, fm, &bad_line);

	if (r < 0) {
		diags_add(d, DIAG_ERROR, c->path, 1, 1, "front-matter",
		          "the front matter opened with '---' never closes: "
		          "add a line '---' after the last field");
		return -1;
	}
	if (r == 1) {
		diags_add(d, DIAG_ERROR, c->path, 1, 1, "front-matter",
		          "no front matter: start the file with a line '---', "
		          "the fields (title, partner, section...), and "
		          "another '---'");
		return -1;
	}
	c->fm_line = fm->yaml_line - 1;
	return 0;
}

/*
 * Parses the details block into y (the caller releases it on 0): returns
 * 0, or -1 once d points at the invisible character or the YAML mistake.
 */
static int parse_details(struct contribution *c, const struct frontmatter *fm,
                         struct yamldoc *y, struct diags *d)
{
	struct err err = ERR_INIT;
	int line, col;

	if (find_control(fm->yaml, fm->yaml_len, fm->yaml_line, &line, &col)) {
		diags_add(d, DIAG_ERROR, c->path, line, col,
		          "control-character",
		          "this line of the details contains an invisible "
		          "control character: retype the line without it");
		return -1;
	}
	if (yamldoc_load(y, fm->yaml, fm->yaml_len, c->path, fm->yaml_line - 1,
	                 &err) < 0) {
		/* The message is already "path:line:col: problem". */
		const char *m = err_msg(&err) + strlen(c->path) + 1;

		line = col = 0;
		sscanf(m, "%d:%d", &line, &col);
		m = strchr(m, ' ');
		diags_add(d, DIAG_ERROR, c->path, line, col, "front-matter",
		          "the front matter is not valid YAML: %s (a value "
		          "with ': ' or starting with a quote needs "
		          "\"quotes\" around it)",
		          m ? m + 1 : "syntax error");
		err_release(&err);
		return -1;
	}
	err_release(&err);
	return 0;
}

/* Words as a reader counts them: runs of the text between spaces. */
static size_t count_words(cmark_node *doc)
{
	struct buf plain = BUF_INIT;
	size_t words = 0;
	int in_word = 0;

	markdown_node_text(doc, &plain);
	for (size_t i = 0; i < plain.len; i++) {
		int space = plain.data[i] == ' ' || plain.data[i] == '\n' ||
		            plain.data[i] == '\t';

		if (!space && !in_word)
			words++;
		in_word = !space;
	}
	buf_release(&plain);
	return words;
}

/* Keeps the article below the details, parsed, and checks it has text. */
static void load_body(struct contribution *c, const struct frontmatter *fm,
                      struct diags *d)
{
	int line, col;

	c->body = xstrndup(fm->body, fm->body_len);
	c->body_line = fm->body_line;
	if (find_control(fm->body, fm->body_len, fm->body_line, &line, &col))
		diags_add(d, DIAG_ERROR, c->path, line, col,
		          "control-character",
		          "the text contains an invisible control character "
		          "here: retype this part without it");
	c->doc = markdown_parse(c->body, fm->body_len);
	c->words = count_words(c->doc);
	if (!c->words && !cmark_node_first_child(c->doc))
		diags_add(d, DIAG_ERROR, c->path, c->body_line, 1, "empty-body",
		          "the contribution has no text below the front "
		          "matter: write the article there");
}

static void load_contribution(struct contribution *c, const struct config *cfg,
                              int dfd, const char *name, struct diags *d)
{
	struct buf text = BUF_INIT;
	struct frontmatter fm;
	struct yamldoc y;

	if (read_contribution(c, dfd, name, &text, d) < 0 ||
	    split_contribution(c, &text, &fm, d) < 0 ||
	    parse_details(c, &fm, &y, d) < 0)
		goto out;
	read_fields(c, &y, d);
	yamldoc_release(&y);
	check_fields(c, cfg, d);
	load_body(c, &fm, d);
out:
	buf_release(&text);
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
static int parse_issue_yaml(const char *path, const struct buf *text,
                            struct yamldoc *y, struct diags *d)
{
	struct err yerr = ERR_INIT;
	int line, col;

	if (find_control(text->data, text->len, 1, &line, &col)) {
		diags_add(d, DIAG_ERROR, path, line, col, "control-character",
		          "this line contains an invisible control character: "
		          "retype the line without it");
		return -1;
	}
	if (yamldoc_load(y, text->data, text->len, path, 0, &yerr) < 0) {
		diags_add(d, DIAG_ERROR, path, 0, 0, "issue-yaml", "%s",
		          err_msg(&yerr));
		err_release(&yerr);
		return -1;
	}
	err_release(&yerr);
	return 0;
}

static void read_issue_fields(struct issue *is, struct yamldoc *y,
                              const char *path, struct diags *d)
{
	yaml_node_t *root = yamldoc_root(y), *k, *v;

	for (size_t i = 0; yamldoc_pair(y, root, i, &k, &v); i++) {
		const char *key = yamldoc_scalar(k);
		char **dst = NULL;

		if (!key)
			continue;
		if (!strcmp(key, "title"))
			dst = &is->title;
		else if (!strcmp(key, "date"))
			dst = &is->date;
		else if (!strcmp(key, "deadline"))
			dst = &is->deadline;
		else if (!strcmp(key, "intro"))
			dst = &is->intro;
		else if (!strcmp(key, "preheader"))
			dst = &is->preheader;
		else if (!strcmp(key, "sample"))
			is->sample = yamldoc_scalar(v) &&
			             !strcmp(yamldoc_scalar(v), "true");
		else
			diags_add(d, DIAG_WARNING, path, yamldoc_line(y, k),
			          yamldoc_col(k), "unknown-field",
			          "unknown field '%s' (known: title, date, "
			          "deadline, intro, preheader, sample)",
			          key);
		if (dst)
			take(y, v, dst, NULL, path, key, d);
	}
}

static int load_issue_yaml(struct issue *is, struct diags *d, struct err *err)
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
	read_issue_fields(is, &y, path.data, d);
	yamldoc_release(&y);
	if (!is->title || !*is->title)
		diags_add(d, DIAG_ERROR, path.data, 1, 1, "missing-title",
		          "missing 'title' for the issue");
	if (!is->date)
		diags_add(d, DIAG_ERROR, path.data, 1, 1, "missing-date",
		          "missing 'date: YYYY-MM-DD' for the issue");
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
	return load_issue_yaml(is, d, err);
}

static int is_contribution(const char *name)
{
	size_t n = strlen(name);

	if (n < 4 || strcmp(name + n - 3, ".md") || name[0] == '.')
		return 0;
	/* Files bulletin writes for people, not for the newsletter. */
	return strcmp(name, "CONTRIBUTING.md") && strcmp(name, "README.md");
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

int issue_load(struct issue *is, const struct config *cfg, const char *id,
               struct diags *d, struct err *err)
{
	struct buf dir = BUF_INIT;
	char **names = NULL;
	size_t nnames = 0, cap = 0;
	struct dirent *de;
	DIR *dh;
	int dfd;

	if (issue_load_meta(is, cfg, id, d, err) < 0)
		return -1;
	/* Everything below is opened relative to this one descriptor, so
	 * the folder read is the folder checked. */
	dfd = open(is->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(err, "%s: cannot open the folder", is->dir);
	dh = fdopendir(dup(dfd));
	if (!dh) {
		close(dfd);
		return err_errno(err, "%s: cannot open the folder", is->dir);
	}
	while ((de = readdir(dh))) {
		if (!is_contribution(de->d_name))
			continue;
		if (control_at(de->d_name)) {
			buf_addf(&dir, "%s/%s", is->dir, de->d_name);
			diags_add(d, DIAG_ERROR, dir.data, 0, 0,
			          "control-character",
			          "the file name contains an invisible control "
			          "character: rename the file");
			buf_reset(&dir);
			continue;
		}
		if (nnames == cap) {
			cap = cap ? cap * 2 : 32;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[nnames++] = xstrdup(de->d_name);
	}
	closedir(dh);
	/* Sorted names make messages and output independent of the disk. */
	if (nnames)
		qsort(names, nnames, sizeof(*names), cmp_name);
	is->v = xcalloc(nnames ? nnames : 1, sizeof(*is->v));
	for (size_t i = 0; i < nnames; i++) {
		struct contribution *c = &is->v[is->n++];
		size_t before = diags_count(d, DIAG_ERROR);
		int images;

		buf_addf(&dir, "%s/%s", is->dir, names[i]);
		c->path = buf_detach(&dir);
		c->slug = xstrndup(names[i], strlen(names[i]) - 3);
		load_contribution(c, cfg, dfd, names[i], d);
		if (c->withdrawn) {
			/* Out of the issue, with its pictures: kept aside
			 * only so the report can say it was withdrawn. */
			is->withdrawn = xrealloc(
			        is->withdrawn,
			        (is->nwithdrawn + 1) * sizeof(*is->withdrawn));
			is->withdrawn[is->nwithdrawn++] = *c;
			memset(c, 0, sizeof(*c));
			is->n--;
			free(names[i]);
			continue;
		}
		images = use_images(is, dfd, c, d);
		c->ok = diags_count(d, DIAG_ERROR) == before && images == 0;
		free(names[i]);
	}
	free(names);
	close(dfd);
	if (!is->n)
		diags_add(d, DIAG_WARNING, is->dir, 0, 0, "no-contributions",
		          "no contributions (*.md files) in the folder yet");
	qsort_r(is->v, is->n, sizeof(*is->v), cmp_order, (void *)cfg);
	return 0;
}

int issue_load_one(struct issue *is, const struct config *cfg, const char *id,
                   const char *name, struct diags *d, struct err *err)
{
	struct buf path = BUF_INIT;
	struct contribution *c;
	int dfd;

	if (issue_load_meta(is, cfg, id, d, err) < 0)
		return -1;
	if (!is_contribution(name) || !safe_name(name))
		return err_set(err, "%s/%s: not a contribution's name", is->dir,
		               name);
	dfd = open(is->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(err, "%s: cannot open the folder", is->dir);
	is->v = xcalloc(1, sizeof(*is->v));
	c = &is->v[is->n++];
	buf_addf(&path, "%s/%s", is->dir, name);
	c->path = buf_detach(&path);
	c->slug = xstrndup(name, strlen(name) - 3);
	load_contribution(c, cfg, dfd, name, d);
	if (c->withdrawn) {
		/* As issue_load keeps it: aside, its pictures not read. */
		is->withdrawn = is->v;
		is->nwithdrawn = 1;
		is->v = xcalloc(1, sizeof(*is->v));
		is->n = 0;
	} else {
		size_t before = diags_count(d, DIAG_ERROR);
		int images = use_images(is, dfd, c, d);

		c->ok = diags_count(d, DIAG_ERROR) == before && images == 0;
	}
	close(dfd);
	return 0;
}
