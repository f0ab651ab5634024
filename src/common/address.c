#include "address.h"

#include <string.h>

#include "banned.h"

#define LOCAL_MAX  64
#define LABEL_MAX  63
#define DOMAIN_MAX 255

/* RFC 5322 atext, the characters of a dot-atom besides the dots. */
static int is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Names one character for a message: 'x', a space, or \xNN. */
static void add_char_name(struct buf *b, unsigned char c)
{
	if (c == ' ')
		buf_adds(b, "a space");
	else if (c < 0x20 || c >= 0x7f)
		buf_addf(b, "byte \\x%02x", c);
	else
		buf_addf(b, "'%c'", c);
}

/*
 * The input as shown in a message: printable ASCII as is, anything else
 * as \xNN so that a hostile CSV cannot put escape sequences on a
 * terminal; long input is cut.
 */
static void add_shown(struct buf *b, const char *s, size_t n)
{
	size_t shown = n > 80 ? 80 : n;

	for (size_t i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			buf_addf(b, "\\x%02x", c);
		else
			buf_addch(b, c);
	}
	if (shown < n)
		buf_adds(b, "...");
}

static int check_dot_atom(const char *s, size_t n, struct buf *why)
{
	if (n == 0) {
		buf_adds(why, "nothing before '@'");
		return -1;
	}
	if (s[0] == '.' || s[n - 1] == '.') {
		buf_adds(why,
		         "the part before '@' cannot start or end with '.'");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80) {
			buf_adds(why, "non-ASCII characters before '@' are not "
			              "supported (they need SMTPUTF8)");
			return -1;
		}
		if (c == '.') {
			if (s[i + 1] == '.') {
				buf_adds(why, "two dots in a row before '@'");
				return -1;
			}
			continue;
		}
		if (!is_atext(c)) {
			add_char_name(why, c);
			buf_adds(why, " is not allowed before '@' unless the "
			              "part is quoted");
			return -1;
		}
	}
	return 0;
}

/*
 * A quoted-string local part (RFC 5321 Quoted-string): s[0] is '"'. Sets
 * *end to the index after the closing quote and appends the unescaped
 * content to content.
 */
static int scan_quoted(const char *s, size_t n, size_t *end,
                       struct buf *content, struct buf *why)
{
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"') {
			*end = i + 1;
			return 0;
		}
		if (c == '\\') {
			if (i + 1 >= n)
				break;
			c = (unsigned char)s[++i];
		}
		if (c >= 0x80) {
			buf_adds(why, "non-ASCII characters before '@' are not "
			              "supported (they need SMTPUTF8)");
			return -1;
		}
		buf_addch(content, c);
	}
	buf_adds(why, "the quoted part before '@' has no closing '\"'");
	return -1;
}

static int check_label(const char *s, size_t n, struct buf *why)
{
	if (n == 0) {
		buf_adds(why, "empty label in the domain (two dots in a row, "
		              "or a dot at an end)");
		return -1;
	}
	if (n > LABEL_MAX) {
		buf_addf(why, "domain label '%.*s...' is longer than %d octets",
		         20, s, LABEL_MAX);
		return -1;
	}
	if (s[0] == '-' || s[n - 1] == '-') {
		buf_addf(why, "domain label '%.*s' starts or ends with '-'",
		         (int)n, s);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80) {
			buf_adds(why, "non-ASCII domain: write it in its "
			              "punycode form (xn--...)");
			return -1;
		}
		if (!(c == '-' || (c >= '0' && c <= '9') ||
		      (lower(c) >= 'a' && lower(c) <= 'z'))) {
			add_char_name(why, c);
			buf_adds(why, " is not allowed in a domain");
			return -1;
		}
	}
	return 0;
}

static int domain_reason(const char *d, size_t n, struct buf *why)
{
	size_t start = 0, labels = 0, last = 0;

	if (n == 0) {
		buf_adds(why, "nothing after '@'");
		return -1;
	}
	if (d[0] == '[') {
		buf_adds(why, "address literals ([...]) are not accepted; use "
		              "a domain name");
		return -1;
	}
	if (n > DOMAIN_MAX) {
		buf_addf(why, "the domain is longer than %d octets",
		         DOMAIN_MAX);
		return -1;
	}
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '.')
			continue;
		if (check_label(d + start, i - start, why) < 0)
			return -1;
		labels++;
		last = start;
		start = i + 1;
	}
	if (labels < 2) {
		buf_adds(why, "the domain has no dot (a full domain such as "
		              "example.org is needed)");
		return -1;
	}
	/* An all-digit top-level label means an IP address was meant. */
	size_t digits = last;

	/* d is not NUL-terminated: count within n (found by fuzzing). */
	while (digits < n && d[digits] >= '0' && d[digits] <= '9')
		digits++;
	if (digits == n) {
		buf_adds(why, "the domain ends in a number (IP addresses are "
		              "not accepted)");
		return -1;
	}
	return 0;
}

int address_check_domain(const char *domain, size_t len, struct err *err)
{
	struct buf why = BUF_INIT;
	int ret = 0;

	if (domain_reason(domain, len, &why) < 0)
		ret = err_set(err, "%s", why.data);
	buf_release(&why);
	return ret;
}

/* Finds the '@' ending the local part; writes the local part to out. */
static int split_local(const char *s, size_t n, size_t *at, struct buf *out,
                       struct buf *why)
{
	struct buf content = BUF_INIT;
	size_t end;
	int ret = -1;

	if (s[0] != '"') {
		const char *p = memchr(s, '@', n);

		if (!p) {
			buf_adds(why, "no '@' (an address looks like "
			              "name@example.org)");
			goto out;
		}
		*at = (size_t)(p - s);
		if (memchr(p + 1, '@', n - *at - 1)) {
			buf_adds(why, "more than one '@'");
			goto out;
		}
		if (check_dot_atom(s, *at, why) < 0)
			goto out;
		buf_add(out, s, *at);
		ret = 0;
		goto out;
	}
	if (scan_quoted(s, n, &end, &content, why) < 0)
		goto out;
	if (end >= n || s[end] != '@') {
		buf_adds(why, "expected '@' after the quoted part");
		goto out;
	}
	*at = end;
	if (content.len == 0) {
		buf_adds(why, "nothing before '@'");
		goto out;
	}
	/*
	 * RFC 5321 4.1.2: a local part that needs no quotes should not
	 * have them, and "john"@x is the mailbox john@x; keep one form.
	 */
	struct buf ignored = BUF_INIT;
	if (check_dot_atom(content.data, content.len, &ignored) == 0)
		buf_add(out, content.data, content.len);
	else
		buf_add(out, s, end);
	buf_release(&ignored);
	ret = 0;
out:
	buf_release(&content);
	return ret;
}

static int check_controls(const char *s, size_t n, struct buf *why)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			buf_adds(why, "contains a control character (");
			add_char_name(why, c);
			buf_adds(why, ")");
			return -1;
		}
	}
	return 0;
}

static int check(const char *s, size_t n, struct buf *out, struct buf *why)
{
	size_t at;

	if (n == 0) {
		buf_adds(why, "empty");
		return -1;
	}
	if (check_controls(s, n, why) < 0)
		return -1;
	if (n > ADDRESS_MAX) {
		buf_addf(why, "longer than %d octets", ADDRESS_MAX);
		return -1;
	}
	if (memchr(s, '<', n) && s[n - 1] == '>') {
		buf_adds(why, "write the address alone, without a name or "
		              "angle brackets");
		return -1;
	}
	if (split_local(s, n, &at, out, why) < 0)
		return -1;
	if (out->len > LOCAL_MAX) {
		buf_addf(why, "the part before '@' is longer than %d octets",
		         LOCAL_MAX);
		return -1;
	}
	if (domain_reason(s + at + 1, n - at - 1, why) < 0)
		return -1;
	buf_add(out, s + at, n - at);
	for (size_t i = out->len - (n - at) + 1; i < out->len; i++)
		out->data[i] = (char)lower((unsigned char)out->data[i]);
	return 0;
}

int address_normalise(const char *in, size_t len, struct buf *out,
                      struct err *err)
{
	struct buf why = BUF_INIT, shown = BUF_INIT;
	int ret = 0;

	while (len && is_space((unsigned char)in[0])) {
		in++;
		len--;
	}
	while (len && is_space((unsigned char)in[len - 1]))
		len--;
	buf_reset(out);
	if (check(in, len, out, &why) < 0) {
		add_shown(&shown, in, len);
		ret = err_set(err, "invalid address '%s': %s", shown.data,
		              why.data);
		buf_reset(out);
	}
	buf_release(&why);
	buf_release(&shown);
	return ret;
}

const char *address_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : addr + strlen(addr);
}
