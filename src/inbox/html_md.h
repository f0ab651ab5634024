#ifndef HTML_MD_H
#define HTML_MD_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * An HTML email body made Markdown, for a piece sent as rich text: read
 * by libxml2's HTML parser (the one browsers' rules are closest to among
 * the libraries Debian ships; it repairs what mail clients write), then
 * walked into paragraphs, "##" headings, lists, links (http, https and
 * mailto only), bold and italics. Everything else is text: scripts,
 * styles and the head are dropped, pictures left to the attachments, and
 * the quoted earlier message of a reply (Gmail's and Apple Mail's
 * blockquote, Outlook's divRplyFwdMsg) left out. Text that Markdown would
 * read as markup is escaped, so what a partner typed comes back as typed.
 *
 * Why not pandoc: it is one process per message (about 80 ms each,
 * `time pandoc -f html -t commonmark` on a typical Outlook body), which
 * the inbox's 100 messages a second cannot afford, and it keeps Outlook's
 * spans and divs as raw HTML.
 */

/*
 * Appends the Markdown of html[0..n) (UTF-8) to out. Returns 0, or -1
 * when the parser cannot read it at all.
 */
int html_md_convert(struct buf *out, const char *html, size_t n,
                    struct err *err);

#endif
