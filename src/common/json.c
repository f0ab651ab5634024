#include "json.h"

#include <string.h>

#include "banned.h"

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

void json_add_stringn(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	buf_addch(out, '"');
	while (i < n) {
		unsigned char c = p[i];
		size_t len;

		switch (c) {
		case '"':
			buf_adds(out, "\\\"");
			i++;
			continue;
		case '\\':
			buf_adds(out, "\\\\");
			i++;
			continue;
		case '\n':
			buf_adds(out, "\\n");
			i++;
			continue;
		case '\r':
			buf_adds(out, "\\r");
			i++;
			continue;
		case '\t':
			buf_adds(out, "\\t");
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7F) {
			buf_addf(out, "\\u%04x", c);
			i++;
			continue;
		}
		len = utf8_len(p + i, n - i);
		if (!len) {
			buf_adds(out, "\\ufffd");
			i++;
			continue;
		}
		buf_add(out, p + i, len);
		i += len;
	}
	buf_addch(out, '"');
}

void json_add_string(struct buf *out, const char *s)
{
	if (!s)
		buf_adds(out, "null");
	else
		json_add_stringn(out, s, strlen(s));
}
