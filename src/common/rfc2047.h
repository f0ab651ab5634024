#ifndef RFC2047_H
#define RFC2047_H

#include <stddef.h>

#include "buf.h"

/*
 * Header field values made from untrusted text (titles, subscriber names):
 * cleaned so nothing but printable text reaches a header, then written as
 * is when that is safe, otherwise as RFC 2047 encoded-words ("=?UTF-8?Q?"
 * or "?B?", whichever is shorter), each at most 75 characters and holding
 * whole UTF-8 characters, on lines folded at 78 columns.
 */

/*
 * Appends s (n bytes, any content) cleaned for a header: invalid UTF-8
 * becomes U+FFFD; TAB, CR, LF, VT, FF, NEL, U+2028 and U+2029 become a
 * space; every other control character (C0, DEL, C1) is dropped; runs of
 * spaces collapse to one and leading and trailing spaces go. What a reader
 * decodes from the fields below is exactly this cleaned text.
 */
void rfc2047_clean(struct buf *out, const char *s, size_t n);

/*
 * Appends the unstructured field "name: text" (Subject), text cleaned,
 * ending in CRLF. name is a field name from the program (borrowed).
 */
void rfc2047_add_unstructured(struct buf *out, const char *name,
                              const char *text, size_t n);

/*
 * Appends "name: phrase <angle>" ending in CRLF (From, To, List-Id), or
 * "name: <angle>" when the cleaned phrase is empty. The phrase is written
 * as atoms, as a quoted-string when it holds specials, or as encoded-words
 * when it is not printable ASCII or would not fit a line. angle goes
 * between the brackets verbatim: the caller has checked it (an address
 * through mime_check_address, a list id).
 */
void rfc2047_add_address(struct buf *out, const char *name, const char *phrase,
                         size_t n, const char *angle);

#endif
