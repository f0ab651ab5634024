/*
 * mime and rfc2047: encoders checked against fixed vectors and decoded
 * back with libetpan's decoders; whole messages built from hostile input
 * and handed to tests/mail/check_message.py (Python's email package under
 * policy.strict) for an independent verdict.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "check.h"
#include "mime.h"
#include "rfc2047.h"

#include "banned.h"

extern char **environ;

static char tmpdir[] = "/tmp/test_mime.XXXXXX";
static int nfiles;

/* The value of header field name in msg, unfolded (CRLF before WSP
 * removed), or "" when absent. Caller frees. */
static char *header_value(const char *msg, const char *name)
{
	struct buf want = BUF_INIT, val = BUF_INIT;
	const char *end = strstr(msg, "\r\n\r\n"), *p;

	buf_addf(&want, "\r\n%s:", name);
	if (strncmp(msg, want.data + 2, want.len - 2) == 0)
		p = msg - 2;
	else
		p = strstr(msg, want.data);
	if (!p || p > end) {
		buf_release(&want);
		return xstrdup("");
	}
	p += want.len;
	while (*p == ' ')
		p++;
	for (; !(p[0] == '\r' && p[1] == '\n' && p[2] != ' ' && p[2] != '\t');
	     p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			p++;
			continue;
		}
		buf_addch(&val, *p);
	}
	buf_release(&want);
	return buf_detach(&val);
}

static char *decode_phrase(const char *s)
{
	size_t idx = 0;
	char *out = NULL;

	if (mailmime_encoded_phrase_parse("utf-8", s, strlen(s), &idx, "utf-8",
	                                  &out) != MAILIMF_NO_ERROR)
		return xstrdup("(libetpan could not decode)");
	return out;
}

/* Longest line in s[0..n), CRLF not counted. */
static size_t longest_line(const char *s, size_t n)
{
	size_t best = 0, start = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			size_t len =
			        i - start - (i > start && s[i - 1] == '\r');

			best = len > best ? len : best;
			start = i + 1;
		}
	}
	return n - start > best ? n - start : best;
}

static int only_crlf(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'))
			return 0;
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return 0;
	}
	return 1;
}

/* Longest encoded-word in s. */
static size_t longest_word(const char *s)
{
	size_t best = 0;
	const char *p = s;

	while ((p = strstr(p, "=?UTF-8?"))) {
		const char *e = strstr(p + 10, "?=");

		if (!e)
			return 999;
		if ((size_t)(e + 2 - p) > best)
			best = (size_t)(e + 2 - p);
		p = e + 2;
	}
	return best;
}

/* A string literal and its length, NULs inside included. */
#define S(lit) lit, sizeof(lit) - 1

static void test_clean(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
	        {"plain", 5, "plain"},
	        {"  a \t\r\n b  ", 12, "a b"},
	        {"Bcc\r\nBcc: x@y", 13, "Bcc Bcc: x@y"},
	        {"nul\0here", 8, "nulhere"},
	        {"bell\a esc\x1b[31m del\x7f", 20, "bell esc[31m del"},
	        {"nel\xc2\x85next", 9, "nel next"},
	        {"csi\xc2\x9b"
	         "x",
	         6, "csix"},
	        {"ls\xe2\x80\xa8ps\xe2\x80\xa9", 10, "ls ps"},
	        {"bad\xff\xfe!", 6, "bad\xef\xbf\xbd\xef\xbf\xbd!"},
	        /* A truncated 3-byte sequence is one replacement. */
	        {"cut\xe2\x82x", 6, "cut\xef\xbf\xbdx"},
	        {"over\xc0\xaf", 6, "over\xef\xbf\xbd\xef\xbf\xbd"},
	        {"surr\xed\xa0\x80", 7,
	         "surr\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
	        {"Zo\xc3\xab \xf0\x9f\x9a\x80", 9,
	         "Zo\xc3\xab \xf0\x9f\x9a\x80"},
	        {"\r\n\t\0", 4, ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		rfc2047_clean(&b, cases[i].in, cases[i].len);
		CHECK_STR(b.data, cases[i].want);
		buf_release(&b);
	}
}

/* Writes Subject from in[0..n) and checks form, then decodes it. */
static void check_subject(const char *in, size_t n, const char *want_header)
{
	struct buf h = BUF_INIT, clean = BUF_INIT, msg = BUF_INIT;
	char *val, *dec;

	rfc2047_add_unstructured(&h, "Subject", in, n);
	rfc2047_clean(&clean, in, n);
	if (want_header)
		CHECK_STR(h.data, want_header);
	CHECK(longest_line(h.data, h.len) <= 78);
	CHECK(longest_word(h.data) <= 75);
	CHECK(only_crlf(h.data, h.len));
	CHECK(h.len >= 2 && memcmp(h.data + h.len - 2, "\r\n", 2) == 0);
	CHECK(strlen(h.data) == h.len); /* no NUL */
	for (size_t i = 0; i < h.len; i++)
		CHECK((h.data[i] >= 0x20 && h.data[i] < 0x7F) ||
		      h.data[i] == '\r' || h.data[i] == '\n');
	buf_addf(&msg, "X: y\r\n%s\r\n", h.data);
	val = header_value(msg.data, "Subject");
	dec = decode_phrase(val);
	CHECK_STR(dec, clean.data);
	free(val);
	free(dec);
	buf_release(&h);
	buf_release(&clean);
	buf_release(&msg);
}

static void test_subject(void)
{
	struct buf long_text = BUF_INIT, long_word = BUF_INIT, rnd = BUF_INIT;
	uint32_t seed = 12345;

	check_subject(S("Flying Start reaches two more wards"),
	              "Subject: Flying Start reaches two more wards\r\n");
	check_subject(S("Inject\r\nBcc: victim@example.com"),
	              "Subject: Inject Bcc: victim@example.com\r\n");
	check_subject(S("nul\0inside"), "Subject: nulinside\r\n");
	check_subject(S(""), "Subject:\r\n");
	check_subject(S("\x01\x02"), "Subject:\r\n");
	check_subject(S("Caf\xc3\xa9 au lait"),
	              "Subject: =?UTF-8?Q?Caf=C3=A9_au_lait?=\r\n");
	/* Shorter in base64. */
	check_subject(S("Caf\xc3\xa9"), "Subject: =?UTF-8?B?Q2Fmw6k=?=\r\n");
	/* Looks like an encoded-word, so it is encoded to stay literal. */
	check_subject(S("=?UTF-8?Q?fake?="), NULL);
	/* Mostly non-ASCII: base64 is shorter. */
	check_subject(S("\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e"),
	              "Subject: =?UTF-8?B?5bGx55Sw5aSq6YOO?=\r\n");
	/* Long ASCII folds at spaces, staying readable. */
	check_subject(S("Give every child the best start in life: Flying Start "
	                "reaches two more wards in Luton this spring"),
	              "Subject: Give every child the best start in life: "
	              "Flying Start reaches two\r\n"
	              " more wards in Luton this spring\r\n");
	for (int i = 0; i < 40; i++)
		buf_adds(&long_text, "\xc3\x89quit\xc3\xa9 en sant\xc3\xa9 "
		                     "\xe2\x80\x93 \xe5\x81\xa5\xe5\xba\xb7 "
		                     "\xf0\x9f\x9a\x80 ");
	check_subject(long_text.data, long_text.len, NULL);
	for (int i = 0; i < 120; i++)
		buf_addch(&long_word, 'a' + i % 26);
	check_subject(long_word.data, long_word.len, NULL);
	/* Random bytes, valid or not: always well-formed and round-trips. */
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + round % 97;

		buf_reset(&rnd);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			buf_addch(&rnd, (int)(seed >> 16 & 0xFF));
		}
		check_subject(rnd.data, rnd.len, NULL);
	}
	buf_release(&long_text);
	buf_release(&long_word);
	buf_release(&rnd);
}

static void check_address(const char *name, const char *want)
{
	struct buf h = BUF_INIT;

	rfc2047_add_address(&h, "To", name, name ? strlen(name) : 0,
	                    "ann@example.org");
	CHECK_STR(h.data, want);
	CHECK(longest_line(h.data, h.len) <= 78);
	buf_release(&h);
}

static void test_address(void)
{
	struct buf h = BUF_INIT, msg = BUF_INIT;
	char *val, *dec, *lt;
	const char *name =
	        "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m-\xc5\x81ukasiewicz "
	        "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e "
	        "of the Luton Borough Council Early Years Team";

	check_address(NULL, "To: <ann@example.org>\r\n");
	check_address("\r\n", "To: <ann@example.org>\r\n");
	check_address("Ann Smith", "To: Ann Smith <ann@example.org>\r\n");
	check_address("Ann \"The Hammer\" O'Brien, Jr.",
	              "To: \"Ann \\\"The Hammer\\\" O'Brien, Jr.\" "
	              "<ann@example.org>\r\n");
	check_address("evil <x@y>\r\nBcc: z@w",
	              "To: \"evil <x@y> Bcc: z@w\" <ann@example.org>\r\n");
	check_address("back\\slash",
	              "To: \"back\\\\slash\" <ann@example.org>\r\n");
	check_address("Zo\xc3\xab",
	              "To: =?UTF-8?Q?Zo=C3=AB?= <ann@example.org>\r\n");

	rfc2047_add_address(&h, "To", name, strlen(name), "ann@example.org");
	CHECK(longest_line(h.data, h.len) <= 78);
	CHECK(longest_word(h.data) <= 75);
	buf_addf(&msg, "X: y\r\n%s\r\n", h.data);
	val = header_value(msg.data, "To");
	lt = strrchr(val, '<');
	CHECK(lt && strcmp(lt, "<ann@example.org>") == 0);
	if (lt)
		*lt = '\0';
	while (lt && lt > val && lt[-1] == ' ')
		*--lt = '\0';
	dec = decode_phrase(val);
	CHECK_STR(dec, name);
	free(val);
	free(dec);
	buf_release(&h);
	buf_release(&msg);
}

static char *qp_decode(const char *s, size_t n, size_t *len)
{
	size_t idx = 0, dlen = 0;
	char *dec = NULL, *copy;

	if (mailmime_quoted_printable_body_parse(s, n, &idx, &dec, &dlen, 0) !=
	    MAILIMF_NO_ERROR)
		return NULL;
	copy = xstrndup(dec, dlen);
	mailmime_decoded_part_free(dec);
	*len = dlen;
	return copy;
}

/* What the encoder must preserve: text with every line end as CRLF. */
static void to_crlf(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
			buf_add(out, "\r\n", 2);
		} else {
			buf_addch(out, s[i]);
		}
	}
}

static int qp_lines_ok(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] == '\r' && s[i + 1] == '\n') {
			size_t len = i - start;

			if (len > 76 ||
			    (len && (s[i - 1] == ' ' || s[i - 1] == '\t')))
				return 0;
			start = i + 2;
		}
	}
	return n - start <= 76;
}

static void check_qp(const char *in, size_t n, const char *want)
{
	struct buf enc = BUF_INIT, norm = BUF_INIT;
	size_t dlen = 0;
	char *dec;

	mime_qp_encode(&enc, in, n, 0);
	if (want)
		CHECK_STR(enc.data, want);
	CHECK(only_crlf(enc.data, enc.len));
	CHECK(qp_lines_ok(enc.data, enc.len));
	for (size_t i = 0; i < enc.len; i++)
		CHECK(enc.data[i] == '\r' || enc.data[i] == '\n' ||
		      enc.data[i] == '\t' ||
		      (enc.data[i] >= 0x20 && enc.data[i] < 0x7F));
	CHECK(!strstr(enc.data, "=_"));
	to_crlf(&norm, in, n);
	dec = qp_decode(enc.data, enc.len, &dlen);
	CHECK(dec && dlen == norm.len && memcmp(dec, norm.data, dlen) == 0);
	free(dec);
	buf_release(&enc);
	buf_release(&norm);
}

static void test_qp(void)
{
	struct buf s = BUF_INIT, want = BUF_INIT;
	uint32_t seed = 777;

	check_qp("a=b", 3, "a=3Db");
	check_qp("tail \nx\t\r\nend ", 14, "tail=20\r\nx=09\r\nend=20");
	check_qp("lone\rcr\r\n", 9, "lone\r\ncr\r\n");
	check_qp(".\n.. dot\n", 9, ".\r\n.. dot\r\n");
	check_qp("From here\nFrom\nFromage", 22,
	         "=46rom here\r\nFrom\r\nFromage");
	check_qp("caf\xc3\xa9 \xe2\x80\x93", 9, "caf=C3=A9 =E2=80=93");
	check_qp("nul\0byte", 8, "nul=00byte");
	check_qp("", 0, "");
	/* 80 x: 75 on the first line, then a soft break. */
	for (int i = 0; i < 80; i++)
		buf_addch(&s, 'x');
	for (int i = 0; i < 75; i++)
		buf_addch(&want, 'x');
	buf_adds(&want, "=\r\nxxxxx");
	check_qp(s.data, s.len, want.data);
	/* An =XX never splits across a soft break. */
	buf_reset(&s);
	buf_reset(&want);
	for (int i = 0; i < 74; i++)
		buf_addch(&s, 'y');
	buf_adds(&s, "\xc3\xa9");
	for (int i = 0; i < 74; i++)
		buf_addch(&want, 'y');
	buf_adds(&want, "=\r\n=C3=A9");
	check_qp(s.data, s.len, want.data);
	for (int round = 0; round < 500; round++) {
		size_t n = (size_t)round * 7 % 1000;

		buf_reset(&s);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Weighted towards the interesting bytes. */
			buf_addch(
			        &s,
			        (int)" \t\r\n.=Fx\xc3\xa9"[(seed >> 16) % 10]);
			if (seed >> 28 == 3)
				buf_addch(&s, (int)(seed >> 8 & 0xFF));
		}
		check_qp(s.data, s.len, NULL);
	}
	buf_release(&s);
	buf_release(&want);
}

/* Pieces encoded apart and joined decode as the whole text. */
static void test_qp_pieces(void)
{
	const char *pieces[] = {
	        "Dear ",          "Ann Smith", ",\n\nthe spring ",
	        "issue\xc3\xa9 ", "\n",        "trail \n.dot",
	        "From x"};
	struct buf enc = BUF_INIT, whole = BUF_INIT, norm = BUF_INIT;
	size_t dlen;
	char *dec;

	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		mime_qp_encode(&enc, pieces[i], strlen(pieces[i]),
		               MIME_QP_PIECE);
		CHECK(enc.len >= 2 &&
		      memcmp(enc.data + enc.len - 2, "\r\n", 2) == 0);
		buf_adds(&whole, pieces[i]);
	}
	CHECK(qp_lines_ok(enc.data, enc.len));
	to_crlf(&norm, whole.data, whole.len);
	dec = qp_decode(enc.data, enc.len, &dlen);
	CHECK(dec && dlen == norm.len && memcmp(dec, norm.data, dlen) == 0);
	free(dec);
	buf_release(&enc);
	buf_release(&whole);
	buf_release(&norm);
}

static void test_base64(void)
{
	struct buf b = BUF_INIT, data = BUF_INIT;
	size_t idx = 0, dlen = 0;
	char *dec = NULL;

	mime_base64_encode(&b, "", 0);
	CHECK_STR(b.data, "");
	mime_base64_encode(&b, "f", 1);
	CHECK_STR(b.data, "Zg==\r\n");
	buf_reset(&b);
	mime_base64_encode(&b, "foobar", 6);
	CHECK_STR(b.data, "Zm9vYmFy\r\n");
	buf_reset(&b);
	mime_base64_encode(&b, "fooba", 5);
	CHECK_STR(b.data, "Zm9vYmE=\r\n");
	buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		buf_addch(&data, i * 37 & 0xFF);
	mime_base64_encode(&b, data.data, data.len);
	CHECK(longest_line(b.data, b.len) == 76);
	CHECK(only_crlf(b.data, b.len));
	CHECK(mailmime_base64_body_parse(b.data, b.len, &idx, &dec, &dlen) ==
	      MAILIMF_NO_ERROR);
	CHECK(dec && dlen == data.len && memcmp(dec, data.data, dlen) == 0);
	if (dec)
		mailmime_decoded_part_free(dec);
	buf_release(&b);
	buf_release(&data);
}

static void test_checks(void)
{
	static const char *good[] = {"ann@example.org", "a.b+c@x-y.example",
	                             "bounces+AbC_12@mail.example.org"};
	static const char *bad[] = {
	        "",
	        "ann",
	        "ann@",
	        "@example.org",
	        "ann@example.org\r\nBcc: x@y",
	        "ann smith@example.org",
	        "<ann@example.org>",
	        "ann@exa mple.org",
	        "a..b@example.org",
	        ".a@example.org",
	        "ann@-example.org",
	        "ann@example..org",
	        "\"quoted\"@example.org",
	        "zo\xc3\xab@example.org",
	        "ann@[127.0.0.1]",
	        "12345678901234567890123456789012345678901234567890123456789012"
	        "345"
	        "@example.org",
	};
	struct err err = ERR_INIT;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(mime_check_address(good[i], &err) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&err);
		CHECK(mime_check_address(bad[i], &err) == -1);
		CHECK(strncmp(err_msg(&err), "address '", 9) == 0);
		CHECK(!strchr(err_msg(&err), '\r') &&
		      !strchr(err_msg(&err), '\n'));
	}
	err_release(&err);
}

/* Runs the Python checker over one file with extra arguments. */
static int run_checker(const char *path, const char *subject,
                       const char *to_name)
{
	char *argv[12];
	int n = 0, status = 0;
	pid_t pid;

	argv[n++] = "python3";
	argv[n++] = "tests/mail/check_message.py";
	argv[n++] = "--expect-list-unsubscribe";
	argv[n++] = "--expect-list-id";
	argv[n++] = "--expect-body-unsubscribe";
	if (subject) {
		argv[n++] = "--expect-subject";
		argv[n++] = (char *)subject;
	}
	if (to_name) {
		argv[n++] = "--expect-to-name";
		argv[n++] = (char *)to_name;
	}
	argv[n++] = (char *)path;
	argv[n] = NULL;
	if (posix_spawnp(&pid, "python3", NULL, NULL, argv, environ) != 0) {
		fprintf(stderr, "cannot run python3: install python3\n");
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, data, len) == (ssize_t)len);
	close(fd);
	nfiles++;
}

static const char text_body[] =
        "Flying Start reaches two more wards\n"
        "===================================\n"
        "\n"
        "Dear {name},\n"
        ".\n"
        ".a line that starts with a dot, and one with trailing space \n"
        "From the editor: a line starting with From\n"
        "A very long line that goes on and on beyond seventy-six characters "
        "so that quoted-printable must break it softly somewhere in the middle "
        "of it, twice even, with caf\xc3\xa9 and = signs = here.\n"
        "Read more [1]\n"
        "\n"
        "[1] https://het-news.example.org/2026-03/flying-start?a=1&b=2\n"
        "Unsubscribe: https://het-news.example.org/unsubscribe/TOKEN123\n";

static const char html_body[] =
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
        "<title>x</title></head><body><table role=\"presentation\"><tr><td>"
        "<h1>Flying Start reaches two more wards</h1>\n"
        "<p>Dear {name},</p>\n.\n"
        "<p>Caf\xc3\xa9 <a href=\"https://het-news.example.org/2026-03/"
        "flying-start?a=1&amp;b=2\">Read more about Flying Start</a></p>\n"
        "<p><a href=\"#top\">top</a> <a href=\"https://het-news.example.org/"
        "unsubscribe/TOKEN123\">Unsubscribe</a></p>%s"
        "</td></tr></table></body></html>\n";

static void build(struct buf *out, const char *subject, const char *to_name,
                  const struct mime_image *images, size_t nimages,
                  const char *html_extra)
{
	struct buf html = BUF_INIT, id = BUF_INIT;
	struct err err = ERR_INIT;
	struct mime_message m = {
	        .date = 1772539200, /* 2026-03-03 12:00 UTC */
	        .from_name = "Luton Health Equity Town",
	        .from_addr = "het-news@example.org",
	        .to_name = to_name,
	        .to_addr = "ann.smith@example.net",
	        .subject = subject,
	        .list_name = "Luton Health Equity Town News",
	        .list_id = "het-news.example.org",
	        .unsubscribe_url =
	                "https://het-news.example.org/unsubscribe/TOKEN123",
	        .unsubscribe_mailto = "mailto:unsubscribe+TOKEN123@example.org",
	        .feedback_id = "2026-03:het-news:bulletin",
	        .text = {text_body, sizeof(text_body) - 1, 0},
	        .images = images,
	        .nimages = nimages,
	};

	buf_addf(&html, html_body, html_extra);
	m.html = (struct mime_body){html.data, html.len, 0};
	CHECK(mime_write(out, &m, &id, &err) == 0);
	CHECK_STR(err_msg(&err), "");
	CHECK(id.len > 20 && id.data[0] == '<' &&
	      strstr(id.data, "@example.org>"));
	buf_release(&html);
	buf_release(&id);
	err_release(&err);
}

static void check_built(const char *name, const struct buf *msg,
                        const char *subject, size_t subject_len,
                        const char *to_name)
{
	struct buf path = BUF_INIT, want_subject = BUF_INIT,
	           want_name = BUF_INIT;
	const char *head_end = strstr(msg->data, "\r\n\r\n");

	CHECK(only_crlf(msg->data, msg->len));
	CHECK(longest_line(msg->data, msg->len) <= 78);
	CHECK(head_end && longest_word(msg->data) <= 75);
	CHECK(!strstr(msg->data, "Return-Path"));
	/* Injected text never starts a header line of its own. */
	CHECK(!strstr(msg->data, "\r\nBcc:"));
	rfc2047_clean(&want_subject, subject, subject_len);
	rfc2047_clean(&want_name, to_name, strlen(to_name));
	buf_addf(&path, "%s/%s.eml", tmpdir, name);
	write_file(path.data, msg->data, msg->len);
	CHECK(run_checker(path.data, want_subject.data, want_name.data) == 0);
	buf_release(&path);
	buf_release(&want_subject);
	buf_release(&want_name);
}

static void test_messages(void)
{
	static const struct {
		const char *name, *subject, *to_name;
	} cases[] = {
	        {"plain", "Flying Start reaches two more wards", "Ann Smith"},
	        {"inject", "Title\r\nBcc: victim@example.com\r\n\r\nbody",
	         "Ann\r\nBcc: victim@example.com"},
	        {"controls", "tab\there\x01\x7f \xc2\x85 end\x1b[0m",
	         "Ann\t\"Ace\"\x0b Smith, Jr."},
	        {"utf8",
	         "\xc3\x89quit\xc3\xa9 en sant\xc3\xa9: "
	         "\xe5\x81\xa5\xe5\xba\xb7"
	         "\xe5\x85\xac\xe5\xb9\xb3 \xf0\x9f\x9a\x80 for every child in "
	         "Luton, from the very start, and through every stage of life, "
	         "\xc3\xa9t\xc3\xa9 comme hiver \xe2\x80\x94 Marmot Town",
	         "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m-\xc5\x81ukasiewicz "
	         "\xe5\xb1\xb1\xe7\x94\xb0 of the Early Years Team, Luton"},
	        {"invalid", "bad \xff\xfe utf8 \xe2\x82", "\xc0\xafname"},
	        {"fake-word", "=?UTF-8?B?ZmFrZQ==?= literal", "=?UTF-8?Q?x?="},
	};
	struct buf msg = BUF_INIT;
	unsigned char png[300];
	struct mime_image images[2] = {
	        {"logo@het-news.example.org", "image/png", "logo.png",
	         (const char *)png, sizeof(png), 0},
	        {"photo.1@het-news.example.org", "image/jpeg", NULL,
	         (const char *)png, 100, 0},
	};

	for (size_t i = 0; i < sizeof(png); i++)
		png[i] = (unsigned char)(i * 7);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&msg);
		build(&msg, cases[i].subject, cases[i].to_name, NULL, 0, "");
		check_built(cases[i].name, &msg, cases[i].subject,
		            strlen(cases[i].subject), cases[i].to_name);
	}
	buf_reset(&msg);
	build(&msg, "With images", "Ann", images, 2,
	      "<img src=\"cid:logo@het-news.example.org\" alt=\"logo\">"
	      "<div style=\"background:url(cid:photo.1@het-news.example.org)"
	      "\"></div>");
	CHECK(strstr(msg.data, "multipart/related"));
	CHECK(strstr(msg.data, "Content-ID: <logo@het-news.example.org>"));
	check_built("images", &msg, "With images", 11, "Ann");
	buf_release(&msg);
}

static void test_message_form(void)
{
	struct buf msg = BUF_INIT, qp = BUF_INIT, pieces = BUF_INIT;
	struct mime_message m = {
	        .date = 1772539200,
	        .from_addr = "het-news@example.org",
	        .to_addr = "ann@example.net",
	        .subject = "s",
	        .message_id = "<fixed.1@example.org>",
	        .text = {"t\n", 2, 0},
	        .html = {"<p>h</p>", 8, 0},
	};
	struct err err = ERR_INIT;
	struct buf id = BUF_INIT;
	char *val;

	/* A POSIX rule, so no time zone database is needed. */
	setenv("TZ", "GMT0BST,M3.5.0/1,M10.5.0", 1);
	tzset();
	CHECK(mime_write(&msg, &m, &id, &err) == 0);
	CHECK_STR(id.data, "<fixed.1@example.org>");
	val = header_value(msg.data, "Date");
	CHECK_STR(val, "Tue, 3 Mar 2026 12:00:00 +0000");
	free(val);
	/* British Summer Time: numeric zone, not a name. */
	buf_reset(&msg);
	m.date = 1783080000; /* 2026-07-03 12:00 UTC */
	CHECK(mime_write(&msg, &m, NULL, &err) == 0);
	val = header_value(msg.data, "Date");
	CHECK_STR(val, "Fri, 3 Jul 2026 13:00:00 +0100");
	free(val);
	CHECK(strncmp(msg.data, "Date: ", 6) == 0);
	CHECK(!strstr(msg.data, "List-Unsubscribe"));
	CHECK(strstr(msg.data, "\r\nFrom: <het-news@example.org>\r\n"));
	CHECK(strstr(msg.data, "\r\nMIME-Version: 1.0\r\n"));
	CHECK(strstr(msg.data, "\r\nPrecedence: bulk\r\n"));
	/* text/plain comes before text/html. */
	CHECK(strstr(msg.data, "text/plain") &&
	      strstr(msg.data, "text/plain") < strstr(msg.data, "text/html"));
	/* Pre-encoded bodies are written as they are. */
	mime_qp_encode(&pieces, "Dear ", 5, MIME_QP_PIECE);
	mime_qp_encode(&pieces, "Ann", 3, MIME_QP_PIECE);
	m.text = (struct mime_body){pieces.data, pieces.len, 1};
	buf_reset(&msg);
	CHECK(mime_write(&msg, &m, NULL, &err) == 0);
	buf_addf(&qp, "\r\n\r\n%s\r\n--=_a", pieces.data);
	CHECK(strstr(msg.data, qp.data));
	/* Two messages never share a Message-ID or a boundary. */
	m.message_id = NULL;
	buf_reset(&msg);
	CHECK(mime_write(&msg, &m, &id, &err) == 0);
	buf_reset(&qp);
	CHECK(mime_write(&qp, &m, &pieces, &err) == 0);
	CHECK(strcmp(id.data, pieces.data) != 0);
	val = strstr(msg.data, "boundary=\"");
	CHECK(val && !strstr(qp.data, val));
	CHECK(strstr(msg.data, "boundary=\"=_a"));
	err_release(&err);
	buf_release(&msg);
	buf_release(&qp);
	buf_release(&pieces);
	buf_release(&id);
}

static void expect_error(struct mime_message *m, const char *want)
{
	struct buf msg = BUF_INIT;
	struct err err = ERR_INIT;

	buf_adds(&msg, "keep");
	CHECK(mime_write(&msg, m, NULL, &err) == -1);
	CHECK_STR(msg.data, "keep"); /* nothing written on error */
	if (!strstr(err_msg(&err), want))
		fprintf(stderr, "  error was: %s\n", err_msg(&err));
	CHECK(strstr(err_msg(&err), want));
	buf_release(&msg);
	err_release(&err);
}

static void test_message_errors(void)
{
	struct mime_image img = {"a@b", "image/png", NULL, "x", 1, 0};
	struct mime_message base =
	                            {
	                                    .from_addr = "het-news@example.org",
	                                    .to_addr = "ann@example.net",
	                                    .text = {"t", 1, 0},
	                                    .html = {"<img src=\"cid:a@b\">",
	                                             19, 0},
	                                    .images = &img,
	                                    .nimages = 1,
	                            },
	                    m;

	m = base;
	m.to_addr = "ann@example.net\r\nBcc: x@y";
	expect_error(&m, "address 'ann@example.net??Bcc: x@y'");
	m = base;
	m.to_addr = NULL;
	expect_error(&m, "needs a from and a to address");
	m = base;
	m.unsubscribe_url = "https://x.org/u\r\nBcc: x@y";
	expect_error(&m, "unsubscribe url");
	m = base;
	m.unsubscribe_url = "javascript:alert(1)";
	expect_error(&m, "does not start with https://");
	m = base;
	m.unsubscribe_mailto = "https://x.org/u";
	expect_error(&m, "does not start with mailto:");
	m = base;
	m.list_id = "a b";
	expect_error(&m, "list id");
	m = base;
	m.message_id = "no-brackets@x";
	expect_error(&m, "message id");
	m = base;
	m.feedback_id = "a\nb";
	expect_error(&m, "feedback id");
	m = base;
	m.html = (struct mime_body){"<img src=\"cid:missing@b\">", 25, 0};
	expect_error(&m, "cid:missing@b");
	m = base;
	m.nimages = 0;
	expect_error(&m, "cid:a@b");
	img.content_type = "image/png\r\nX: y";
	m = base;
	expect_error(&m, "image content type");
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_clean();
	test_subject();
	test_address();
	test_qp();
	test_qp_pieces();
	test_base64();
	test_checks();
	test_messages();
	test_message_form();
	test_message_errors();
	/* The files are kept on failure, for a look. */
	if (check_failures == 0) {
		struct buf cmd = BUF_INIT;

		buf_addf(&cmd, "rm -r %s", tmpdir);
		CHECK(system(cmd.data) == 0);
		buf_release(&cmd);
	} else {
		fprintf(stderr, "messages kept in %s\n", tmpdir);
	}
	return check_done();
}
