/*
 * The plain-text renderer (the text/plain part of the newsletter). The
 * conventions are listed at markdown_text in markdown.h.
 *
 * Inline content of a paragraph or heading is gathered first, then
 * wrapped greedily in one pass, so the cost is linear in the text. Lines
 * get a prefix built from the open containers: block quotes add "> ",
 * list items add spaces as wide as their marker, and the first line of an
 * item (or quote) carries the marker instead.
 */
#include "markdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

/*
 * Inside gathered inlines: a space that is no break, keeping "[n]" with
 * the link text's last word. Control characters in the text become
 * spaces, so it cannot come from the contribution.
 */
#define NBSP '\x01'
/* A hard break inside gathered inlines. */
#define HARD_BREAK '\n'

struct frame {
	size_t prefix_len; /* length of the prefix to restore on exit */
	int number;        /* ordered list: the next item's number */
	int number_width;  /* ordered list: digits of its widest number */
};

/* Link targets by first use: url[i] is reference i + 1. */
struct refs {
	char **url;
	size_t n, cap;
	size_t *slot; /* open addressing over url: index + 1, 0 empty */
	size_t nslot; /* a power of two, at least twice n */
};

struct text {
	const struct markdown_opts *o;
	struct buf *out;
	size_t width;
	struct buf prefix; /* written before every line */
	struct buf first;  /* written instead before the next line... */
	int first_pending; /* ...while this is set */
	size_t first_base; /* the part of first a blank line before it gets */
	int need_blank;    /* a blank line goes before the next line */
	int started;       /* a line has been written */
	struct buf inl;    /* the current paragraph or heading's inlines */
	struct buf line;   /* the line being filled */
	struct frame *stack;
	size_t depth, cap;
	cmark_node *open_link; /* the link waiting for its "[n]" */
	size_t open_ref;
	struct refs refs;
	struct buf url, scratch;
};

#define DEFAULT_WIDTH 72

/* Display width: UTF-8 code points (the input was validated). */
static size_t cps(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

static int is_blank(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s > ' ')
			return 0;
	return 1;
}

/* ---- references ---- */

static size_t hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void refs_rehash(struct refs *rf, size_t nslot)
{
	free(rf->slot);
	rf->slot = xcalloc(nslot, sizeof(*rf->slot));
	rf->nslot = nslot;
	for (size_t i = 0; i < rf->n; i++) {
		size_t j = hash(rf->url[i]) & (nslot - 1);

		while (rf->slot[j])
			j = (j + 1) & (nslot - 1);
		rf->slot[j] = i + 1;
	}
}

/* The number of url's reference, adding it on first use. */
static size_t refs_number(struct refs *rf, const char *url)
{
	size_t j;

	if ((rf->n + 1) * 2 > rf->nslot)
		refs_rehash(rf, rf->nslot ? rf->nslot * 2 : 16);
	j = hash(url) & (rf->nslot - 1);
	for (; rf->slot[j]; j = (j + 1) & (rf->nslot - 1))
		if (!strcmp(rf->url[rf->slot[j] - 1], url))
			return rf->slot[j];
	if (rf->n == rf->cap) {
		rf->cap = rf->cap ? rf->cap * 2 : 8;
		rf->url = xrealloc(rf->url, rf->cap * sizeof(*rf->url));
	}
	rf->url[rf->n++] = xstrdup(url);
	rf->slot[j] = rf->n;
	return rf->n;
}

static void refs_release(struct refs *rf)
{
	for (size_t i = 0; i < rf->n; i++)
		free(rf->url[i]);
	free(rf->url);
	free(rf->slot);
}

/* mailto: targets are shown as the bare address. */
static const char *display_url(const char *url)
{
	return strncasecmp(url, "mailto:", 7) ? url : url + 7;
}

/* ---- lines ---- */

static const struct buf *line_prefix(const struct text *r)
{
	return r->first_pending ? &r->first : &r->prefix;
}

static void add_rtrimmed(struct buf *out, const char *s, size_t n)
{
	while (n && s[n - 1] == ' ')
		n--;
	buf_add(out, s, n);
}

/* Writes one line (n may be 0) with its prefix, after any blank line. */
static void put_line(struct text *r, const char *s, size_t n)
{
	const struct buf *p = line_prefix(r);

	if (r->need_blank && r->started) {
		if (r->first_pending)
			add_rtrimmed(r->out, r->first.data, r->first_base);
		else
			add_rtrimmed(r->out, r->prefix.data, r->prefix.len);
		buf_addch(r->out, '\n');
	}
	if (n) {
		buf_add(r->out, p->data, p->len);
		buf_add(r->out, s, n);
	} else {
		add_rtrimmed(r->out, p->data, p->len);
	}
	buf_addch(r->out, '\n');
	r->need_blank = 0;
	r->first_pending = 0;
	r->started = 1;
}

static size_t line_room(const struct text *r)
{
	const struct buf *p = line_prefix(r);
	size_t used = cps(p->data, p->len);

	return used < r->width ? r->width - used : 0;
}

/*
 * Wraps gathered inlines s into lines. Returns the widest line's width
 * (for heading underlines).
 */
static size_t put_wrapped(struct text *r, const char *s, size_t n)
{
	size_t i = 0, w = 0, widest = 0, lines = 0;

	buf_reset(&r->line);
	while (i < n) {
		size_t j = i, tw;

		if (s[i] == ' ') {
			i++;
			continue;
		}
		if (s[i] == HARD_BREAK) {
			/* A break before any text is left by dropped HTML. */
			if (r->line.len || lines) {
				put_line(r, r->line.data, r->line.len);
				lines++;
			}
			buf_reset(&r->line);
			w = 0;
			i++;
			continue;
		}
		while (j < n && s[j] != ' ' && s[j] != HARD_BREAK)
			j++;
		tw = cps(s + i, j - i);
		if (r->line.len && w + 1 + tw > line_room(r)) {
			put_line(r, r->line.data, r->line.len);
			lines++;
			buf_reset(&r->line);
			w = 0;
		}
		if (r->line.len) {
			buf_addch(&r->line, ' ');
			w++;
		}
		for (; i < j; i++)
			buf_addch(&r->line, s[i] == NBSP ? ' ' : s[i]);
		w += tw;
		if (w > widest)
			widest = w;
	}
	if (r->line.len)
		put_line(r, r->line.data, r->line.len);
	return widest;
}

/* ---- containers ---- */

static struct frame *push_frame(struct text *r)
{
	if (r->depth == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->stack = xrealloc(r->stack, r->cap * sizeof(*r->stack));
	}
	/* The stack is never NULL here: push_frame grows it first. */
	// NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker,clang-analyzer-core.NullDereference)
	memset(&r->stack[r->depth], 0, sizeof(r->stack[0]));
	r->stack[r->depth].prefix_len = r->prefix.len;
	return &r->stack[r->depth++];
}

/*
 * Opens a quote or list item: marker goes on its first line, cont on
 * the lines after. Past half the width the prefix stops growing, so deep
 * nesting cannot make every line wider than the text it carries.
 */
static void open_container(struct text *r, const char *marker, const char *cont)
{
	push_frame(r);
	if (!r->first_pending) {
		buf_reset(&r->first);
		buf_add(&r->first, r->prefix.data, r->prefix.len);
		r->first_base = r->prefix.len;
		r->first_pending = 1;
	}
	buf_adds(&r->first, marker);
	if (cps(r->prefix.data, r->prefix.len) + strlen(cont) <= r->width / 2)
		buf_adds(&r->prefix, cont);
}

static void close_container(struct text *r)
{
	/* An empty item or quote still shows its marker. */
	if (r->first_pending)
		put_line(r, "", 0);
	r->depth--;
	/* The stack is never NULL here: push_frame grows it first. */
	// NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker,clang-analyzer-core.NullDereference)
	buf_setlen(&r->prefix, r->stack[r->depth].prefix_len);
}

static int digits(long v)
{
	int d = 1;

	for (; v >= 10; v /= 10)
		d++;
	return d;
}

static void open_list(struct text *r, cmark_node *n)
{
	struct frame *f = push_frame(r);
	long count = 0;

	if (cmark_node_get_list_type(n) != CMARK_ORDERED_LIST)
		return;
	for (cmark_node *c = cmark_node_first_child(n); c;
	     c = cmark_node_next(c))
		count++;
	f->number = cmark_node_get_list_start(n);
	f->number_width = digits((long)f->number + (count ? count - 1 : 0));
}

static void open_item(struct text *r, cmark_node *n)
{
	cmark_node *list = cmark_node_parent(n);
	struct frame *f = &r->stack[r->depth - 1];
	char marker[32], cont[32];
	int w;

	if (cmark_node_get_list_type(list) != CMARK_ORDERED_LIST) {
		open_container(r, "* ", "  ");
		return;
	}
	/* The stack is never NULL here: push_frame grows it first. */
	// NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker,clang-analyzer-core.NullDereference)
	w = snprintf(marker, sizeof(marker), "%*d. ", f->number_width,
	             f->number);
	f->number++;
	memset(cont, ' ', (size_t)w);
	cont[w] = '\0';
	open_container(r, marker, cont);
}

static int in_tight_list(cmark_node *para)
{
	cmark_node *item = cmark_node_parent(para);
	cmark_node *list = item ? cmark_node_parent(item) : NULL;

	return item && cmark_node_get_type(item) == CMARK_NODE_ITEM && list &&
	       cmark_node_get_list_tight(list);
}

/* ---- leaf blocks ---- */

static void put_code_block(struct text *r, cmark_node *n)
{
	const char *s = cmark_node_get_literal(n);

	while (*s) {
		size_t len = strcspn(s, "\n");

		if (len) {
			buf_reset(&r->line);
			buf_adds(&r->line, "    ");
			buf_add(&r->line, s, len);
			put_line(r, r->line.data, r->line.len);
		} else {
			put_line(r, "", 0);
		}
		s += len + (s[len] == '\n');
	}
}

static void put_heading(struct text *r, cmark_node *n)
{
	size_t w = put_wrapped(r, r->inl.data, r->inl.len);
	int c = cmark_node_get_heading_level(n) == 1 ? '=' : '-';

	if (!w)
		return;
	buf_reset(&r->line);
	while (w--)
		buf_addch(&r->line, c);
	put_line(r, r->line.data, r->line.len);
}

/* ---- inlines ---- */

static void add_inline(struct text *r, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		buf_addch(&r->inl, c < ' ' || c == 0x7f ? ' ' : c);
	}
}

/*
 * Decides at a link's start how it is written. Returns 1 when its
 * children are to be skipped (the target stands in for them).
 */
static int open_link(struct text *r, cmark_node *n)
{
	const char *shown;

	if (r->open_link)
		return 0;
	buf_reset(&r->url);
	if (markdown_url(cmark_node_get_url(n), r->o, &r->url) < 0)
		return 0;
	if (r->o && r->o->link_url)
		r->o->link_url(r->o->link_ctx, &r->url);
	shown = display_url(r->url.data);
	buf_reset(&r->scratch);
	markdown_node_text(n, &r->scratch);
	if (is_blank(r->scratch.data) || !strcmp(r->scratch.data, shown)) {
		add_inline(r, shown);
		return 1;
	}
	r->open_link = n;
	r->open_ref = refs_number(&r->refs, r->url.data);
	return 0;
}

static void close_link(struct text *r, cmark_node *n)
{
	if (r->open_link != n)
		return;
	while (r->inl.len && r->inl.data[r->inl.len - 1] == ' ')
		buf_setlen(&r->inl, r->inl.len - 1);
	if (r->inl.len && r->inl.data[r->inl.len - 1] != HARD_BREAK)
		buf_addch(&r->inl, NBSP);
	buf_addf(&r->inl, "[%zu]", r->open_ref);
	r->open_link = NULL;
}

static void image(struct text *r, cmark_node *n)
{
	buf_reset(&r->scratch);
	markdown_node_text(n, &r->scratch);
	if (is_blank(r->scratch.data)) {
		buf_adds(&r->inl, "[Image]");
		return;
	}
	buf_adds(&r->inl, "[Image: ");
	add_inline(r, r->scratch.data);
	buf_addch(&r->inl, ']');
}

/* ---- the walk ---- */

/* Sets need_blank after a block, if the block wrote anything. */
static void block_done(struct text *r, size_t len_before, int blank)
{
	if (r->out->len != len_before)
		r->need_blank = blank;
}

static void enter(struct text *r, cmark_node *n, cmark_iter *it)
{
	size_t before = r->out->len;

	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_BLOCK_QUOTE:
		open_container(r, "> ", "> ");
		break;
	case CMARK_NODE_LIST:
		open_list(r, n);
		break;
	case CMARK_NODE_ITEM:
		open_item(r, n);
		break;
	case CMARK_NODE_CODE_BLOCK:
		put_code_block(r, n);
		block_done(r, before, 1);
		break;
	case CMARK_NODE_PARAGRAPH:
	case CMARK_NODE_HEADING:
		buf_reset(&r->inl);
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		put_line(r, "* * *", 5);
		r->need_blank = 1;
		break;
	case CMARK_NODE_TEXT:
	case CMARK_NODE_CODE:
		add_inline(r, cmark_node_get_literal(n));
		break;
	case CMARK_NODE_SOFTBREAK:
		buf_addch(&r->inl, ' ');
		break;
	case CMARK_NODE_LINEBREAK:
		buf_addch(&r->inl, HARD_BREAK);
		break;
	case CMARK_NODE_EMPH:
		buf_addch(&r->inl, '_');
		break;
	case CMARK_NODE_STRONG:
		buf_addch(&r->inl, '*');
		break;
	case CMARK_NODE_LINK:
		if (open_link(r, n))
			cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
		break;
	case CMARK_NODE_IMAGE:
		image(r, n);
		cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
		break;
	default:
		/* Raw HTML is dropped, as in the HTML. */
		break;
	}
}

static void leave(struct text *r, cmark_node *n)
{
	size_t before = r->out->len;

	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_BLOCK_QUOTE:
		close_container(r);
		r->need_blank = 1;
		break;
	case CMARK_NODE_LIST:
		r->depth--;
		r->need_blank = 1;
		break;
	case CMARK_NODE_ITEM:
		close_container(r);
		r->need_blank =
		        !cmark_node_get_list_tight(cmark_node_parent(n));
		break;
	case CMARK_NODE_PARAGRAPH:
		put_wrapped(r, r->inl.data, r->inl.len);
		block_done(r, before, !in_tight_list(n));
		break;
	case CMARK_NODE_HEADING:
		put_heading(r, n);
		block_done(r, before, 1);
		break;
	case CMARK_NODE_EMPH:
		buf_addch(&r->inl, '_');
		break;
	case CMARK_NODE_STRONG:
		buf_addch(&r->inl, '*');
		break;
	case CMARK_NODE_LINK:
		close_link(r, n);
		break;
	default:
		break;
	}
}

static void put_references(struct text *r)
{
	if (!r->refs.n)
		return;
	if (r->started)
		buf_addch(r->out, '\n');
	for (size_t i = 0; i < r->refs.n; i++)
		buf_addf(r->out, "[%zu] %s\n", i + 1,
		         display_url(r->refs.url[i]));
}

void markdown_text(cmark_node *doc, const struct markdown_opts *o,
                   struct buf *out)
{
	struct text r = {.o = o,
	                 .out = out,
	                 .width = o && o->width > 0 ? (size_t)o->width
	                                            : DEFAULT_WIDTH,
	                 .prefix = BUF_INIT,
	                 .first = BUF_INIT,
	                 .inl = BUF_INIT,
	                 .line = BUF_INIT,
	                 .url = BUF_INIT,
	                 .scratch = BUF_INIT};
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);

		if (ev == CMARK_EVENT_ENTER)
			enter(&r, n, it);
		else
			leave(&r, n);
	}
	cmark_iter_free(it);
	put_references(&r);
	refs_release(&r.refs);
	free(r.stack);
	buf_release(&r.prefix);
	buf_release(&r.first);
	buf_release(&r.inl);
	buf_release(&r.line);
	buf_release(&r.url);
	buf_release(&r.scratch);
}
