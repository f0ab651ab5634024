#include "html_md.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "banned.h"

/* Deeper nesting than this is flattened to its text. */
#define DEPTH_MAX 64

struct md {
	struct buf *out;
	int list_depth;
	int in_pre;
	int in_item; /* inside a list item: paragraphs are lines */
	int stopped; /* the quoted earlier message began: nothing more */
};

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

static int at_line_start(const struct md *r)
{
	return !r->out->len || r->out->data[r->out->len - 1] == '\n';
}

static void newline(struct md *r)
{
	if (!at_line_start(r))
		buf_addch(r->out, '\n');
}

/* A paragraph break: the output ends with an empty line. */
static void blank_line(struct md *r)
{
	struct buf *o = r->out;

	if (r->in_item) {
		newline(r);
		return;
	}
	/* Trailing spaces before a break mean nothing. */
	while (o->len && o->data[o->len - 1] == ' ')
		buf_setlen(o, o->len - 1);
	if (!o->len)
		return;
	newline(r);
	if (o->len < 2 || o->data[o->len - 2] != '\n')
		buf_addch(o, '\n');
}

static int named(const xmlNode *n, const char *name)
{
	return n->name && !strcasecmp((const char *)n->name, name);
}

static int attr_has(const xmlNode *n, const char *attr, const char *word)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
	int r = v && strcasestr((const char *)v, word) != NULL;

	xmlFree(v);
	return r;
}

/* Text as Markdown reads it back: markup characters escaped, spaces
 * collapsed (outside <pre>), no-break spaces made spaces. */
static void text(struct md *r, const char *s)
{
	struct buf *o = r->out;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (r->in_pre) {
			buf_addch(o, c);
			continue;
		}
		if (c == 0xc2 && (unsigned char)s[1] == 0xa0) {
			s++;
			c = ' ';
		}
		if (is_space(c)) {
			if (!at_line_start(r) && o->data[o->len - 1] != ' ')
				buf_addch(o, ' ');
			continue;
		}
		if (strchr("\\*_`[]<", c) ||
		    (at_line_start(r) && strchr("#>-+=|", c)))
			buf_addch(o, '\\');
		/* "1. " at a line start would be a list. */
		if (at_line_start(r) && isdigit(c)) {
			const char *e = s;

			while (isdigit((unsigned char)*e))
				e++;
			if ((*e == '.' || *e == ')') && e - s < 10) {
				buf_add(o, s, (size_t)(e - s));
				buf_addch(o, '\\');
				s = e;
				c = (unsigned char)*s;
			}
		}
		buf_addch(o, c);
	}
}

static void children(struct md *r, const xmlNode *n, int depth);

/* Renders n's children into their own buffer, then wraps them in mark
 * ("**", "*", "`") with the spaces at their ends kept outside. */
static void wrapped(struct md *r, const xmlNode *n, int depth, const char *mark)
{
	struct buf inner = BUF_INIT, *saved = r->out;
	size_t a = 0, b;

	r->out = &inner;
	children(r, n, depth);
	r->out = saved;
	b = inner.len;
	while (a < b && is_space((unsigned char)inner.data[a]))
		a++;
	while (b > a && is_space((unsigned char)inner.data[b - 1]))
		b--;
	if (a > 0 && !at_line_start(r))
		buf_addch(r->out, ' ');
	if (b > a) {
		buf_adds(r->out, mark);
		buf_add(r->out, inner.data + a, b - a);
		buf_adds(r->out, mark);
	}
	if (b < inner.len)
		buf_addch(r->out, ' ');
	buf_release(&inner);
}

static int safe_href(const char *h)
{
	return !strncasecmp(h, "https://", 8) ||
	       !strncasecmp(h, "http://", 7) || !strncasecmp(h, "mailto:", 7);
}

static void link(struct md *r, const xmlNode *n, int depth)
{
	xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
	struct buf inner = BUF_INIT, *saved = r->out;
	const char *h = href ? (const char *)href : "";

	r->out = &inner;
	children(r, n, depth);
	r->out = saved;
	while (inner.len && is_space((unsigned char)inner.data[inner.len - 1]))
		buf_setlen(&inner, inner.len - 1);
	if (!safe_href(h) || strpbrk(h, " <>()\n\r")) {
		buf_add(r->out, inner.data, inner.len);
	} else if (!inner.len || !strcmp(inner.data, h) ||
	           (!strncasecmp(h, "mailto:", 7) &&
	            !strcmp(inner.data, h + 7))) {
		buf_addf(r->out, "<%s>", h);
	} else {
		buf_addf(r->out, "[%s](%s)", inner.data, h);
	}
	xmlFree(href);
	buf_release(&inner);
}

static void item(struct md *r, const xmlNode *n, int depth, int number)
{
	int saved = r->in_item;

	newline(r);
	for (int i = 1; i < r->list_depth; i++)
		buf_adds(r->out, "  ");
	if (number)
		buf_addf(r->out, "%d. ", number);
	else
		buf_adds(r->out, "- ");
	r->in_item = 1;
	children(r, n, depth);
	r->in_item = saved;
	newline(r);
}

static void list(struct md *r, const xmlNode *n, int depth, int ordered)
{
	int k = 0;

	if (r->list_depth)
		newline(r);
	else
		blank_line(r);
	r->list_depth++;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && named(c, "li"))
			item(r, c, depth + 1, ordered ? ++k : 0);
		else if (c->type == XML_ELEMENT_NODE)
			children(r, c, depth + 1);
	}
	r->list_depth--;
	if (!r->list_depth)
		blank_line(r);
}

static void heading(struct md *r, const xmlNode *n, int depth)
{
	int level = n->name[1] - '0';

	blank_line(r);
	/* A piece's own title is its "#": headings inside start at "##". */
	buf_adds(r->out, level <= 2 ? "## " : level == 3 ? "### " : "#### ");
	children(r, n, depth);
	blank_line(r);
}

static void pre(struct md *r, const xmlNode *n, int depth)
{
	blank_line(r);
	buf_adds(r->out, "```\n");
	r->in_pre++;
	children(r, n, depth);
	r->in_pre--;
	newline(r);
	buf_adds(r->out, "```");
	blank_line(r);
}

/* What a reply quotes, which is not the partner's piece. */
static int quoted_message(struct md *r, const xmlNode *n)
{
	/* Outlook puts the earlier message after these, not in them. */
	if (named(n, "div") && (attr_has(n, "id", "divRplyFwdMsg") ||
	                        attr_has(n, "id", "appendonsend") ||
	                        attr_has(n, "class", "moz-cite-prefix")))
		r->stopped = 1;
	return r->stopped || (named(n, "blockquote") &&
	                      (attr_has(n, "type", "cite") ||
	                       attr_has(n, "class", "gmail_quote")));
}

static int skipped(const xmlNode *n)
{
	static const char *const names[] = {
	        "head",  "style",  "script", "title",    "meta",
	        "link",  "img",    "object", "iframe",   "noscript",
	        "svg",   "button", "select", "textarea", "template",
	        "input", "embed",  "video",  "audio",    "map",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (named(n, names[i]))
			return 1;
	return 0;
}

/* Elements that are a line of their own (a paragraph, for "p"). */
static int element_block(struct md *r, const xmlNode *n, int depth)
{
	if (named(n, "p") || named(n, "blockquote") || named(n, "table") ||
	    named(n, "address")) {
		blank_line(r);
		children(r, n, depth);
		blank_line(r);
	} else if (named(n, "div") || named(n, "tr") || named(n, "dt") ||
	           named(n, "dd") || named(n, "center") ||
	           named(n, "section") || named(n, "article")) {
		newline(r);
		children(r, n, depth);
		newline(r);
	} else if (named(n, "br")) {
		/* Two line ends make an empty line: a new paragraph. */
		if (r->in_item)
			buf_adds(r->out, r->in_pre ? "\n" : " ");
		else
			buf_addch(r->out, '\n');
	} else if (named(n, "hr")) {
		blank_line(r);
		buf_adds(r->out, "________________________________");
		blank_line(r);
	} else {
		return 0;
	}
	return 1;
}

/* Emphasis, code and links (inside <pre>, only their text). */
static void inline_element(struct md *r, const xmlNode *n, int depth)
{
	const char *mark = NULL;

	if (named(n, "strong") || named(n, "b"))
		mark = "**";
	else if (named(n, "em") || named(n, "i"))
		mark = "*";
	else if (named(n, "code"))
		mark = "`";
	if (mark && !r->in_pre) {
		wrapped(r, n, depth, mark);
	} else if (named(n, "a") && !r->in_pre) {
		link(r, n, depth);
	} else {
		children(r, n, depth);
		/* Table cells side by side. */
		if (named(n, "td") || named(n, "th"))
			text(r, " ");
	}
}

static void element(struct md *r, const xmlNode *n, int depth)
{
	const char *nm = (const char *)n->name;

	if (skipped(n) || quoted_message(r, n))
		return;
	if (depth > DEPTH_MAX) {
		children(r, n, depth);
		return;
	}
	if (element_block(r, n, depth + 1))
		return;
	if (nm[0] && tolower((unsigned char)nm[0]) == 'h' && nm[1] >= '1' &&
	    nm[1] <= '6' && !nm[2])
		heading(r, n, depth + 1);
	else if (named(n, "ul") || named(n, "ol"))
		list(r, n, depth + 1, named(n, "ol"));
	else if (named(n, "li"))
		item(r, n, depth + 1, 0);
	else if (named(n, "pre"))
		pre(r, n, depth + 1);
	else
		inline_element(r, n, depth + 1);
}

static void children(struct md *r, const xmlNode *n, int depth)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (r->stopped)
			return;
		if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE)
			text(r, (const char *)c->content);
		else if (c->type == XML_ELEMENT_NODE)
			element(r, c, depth);
	}
}

int html_md_convert(struct buf *out, const char *html, size_t n,
                    struct err *err)
{
	struct buf md = BUF_INIT;
	struct md r = {&md, 0, 0, 0, 0};
	htmlDocPtr doc;
	xmlNode *root;
	size_t a = 0;

	if (n > (size_t)1 << 30)
		return err_set(err, "the HTML is too large");
	doc = htmlReadMemory(html, (int)n, NULL, "UTF-8",
	                     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
	                             HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	                             HTML_PARSE_NOIMPLIED);
	if (!doc)
		return err_set(err, "the HTML could not be read");
	root = xmlDocGetRootElement(doc);
	for (xmlNode *c = root; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			element(&r, c, 0);
		else if (c->type == XML_TEXT_NODE)
			text(&r, (const char *)c->content);
	}
	xmlFreeDoc(doc);
	while (a < md.len && is_space((unsigned char)md.data[a]))
		a++;
	while (md.len > a && is_space((unsigned char)md.data[md.len - 1]))
		buf_setlen(&md, md.len - 1);
	buf_add(out, md.data + a, md.len - a);
	if (md.len > a)
		buf_addch(out, '\n');
	buf_release(&md);
	return 0;
}
