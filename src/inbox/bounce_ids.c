/*
 * The Message-IDs a report carries of the message it is about. They are
 * what ties a report to a message bulletin sent when the address it came
 * to has lost its token (a relay that rewrites the return path): the
 * Message-ID bulletin made for each recipient is random, so a report that
 * quotes it was written by someone who saw that message.
 */
#include "bounce_ids.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "banned.h"

/* Longer is not a Message-ID any system here makes (RFC 5322 line). */
#define ID_MAX 250

static int id_char(unsigned char c)
{
	return c > ' ' && c < 127 && c != '<' && c != '>' && c != '(' &&
	       c != ')' && c != '"' && c != ',' && c != ';';
}

void bounce_add_returned_id(struct bounce *b, const char *v)
{
	const char *p = strchr(v, '<'), *e;
	size_t n;

	/* Bracketed as it should be; else the first word (libetpan gives
	 * the value of a parsed Message-ID field without its brackets). */
	if (p) {
		p++;
		e = strchr(p, '>');
		if (!e)
			return;
	} else {
		p = v;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		e = p;
		while (*e && id_char((unsigned char)*e))
			e++;
	}
	n = (size_t)(e - p);
	if (!n || n > ID_MAX || !memchr(p, '@', n) ||
	    b->nreturned_ids == BOUNCE_MAX_RETURNED_IDS)
		return;
	for (size_t i = 0; i < n; i++)
		if (!id_char((unsigned char)p[i]))
			return;
	for (size_t i = 0; i < b->nreturned_ids; i++)
		if (strlen(b->returned_ids[i]) == n &&
		    !memcmp(b->returned_ids[i], p, n))
			return;
	if (!b->returned_ids)
		b->returned_ids = xcalloc(BOUNCE_MAX_RETURNED_IDS,
		                          sizeof(*b->returned_ids));
	b->returned_ids[b->nreturned_ids++] = xstrndup(p, n);
}

void bounce_report_ids(struct bounce *b, const char *s, size_t n)
{
	static const char *const names[] = {
	        "Original-Message-ID:",
	        "X-Original-Message-ID:",
	};
	size_t pos = 0;

	while (pos < n) {
		const char *line = s + pos, *nl = memchr(line, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - line) : n - pos;

		for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++) {
			size_t m = strlen(names[k]);
			char *v;

			if (len <= m || strncasecmp(line, names[k], m))
				continue;
			v = xstrndup(line + m, len - m);
			bounce_add_returned_id(b, v);
			free(v);
		}
		pos += len + 1;
	}
}
