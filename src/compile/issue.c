#include "issue.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "frontmatter.h"
#include "markdown.h"
#include "suggest.h"
#include "yamldoc.h"
#include "banned.h"

const char *const issue_types[4] = {"news", "case-study", "event",
                                    "opportunity"};

static const char *const fields[] = {
        "title",   "partner",  "author",    "section", "type",
        "summary", "image",    "image_alt", "weight",  "start",
        "end",     "location", "received",
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
	char **strs[] = {&c->path,     &c->slug,      &c->title, &c->partner,
	                 &c->author,   &c->section,   &c->type,  &c->summary,
	                 &c->image,    &c->image_alt, &c->start, &c->end,
	                 &c->location, &c->received,  &c->body};

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
	free(is->id);
	free(is->dir);
	free(is->title);
	free(is->date);
	free(is->deadline);
	free(is->intro);
	free(is->preheader);
	memset(is, 0, sizeof(*is));
}

/* Copies a scalar field into *dst, recording its line. */
static void take(struct yamldoc *y, yaml_node_t *v, char **dst, int *line)
{
	const char *s = yamldoc_scalar(v);
	size_t n;

	if (!s)
		return;
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		n--;
	free(*dst);
	*dst = xstrndup(s, n);
	if (line)
		*line = yamldoc_line(y, v);
}

/* A relative path inside the issue folder: no "..", not absolute. */
static int safe_name(const char *s)
{
	if (!*s || s[0] == '/' || strstr(s, "..") || strchr(s, '\\'))
		return 0;
	return 1;
}

static int file_exists(const char *dir, const char *name)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int ok;

	buf_addf(&p, "%s/%s", dir, name);
	ok = stat(p.data, &st) == 0 && S_ISREG(st.st_mode);
	buf_release(&p);
	return ok;
}

static void check_fields(struct contribution *c, const struct config *cfg,
                         const char *dir, struct diags *d)
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
	if (!c->section || !*c->section) {
		diags_add(d, DIAG_ERROR, p, l, 1, "missing-section",
		          "missing 'section': add 'section: ' with one of "
		          "the section keys (see CONTRIBUTING.md)");
	} else if (!config_section(cfg, c->section)) {
		const char **keys = xcalloc(cfg->nsections, sizeof(char *));
		const char *hint;

		for (size_t i = 0; i < cfg->nsections; i++)
			keys[i] = cfg->sections[i].key;
		hint = suggest_nearest(c->section, keys, cfg->nsections);
		if (hint)
			diags_add(d, DIAG_ERROR, p, c->section_line, 10,
			          "unknown-section",
			          "unknown section '%s': did you mean '%s'?",
			          c->section, hint);
		else
			diags_add(d, DIAG_ERROR, p, c->section_line, 10,
			          "unknown-section",
			          "unknown section '%s': use one of the keys "
			          "listed in bulletin.yaml (e.g. '%s')",
			          c->section, keys[0]);
		free(keys);
	}
	if (!c->type) {
		c->type = xstrdup("news");
	} else {
		int known = 0;

		for (size_t i = 0; i < 4; i++)
			known |= !strcmp(c->type, issue_types[i]);
		if (!known)
			diags_add(d, DIAG_ERROR, p, c->type_line, 7,
			          "unknown-type",
			          "unknown type '%s': use news, case-study, "
			          "event or opportunity",
			          c->type);
	}
	if (c->image) {
		if (!safe_name(c->image))
			diags_add(d, DIAG_ERROR, p, c->image_line, 8,
			          "image-path",
			          "image '%s' must be a file in this issue's "
			          "folder, named without '/' or '..'",
			          c->image);
		else if (!file_exists(dir, c->image))
			diags_add(d, DIAG_ERROR, p, c->image_line, 8,
			          "image-missing",
			          "image '%s' is not in %s: add the file or "
			          "correct the name",
			          c->image, dir);
		if (!c->image_alt || !*c->image_alt)
			diags_add(d, DIAG_ERROR, p, c->image_line, 1,
			          "image-alt",
			          "image '%s' has no 'image_alt': describe "
			          "what the picture shows for people who "
			          "cannot see it",
			          c->image);
	}
	if (c->type && !strcmp(c->type, "event")) {
		struct tm tm;
		int has_time;

		if (!c->start)
			diags_add(d, DIAG_ERROR, p, c->type_line, 1,
			          "event-start",
			          "an event needs 'start: YYYY-MM-DDTHH:MM' "
			          "(and 'location:')");
		else if (issue_parse_datetime(c->start, &tm, &has_time) < 0)
			diags_add(d, DIAG_ERROR, p, c->start_line, 8,
			          "event-start",
			          "'start: %s' is not a date and time: write "
			          "it as 2027-01-21T10:00",
			          c->start);
		if (c->end && issue_parse_datetime(c->end, &tm, &has_time) < 0)
			diags_add(d, DIAG_ERROR, p, c->start_line, 1,
			          "event-end",
			          "'end: %s' is not a date and time: write "
			          "it as 2027-01-21T13:00",
			          c->end);
	}
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
		int line = yamldoc_line(y, k);
		char **dst = NULL;
		int *where = NULL;

		if (!key)
			continue;
		if (!yamldoc_scalar(v)) {
			diags_add(d, DIAG_ERROR, c->path, line, yamldoc_col(k),
			          "front-matter",
			          "'%s' must be a single value on its line",
			          key);
			continue;
		}
#define FIELD(name, line_var)         \
	else if (!strcmp(key, #name)) \
	{                             \
		dst = &c->name;       \
		where = line_var;     \
	}
		if (0) {
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
#undef FIELD
		else if (!strcmp(key, "weight"))
		{
			char *end;
			const char *s = yamldoc_scalar(v);
			long w = strtol(s, &end, 10);

			if (end == s || *end)
				diags_add(d, DIAG_ERROR, c->path, line,
				          yamldoc_col(v), "weight",
				          "'weight: %s' must be a whole number "
				          "(smaller comes first)",
				          s);
			else
				c->weight = w;
		}
		else
		{
			const char *hint = suggest_nearest(
			        key, fields, sizeof(fields) / sizeof(*fields));

			diags_add(d, DIAG_WARNING, c->path, line,
			          yamldoc_col(k), "unknown-field",
			          "unknown field '%s'%s%s%s", key,
			          hint ? ": did you mean '"
			               : " (it is ignored)",
			          hint ? hint : "", hint ? "'?" : "");
		}
		if (dst)
			take(y, v, dst, where);
	}
}

static void load_contribution(struct contribution *c, const struct config *cfg,
                              const char *dir, struct diags *d)
{
	struct buf text = BUF_INIT;
	struct frontmatter fm;
	struct yamldoc y;
	struct err err = ERR_INIT;
	struct stat st;
	int bad_line = 0, r;

	if (stat(c->path, &st) == 0)
		c->mtime = st.st_mtime;
	if (buf_read_file(&text, c->path, MAX_CONTRIBUTION) < 0) {
		diags_add(d, DIAG_ERROR, c->path, 0, 0, "unreadable",
		          "cannot read: %s",
		          errno == EFBIG ? "over 1 MB, too big "
		                           "for a contribution"
		                         : strerror(errno));
		goto out;
	}
	r = frontmatter_split(text.data, text.len, &fm, &bad_line);
	if (r < 0) {
		diags_add(d, DIAG_ERROR, c->path, 1, 1, "front-matter",
		          "the front matter opened with '---' never closes: "
		          "add a line '---' after the last field");
		goto out;
	}
	if (r == 1) {
		diags_add(d, DIAG_ERROR, c->path, 1, 1, "front-matter",
		          "no front matter: start the file with a line '---', "
		          "the fields (title, partner, section...), and "
		          "another '---'");
		goto out;
	}
	c->fm_line = fm.yaml_line - 1;
	if (yamldoc_load(&y, fm.yaml, fm.yaml_len, c->path, fm.yaml_line - 1,
	                 &err) < 0) {
		/* The message is already "path:line:col: problem". */
		const char *m = err_msg(&err) + strlen(c->path) + 1;
		int line = 0, col = 0;

		sscanf(m, "%d:%d", &line, &col);
		m = strchr(m, ' ');
		diags_add(d, DIAG_ERROR, c->path, line, col, "front-matter",
		          "the front matter is not valid YAML: %s (a value "
		          "with ': ' or starting with a quote needs "
		          "\"quotes\" around it)",
		          m ? m + 1 : "syntax error");
		goto out;
	}
	read_fields(c, &y, d);
	yamldoc_release(&y);
	check_fields(c, cfg, dir, d);
	c->body = xstrndup(fm.body, fm.body_len);
	c->body_line = fm.body_line;
	c->doc = markdown_parse(c->body, fm.body_len);
	{
		struct buf plain = BUF_INIT;
		int in_word = 0;

		markdown_node_text(c->doc, &plain);
		for (size_t i = 0; i < plain.len; i++) {
			int space = plain.data[i] == ' ' ||
			            plain.data[i] == '\n' ||
			            plain.data[i] == '\t';

			if (!space && !in_word)
				c->words++;
			in_word = !space;
		}
		buf_release(&plain);
	}
	if (!c->words && !cmark_node_first_child(c->doc))
		diags_add(d, DIAG_ERROR, c->path, c->body_line, 1, "empty-body",
		          "the contribution has no text below the front "
		          "matter: write the article there");
out:
	err_release(&err);
	buf_release(&text);
}

static int load_issue_yaml(struct issue *is, struct diags *d, struct err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct yamldoc y;
	struct err yerr = ERR_INIT;
	yaml_node_t *root, *k, *v;
	int ret = -1;

	buf_addf(&path, "%s/issue.yaml", is->dir);
	if (buf_read_file(&text, path.data, 1 << 20) < 0) {
		err_errno(err,
		          "%s: cannot read (create it with 'bulletin new "
		          "%s')",
		          path.data, is->id);
		goto out;
	}
	if (yamldoc_load(&y, text.data, text.len, path.data, 0, &yerr) < 0) {
		diags_add(d, DIAG_ERROR, path.data, 0, 0, "issue-yaml", "%s",
		          err_msg(&yerr));
		ret = 0;
		goto out;
	}
	root = yamldoc_root(&y);
	for (size_t i = 0; yamldoc_pair(&y, root, i, &k, &v); i++) {
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
			diags_add(d, DIAG_WARNING, path.data,
			          yamldoc_line(&y, k), yamldoc_col(k),
			          "unknown-field",
			          "unknown field '%s' (known: title, date, "
			          "deadline, intro, preheader, sample)",
			          key);
		if (dst)
			take(&y, v, dst, NULL);
	}
	yamldoc_release(&y);
	if (!is->title || !*is->title)
		diags_add(d, DIAG_ERROR, path.data, 1, 1, "missing-title",
		          "missing 'title' for the issue");
	if (!is->date)
		diags_add(d, DIAG_ERROR, path.data, 1, 1, "missing-date",
		          "missing 'date: YYYY-MM-DD' for the issue");
	ret = 0;
out:
	err_release(&yerr);
	buf_release(&path);
	buf_release(&text);
	return ret;
}

int issue_load_meta(struct issue *is, const char *id, struct diags *d,
                    struct err *err)
{
	struct buf dir = BUF_INIT;

	memset(is, 0, sizeof(*is));
	is->id = xstrdup(id);
	buf_addf(&dir, "issues/%s", id);
	is->dir = buf_detach(&dir);
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

	if (issue_load_meta(is, id, d, err) < 0)
		return -1;
	dh = opendir(is->dir);
	if (!dh)
		return err_errno(err, "%s: cannot open the folder", is->dir);
	while ((de = readdir(dh))) {
		if (!is_contribution(de->d_name))
			continue;
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

		buf_addf(&dir, "%s/%s", is->dir, names[i]);
		c->path = buf_detach(&dir);
		c->slug = xstrndup(names[i], strlen(names[i]) - 3);
		load_contribution(c, cfg, is->dir, d);
		c->ok = diags_count(d, DIAG_ERROR) == before;
		free(names[i]);
	}
	free(names);
	if (!is->n)
		diags_add(d, DIAG_WARNING, is->dir, 0, 0, "no-contributions",
		          "no contributions (*.md files) in the folder yet");
	qsort_r(is->v, is->n, sizeof(*is->v), cmp_order, (void *)cfg);
	return 0;
}
