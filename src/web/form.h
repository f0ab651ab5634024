#ifndef FORM_H
#define FORM_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * HTML form submissions: request bodies of type
 * application/x-www-form-urlencoded (WHATWG URL, "urlencoded parsing")
 * and multipart/form-data (RFC 7578 over RFC 2046), the two encodings a
 * browser or a mail client's RFC 8058 one-click POST may use.
 *
 * Everything is checked, nothing repaired: a bad percent escape, a
 * missing or unterminated boundary, a part without a name, a NUL or
 * invalid UTF-8 in a name or value, more than FORM_MAX_FIELDS fields or
 * more than FORM_MAX_FILES files makes the whole body malformed. The
 * caller limits the body's size before it gets here.
 *
 * A multipart part with a filename parameter is a file (an upload): its
 * value is bytes, any bytes, and form_get does not return it; read it
 * with form_file. A browser sends a file input left empty as a file
 * with an empty name and no bytes.
 */

#define FORM_MAX_FIELDS   32
#define FORM_MAX_FILES    1
#define FORM_MAX_BOUNDARY 70 /* RFC 2046 section 5.1.1 */

struct form_field {
	char *name;  /* NUL-terminated UTF-8 without NUL */
	char *value; /* likewise (a file: any bytes); value_len bytes, a NUL */
	size_t value_len;
	char *filename; /* a file: its name as sent ("" when not UTF-8);
	                 * NULL for other fields */
};

/* Parsed fields in body order; the caller owns the struct. */
struct form {
	struct form_field *fields;
	size_t n;
};

enum form_status {
	FORM_OK = 0,
	FORM_MALFORMED = -1,   /* the body breaks its encoding: HTTP 400 */
	FORM_UNSUPPORTED = -2, /* not a form content type: HTTP 415 */
};

void form_init(struct form *f);
void form_release(struct form *f);

/*
 * Parses body[0..len) by content_type (the Content-Type header, or NULL
 * when there was none: then only an empty body is accepted, as no
 * fields). Fields are appended to f. Returns FORM_OK, or a negative
 * enum form_status with err saying what is wrong.
 */
int form_parse(struct form *f, const char *content_type, const char *body,
               size_t len, struct err *err);

/* The two encodings, for callers that know which they have. */
int form_parse_urlencoded(struct form *f, const char *body, size_t len,
                          struct err *err);
int form_parse_multipart(struct form *f, const char *boundary, const char *body,
                         size_t len, struct err *err);

/*
 * The value of the first field called name that is not a file, or NULL
 * (borrowed from f).
 */
const char *form_get(const struct form *f, const char *name);

/* The first file called name, or NULL (borrowed from f). */
const struct form_field *form_file(const struct form *f, const char *name);

/*
 * Percent-decodes s[0..n) (no '+' for space: that is only for form
 * bodies) onto out. Returns 0, or -1 for a '%' not followed by two hex
 * digits, or an escape that decodes to NUL.
 */
int form_percent_decode(const char *s, size_t n, struct buf *out);

#endif
