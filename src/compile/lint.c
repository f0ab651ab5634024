#include "lint.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "markdown.h"
#include "banned.h"

static int is_vowel(int c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
	       c == 'y';
}

int lint_syllables(const char *word, size_t len)
{
	char w[64];
	size_t n = 0;
	int count = 0, prev = 0;

	for (size_t i = 0; i < len && n < sizeof(w) - 1; i++)
		if (isalpha((unsigned char)word[i]))
			w[n++] = (char)tolower((unsigned char)word[i]);
	w[n] = '\0';
	if (n <= 3)
		return 1;
	/* Silent endings: "make", "shared", "boxes" lose a vowel group. */
	if (n > 2 && w[n - 1] == 'e' && w[n - 2] != 'l')
		n--;
	else if (n > 3 && w[n - 2] == 'e' &&
	         ((w[n - 1] == 'd' && w[n - 3] != 't' && w[n - 3] != 'd') ||
	          (w[n - 1] == 's' && !strchr("sxzhc", w[n - 3]))))
		n -= 2;
	for (size_t i = 0; i < n; i++) {
		int v = is_vowel(w[i]);

		if (v && !prev)
			count++;
		prev = v;
	}
	return count ? count : 1;
}

void lint_count_text(struct lint_readability *r, const char *text, size_t len)
{
	size_t i = 0, words = 0, sentences = 0;
	int open_sentence = 0;

	while (i < len) {
		size_t start;
		int letters = 0;

		while (i < len && isspace((unsigned char)text[i]))
			i++;
		start = i;
		while (i < len && !isspace((unsigned char)text[i])) {
			letters += isalpha((unsigned char)text[i]) != 0;
			i++;
		}
		if (i == start)
			break;
		if (letters) {
			words++;
			r->syllables +=
			        (size_t)lint_syllables(text + start, i - start);
			open_sentence = 1;
		}
		/* A word ending in . ! or ? (perhaps before a quote) ends a
		 * sentence; "e.g." style abbreviations are rare in plain
		 * English. */
		size_t e = i;
		while (e > start && strchr("\"')]", text[e - 1]))
			e--;
		if (e > start && strchr(".!?", text[e - 1]) && open_sentence) {
			sentences++;
			open_sentence = 0;
		}
	}
	if (open_sentence)
		sentences++;
	r->words += words;
	r->sentences += sentences;
}

double lint_reading_ease(const struct lint_readability *r)
{
	if (!r->words || !r->sentences)
		return 100.0;
	return 206.835 - 1.015 * ((double)r->words / (double)r->sentences) -
	       84.6 * ((double)r->syllables / (double)r->words);
}

/*
 * A node made after parsing (a web address made a link) has no position:
 * its nearest ancestor with one stands in.
 */
static cmark_node *placed(cmark_node *n)
{
	while (n && cmark_node_get_start_line(n) <= 0 && cmark_node_parent(n))
		n = cmark_node_parent(n);
	return n;
}

static int body_line(const struct contribution *c, cmark_node *n)
{
	int line = cmark_node_get_start_line(placed(n));

	return c->body_line + (line > 0 ? line : 1) - 1;
}

static int body_col(cmark_node *n)
{
	int col = cmark_node_get_start_column(placed(n));

	return col > 0 ? col : 1;
}

static int vague_link_text(const char *t)
{
	static const char *const vague[] = {
	        "click here", "here",          "click",     "read more", "more",
	        "this link",  "link",          "this",      "this page", "go",
	        "learn more", "find out more", "more info",
	};
	char lower[32] = {0};
	size_t n = 0;

	while (*t == ' ')
		t++;
	for (; *t && n < sizeof(lower) - 1; t++)
		lower[n++] = (char)tolower((unsigned char)*t);
	while (n && (lower[n - 1] == ' ' || lower[n - 1] == '.'))
		n--;
	lower[n] = '\0';
	for (size_t i = 0; i < sizeof(vague) / sizeof(vague[0]); i++)
		if (!strcmp(lower, vague[i]))
			return 1;
	return 0;
}

static int looks_like_url(const char *t)
{
	while (*t == ' ')
		t++;
	return !strncasecmp(t, "http://", 7) ||
	       !strncasecmp(t, "https://", 8) || !strncasecmp(t, "www.", 4);
}

/*
 * Size warnings for an image issue_load read and checked (missing or
 * refused images were reported there).
 */
static void check_image_file(const struct contribution *c,
                             const struct issue *is, const char *name, int line,
                             int col, const struct config *cfg, struct diags *d)
{
	const struct issue_image *im = is ? issue_image_find(is, name) : NULL;

	if (!im || !im->ok)
		return;
	if ((long long)im->len > (long long)cfg->image_max_kb * 1024)
		diags_add(d, DIAG_WARNING, c->path, line, col, "image-size",
		          "image '%s' is %lld KB, over the %ld KB limit: "
		          "save it smaller (about 1200 pixels wide is plenty)",
		          name, (long long)(im->len / 1024), cfg->image_max_kb);
	if (im->info.width > ISSUE_IMAGE_WIDE)
		diags_add(d, DIAG_WARNING, c->path, line, col, "image-wide",
		          "image '%s' is %lu pixels wide, over %d: save it "
		          "%d pixels wide (it looks the same in the "
		          "newsletter and loads faster)",
		          name, im->info.width, ISSUE_IMAGE_WIDE,
		          ISSUE_IMAGE_WIDE);
}

/*
 * A screen reader already says "image": a description that starts by
 * saying so (CONTRIBUTING.md advises against it) makes the listener
 * hear it twice.
 */
static void check_alt_words(const struct contribution *c, const char *alt,
                            int line, int col, struct diags *d)
{
	static const char *const openers[] = {"image of", "picture of",
	                                      "photo of", "photograph of"};

	while (*alt == ' ')
		alt++;
	for (size_t i = 0; i < sizeof(openers) / sizeof(*openers); i++)
		if (!strncasecmp(alt, openers[i], strlen(openers[i]))) {
			diags_add(d, DIAG_WARNING, c->path, line, col,
			          "image-alt-words",
			          "the picture's description starts '%.*s': "
			          "screen readers already say it is a picture, "
			          "so start with what it shows (e.g. 'Children "
			          "planting trees in Wardown Park')",
			          (int)strlen(openers[i]), alt);
			return;
		}
}

static void check_body_image(const struct contribution *c,
                             const struct issue *is, cmark_node *n,
                             const struct config *cfg, struct diags *d)
{
	const char *url = cmark_node_get_url(n);
	struct buf alt = BUF_INIT;
	int line = body_line(c, n), col = body_col(n);

	markdown_node_text(n, &alt);
	if (!alt.len)
		diags_add(d, DIAG_ERROR, c->path, line, col, "image-alt",
		          "image '%s' has no description: write what it shows "
		          "between the brackets, ![like this](%s)",
		          url ? url : "", url ? url : "picture.jpg");
	else
		check_alt_words(c, alt.data, line, col, d);
	if (issue_image_is_local(url))
		check_image_file(c, is, url, line, col, cfg, d);
	buf_release(&alt);
}

static void check_link(const struct contribution *c, cmark_node *n,
                       struct diags *d)
{
	struct buf text = BUF_INIT;
	int line = body_line(c, n), col = body_col(n);

	markdown_node_text(n, &text);
	if (vague_link_text(text.data))
		diags_add(d, DIAG_WARNING, c->path, line, col, "link-text",
		          "link text '%s' does not say where the link goes: "
		          "use words that describe the page, e.g. "
		          "[the conference report](...)",
		          text.data);
	else if (looks_like_url(text.data))
		diags_add(d, DIAG_WARNING, c->path, line, col, "link-text",
		          "the link text is a bare web address: write "
		          "[a description of the page](%s) instead",
		          cmark_node_get_url(n) ? cmark_node_get_url(n) : "");
	buf_release(&text);
}

/*
 * Warns when heading n skips a level after prev (0: none yet; the
 * article title stands above the body's headings). Returns n's level,
 * the next heading's prev.
 */
static int check_heading(const struct contribution *c, cmark_node *n, int prev,
                         struct diags *d)
{
	int level = cmark_node_get_heading_level(n);

	/* The piece's title is the one top-level heading. */
	if (level == 1) {
		diags_add(d, DIAG_WARNING, c->path, body_line(c, n),
		          body_col(n), "heading-level-1",
		          "use ## for a heading inside your piece: a single "
		          "# is the size of the piece's title");
		return level;
	}
	if (level > prev + 1 && (prev || level > 2))
		diags_add(d, DIAG_WARNING, c->path, body_line(c, n),
		          body_col(n), "heading-skip",
		          "heading level skipped: a level-%d "
		          "heading (%.*s) follows %s; use %.*s",
		          level, level, "######",
		          prev ? "a heading one level "
		                 "higher up"
		               : "the piece's title",
		          prev ? prev + 1 : 2, "######");
	return level;
}

/* Checks links, pictures and headings, and counts the text into r. */
static void walk_body(struct contribution *c, const struct issue *is,
                      const struct config *cfg, struct lint_readability *r,
                      struct diags *d)
{
	cmark_iter *it = cmark_iter_new(c->doc);
	cmark_event_type ev;
	int prev_heading = 0;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);

		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (t == CMARK_NODE_LINK)
			check_link(c, n, d);
		else if (t == CMARK_NODE_IMAGE)
			check_body_image(c, is, n, cfg, d);
		else if (t == CMARK_NODE_HEADING)
			prev_heading = check_heading(c, n, prev_heading, d);
		if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING) {
			struct buf text = BUF_INIT;

			markdown_node_text(n, &text);
			lint_count_text(r, text.data, text.len);
			buf_release(&text);
		}
	}
	cmark_iter_free(it);
}

/*
 * When it arrived is its 'received:' when that is a date, else the
 * file's time; the warning points at 'received:' only when it was used.
 */
static void check_late(const struct contribution *c, time_t deadline,
                       struct diags *d)
{
	struct tm tm;
	int has_time;
	time_t when = c->mtime;
	int line = 0;

	if (c->received &&
	    issue_parse_datetime(c->received, &tm, &has_time) == 0) {
		when = timegm(&tm);
		line = c->received_line;
	}
	if (when >= deadline)
		diags_add(d, DIAG_WARNING, c->path, line, 1, "late",
		          "arrived after the deadline: check it can "
		          "still go in this issue");
}

void lint_piece(struct contribution *c, const struct issue *is,
                const struct config *cfg, time_t deadline, struct diags *d)
{
	struct lint_readability r = {0, 0, 0};

	if (c->image && c->image_line)
		check_image_file(c, is, c->image, c->image_line, 8, cfg, d);
	if (c->image && c->image_alt && *c->image_alt)
		check_alt_words(c, c->image_alt, c->image_alt_line, 12, d);
	walk_body(c, is, cfg, &r, d);
	c->reading_ease = lint_reading_ease(&r);
	if ((long)c->words > cfg->word_limit)
		diags_add(d, DIAG_WARNING, c->path, c->body_line, 1, "too-long",
		          "%zu words, over the limit of %ld: shorten it or "
		          "link to the full story",
		          c->words, cfg->word_limit);
	if (r.words >= 20 && c->reading_ease < cfg->reading_ease)
		diags_add(d, DIAG_WARNING, c->path, c->body_line, 1,
		          "reading-ease",
		          "reading ease %.0f is below the target %.0f: use "
		          "shorter sentences and everyday words",
		          c->reading_ease, cfg->reading_ease);
	if (c->body && strstr(c->body, LINT_RESERVED))
		diags_add(d, DIAG_ERROR, c->path, c->body_line, 1, "reserved",
		          "the text '%s' is reserved for per-subscriber "
		          "fields: reword it",
		          LINT_RESERVED);
	if (deadline)
		check_late(c, deadline, d);
}

void lint_issue(struct issue *is, const struct config *cfg, struct diags *d)
{
	int64_t t = 0;
	time_t deadline = 0;

	if (is->deadline && issue_deadline_time(is->deadline, &t) == 0)
		deadline = (time_t)t;
	for (size_t i = 0; i < is->n; i++)
		if (is->v[i].doc)
			lint_piece(&is->v[i], is, cfg, deadline, d);
}
