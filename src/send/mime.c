#include "mime.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "rfc2047.h"

#include "banned.h"

/* RFC 2045 §6.7: encoded lines of at most 76 characters, the soft-break
 * "=" included; 75 before the "=" keeps the arithmetic in one place. */
#define QP_COLS 75

static const char hex_upper[] = "0123456789ABCDEF";
static const char b64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/* RFC 4648 base32, lower case: atext, and safe in a boundary. */
static const char b32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* The most mime_qp_encode can write for n bytes of input. */
static size_t qp_bound(size_t n)
{
	return 3 * n + (3 * n / 70 + 2) * 3 + 8;
}

static char *put_hex(char *o, unsigned char c)
{
	o[0] = '=';
	o[1] = hex_upper[c >> 4];
	o[2] = hex_upper[c & 15];
	return o + 3;
}

static char *put_soft_break(char *o)
{
	o[0] = '=';
	o[1] = '\r';
	o[2] = '\n';
	return o + 3;
}

/* 1 for bytes written as they are anywhere in a line (printable ASCII
 * but '='), 2 for space and tab, written as they are but at a line end. */
#define QP_PLAIN(c)                                \
	((c) > ' ' && (c) < 0x7F && (c) != '=' ? 1 \
	 : (c) == ' ' || (c) == '\t'           ? 2 \
	                                       : 0)
#define QP_PLAIN4(c) \
	QP_PLAIN(c), QP_PLAIN((c) + 1), QP_PLAIN((c) + 2), QP_PLAIN((c) + 3)
#define QP_PLAIN16(c)                                         \
	QP_PLAIN4(c), QP_PLAIN4((c) + 4), QP_PLAIN4((c) + 8), \
	        QP_PLAIN4((c) + 12)
#define QP_PLAIN64(c)                                              \
	QP_PLAIN16(c), QP_PLAIN16((c) + 16), QP_PLAIN16((c) + 32), \
	        QP_PLAIN16((c) + 48)
static const unsigned char qp_plain[256] = {QP_PLAIN64(0), QP_PLAIN64(64),
                                            QP_PLAIN64(128), QP_PLAIN64(192)};

/*
 * Copies the run of bytes at p that stay as they are, stopping at lim
 * (the room left on the line): every byte of every message goes through
 * this loop, so it does one table look-up per byte and nothing else, and
 * writes through a local copy of *out (a char store may alias *out, which
 * would otherwise be reloaded per byte). Inlined, it costs what the loop
 * cost in place: 679.2M instructions in mime_qp_encode against 680.5M
 * before (valgrind --tool=cachegrind build-bench/bench_mime 1000).
 * Returns where the run stopped.
 */
static const unsigned char *copy_plain(const unsigned char *p,
                                       const unsigned char *lim,
                                       const unsigned char *end, char **out)
{
	char *o = *out;

	while (p < lim) {
		unsigned char k = qp_plain[*p];

		if (k == 2 && p + 1 < end && p[1] != '\r' && p[1] != '\n')
			k = 1;
		if (k != 1)
			break;
		*o++ = (char)*p++;
	}
	*out = o;
	return p;
}

/* Whether the byte at p, which copy_plain stopped at, is written =XX. */
static int qp_must_encode(const unsigned char *p, const unsigned char *end,
                          size_t col, int flags)
{
	unsigned char c = *p;

	if (c == ' ' || c == '\t') {
		/* Whitespace at a line end would be stripped in transit, so
		 * it is encoded there; before the soft break a piece ends
		 * with, it is not at an end. */
		if (p + 1 == end)
			return !(flags & MIME_QP_PIECE);
		return p[1] == '\r' || p[1] == '\n';
	}
	if (c == 'F' && col == 0)
		/* mbox readers turn "From " into ">From ". */
		return end - p >= 5 && memcmp(p, "From ", 5) == 0;
	return qp_plain[c] != 1;
}

/*
 * One pass, writing straight into reserved space: runs of plain bytes go
 * through copy_plain; only the bytes it stops at take the slow path.
 */
void mime_qp_encode(struct buf *out, const char *s, size_t n, int flags)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t col = 0;
	char *o;

	buf_grow(out, qp_bound(n));
	o = out->data + out->len;
	while (p < end) {
		const unsigned char *run = p;
		unsigned char c;
		size_t width;
		int encode;

		/* "F" opening a line may begin "From ": the slow path. */
		if (col > 0 || *p != 'F') {
			p = copy_plain(p,
			               (size_t)(end - p) > QP_COLS - col
			                       ? p + (QP_COLS - col)
			                       : end,
			               end, &o);
			col += (size_t)(p - run);
			if (p == end)
				break;
		}
		c = *p;
		if (c == '\r' || c == '\n') {
			p += c == '\r' && p + 1 < end && p[1] == '\n' ? 2 : 1;
			*o++ = '\r';
			*o++ = '\n';
			col = 0;
			continue;
		}
		encode = qp_must_encode(p, end, col, flags);
		width = encode ? 3 : 1;
		if (col + width > QP_COLS) {
			o = put_soft_break(o);
			col = 0;
			continue;
		}
		if (encode)
			o = put_hex(o, c);
		else
			*o++ = (char)c;
		col += width;
		p++;
	}
	if ((flags & MIME_QP_PIECE) && col > 0)
		o = put_soft_break(o);
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
}

void mime_base64_encode(struct buf *out, const void *data, size_t n)
{
	const unsigned char *s = data;
	size_t i = 0;
	char *o;

	buf_grow(out, (n + 2) / 3 * 4 + (n / 57 + 1) * 2);
	o = out->data + out->len;
	while (i < n) {
		/* 57 bytes make one 76-character line. */
		size_t line_end = n - i > 57 ? i + 57 : n;

		for (; i + 3 <= line_end; i += 3) {
			uint32_t v =
			        (uint32_t)s[i] << 16 | s[i + 1] << 8 | s[i + 2];

			*o++ = b64_alphabet[v >> 18];
			*o++ = b64_alphabet[v >> 12 & 63];
			*o++ = b64_alphabet[v >> 6 & 63];
			*o++ = b64_alphabet[v & 63];
		}
		if (i < line_end) {
			uint32_t v = (uint32_t)s[i] << 16;

			if (i + 1 < line_end)
				v |= (uint32_t)s[i + 1] << 8;
			*o++ = b64_alphabet[v >> 18];
			*o++ = b64_alphabet[v >> 12 & 63];
			*o++ = i + 1 < line_end ? b64_alphabet[v >> 6 & 63]
			                        : '=';
			*o++ = '=';
			i = line_end;
		}
		*o++ = '\r';
		*o++ = '\n';
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
}

/*
 * Appends s for an error message with anything unprintable shown as "?",
 * so a hostile value cannot break the line it is reported on.
 */
static const char *shown(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	buf_reset(b);
	for (size_t i = 0; i < n && i < 80; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_addch(b, c >= 0x20 && c < 0x7F ? c : '?');
	}
	if (n > 80)
		buf_adds(b, "...");
	return b->data;
}

static int is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Dot-atom text (RFC 5322 §3.2.3): atoms joined by single dots. */
static int is_dot_atom(const char *s, size_t n)
{
	if (!n || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' ? s[i + 1] == '.'
		                : !is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int is_domain(const char *s, size_t n)
{
	size_t label = 0;

	if (!n || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || (c == '-' && label)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label && s[n - 1] != '-';
}

int mime_check_address(const char *addr, struct err *err)
{
	struct buf show = BUF_INIT;
	const char *at = addr ? strrchr(addr, '@') : NULL;
	const char *why = NULL;
	size_t n = addr ? strlen(addr) : 0;
	int ret = 0;

	if (!addr || !*addr)
		why = "is empty";
	else if (!at)
		why = "has no '@'";
	else if (n > 254)
		why = "is longer than 254 octets";
	else if (at - addr > 64)
		why = "has a local part longer than 64 octets";
	else if (!is_dot_atom(addr, (size_t)(at - addr)))
		why = "has a local part that is not plain (letters, digits, "
		      "!#$%&'*+-/=?^_`{|}~ and single dots)";
	else if (!is_domain(at + 1, strlen(at + 1)))
		why = "has a domain that is not letters, digits, hyphens and "
		      "dots";
	if (why)
		ret = err_set(err, "address '%s' %s",
		              shown(&show, addr ? addr : ""), why);
	buf_release(&show);
	return ret;
}

/* A value that goes into a header verbatim: printable ASCII, no space. */
static int check_token(const char *what, const char *s, const char *forbid,
                       size_t max, struct err *err)
{
	struct buf show = BUF_INIT;
	size_t n = strlen(s);
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7F || strchr(forbid, c))
			ret = err_set(err,
			              "%s '%s' has a character not allowed "
			              "there (byte %zu)",
			              what, shown(&show, s), i + 1);
	}
	if (!ret && (!n || n > max))
		ret = err_set(err, "%s '%s' is %s", what, shown(&show, s),
		              n ? "too long" : "empty");
	buf_release(&show);
	return ret;
}

static int check_prefix(const char *what, const char *s, const char *prefix,
                        const char *prefix2, struct err *err)
{
	struct buf show = BUF_INIT;
	int ret = 0;

	if (strncmp(s, prefix, strlen(prefix)) != 0 &&
	    (!prefix2 || strncmp(s, prefix2, strlen(prefix2)) != 0))
		ret = err_set(err, "%s '%s' does not start with %s", what,
		              shown(&show, s), prefix);
	buf_release(&show);
	return ret;
}

static int check_message_id(const char *id, struct err *err)
{
	size_t n = strlen(id);
	const char *at = memchr(id, '@', n);

	if (check_token("message id", id, "\"(),:;[\\]", 250, err) < 0)
		return -1;
	if (n < 5 || id[0] != '<' || id[n - 1] != '>' || !at ||
	    !is_dot_atom(id + 1, (size_t)(at - id - 1)) ||
	    !is_dot_atom(at + 1, (size_t)(id + n - 1 - at - 1)))
		return err_set(err,
		               "message id '%s' is not of the form "
		               "<left@right>",
		               id);
	return 0;
}

int mime_check_cids(const char *html, size_t n, const struct mime_image *images,
                    size_t nimages, struct err *err)
{
	struct buf show = BUF_INIT;
	const char *p = html, *end = html + n;
	int ret = 0;

	if (!n)
		return 0;
	while (!ret && (p = memmem(p, (size_t)(end - p), "cid:", 4))) {
		const char *id = p + 4, *q = id;
		size_t i;

		/* Only a URL value (an attribute or url()) is a reference;
		 * the word "cid:" in running text is not. */
		if (p == html || !strchr("\"'=(", p[-1])) {
			p = id;
			continue;
		}
		while (q < end && !strchr("\"' \t\r\n)>", *q))
			q++;
		for (i = 0; i < nimages; i++) {
			if (images[i].cid &&
			    strlen(images[i].cid) == (size_t)(q - id) &&
			    memcmp(images[i].cid, id, (size_t)(q - id)) == 0)
				break;
		}
		if (i == nimages) {
			char *ref = xstrndup(id, (size_t)(q - id));

			ret = err_set(err,
			              "html refers to cid:%s but no inline "
			              "image has that content id",
			              shown(&show, ref));
			free(ref);
		}
		p = q;
	}
	buf_release(&show);
	return ret;
}

static int get_random(void *p, size_t n, struct err *err)
{
	unsigned char *s = p;

	while (n) {
		ssize_t got = getrandom(s, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return err_errno(err, "getrandom");
		}
		s += got;
		n -= (size_t)got;
	}
	return 0;
}

/* Appends n random bytes as base32: 5 bits per character. */
static void add_base32(struct buf *out, const unsigned char *s, size_t n)
{
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | s[i];
		bits += 8;
		while (bits >= 5) {
			buf_addch(out, b32_alphabet[acc >> (bits - 5) & 31]);
			bits -= 5;
		}
	}
	if (bits)
		buf_addch(out, b32_alphabet[acc << (5 - bits) & 31]);
}

int mime_message_id(struct buf *out, const char *domain, struct err *err)
{
	unsigned char rnd[16];

	if (get_random(rnd, sizeof(rnd), err) < 0)
		return -1;
	buf_addch(out, '<');
	add_base32(out, rnd, sizeof(rnd));
	buf_addf(out, "@%s>", domain);
	return 0;
}

void mime_add_date(struct buf *out, time_t t)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
	                                "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
	                                   "May", "Jun", "Jul", "Aug",
	                                   "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	long off;

	/* Names from tables, not strftime: the locale must not leak in. */
	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	buf_addf(out, "Date: %s, %d %s %d %02d:%02d:%02d %c%02ld%02ld\r\n",
	         days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static int check_message(const struct mime_message *m, struct err *err)
{
	if (!m->from_addr || !m->to_addr)
		return err_set(err, "message needs a from and a to address");
	if (mime_check_address(m->from_addr, err) < 0 ||
	    mime_check_address(m->to_addr, err) < 0)
		return -1;
	if (m->reply_to && mime_check_address(m->reply_to, err) < 0)
		return -1;
	if (m->message_id && check_message_id(m->message_id, err) < 0)
		return -1;
	if (m->list_id &&
	    check_token("list id", m->list_id, "\"(),:;<>@[\\]", 255, err) < 0)
		return -1;
	if (m->unsubscribe_url &&
	    (check_token("unsubscribe url", m->unsubscribe_url, "<>\"", 900,
	                 err) < 0 ||
	     check_prefix("unsubscribe url", m->unsubscribe_url, "https://",
	                  "http://", err) < 0))
		return -1;
	if (m->unsubscribe_mailto &&
	    (check_token("unsubscribe mailto", m->unsubscribe_mailto, "<>\"",
	                 900, err) < 0 ||
	     check_prefix("unsubscribe mailto", m->unsubscribe_mailto,
	                  "mailto:", NULL, err) < 0))
		return -1;
	if (m->feedback_id &&
	    check_token("feedback id", m->feedback_id, "", 200, err) < 0)
		return -1;
	for (size_t i = 0; i < m->nimages; i++) {
		const struct mime_image *im = &m->images[i];

		if (check_token("image content id", im->cid ? im->cid : "",
		                "<>\"'()", 200, err) < 0 ||
		    check_token("image content type",
		                im->content_type ? im->content_type : "",
		                "\"(),:;<=>?@[\\]", 100, err) < 0)
			return -1;
		if (!im->content_type || !strchr(im->content_type, '/'))
			return err_set(err,
			               "image content type '%s' is not "
			               "type/subtype",
			               im->content_type);
	}
	if (!m->html.encoded && mime_check_cids(m->html.data, m->html.len,
	                                        m->images, m->nimages, err) < 0)
		return -1;
	return 0;
}

/* A file name worth offering: printable ASCII, nothing to quote. */
static int plain_filename(const char *s)
{
	if (!s || !*s || strlen(s) > 60)
		return 0;
	for (; *s; s++) {
		if (*s < ' ' || *s >= 0x7F || *s == '"' || *s == '\\')
			return 0;
	}
	return 1;
}

static void add_text_part(struct buf *out, const char *boundary,
                          const char *subtype, const struct mime_body *b)
{
	buf_addf(out,
	         "\r\n--%s\r\n"
	         "Content-Type: text/%s; charset=UTF-8\r\n"
	         "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	         boundary, subtype);
	if (b->encoded)
		buf_add(out, b->data, b->len);
	else
		mime_qp_encode(out, b->data, b->len, 0);
}

static void add_image_part(struct buf *out, const char *boundary,
                           const struct mime_image *im)
{
	buf_addf(out,
	         "\r\n--%s\r\n"
	         "Content-Type: %s\r\n"
	         "Content-Transfer-Encoding: base64\r\n"
	         "Content-ID: <%s>\r\n",
	         boundary, im->content_type, im->cid);
	if (plain_filename(im->filename))
		buf_addf(out,
		         "Content-Disposition: inline;\r\n"
		         " filename=\"%s\"\r\n\r\n",
		         im->filename);
	else
		buf_adds(out, "Content-Disposition: inline\r\n\r\n");
	if (im->encoded)
		buf_add(out, im->data, im->len);
	else
		mime_base64_encode(out, im->data, im->len);
	/* base64 ends with CRLF: the delimiter's own CRLF then follows as an
	 * empty line, which base64 decoders skip. */
}

static size_t body_bound(const struct mime_body *b)
{
	return b->encoded ? b->len : qp_bound(b->len);
}

static void add_headers(struct buf *out, const struct mime_message *m,
                        const char *message_id)
{
	const char *to_name = m->to_name ? m->to_name : "";
	const char *from_name = m->from_name ? m->from_name : "";
	const char *subject = m->subject ? m->subject : "";

	mime_add_date(out, m->date ? m->date : time(NULL));
	rfc2047_add_address(out, "From", from_name, strlen(from_name),
	                    m->from_addr);
	if (m->reply_to)
		buf_addf(out, "Reply-To: <%s>\r\n", m->reply_to);
	rfc2047_add_address(out, "To", to_name, strlen(to_name), m->to_addr);
	rfc2047_add_unstructured(out, "Subject", subject, strlen(subject));
	buf_addf(out, "Message-ID: %s\r\nMIME-Version: 1.0\r\n", message_id);
	if (m->list_id)
		rfc2047_add_address(out, "List-Id", m->list_name,
		                    m->list_name ? strlen(m->list_name) : 0,
		                    m->list_id);
	if (m->unsubscribe_url && m->unsubscribe_mailto)
		buf_addf(out, "List-Unsubscribe: <%s>,\r\n <%s>\r\n",
		         m->unsubscribe_url, m->unsubscribe_mailto);
	else if (m->unsubscribe_url || m->unsubscribe_mailto)
		buf_addf(out, "List-Unsubscribe: <%s>\r\n",
		         m->unsubscribe_url ? m->unsubscribe_url
		                            : m->unsubscribe_mailto);
	/* RFC 8058 one-click needs the HTTPS URI. */
	if (m->unsubscribe_url)
		buf_adds(out, "List-Unsubscribe-Post: "
		              "List-Unsubscribe=One-Click\r\n");
	if (m->feedback_id)
		buf_addf(out, "Feedback-ID: %s\r\n", m->feedback_id);
	buf_adds(out, "Precedence: bulk\r\n");
}

int mime_write(struct buf *out, const struct mime_message *m,
               struct buf *message_id, struct err *err)
{
	/* 16 bytes for a Message-ID, 15 for the boundaries. */
	unsigned char rnd[31];
	char alt[32], rel[32];
	struct buf id = BUF_INIT, tag = BUF_INIT;
	size_t reserve = 4096 + body_bound(&m->text) + body_bound(&m->html);
	int ret = -1;

	if (check_message(m, err) < 0 || get_random(rnd, sizeof(rnd), err) < 0)
		goto out;
	if (m->message_id) {
		buf_adds(&id, m->message_id);
	} else {
		buf_addch(&id, '<');
		add_base32(&id, rnd, 16);
		buf_addf(&id, "@%s>", strrchr(m->from_addr, '@') + 1);
	}
	/* "=_" cannot occur in quoted-printable or base64 text, so these
	 * boundaries cannot occur in any part; 'a' and 'r' keep either from
	 * being a prefix of the other. */
	add_base32(&tag, rnd + 16, 15);
	snprintf(alt, sizeof(alt), "=_a%s", tag.data);
	snprintf(rel, sizeof(rel), "=_r%s", tag.data);
	for (size_t i = 0; i < m->nimages; i++)
		reserve += 512 + (m->images[i].encoded
		                          ? m->images[i].len
		                          : m->images[i].len / 57 * 78 + 80);
	buf_grow(out, reserve);

	add_headers(out, m, id.data);
	buf_addf(out,
	         "Content-Type: multipart/alternative;\r\n"
	         " boundary=\"%s\"\r\n",
	         alt);
	buf_adds(out, "\r\nThis is a multi-part message in MIME format.\r\n");
	add_text_part(out, alt, "plain", &m->text);
	if (m->nimages) {
		buf_addf(out,
		         "\r\n--%s\r\n"
		         "Content-Type: multipart/related; type=\"text/html\";"
		         "\r\n boundary=\"%s\"\r\n",
		         alt, rel);
		add_text_part(out, rel, "html", &m->html);
		for (size_t i = 0; i < m->nimages; i++)
			add_image_part(out, rel, &m->images[i]);
		buf_addf(out, "\r\n--%s--\r\n", rel);
	} else {
		add_text_part(out, alt, "html", &m->html);
	}
	buf_addf(out, "\r\n--%s--\r\n", alt);
	if (message_id) {
		buf_reset(message_id);
		buf_add(message_id, id.data, id.len);
	}
	ret = 0;
out:
	buf_release(&id);
	buf_release(&tag);
	return ret;
}
