#ifndef MARKDOWN_H
#define MARKDOWN_H

#include <cmark.h>

#include "buf.h"

/*
 * CommonMark contributions to email-safe HTML and to plain text. Both
 * renderers walk cmark's tree (ENTER/EXIT events); neither passes raw HTML
 * from the contribution through. Output is deterministic.
 */

/* Widest <img width> the HTML renderer writes (the 600 px layout's body). */
#define MARKDOWN_IMAGE_MAX_WIDTH 560

struct markdown_opts {
	/* Added to every heading level: with 3, "#" becomes <h4>. */
	int heading_offset;
	/*
	 * Prefix for relative image and link targets (e.g. the issue's web
	 * archive URL ending in '/'); NULL leaves them as written.
	 */
	const char *base_url;
	/* Column limit for the text renderer (72); 0 or less means 72. */
	int width;
	/*
	 * Optional: the pixel width of the image whose destination is src
	 * (as written in the Markdown, before base_url), 0 when unknown.
	 * <img width> is that, capped at MARKDOWN_IMAGE_MAX_WIDTH; unknown
	 * widths (or a NULL hook) get MARKDOWN_IMAGE_MAX_WIDTH.
	 */
	int (*image_width)(void *ctx, const char *src);
	void *image_ctx; /* borrowed, passed to image_width */
	/*
	 * Non-zero: links, images and code blocks carry style attributes, for
	 * email clients that drop a <style> sheet. Zero, for web pages: their
	 * stylesheet styles them, and their Content-Security-Policy would
	 * refuse inline styles anyway.
	 */
	int inline_styles;
	/*
	 * Optional: called with each link's target as both renderers write
	 * it (after markdown_url; images are not links), to replace it in
	 * place: tracking.clicks points links at BASE_URL/r/ISSUE/N.
	 */
	void (*link_url)(const void *ctx, struct buf *url);
	const void *link_ctx; /* borrowed, passed to link_url */
};

/*
 * Parses a Markdown body. Invalid UTF-8 and NUL bytes become U+FFFD.
 * Bare web addresses ("https://...", "http://...", "www....", at the
 * start of a word, trailing punctuation left out) become links, as in
 * GitHub's Markdown; "www." ones point at "http://www....".
 * Inline <script>, <style>, <textarea> and <title> tags lose the text up
 * to their closing tag (a browser would not show it); the tags stay, as
 * raw HTML nodes, which both renderers drop.
 * Returns the document (caller owns, cmark_node_free); never NULL.
 */
cmark_node *markdown_parse(const char *text, size_t len);

/*
 * Email HTML: inline styles only where needed, raw HTML blocks and inline
 * HTML dropped (their text is not shown), links with href escaped and
 * only http(s)/mailto/tel/relative schemes kept. Appends to out.
 *
 * Headings are <h(level + heading_offset)>, kept within h1..h6. Links get
 * an underlined high-contrast colour; a link whose target is refused
 * (markdown_url) is written as its text alone, an image as its alt text.
 * Images: <img src alt width style="display:block;max-width:100%;...">.
 * Code blocks wrap (pre-wrap) so they reflow at 320 px.
 */
void markdown_html(cmark_node *doc, const struct markdown_opts *o,
                   struct buf *out);

/*
 * Plain text wrapped at o->width columns: headings underlined or marked,
 * lists kept with their markers, block quotes prefixed "> ", code kept,
 * images as "[Image: alt]", links as "text [n]" with the numbered
 * references ("[n] URL") appended after the body. Every link target that
 * markdown_html writes appears here. Appends to out.
 *
 * The conventions, exactly:
 * - Blocks are separated by one blank line; lines end in "\n" and carry
 *   no trailing spaces (except inside code blocks, kept as written).
 * - Wrapping is greedy on spaces, counting UTF-8 code points; runs of
 *   spaces collapse to one. Words and URLs are never broken: a word wider
 *   than the room left goes on a line of its own and overflows.
 * - Headings (any level, heading_offset ignored: the text has no outline
 *   to fit into) are their text on its own line(s), underlined with '='
 *   for "#" and '-' for "##" to "######", as long as the longest line.
 * - Bullet items start "* ", ordered items "N. " with the numbers
 *   right-aligned to the widest in the list ("9. " becomes " 9. " beside
 *   "10. "); wrapped and following lines hang under the item's text;
 *   nested lists indent by their parent's marker width. Tight lists have
 *   no blank lines between items, loose lists one.
 * - Block quotes prefix every line with "> " (">" on blank lines),
 *   wrapping inside the remaining width.
 * - Code blocks are indented 4 spaces and not wrapped; code spans are
 *   their text. Emphasis is _text_, strong emphasis *text*.
 * - A thematic break is the line "* * *".
 * - Hard breaks end the line.
 * - Links: "text [n]", with "[n]" kept on the line of the text's last
 *   word. Numbers count from 1 in order of first use; the same target
 *   gets the same number. A link whose text is its target (autolinks,
 *   mailto autolinks) or whose text is blank is written as the target
 *   alone, without a number. Refused targets (see markdown_url) are
 *   written as their text alone.
 * - After the body, a blank line and the references, one a line:
 *   "[n] TARGET", TARGET as markdown_url gives it, except that mailto:
 *   targets are shown without "mailto:".
 * - Images are "[Image: alt]" ("[Image]" with no alt).
 * - Raw HTML is dropped; control characters in text become spaces.
 * - Indentation stops growing at half the width (pathological nesting),
 *   so a line's prefix never exceeds about width/2 columns.
 */
void markdown_text(cmark_node *doc, const struct markdown_opts *o,
                   struct buf *out);

/*
 * The text content of a node and its descendants (for lint, titles),
 * appended to out: literal text, code and image alt text; soft and hard
 * breaks as spaces; raw HTML left out; "\n" between blocks.
 */
void markdown_node_text(cmark_node *node, struct buf *out);

/*
 * The target both renderers write for a link or image destination dest:
 * appends it to out and returns 0, or returns -1 (out unchanged) when
 * dest is empty or has a scheme other than http, https, mailto or tel
 * (javascript:, data:, vbscript:, file:, ...). The scheme is read the way
 * browsers read it: leading and trailing spaces and controls ignored,
 * tabs and newlines anywhere removed, case ignored. Relative destinations
 * get o->base_url (if set) in front: "/x" takes only its scheme and host,
 * "//host/x" its scheme, anything else the whole base. Spaces, controls,
 * non-ASCII bytes and "<>\^`{|} are percent-encoded, so the result is one
 * word of printable ASCII (still to be HTML-escaped for an attribute).
 */
int markdown_url(const char *dest, const struct markdown_opts *o,
                 struct buf *out);

#endif
