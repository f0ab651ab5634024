/*
 * The email HTML renderer: walks the tree once, writing tags itself so
 * nothing from the contribution reaches the output unescaped. Inline
 * styles are kept to what mail clients need, since many strip <style>.
 */
#include "markdown.h"

#include <string.h>
#include <strings.h>

#include "banned.h"

/* #0645ad on white is 8.5:1; underlined so colour is not the only cue. */
#define LINK_STYLE "color:#0645ad;text-decoration:underline"
/* Fluid below the image's width; block avoids the gap under inline images. */
#define IMAGE_STYLE "display:block;max-width:100%;height:auto;border:0"
/* Long code lines wrap instead of widening the layout at 320 px. */
#define PRE_STYLE "white-space:pre-wrap;overflow-wrap:break-word"

struct html {
	const struct markdown_opts *o;
	struct buf *out;
	size_t start;          /* where this render began in out */
	cmark_node *open_link; /* the link whose <a> is open, if any */
	struct buf url, alt;   /* scratch */
};

static const struct markdown_opts default_opts = {.width = 72};

/* Starts a block tag on its own line, as cmark's own renderer does. */
static void cr(struct html *h)
{
	if (h->out->len > h->start && h->out->data[h->out->len - 1] != '\n')
		buf_addch(h->out, '\n');
}

static void add_esc(struct html *h, const char *s)
{
	buf_add_html(h->out, s, strlen(s));
}

/* Paragraphs in tight list items get no <p>: no margins between items. */
static int in_tight_list(cmark_node *para)
{
	cmark_node *item = cmark_node_parent(para);
	cmark_node *list = item ? cmark_node_parent(item) : NULL;

	return item && cmark_node_get_type(item) == CMARK_NODE_ITEM && list &&
	       cmark_node_get_list_tight(list);
}

/* Ends a start tag, with style="css" when the options ask for it. */
static void add_style(struct html *h, const char *css)
{
	if (h->o->inline_styles) {
		buf_adds(h->out, " style=\"");
		buf_adds(h->out, css);
		buf_addch(h->out, '"');
	}
	buf_addch(h->out, '>');
}

static int heading_level(struct html *h, cmark_node *n)
{
	int level = cmark_node_get_heading_level(n) + h->o->heading_offset;

	return level < 1 ? 1 : level > 6 ? 6 : level;
}

static void add_title(struct html *h, cmark_node *n)
{
	const char *title = cmark_node_get_title(n);

	if (!title || !*title)
		return;
	buf_adds(h->out, " title=\"");
	add_esc(h, title);
	buf_addch(h->out, '"');
}

/* Whether a link would show nothing: no image and only blank text. */
static int link_is_empty(cmark_node *n)
{
	cmark_iter *it = cmark_iter_new(n);
	int empty = 1;

	while (empty && cmark_iter_next(it) != CMARK_EVENT_DONE) {
		cmark_node *c = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(c);
		const char *s;

		if (t == CMARK_NODE_IMAGE)
			empty = 0;
		if (t != CMARK_NODE_TEXT && t != CMARK_NODE_CODE)
			continue;
		for (s = cmark_node_get_literal(c); *s; s++)
			if ((unsigned char)*s > ' ')
				empty = 0;
	}
	cmark_iter_free(it);
	return empty;
}

/*
 * Writes <a> unless the target is refused. Returns 1 when the link's
 * children are to be skipped: a link with no visible text gets its
 * target as text (as in the plain text), so it can be seen and followed.
 */
static int open_link(struct html *h, cmark_node *n)
{
	/* The parser never nests links; an <a> inside an <a> is invalid. */
	const char *shown;

	if (h->open_link)
		return 0;
	buf_reset(&h->url);
	if (markdown_url(cmark_node_get_url(n), h->o, &h->url) < 0)
		return 0;
	if (h->o->link_url)
		h->o->link_url(h->o->link_ctx, &h->url);
	buf_adds(h->out, "<a href=\"");
	buf_add_html(h->out, h->url.data, h->url.len);
	buf_addch(h->out, '"');
	add_title(h, n);
	add_style(h, LINK_STYLE);
	if (!link_is_empty(n)) {
		h->open_link = n;
		return 0;
	}
	shown = h->url.data;
	if (!strncasecmp(shown, "mailto:", 7))
		shown += 7;
	add_esc(h, shown);
	buf_adds(h->out, "</a>");
	return 1;
}

static int image_width(struct html *h, const char *src)
{
	int w = h->o->image_width ? h->o->image_width(h->o->image_ctx, src) : 0;

	return w <= 0 || w > MARKDOWN_IMAGE_MAX_WIDTH ? MARKDOWN_IMAGE_MAX_WIDTH
	                                              : w;
}

static void image(struct html *h, cmark_node *n)
{
	const char *src = cmark_node_get_url(n);

	buf_reset(&h->alt);
	markdown_node_text(n, &h->alt);
	buf_reset(&h->url);
	if (markdown_url(src, h->o, &h->url) < 0) {
		buf_add_html(h->out, h->alt.data, h->alt.len);
		return;
	}
	buf_adds(h->out, "<img src=\"");
	buf_add_html(h->out, h->url.data, h->url.len);
	buf_adds(h->out, "\" alt=\"");
	buf_add_html(h->out, h->alt.data, h->alt.len);
	buf_addch(h->out, '"');
	add_title(h, n);
	buf_addf(h->out, " width=\"%d\"", image_width(h, src));
	add_style(h, IMAGE_STYLE);
}

static void list_open(struct html *h, cmark_node *n)
{
	int start = cmark_node_get_list_start(n);

	cr(h);
	if (cmark_node_get_list_type(n) != CMARK_ORDERED_LIST)
		buf_adds(h->out, "<ul>\n");
	else if (start != 1)
		buf_addf(h->out, "<ol start=\"%d\">\n", start);
	else
		buf_adds(h->out, "<ol>\n");
}

static void enter(struct html *h, cmark_node *n, cmark_iter *it)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_BLOCK_QUOTE:
		cr(h);
		buf_adds(h->out, "<blockquote>\n");
		break;
	case CMARK_NODE_LIST:
		list_open(h, n);
		break;
	case CMARK_NODE_ITEM:
		cr(h);
		buf_adds(h->out, "<li>");
		break;
	case CMARK_NODE_CODE_BLOCK:
		cr(h);
		buf_adds(h->out, "<pre");
		add_style(h, PRE_STYLE);
		buf_adds(h->out, "<code>");
		add_esc(h, cmark_node_get_literal(n));
		buf_adds(h->out, "</code></pre>\n");
		break;
	case CMARK_NODE_PARAGRAPH:
		if (!in_tight_list(n)) {
			cr(h);
			buf_adds(h->out, "<p>");
		}
		break;
	case CMARK_NODE_HEADING:
		cr(h);
		buf_addf(h->out, "<h%d>", heading_level(h, n));
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		cr(h);
		buf_adds(h->out, "<hr>\n");
		break;
	case CMARK_NODE_TEXT:
		add_esc(h, cmark_node_get_literal(n));
		break;
	case CMARK_NODE_SOFTBREAK:
		buf_addch(h->out, '\n');
		break;
	case CMARK_NODE_LINEBREAK:
		buf_adds(h->out, "<br>\n");
		break;
	case CMARK_NODE_CODE:
		buf_adds(h->out, "<code>");
		add_esc(h, cmark_node_get_literal(n));
		buf_adds(h->out, "</code>");
		break;
	case CMARK_NODE_EMPH:
		buf_adds(h->out, "<em>");
		break;
	case CMARK_NODE_STRONG:
		buf_adds(h->out, "<strong>");
		break;
	case CMARK_NODE_LINK:
		if (open_link(h, n))
			cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
		break;
	case CMARK_NODE_IMAGE:
		image(h, n);
		/* The children were the alt text, already written. */
		cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
		break;
	default:
		/* Raw HTML (block and inline) is dropped, text and all. */
		break;
	}
}

static void leave(struct html *h, cmark_node *n)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_BLOCK_QUOTE:
		cr(h);
		buf_adds(h->out, "</blockquote>\n");
		break;
	case CMARK_NODE_LIST:
		cr(h);
		buf_adds(h->out,
		         cmark_node_get_list_type(n) == CMARK_ORDERED_LIST
		                 ? "</ol>\n"
		                 : "</ul>\n");
		break;
	case CMARK_NODE_ITEM:
		buf_adds(h->out, "</li>\n");
		break;
	case CMARK_NODE_PARAGRAPH:
		if (!in_tight_list(n))
			buf_adds(h->out, "</p>\n");
		break;
	case CMARK_NODE_HEADING:
		buf_addf(h->out, "</h%d>\n", heading_level(h, n));
		break;
	case CMARK_NODE_EMPH:
		buf_adds(h->out, "</em>");
		break;
	case CMARK_NODE_STRONG:
		buf_adds(h->out, "</strong>");
		break;
	case CMARK_NODE_LINK:
		if (h->open_link == n) {
			buf_adds(h->out, "</a>");
			h->open_link = NULL;
		}
		break;
	default:
		break;
	}
}

void markdown_html(cmark_node *doc, const struct markdown_opts *o,
                   struct buf *out)
{
	struct html h = {.o = o ? o : &default_opts,
	                 .out = out,
	                 .start = out->len,
	                 .url = BUF_INIT,
	                 .alt = BUF_INIT};
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);

		if (ev == CMARK_EVENT_ENTER)
			enter(&h, n, it);
		else
			leave(&h, n);
	}
	cmark_iter_free(it);
	buf_release(&h.url);
	buf_release(&h.alt);
}
