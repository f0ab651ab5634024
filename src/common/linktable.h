#ifndef LINKTABLE_H
#define LINKTABLE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * The links of an issue with tracking.clicks on: each link of each piece
 * gets a number N from 1, the same in the HTML and the text part, and
 * the message points at BASE_URL/r/ISSUE/N instead. The table says where
 * N goes, and which piece (and so which partner) it belongs to. It is
 * written to issues/ID/build/links by compile and recorded in the store
 * when the issue is sent; nothing in it is about a reader.
 *
 * build/links, one link a line: "N<TAB>PIECE<TAB>PARTNER<TAB>URL".
 */

struct linktable_entry {
	char *url;   /* http(s), as the renderers write it (printable ASCII) */
	char *piece; /* the piece's slug ("intro" for the editor's intro) */
	char *partner; /* the piece's partner ("" for the intro) */
};

struct linktable {
	struct linktable_entry *v; /* v[N - 1] */
	size_t n;
};

#define LINKTABLE_INIT  \
	{               \
		NULL, 0 \
	}

void linktable_release(struct linktable *t);

/*
 * The number of url within piece, adding it when new (the same url in
 * the same piece keeps its number). Strings copied.
 */
size_t linktable_add(struct linktable *t, const char *url, const char *piece,
                     const char *partner);

/* Appends the table as build/links holds it (tabs and line breaks in
 * names become spaces). */
void linktable_format(const struct linktable *t, struct buf *out);

/*
 * Reads build/links text (name: for messages). Every line must be the
 * next number, in order, with an http(s) URL of printable ASCII. Returns
 * 0, or -1 with err naming the line.
 */
int linktable_parse(struct linktable *t, const char *text, size_t len,
                    const char *name, struct err *err);

/* Whether url may be a table's target: http(s), printable ASCII only. */
int linktable_url_ok(const char *url);

#endif
