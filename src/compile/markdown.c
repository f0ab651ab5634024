#include "markdown.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

/* Length of the tag name if s is "<name" or "</name" for a raw-text tag. */
static size_t raw_text_tag(const char *s, int closing)
{
	static const char *const tags[] = {"script", "style", "textarea",
	                                   "title"};

	if (*s++ != '<' || (closing && *s++ != '/'))
		return 0;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t n = strlen(tags[i]);

		if (!strncasecmp(s, tags[i], n) &&
		    !((s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return n;
	}
	return 0;
}

/*
 * Removes the siblings after an inline <script> (style, ...) tag up to
 * its closing tag, or to the end of the parent: a browser shows none of
 * that text, so showing it in place of the dropped tags would be wrong.
 * Returns the node the walk goes on from.
 */
static cmark_node *drop_raw_text(cmark_node *open)
{
	const char *tag = cmark_node_get_literal(open) + 1;
	size_t n = raw_text_tag(cmark_node_get_literal(open), 0);
	cmark_node *next;

	for (cmark_node *c = cmark_node_next(open); c; c = next) {
		const char *lit = cmark_node_get_literal(c);

		next = cmark_node_next(c);
		if (cmark_node_get_type(c) == CMARK_NODE_HTML_INLINE &&
		    raw_text_tag(lit, 1) == n && !strncasecmp(lit + 2, tag, n))
			return c;
		cmark_node_free(c);
	}
	return open;
}

/* ---- bare web addresses as links ---- */

/*
 * Length of the bare web address at s[i] (the GitHub rule: at the start
 * of a word, "http://", "https://" or "www." and up to a space or '<',
 * less trailing punctuation and unbalanced closing brackets), 0 when
 * there is none.
 */
static size_t web_address(const char *s, size_t i)
{
	static const char *const starts[] = {"https://", "http://", "www."};
	size_t n = 0, k, open = 0, close = 0;
	char first = (char)(s[i] | 0x20); /* a letter in lower case */

	/* Asked at every character of the text: the cheap test first. */
	if (first != 'h' && first != 'w')
		return 0;
	if (i && !strchr(" \t\n(*_~\"'", s[i - 1]))
		return 0;
	for (k = 0; k < 3; k++)
		if (!strncasecmp(s + i, starts[k], strlen(starts[k])))
			break;
	if (k == 3)
		return 0;
	while (s[i + n] && !strchr(" \t\n<", s[i + n]))
		n++;
	for (;;) {
		char last = n ? s[i + n - 1] : 0;

		open = close = 0;
		for (size_t j = 0; j < n; j++) {
			open += s[i + j] == '(';
			close += s[i + j] == ')';
		}
		if (last && (strchr("?!.,:*_~'\";", last) ||
		             (last == ')' && close > open)))
			n--;
		else
			break;
	}
	/* Something must follow "www." or "://", with a dot for www. */
	if (n <= strlen(starts[k]) ||
	    (k == 2 && !memchr(s + i + 4, '.', n - 4)))
		return 0;
	return n;
}

/*
 * Turns the first bare web address in text node t into a link, the text
 * after it into a new text node: returns that node (to look at next), or
 * NULL when t holds no address.
 */
static cmark_node *link_address(cmark_node *t)
{
	const char *lit = cmark_node_get_literal(t);
	struct buf url = BUF_INIT;
	cmark_node *link, *label, *rest = NULL;
	size_t i, n = 0;

	for (i = 0; lit[i] && !(n = web_address(lit, i)); i++)
		;
	if (!n)
		return NULL;
	if (!strncasecmp(lit + i, "www.", 4))
		buf_adds(&url, "http://");
	buf_add(&url, lit + i, n);
	link = cmark_node_new(CMARK_NODE_LINK);
	cmark_node_set_url(link, url.data);
	label = cmark_node_new(CMARK_NODE_TEXT);
	buf_reset(&url);
	buf_add(&url, lit + i, n);
	cmark_node_set_literal(label, url.data);
	cmark_node_append_child(link, label);
	if (lit[i + n]) {
		rest = cmark_node_new(CMARK_NODE_TEXT);
		cmark_node_set_literal(rest, lit + i + n);
		cmark_node_insert_after(t, rest);
	}
	cmark_node_insert_after(t, link);
	buf_reset(&url);
	buf_add(&url, lit, i);
	/* lit belongs to t: set it last. */
	cmark_node_set_literal(t, url.data);
	if (!i)
		cmark_node_free(t);
	buf_release(&url);
	return rest;
}

/* Whether n sits inside a link or an image (its text is not linked). */
static int in_link(cmark_node *n)
{
	for (n = cmark_node_parent(n); n; n = cmark_node_parent(n))
		if (cmark_node_get_type(n) == CMARK_NODE_LINK ||
		    cmark_node_get_type(n) == CMARK_NODE_IMAGE)
			return 1;
	return 0;
}

/*
 * Bare web addresses become links, as partners expect from email and
 * word processors. Done on the tree, once, so that both renderers, the
 * checks and the site see the same links (see src/README.md for why not
 * cmark-gfm).
 */
static void link_addresses(cmark_node *doc)
{
	cmark_iter *it;
	cmark_node **texts = NULL;
	size_t n = 0, cap = 0;

	/* "a_b" may be parsed as several text nodes: one address, one node. */
	cmark_consolidate_text_nodes(doc);
	it = cmark_iter_new(doc);
	while (cmark_iter_next(it) != CMARK_EVENT_DONE) {
		cmark_node *t = cmark_iter_get_node(it);

		if (cmark_node_get_type(t) != CMARK_NODE_TEXT || in_link(t))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			texts = xrealloc(texts, cap * sizeof(cmark_node *));
		}
		texts[n++] = t;
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < n; i++)
		for (cmark_node *t = texts[i]; t;)
			t = link_address(t);
	free(texts);
}

cmark_node *markdown_parse(const char *text, size_t len)
{
	/*
	 * Validating UTF-8 here means both renderers (which count code
	 * points and copy text into mail) only ever see well-formed text.
	 */
	cmark_node *doc = cmark_parse_document(
	        text, len, CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);

		if (ev == CMARK_EVENT_ENTER &&
		    cmark_node_get_type(n) == CMARK_NODE_HTML_INLINE &&
		    raw_text_tag(cmark_node_get_literal(n), 0))
			cmark_iter_reset(it, drop_raw_text(n),
			                 CMARK_EVENT_ENTER);
	}
	cmark_iter_free(it);
	link_addresses(doc);
	return doc;
}

static int is_block_with_text(cmark_node_type t)
{
	return t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING ||
	       t == CMARK_NODE_CODE_BLOCK;
}

void markdown_node_text(cmark_node *node, struct buf *out)
{
	cmark_iter *it = cmark_iter_new(node);
	size_t start = out->len;
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		const char *lit;
		size_t len;

		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (is_block_with_text(t) && out->len > start &&
		    out->data[out->len - 1] != '\n')
			buf_addch(out, '\n');
		switch (t) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			buf_adds(out, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_CODE_BLOCK:
			lit = cmark_node_get_literal(n);
			len = strlen(lit);
			/* The literal's last newline ends the block: not text.
			 */
			if (len && lit[len - 1] == '\n')
				len--;
			buf_add(out, lit, len);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_addch(out, ' ');
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

/* ---- link and image targets ---- */

static int is_scheme_char(int c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return !first &&
	       ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

/*
 * Browsers drop tabs and newlines anywhere in a URL and spaces and
 * controls at its ends before reading the scheme, so "java\tscript:" is
 * javascript:. Checking a copy cleaned the same way closes that hole.
 */
static void browser_clean(const char *s, struct buf *out)
{
	size_t n = strlen(s);

	while (n && (unsigned char)s[n - 1] <= ' ')
		n--;
	while (n && (unsigned char)*s <= ' ') {
		s++;
		n--;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			buf_addch(out, s[i]);
}

/* Length of s's scheme (without ':'), 0 when s is relative. */
static size_t scheme_len(const char *s)
{
	size_t i = 0;

	while (is_scheme_char((unsigned char)s[i], i == 0))
		i++;
	return i && s[i] == ':' ? i : 0;
}

static int scheme_allowed(const char *s, size_t n)
{
	static const char *const ok[] = {"http", "https", "mailto", "tel"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strlen(ok[i]) == n && !strncasecmp(s, ok[i], n))
			return 1;
	return 0;
}

/* How much of base a relative reference rel keeps (RFC 3986 §5.2.2). */
static size_t base_kept(const char *base, const char *rel)
{
	size_t scheme = scheme_len(base);
	const char *host, *path;

	if (rel[0] != '/' || !scheme)
		return strlen(base);
	if (rel[1] == '/')
		return scheme + 1;
	host = base + scheme + 1;
	if (strncmp(host, "//", 2) != 0)
		return scheme + 1;
	path = host + 2 + strcspn(host + 2, "/?#");
	return (size_t)(path - base);
}

static void add_url_encoded(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || strchr("\"<>\\^`{|}", c)) {
			buf_addch(out, '%');
			buf_addch(out, hex[c >> 4]);
			buf_addch(out, hex[c & 15]);
		} else {
			buf_addch(out, c);
		}
	}
}

int markdown_url(const char *dest, const struct markdown_opts *o,
                 struct buf *out)
{
	struct buf clean = BUF_INIT;
	size_t scheme;
	int ret = -1;

	browser_clean(dest, &clean);
	if (!clean.len)
		goto out;
	scheme = scheme_len(clean.data);
	if (scheme && !scheme_allowed(clean.data, scheme))
		goto out;
	if (!scheme && o && o->base_url)
		add_url_encoded(out, o->base_url,
		                base_kept(o->base_url, clean.data));
	add_url_encoded(out, clean.data, clean.len);
	ret = 0;
out:
	buf_release(&clean);
	return ret;
}
