#ifndef CSVFILE_H
#define CSVFILE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "store.h"

/*
 * Subscriber CSV files (RFC 4180, read with libcsv): a header naming the
 * columns, found case-insensitively ("email"; "name"; "organisation" or
 * "organization"; "topics"; others ignored), then one subscriber per record.
 * Fields may be quoted and hold commas, quotes and newlines; lines end in CRLF
 * or LF; a UTF-8 byte order mark is skipped.
 *
 * A record that cannot be used (wrong number of fields, invalid UTF-8, a
 * field over CSVFILE_FIELD_MAX bytes, a control character in a name,
 * malformed quoting) is passed on with the reason, and reading goes on at
 * the next line. Memory stays bounded whatever the input.
 */

#define CSVFILE_FIELD_MAX  1000
#define CSVFILE_RECORD_MAX 65536

struct csvfile_row {
	long line;         /* where the record starts, 1-based */
	const char *error; /* why the record is unusable, or NULL */
	/* The fields (borrowed for the call; "" when there is no column). */
	const char *email;
	const char *name;
	const char *organisation;
	const char *topics; /* topic keys, "news, events" */
};

/*
 * Reads the file at path and calls fn for each record after the header;
 * name is the file as shown in messages. A non-zero return from fn stops
 * the reading and is returned. Otherwise returns 0, or -1 with err set
 * ("name:line: ...") when the file cannot be read or its header has no
 * email column.
 */
int csvfile_read(const char *path, const char *name,
                 int (*fn)(const struct csvfile_row *row, void *ctx), void *ctx,
                 struct err *err);

/* As csvfile_read, on text in memory. */
int csvfile_parse(const char *text, size_t len, const char *name,
                  int (*fn)(const struct csvfile_row *row, void *ctx),
                  void *ctx, struct err *err);

/*
 * Appends s as one CSV field: as is when it can be, otherwise in quotes
 * with quotes doubled.
 */
void csvfile_add_field(struct buf *b, const char *s);

/*
 * The subscriber list as `bulletin subscribers export` and the desk write
 * it: the header line, and one subscriber's row (CRLF-terminated; times
 * in UTC, ISO 8601; empty for never).
 */
void csvfile_subscriber_header(struct buf *b);
struct store_topics;
/* topics names the keys of s's topics in the last column (NULL: left
 * empty); scratch is working space. */
void csvfile_subscriber_row(struct buf *b, const struct store_subscriber *s,
                            const struct store_topics *topics,
                            struct buf *scratch);

#endif
