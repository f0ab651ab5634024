#include "contribution.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "frontmatter.h"
#include "lint.h"
#include "markdown.h"
#include "suggest.h"
#include "text.h"
#include "yamldoc.h"
#include "banned.h"

static const char *const fields[] = {
        "title",   "partner",  "author",    "section",   "type",
        "summary", "image",    "image_alt", "weight",    "start",
        "end",     "location", "received",  "withdrawn", "withdrawn_reason",
};

void contribution_release(struct contribution *c)
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
	memset(c, 0, sizeof(*c));
}

size_t contribution_name_ext(const char *name)
{
	static const char *const exts[] = {".md", ".markdown", ".txt"};
	size_t n = strlen(name);

	if (name[0] == '.' || !strcmp(name, "CONTRIBUTING.md") ||
	    !strcmp(name, "README.md"))
		return 0;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i]);

		if (n > e && !strcasecmp(name + n - e, exts[i]))
			return e;
	}
	return 0;
}

char *contribution_slug(const char *name)
{
	const char *base = strrchr(name, '/');
	size_t n, ext;
	struct buf b = BUF_INIT;

	base = base ? base + 1 : name;
	n = strlen(base);
	ext = contribution_name_ext(base);
	/* A Word file makes the piece of the same name. */
	if (!ext && n > 5 && !strcasecmp(base + n - 5, ".docx"))
		ext = 5;
	n -= ext;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)base[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')
			buf_addch(&b, ch);
		else if (b.len && b.data[b.len - 1] != '-')
			buf_addch(&b, '-');
	}
	while (b.len && b.data[b.len - 1] == '-')
		buf_setlen(&b, b.len - 1);
	if (!b.len)
		buf_adds(&b, "piece");
	return buf_detach(&b);
}

void contribution_take(struct yamldoc *y, yaml_node_t *v, char **dst, int *line,
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
		size_t k = text_control_len(s + i, 0);

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
	if ((at = text_control_at(s)))
		diags_add(d, DIAG_ERROR, file, yamldoc_line(y, v),
		          yamldoc_col(v), "control-character",
		          "the %s contains an invisible control character "
		          "(character %zu): retype the %s without it",
		          field, at, field);
}

/*
 * An unknown section: the nearest by short name or title as a hint
 * (people write "work-and-jobs" or the principle's title), else the list.
 */
static void unknown_section(const struct contribution *c,
                            const struct config *cfg, struct diags *d)
{
	const char **keys = xcalloc(cfg->nsections, sizeof(char *));
	const char **titles = xcalloc(cfg->nsections, sizeof(char *));
	struct buf all = BUF_INIT;
	long hint;

	for (size_t i = 0; i < cfg->nsections; i++) {
		keys[i] = cfg->sections[i].key;
		titles[i] = cfg->sections[i].title;
		buf_addf(&all, "%s%s", i ? ", " : "", keys[i]);
	}
	hint = suggest_nearest_named(c->section, keys, titles, cfg->nsections);
	if (hint >= 0)
		diags_add(d, DIAG_ERROR, c->path, c->section_line, 10,
		          "unknown-section",
		          "unknown section '%s': did you mean '%s' (%s)?",
		          c->section, keys[hint], titles[hint]);
	else
		diags_add(d, DIAG_ERROR, c->path, c->section_line, 10,
		          "unknown-section",
		          "unknown section '%s': write one of %s "
		          "(CONTRIBUTING.md in the issue's folder lists them)",
		          c->section, all.data);
	buf_release(&all);
	free(keys);
	free(titles);
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

/*
 * An event goes into calendars, so its times must parse and its end
 * cannot come before its start.
 */
static void check_event(const struct contribution *c, struct diags *d)
{
	const char *p = c->path;
	struct tm start, end;
	int has_time, start_ok = 0;

	if (!c->start)
		diags_add(d, DIAG_ERROR, p, c->type_line, 1, "event-start",
		          "an event needs a start: add a line 'start: "
		          "2027-01-21T10:00' (the date, a T, the time)%s",
		          c->location && *c->location
		                  ? ""
		                  : ", and 'location: ' with where it is");
	else if (issue_parse_datetime(c->start, &start, &has_time) < 0)
		diags_add(d, DIAG_ERROR, p, c->start_line, 8, "event-start",
		          "'start: %s' is not a date and time: write "
		          "it as 2027-01-21T10:00",
		          c->start);
	else
		start_ok = 1;
	if (!c->end)
		return;
	if (issue_parse_datetime(c->end, &end, &has_time) < 0)
		diags_add(d, DIAG_ERROR, p, c->end_line, 6, "event-end",
		          "'end: %s' is not a date and time: write "
		          "it as 2027-01-21T13:00",
		          c->end);
	else if (start_ok && timegm(&end) < timegm(&start))
		diags_add(d, DIAG_ERROR, p, c->end_line, 6, "event-end",
		          "the event ends (%s) before it starts (%s): "
		          "correct the 'end:' or the 'start:'",
		          c->end, c->start);
}

static void check_fields(struct contribution *c, const struct config *cfg,
                         struct diags *d)
{
	const char *p = c->path;
	int l = c->fm_line;

	if (!c->title || !*c->title)
		diags_add(d, DIAG_ERROR, p, l, 1, "missing-title",
		          "missing 'title': add a line 'title: ...' to the "
		          "details at the top");
	if (!c->partner || !*c->partner)
		diags_add(d, DIAG_ERROR, p, l, 1, "missing-partner",
		          "missing 'partner': add a line 'partner: ' with "
		          "your organisation's name to the details at the top");
	if (!c->section || !*c->section)
		diags_add(d, DIAG_ERROR, p, l, 1, "missing-section",
		          "missing 'section': add a line 'section: ' with "
		          "one of the sections (CONTRIBUTING.md in the "
		          "issue's folder lists them)");
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
 * field named name: returns 1, or 0 when name is not a text field.
 */
static int text_field(struct contribution *c, const char *name, char ***dst,
                      int **where)
{
#define FIELD(field, line_var)       \
	if (!strcmp(name, #field)) { \
		*dst = &c->field;    \
		*where = line_var;   \
		return 1;            \
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
	FIELD(end, &c->end_line)
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

/* An unknown detail is ignored, so a warning: often a misspelt one. */
static void warn_unknown_field(struct contribution *c, struct yamldoc *y,
                               yaml_node_t *k, struct diags *d)
{
	const char *name = yamldoc_scalar(k);
	const char *hint =
	        suggest_nearest(name, fields, sizeof(fields) / sizeof(*fields));

	diags_add(d, DIAG_WARNING, c->path, yamldoc_line(y, k), yamldoc_col(k),
	          "unknown-field", "unknown detail '%s'%s%s%s", name,
	          hint ? ": did you mean '" : " (it is ignored)",
	          hint ? hint : "", hint ? "'?" : "");
}

static void read_fields(struct contribution *c, struct yamldoc *y,
                        struct diags *d)
{
	yaml_node_t *root = yamldoc_root(y), *k, *v;

	if (!root || root->type != YAML_MAPPING_NODE) {
		diags_add(d, DIAG_ERROR, c->path, c->fm_line, 1, "details",
		          "the details at the top must be lines like "
		          "'title: Our news', between two '---' lines");
		return;
	}
	for (size_t i = 0; yamldoc_pair(y, root, i, &k, &v); i++) {
		const char *name = yamldoc_scalar(k);
		char **dst = NULL;
		int *where = NULL;

		if (!name)
			continue;
		if (!yamldoc_scalar(v))
			diags_add(d, DIAG_ERROR, c->path, yamldoc_line(y, k),
			          yamldoc_col(k), "details",
			          "'%s' must have one value, on its own line "
			          "(put a value that starts with '-', '[' or "
			          "'{' in \"quotes\")",
			          name);
		else if (text_field(c, name, &dst, &where))
			contribution_take(y, v, dst, where, c->path, name, d);
		else if (!strcmp(name, "withdrawn"))
			read_withdrawn(c, yamldoc_line(y, k), v, d);
		else if (!strcmp(name, "weight"))
			read_weight(c, yamldoc_line(y, k), v, d);
		else
			warn_unknown_field(c, y, k, d);
	}
}

/*
 * Splits text into the details and the article: returns 0, or -1 once d
 * says how to mark the details out with '---' lines.
 */
static int split_piece(struct contribution *c, const struct buf *text,
                       struct frontmatter *fm, struct diags *d)
{
	int bad_line = 0,
	    r = frontmatter_split(text->data, text->len, fm, &bad_line);

	if (r < 0) {
		diags_add(d, DIAG_ERROR, c->path, 1, 1, "details",
		          "the details at the top open with '---' but never "
		          "close: add a line '---' after the last detail");
		return -1;
	}
	if (r == 1) {
		diags_add(d, DIAG_ERROR, c->path, 1, 1, "details",
		          "no details at the top: start the file with a line "
		          "'---', the details (title, partner, section...), "
		          "and another '---'");
		return -1;
	}
	c->fm_line = fm->yaml_line - 1;
	return 0;
}

/*
 * Parses the details block into y (the caller releases it on 0): returns
 * 0, or -1 once d points at the invisible character or the mistake, in
 * plain words.
 */
static int parse_details(struct contribution *c, const struct frontmatter *fm,
                         struct yamldoc *y, struct diags *d)
{
	struct yamldoc_problem pr;
	int line, col;

	if (text_find_control(fm->yaml, fm->yaml_len, fm->yaml_line, &line,
	                      &col)) {
		diags_add(d, DIAG_ERROR, c->path, line, col,
		          "control-character",
		          "this line of the details contains an invisible "
		          "control character: retype the line without it");
		return -1;
	}
	if (yamldoc_parse(y, fm->yaml, fm->yaml_len, fm->yaml_line - 1, &pr) <
	    0) {
		diags_add(d, DIAG_ERROR, c->path, pr.line, pr.col, "details",
		          "this line of the details at the top cannot be "
		          "read: %s",
		          pr.plain);
		return -1;
	}
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
	if (text_find_control(fm->body, fm->body_len, fm->body_line, &line,
	                      &col))
		diags_add(d, DIAG_ERROR, c->path, line, col,
		          "control-character",
		          "the text contains an invisible control character "
		          "here: retype this part without it");
	c->doc = markdown_parse(c->body, fm->body_len);
	c->words = count_words(c->doc);
	if (!c->words && !cmark_node_first_child(c->doc))
		diags_add(d, DIAG_ERROR, c->path, c->body_line, 1, "empty-body",
		          "the piece has no text below the details at the "
		          "top: write it there");
}

/*
 * The piece's bytes as UTF-8 in text: returns 0 (with a note when they
 * were converted from an older Windows format), or -1 once d names the
 * line that cannot be read.
 */
static int decode(struct contribution *c, const char *data, size_t len,
                  struct buf *text, struct diags *d)
{
	enum text_encoding enc;
	int line, col;

	if (text_decode(data, len, text, &enc, &line, &col) < 0) {
		diags_add(d, DIAG_ERROR, c->path, line, col, "encoding",
		          "some characters on this line cannot be read: save "
		          "the file as UTF-8 (in Notepad: File, Save As, "
		          "Encoding: UTF-8) and check this line");
		return -1;
	}
	if (enc == TEXT_WINDOWS_1252)
		diags_add(d, DIAG_NOTE, c->path, 0, 0, "windows-1252",
		          "saved in an older Windows format; converted (save "
		          "it as UTF-8 next time to be sure every character "
		          "is right)");
	return 0;
}

void contribution_load(struct contribution *c, const struct config *cfg,
                       const char *data, size_t len, struct diags *d)
{
	struct buf text = BUF_INIT;
	struct frontmatter fm;
	struct yamldoc y;

	if (decode(c, data, len, &text, d) < 0 ||
	    split_piece(c, &text, &fm, d) < 0 ||
	    parse_details(c, &fm, &y, d) < 0)
		goto out;
	read_fields(c, &y, d);
	yamldoc_release(&y);
	check_fields(c, cfg, d);
	load_body(c, &fm, d);
out:
	buf_release(&text);
}

void contribution_check(const struct config *cfg, const struct issue *is,
                        const char *path, const char *data, size_t len,
                        struct contribution *c, struct diags *d)
{
	size_t before = diags_count(d, DIAG_ERROR);

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	c->slug = contribution_slug(path);
	c->mtime = time(NULL);
	contribution_load(c, cfg, data, len, d);
	if (c->doc)
		lint_piece(c, is, cfg, 0, d);
	c->ok = diags_count(d, DIAG_ERROR) == before;
}
