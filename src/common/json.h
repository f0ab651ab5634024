#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#include "buf.h"

/* Appends s as a JSON string literal (quoted, escaped; invalid UTF-8
 * bytes become U+FFFD). NULL is written as null. */
void json_add_string(struct buf *out, const char *s);
void json_add_stringn(struct buf *out, const char *s, size_t n);

#endif
