#ifndef MARKDOWN_H
#define MARKDOWN_H

#include <cmark.h>

#include "buf.h"

/*
 * CommonMark contributions to email-safe HTML and to plain text. Both
 * renderers walk cmark's tree (ENTER/EXIT events); neither passes raw HTML
 * from the contribution through.
 */

struct markdown_opts {
	/* Added to every heading level: with 3, "#" becomes <h4>. */
	int heading_offset;
	/*
	 * Prefix for relative image and link targets (e.g. the issue's web
	 * archive URL ending in '/'); NULL leaves them as written.
	 */
	const char *base_url;
	/* Column limit for the text renderer (72). */
	int width;
};

/*
 * Parses a Markdown body. Returns the document (caller owns,
 * cmark_node_free); never NULL for valid UTF-8 input.
 */
cmark_node *markdown_parse(const char *text, size_t len);

/*
 * Email HTML: inline styles only where needed, raw HTML blocks and inline
 * HTML dropped (their text is not shown), links with href escaped and
 * only http(s)/mailto/tel/relative schemes kept.
 */
void markdown_html(cmark_node *doc, const struct markdown_opts *o,
                   struct buf *out);

/*
 * Plain text wrapped at o->width columns: headings underlined or marked,
 * lists kept with their markers, block quotes prefixed "> ", code kept,
 * images as "[Image: alt]", links as "text [n]" with the numbered
 * references ("[n] URL") appended after the body. Every link target that
 * markdown_html writes appears here.
 */
void markdown_text(cmark_node *doc, const struct markdown_opts *o,
                   struct buf *out);

/* The text content of a node and its descendants (for lint, titles). */
void markdown_node_text(cmark_node *node, struct buf *out);

#endif
