#ifndef PREVIEW_H
#define PREVIEW_H

#include <stddef.h>

#include "buf.h"
#include "config.h"

/*
 * The compiled HTML email made into a page to open in a browser: the
 * newsletter exactly as one subscriber sees it, every [[bulletin:...]]
 * marker filled in, the unsubscribe link inert (href="#"), the pictures
 * loaded from the issue folder by a relative path (so the page works
 * before anything is published), and a line at the top saying it is a
 * preview and for whom.
 */
struct preview_reader {
	const char *name; /* "" when not known */
	const char *email;
};

/* A sample reader, for the preview compile writes. */
#define PREVIEW_SAMPLE_NAME  "Sample Reader"
#define PREVIEW_SAMPLE_EMAIL "reader@example.org"

/*
 * Appends the page for issue id, from html (build/email.html, len
 * bytes), to out. images is the path from the page's folder to the issue
 * folder, ending in '/' ("../" for issues/ID/build/preview.html).
 */
void preview_html(const struct config *cfg, const char *id, const char *html,
                  size_t len, const struct preview_reader *r,
                  const char *images, struct buf *out);

/*
 * Appends the relative path from folder from to folder to (both
 * absolute, without "." or ".." parts), ending in '/'.
 */
void preview_relative(const char *from, const char *to, struct buf *out);

#endif
