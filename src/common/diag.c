#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/*
 * A copy of s in which every terminal control character (C0 but tab,
 * DEL, C1 as UTF-8) shows as U+FFFD: messages quote what people wrote,
 * and printing them must not let that text act on the terminal.
 */
static char *printable(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			buf_adds(&b, "\xef\xbf\xbd");
		} else if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		           (unsigned char)s[1] <= 0x9f) {
			buf_adds(&b, "\xef\xbf\xbd");
			s++;
		} else {
			buf_addch(&b, *s);
		}
	}
	return buf_detach(&b);
}

void diags_add(struct diags *d, enum diag_level level, const char *file,
               int line, int col, const char *code, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	d->v[d->n++] = (struct diag){
	        .level = level,
	        .file = printable(file),
	        .line = line,
	        .col = col,
	        .code = xstrdup(code),
	        .msg = printable(msg.data),
	};
	buf_release(&msg);
}

void diags_release(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].code);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

size_t diags_count(const struct diags *d, enum diag_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].level == level;
	return n;
}

static int cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

void diags_sort(struct diags *d)
{
	/* Insertion sort keeps equal positions in the order found. */
	for (size_t i = 1; i < d->n; i++) {
		struct diag t = d->v[i];
		size_t j = i;

		while (j > 0 && cmp(&d->v[j - 1], &t) > 0) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = t;
	}
}

const char *diag_level_name(const struct diag *g, int strict)
{
	if (g->level == DIAG_NOTE)
		return "note";
	return g->level == DIAG_ERROR || strict ? "error" : "warning";
}

void diag_format(const struct diag *g, int strict, struct buf *out)
{
	const char *level = diag_level_name(g, strict);

	buf_adds(out, g->file);
	if (g->line > 0)
		buf_addf(out, ":%d:%d", g->line, g->col > 0 ? g->col : 1);
	buf_addf(out, ": %s: %s [%s]\n", level, g->msg, g->code);
}
