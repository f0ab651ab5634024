#include "rfc2047.h"

#include <stdint.h>
#include <string.h>

#include "banned.h"

/* RFC 5322 §2.1.1: lines SHOULD stay within 78 characters. */
#define LINE_COLS 78
/* RFC 2047 §2: an encoded-word is at most 75 characters. */
#define WORD_MAX 75
/* "=?UTF-8?Q?" and "?=" around the encoded text. */
#define WORD_OVERHEAD 12
/* The widest character: four bytes, each "=XX" in Q. */
#define CHAR_ENC_MAX 12

static const char hex_upper[] = "0123456789ABCDEF";
static const char b64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Decodes one UTF-8 sequence from s (n > 0 bytes). An invalid sequence
 * yields U+FFFD and consumes its maximal valid prefix (at least one byte),
 * as Unicode recommends, so one broken character gives one replacement.
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing past U+10FFFF */
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	for (i = 1; i < len; i++) {
		unsigned char lo_i = i == 1 ? lo : 0x80;
		unsigned char hi_i = i == 1 ? hi : 0xBF;

		if (i >= n || s[i] < lo_i || s[i] > hi_i) {
			*cp = 0xFFFD;
			return i;
		}
		v = v << 6 | (s[i] & 0x3F);
	}
	*cp = v;
	return len;
}

static void utf8_put(struct buf *out, uint32_t cp)
{
	char s[4];
	size_t n;

	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		s[0] = (char)(0xF0 | cp >> 18);
		s[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		s[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		s[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(out, s, n);
}

/* Characters that break a line somewhere, so they stand for a space. */
static int is_break(uint32_t cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 ||
	       cp == 0x2028 || cp == 0x2029;
}

static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

void rfc2047_clean(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = out->len, i = 0;
	int space = 0;

	while (i < n) {
		uint32_t cp;

		i += utf8_next(p + i, n - i, &cp);
		if (is_break(cp)) {
			space = out->len > start;
			continue;
		}
		if (is_control(cp))
			continue;
		if (space)
			buf_addch(out, ' ');
		space = 0;
		utf8_put(out, cp);
	}
}

/* RFC 2047 §5(3): the only characters left bare in a Q word of a phrase. */
static int q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	       c == '-' || c == '/';
}

static size_t q_width(unsigned char c)
{
	return q_safe(c) || c == ' ' ? 1 : 3;
}

static size_t utf8_len(unsigned char c)
{
	if (c >= 0xF0)
		return 4;
	if (c >= 0xE0)
		return 3;
	if (c >= 0xC0)
		return 2;
	return 1;
}

static void add_q(struct buf *out, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (q_safe(s[i])) {
			buf_addch(out, s[i]);
		} else if (s[i] == ' ') {
			buf_addch(out, '_');
		} else {
			char e[3] = {'=', hex_upper[s[i] >> 4],
			             hex_upper[s[i] & 15]};
			buf_add(out, e, 3);
		}
	}
}

static void add_b(struct buf *out, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | s[i + 1] << 8 | s[i + 2];
		char e[4] = {b64_alphabet[v >> 18], b64_alphabet[v >> 12 & 63],
		             b64_alphabet[v >> 6 & 63], b64_alphabet[v & 63]};
		buf_add(out, e, 4);
	}
	if (i < n) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? s[i + 1] : 0)
		                                            << 8;
		char e[4] = {b64_alphabet[v >> 18], b64_alphabet[v >> 12 & 63],
		             i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=', '='};
		buf_add(out, e, 4);
	}
}

/*
 * Appends s (clean UTF-8) as encoded-words, each after a space or a fold,
 * starting at column col; returns the column reached. Q or B is chosen
 * once for the whole text, whichever comes out shorter.
 */
static size_t add_words(struct buf *out, size_t col, const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t qsize = 0, i = 0;
	int q;

	for (size_t k = 0; k < n; k++)
		qsize += q_width(s[k]);
	q = qsize <= (n + 2) / 3 * 4;
	while (i < n) {
		size_t room = col + 1 < LINE_COLS ? LINE_COLS - col - 1 : 0;
		size_t j = i, enc = 0;

		if (room > WORD_MAX)
			room = WORD_MAX;
		if (room < WORD_OVERHEAD + CHAR_ENC_MAX) {
			buf_add(out, "\r\n", 2);
			col = 0;
			continue;
		}
		while (j < n) {
			size_t clen = utf8_len(s[j]), e = enc;

			if (clen > n - j)
				clen = n - j;
			if (q) {
				for (size_t k = j; k < j + clen; k++)
					e += q_width(s[k]);
			} else {
				e = (j + clen - i + 2) / 3 * 4;
			}
			if (WORD_OVERHEAD + e > room)
				break;
			enc = e;
			j += clen;
		}
		buf_adds(out, q ? " =?UTF-8?Q?" : " =?UTF-8?B?");
		if (q)
			add_q(out, s + i, j - i);
		else
			add_b(out, s + i, j - i);
		buf_add(out, "?=", 2);
		col += 1 + WORD_OVERHEAD + enc;
		i = j;
	}
	return col;
}

/* Printable ASCII that no decoder would take for an encoded-word. */
static int plain_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7E)
			return 0;
		if (c == '=' && i + 1 < n && s[i + 1] == '?')
			return 0;
	}
	return 1;
}

/*
 * Appends space-separated words (s is clean: single spaces, none at the
 * ends) folding before a word that would pass column 78. Returns the
 * column reached, or -1 when a word cannot fit even on a line of its own
 * (or the first word on the first line): then the caller rolls back and
 * encodes, since encoded-words can be split anywhere.
 */
static long add_plain(struct buf *out, size_t col, const char *s, size_t n)
{
	size_t i = 0;
	int first = 1;

	while (i < n) {
		const char *sp = memchr(s + i, ' ', n - i);
		size_t j = sp ? (size_t)(sp - s) : n, len = j - i;

		if (col + 1 + len > LINE_COLS) {
			if (first || 1 + len > LINE_COLS)
				return -1;
			buf_add(out, "\r\n", 2);
			col = 0;
		}
		buf_addch(out, ' ');
		buf_add(out, s + i, len);
		col += 1 + len;
		i = j + 1;
		first = 0;
	}
	return (long)col;
}

void rfc2047_add_unstructured(struct buf *out, const char *name,
                              const char *text, size_t n)
{
	struct buf clean = BUF_INIT;
	size_t start, col = strlen(name) + 1;
	long end = -1;

	rfc2047_clean(&clean, text, n);
	buf_adds(out, name);
	buf_addch(out, ':');
	start = out->len;
	if (plain_ok(clean.data, clean.len))
		end = add_plain(out, col, clean.data, clean.len);
	if (end < 0) {
		buf_setlen(out, start);
		add_words(out, col, clean.data, clean.len);
	}
	buf_add(out, "\r\n", 2);
	buf_release(&clean);
}

/* RFC 5322 §3.2.3 atext, and the space between atoms of a phrase. */
static int is_atext_or_space(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == ' ' ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Appends " phrase" and returns the column reached. */
static size_t add_phrase(struct buf *out, size_t col, const char *s, size_t n)
{
	size_t start = out->len, atoms = 1, quoted = 2;

	if (!plain_ok(s, n))
		return add_words(out, col, s, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		atoms &= is_atext_or_space(c);
		quoted += c == '"' || c == '\\' ? 2 : 1;
	}
	if (atoms) {
		long end = add_plain(out, col, s, n);

		if (end >= 0)
			return (size_t)end;
		buf_setlen(out, start);
	} else if (col + 1 + quoted <= LINE_COLS) {
		buf_add(out, " \"", 2);
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				buf_addch(out, '\\');
			buf_addch(out, s[i]);
		}
		buf_addch(out, '"');
		return col + 1 + quoted;
	}
	return add_words(out, col, s, n);
}

void rfc2047_add_address(struct buf *out, const char *name, const char *phrase,
                         size_t n, const char *angle)
{
	struct buf clean = BUF_INIT;
	size_t col = strlen(name) + 1, alen = strlen(angle);

	rfc2047_clean(&clean, phrase ? phrase : "", phrase ? n : 0);
	buf_adds(out, name);
	buf_addch(out, ':');
	if (clean.len) {
		col = add_phrase(out, col, clean.data, clean.len);
		if (col + 3 + alen > LINE_COLS)
			buf_add(out, "\r\n", 2);
	}
	buf_add(out, " <", 2);
	buf_add(out, angle, alen);
	buf_add(out, ">\r\n", 3);
	buf_release(&clean);
}
