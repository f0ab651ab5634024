#include "frontmatter.h"

#include <string.h>

#include "banned.h"

/* Length of a line that is exactly marker (with optional trailing space). */
static int is_marker(const char *p, const char *end, const char *marker)
{
	size_t m = strlen(marker);

	if ((size_t)(end - p) < m || memcmp(p, marker, m))
		return 0;
	p += m;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p == end || *p == '\n' ||
	       (*p == '\r' && (p + 1 == end || p[1] == '\n'));
}

static const char *next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

int frontmatter_split(const char *text, size_t len, struct frontmatter *fm,
                      int *bad_line)
{
	const char *end = text + len, *p = text;
	int line = 1;

	/* A UTF-8 byte order mark is tolerated (some editors add one). */
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	memset(fm, 0, sizeof(*fm));
	if (!is_marker(p, end, "---")) {
		fm->yaml = p;
		fm->body = p;
		fm->body_len = (size_t)(end - p);
		fm->body_line = 1;
		fm->yaml_line = 1;
		return 1;
	}
	p = next_line(p, end);
	line++;
	fm->yaml = p;
	fm->yaml_line = line;
	while (p < end) {
		if (is_marker(p, end, "---") || is_marker(p, end, "...")) {
			fm->yaml_len = (size_t)(p - fm->yaml);
			p = next_line(p, end);
			line++;
			fm->body = p;
			fm->body_len = (size_t)(end - p);
			fm->body_line = line;
			return 0;
		}
		p = next_line(p, end);
		line++;
	}
	*bad_line = 1;
	return -1;
}
