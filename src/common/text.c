#include "text.h"

#include <string.h>

#include "banned.h"

/*
 * Windows-1252's 0x80-0x9F (0xA0-0xFF are Latin-1, the same code points);
 * 0 where the code page defines nothing.
 */
static const unsigned short cp1252_high[32] = {
        0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
        0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

size_t text_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		min = 0x80;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		min = 0x800;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		min = 0x10000;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

int text_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0, len; i < n; i += len)
		if (!(len = text_utf8_len(p + i, n - i)))
			return 0;
	return 1;
}

unsigned text_bidi_control(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	/* U+2000..U+207F are E2 80 xx and E2 81 xx. */
	for (size_t i = 0; i + 2 < n; i++) {
		unsigned cp;

		if (p[i] != 0xE2 || (p[i + 1] != 0x80 && p[i + 1] != 0x81) ||
		    (p[i + 2] & 0xC0) != 0x80)
			continue;
		cp = 0x2000 | (unsigned)(p[i + 1] & 0x3F) << 6 |
		     (p[i + 2] & 0x3F);
		if ((cp >= 0x202A && cp <= 0x202E) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			return cp;
	}
	return 0;
}

static void add_utf8(struct buf *out, unsigned cp)
{
	if (cp < 0x80) {
		buf_addch(out, (int)cp);
	} else if (cp < 0x800) {
		buf_addch(out, (int)(0xC0 | (cp >> 6)));
		buf_addch(out, (int)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		buf_addch(out, (int)(0xE0 | (cp >> 12)));
		buf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3F)));
		buf_addch(out, (int)(0x80 | (cp & 0x3F)));
	} else {
		buf_addch(out, (int)(0xF0 | (cp >> 18)));
		buf_addch(out, (int)(0x80 | ((cp >> 12) & 0x3F)));
		buf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3F)));
		buf_addch(out, (int)(0x80 | (cp & 0x3F)));
	}
}

/* Line and column (bytes, 1-based) of offset at in. */
static void where(const unsigned char *in, size_t at, int *line, int *col)
{
	size_t start = 0;

	*line = 1;
	for (size_t i = 0; i < at; i++)
		if (in[i] == '\n') {
			++*line;
			start = i + 1;
		}
	*col = (int)(at - start) + 1;
}

static int utf16(const unsigned char *in, size_t len, int big, struct buf *out,
                 int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 2; i < len; i += 2) {
		unsigned u, lo;

		if (i + 1 >= len)
			return -1;
		u = big ? (unsigned)in[i] << 8 | in[i + 1]
		        : (unsigned)in[i + 1] << 8 | in[i];
		if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
			lo = big ? (unsigned)in[i + 2] << 8 | in[i + 3]
			         : (unsigned)in[i + 3] << 8 | in[i + 2];
			if (lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			return -1;
		}
		add_utf8(out, u);
		if (u == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
	return 0;
}

/*
 * Reads in as Windows-1252 when it is a plausible whole: no valid
 * multi-byte UTF-8 character anywhere (else the file mixes two
 * encodings, and guessing would garble one of them), no undefined byte.
 * Returns 0, or -1 with *bad the offset of the first byte at fault.
 */
static int cp1252(const unsigned char *in, size_t len, size_t first_bad,
                  struct buf *out, size_t *bad)
{
	for (size_t i = 0; i < len; i++) {
		size_t n = text_utf8_len(in + i, len - i);

		if (n > 1) {
			*bad = first_bad;
			return -1;
		}
	}
	for (size_t i = 0; i < len; i++) {
		unsigned c = in[i];

		if (c >= 0x80 && c < 0xA0)
			c = cp1252_high[c - 0x80];
		if (!c && in[i]) {
			*bad = i;
			return -1;
		}
		add_utf8(out, c);
	}
	return 0;
}

int text_decode(const char *text, size_t len, struct buf *out,
                enum text_encoding *enc, int *line, int *col)
{
	const unsigned char *in = (const unsigned char *)text;
	size_t start = out->len, bad = 0;

	if (len >= 2 && (in[0] == 0xFF || in[0] == 0xFE) &&
	    in[1] == (in[0] ^ 1)) {
		*enc = in[0] == 0xFE ? TEXT_UTF16BE : TEXT_UTF16LE;
		return utf16(in, len, in[0] == 0xFE, out, line, col);
	}
	*enc = TEXT_UTF8;
	if (len >= 3 && !memcmp(in, "\xEF\xBB\xBF", 3)) {
		*enc = TEXT_UTF8_BOM;
		in += 3;
		len -= 3;
	}
	for (size_t i = 0; i < len;) {
		size_t n = text_utf8_len(in + i, len - i);

		if (!n) {
			bad = i;
			break;
		}
		i += n;
		if (i == len) {
			buf_add(out, in, len);
			return 0;
		}
	}
	if (!len)
		return 0;
	if (*enc == TEXT_UTF8 && cp1252(in, len, bad, out, &bad) == 0) {
		*enc = TEXT_WINDOWS_1252;
		return 0;
	}
	buf_setlen(out, start);
	buf_add(out, in, bad);
	where(in, bad, line, col);
	return -1;
}

size_t text_control_len(const char *s, int allow_cr)
{
	unsigned char c = (unsigned char)s[0];

	if (c == '\t' || c == '\n' || (c == '\r' && allow_cr))
		return 0;
	if (c < 0x20 || c == 0x7f)
		return 1;
	if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
	    (unsigned char)s[1] <= 0x9f)
		return 2;
	return 0;
}

size_t text_control_at(const char *s)
{
	size_t chars = 0;

	for (; *s; s++) {
		if (((unsigned char)*s & 0xc0) == 0x80)
			continue;
		chars++;
		if (text_control_len(s, 0))
			return chars;
	}
	return 0;
}

int text_find_control(const char *text, size_t len, int first_line, int *line,
                      int *col)
{
	*line = first_line;
	*col = 1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			++*line;
			*col = 1;
			continue;
		}
		/* A NUL inside the text counts: cmark would keep going. */
		if (text[i] == '\0' || text_control_len(text + i, 1))
			return 1;
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			++*col;
	}
	return 0;
}
