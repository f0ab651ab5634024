#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

#include "buf.h"

/*
 * Text as people save it: the encodings their editors use, turned into
 * UTF-8, and the invisible characters a terminal would act on.
 */

enum text_encoding {
	TEXT_UTF8,         /* valid UTF-8 (or plain ASCII) */
	TEXT_UTF8_BOM,     /* UTF-8 after a byte order mark (Notepad) */
	TEXT_UTF16LE,      /* UTF-16 little-endian, with its byte order mark */
	TEXT_UTF16BE,      /* UTF-16 big-endian, with its byte order mark */
	TEXT_WINDOWS_1252, /* not UTF-8, read as Windows-1252 (old Notepad) */
};

/*
 * Appends in to out as UTF-8, without any byte order mark. UTF-8 (with or
 * without a mark) and UTF-16 with a mark are read as what they are;
 * other text that is not valid UTF-8 is read as Windows-1252 unless it
 * also holds valid multi-byte UTF-8 characters (a mix of two encodings)
 * or a byte Windows-1252 leaves undefined. Returns 0 with *enc set, or
 * -1 with the 1-based *line and *col (in bytes) of the first character
 * that cannot be read, out then holding what came before it.
 */
int text_decode(const char *in, size_t len, struct buf *out,
                enum text_encoding *enc, int *line, int *col);

/*
 * Length of the valid UTF-8 character at s (n bytes available): 1 to 4,
 * or 0 when it is not one (overlong forms and surrogates refused).
 */
size_t text_utf8_len(const unsigned char *s, size_t n);

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int text_utf8_valid(const char *s, size_t n);

/*
 * The first character in UTF-8 s[0..n) that overrides the direction of
 * text around it (U+202A..U+202E embeddings and overrides, U+2066..U+2069
 * isolates), which can make a name read as something else; 0 if none.
 */
unsigned text_bidi_control(const char *s, size_t n);

/*
 * Length of the terminal control character at s (C0 but tab and newline,
 * and carriage return when allow_cr; DEL; C1, U+0080-U+009F, as UTF-8),
 * 0 when s is not one. s is NUL-terminated or has a byte after s[0].
 */
size_t text_control_len(const char *s, int allow_cr);

/* 1-based character position of the first control character, or 0. */
size_t text_control_at(const char *s);

/*
 * Finds the first control character (tab, newline and carriage return
 * are allowed; a NUL counts) in len bytes of text starting on
 * first_line: returns 1 with its line and column, or 0.
 */
int text_find_control(const char *text, size_t len, int first_line, int *line,
                      int *col);

#endif
