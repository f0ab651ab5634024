#include "linktable.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

void linktable_release(struct linktable *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].url);
		free(t->v[i].piece);
		free(t->v[i].partner);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

size_t linktable_add(struct linktable *t, const char *url, const char *piece,
                     const char *partner)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].url, url) && !strcmp(t->v[i].piece, piece))
			return i + 1;
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n].url = xstrdup(url);
	t->v[t->n].piece = xstrdup(piece);
	t->v[t->n].partner = xstrdup(partner);
	return ++t->n;
}

static void add_field(struct buf *out, const char *s)
{
	for (; *s; s++)
		buf_addch(out,
		          *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

void linktable_format(const struct linktable *t, struct buf *out)
{
	for (size_t i = 0; i < t->n; i++) {
		buf_addf(out, "%zu\t", i + 1);
		add_field(out, t->v[i].piece);
		buf_addch(out, '\t');
		add_field(out, t->v[i].partner);
		buf_addch(out, '\t');
		add_field(out, t->v[i].url);
		buf_addch(out, '\n');
	}
}

int linktable_url_ok(const char *url)
{
	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return 0;
	return 1;
}

/* One line "N\tPIECE\tPARTNER\tURL" (NUL-terminated, no newline). */
static int parse_line(struct linktable *t, char *line, const char *name,
                      size_t lineno, struct err *err)
{
	char *f[4], *end;
	unsigned long n;

	f[0] = line;
	for (int i = 1; i < 4; i++) {
		f[i] = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
		if (f[i])
			*f[i]++ = '\0';
	}
	if (!f[3])
		return err_set(err,
		               "%s:%zu: not a link line (number, piece, "
		               "partner, address)",
		               name, lineno);
	n = strtoul(f[0], &end, 10);
	if (*end || n != t->n + 1)
		return err_set(err, "%s:%zu: link number '%s' out of order",
		               name, lineno, f[0]);
	if (!linktable_url_ok(f[3]))
		return err_set(err, "%s:%zu: '%s' is not a web address", name,
		               lineno, f[3]);
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n].piece = xstrdup(f[1]);
	t->v[t->n].partner = xstrdup(f[2]);
	t->v[t->n].url = xstrdup(f[3]);
	t->n++;
	return 0;
}

int linktable_parse(struct linktable *t, const char *text, size_t len,
                    const char *name, struct err *err)
{
	struct buf line = BUF_INIT;
	size_t lineno = 0;
	int ret = 0;

	t->v = NULL;
	t->n = 0;
	for (size_t i = 0; i < len && ret == 0;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;

		buf_reset(&line);
		buf_add(&line, text + i, end - i);
		lineno++;
		if (memchr(line.data, '\0', line.len))
			ret = err_set(err, "%s:%zu: a NUL byte", name, lineno);
		else
			ret = parse_line(t, line.data, name, lineno, err);
		i = end + 1;
	}
	buf_release(&line);
	if (ret < 0)
		linktable_release(t);
	return ret;
}
