#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * The one growable string. data is never NULL and always NUL-terminated;
 * allocation failure aborts, so appends cannot fail.
 */
struct buf {
	char *data;
	size_t len, cap;
};

extern char buf_empty_[];
#define BUF_INIT                   \
	{                          \
		.data = buf_empty_ \
	}

void buf_init(struct buf *b);
/* Frees what b holds and resets it to empty. */
void buf_release(struct buf *b);
/* Makes room for at least n more bytes. */
void buf_grow(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Sets len to n (n <= len) and terminates. */
void buf_setlen(struct buf *b, size_t n);
void buf_reset(struct buf *b);
/* Returns the data, caller owns it; b is left empty. */
char *buf_detach(struct buf *b);

/* HTML-escapes s (& < > " ') onto b. */
void buf_add_html(struct buf *b, const char *s, size_t n);
/*
 * Appends s[0..n) with each %XX decoded, and '+' as a space when plus is
 * set (form bodies). Returns -1 on a '%' not followed by two hex digits
 * or an escape that decodes to NUL (b then holds what came before).
 */
int buf_add_unpercent(struct buf *b, const char *s, size_t n, int plus);

/*
 * Reads a whole file into b (appending), refusing files over max bytes.
 * Returns 0, or -1 with errno set (EFBIG when over the limit).
 */
int buf_read_file(struct buf *b, const char *path, size_t max);

/* Aborting allocators for the rest of the program. */
void *xmalloc(size_t n) __attribute__((returns_nonnull));
void *xcalloc(size_t n, size_t size) __attribute__((returns_nonnull));
void *xrealloc(void *p, size_t n) __attribute__((returns_nonnull));
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
