#ifndef FRONTMATTER_H
#define FRONTMATTER_H

#include <stddef.h>

/*
 * Splits a contribution into its YAML front matter and Markdown body.
 * The front matter sits between a first line "---" and the next line
 * "---" (or "..."). Everything points into the caller's text (borrowed).
 */
struct frontmatter {
	const char *yaml;
	size_t yaml_len;
	int yaml_line; /* 1-based line of the first YAML line */
	const char *body;
	size_t body_len;
	int body_line; /* 1-based line where the body starts */
};

/*
 * Returns 0 when front matter was found, 1 when the text has none (yaml
 * empty, body is the whole text), -1 when it opens with "---" but never
 * closes (error line in *bad_line).
 */
int frontmatter_split(const char *text, size_t len, struct frontmatter *fm,
                      int *bad_line);

#endif
