#include "form.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Parses body as content_type; returns the status, f filled. */
static int parse(struct form *f, const char *ct, const char *body)
{
	struct err err = ERR_INIT;
	int r;

	form_init(f);
	r = form_parse(f, ct, body, strlen(body), &err);
	CHECK((r == FORM_OK) == !err.set);
	err_release(&err);
	return r;
}

static const char *url = "application/x-www-form-urlencoded";

static void test_urlencoded(void)
{
	struct form f;

	CHECK(parse(&f, url,
	            "email=a%40example.org&name=Ann+Lee&consent=yes") ==
	      FORM_OK);
	CHECK(f.n == 3);
	CHECK_STR(form_get(&f, "email"), "a@example.org");
	CHECK_STR(form_get(&f, "name"), "Ann Lee");
	CHECK_STR(form_get(&f, "consent"), "yes");
	CHECK(form_get(&f, "missing") == NULL);
	form_release(&f);

	/* RFC 8058's one-click body, with a charset parameter. */
	CHECK(parse(&f, "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
	            "List-Unsubscribe=One-Click") == FORM_OK);
	CHECK_STR(form_get(&f, "List-Unsubscribe"), "One-Click");
	form_release(&f);

	/* Empty pieces are skipped; a name without '=' has an empty value;
	 * the first of two equal names wins. */
	CHECK(parse(&f, url, "&a&&b=2&b=3&") == FORM_OK);
	CHECK(f.n == 3);
	CHECK_STR(form_get(&f, "a"), "");
	CHECK_STR(form_get(&f, "b"), "2");
	form_release(&f);

	/* UTF-8, raw or escaped; '=' inside a value. */
	CHECK(parse(&f, url, "n=Zo%C3%AB&m=%E2%80%A2&e=a=b") == FORM_OK);
	CHECK_STR(form_get(&f, "n"), "Zo\xc3\xab");
	CHECK_STR(form_get(&f, "m"), "\xe2\x80\xa2");
	CHECK_STR(form_get(&f, "e"), "a=b");
	form_release(&f);

	CHECK(parse(&f, url, "") == FORM_OK && f.n == 0);
	form_release(&f);
}

static void test_urlencoded_bad(void)
{
	static const char *const bad[] = {
	        "a=%",      "a=%4",        "a=%zz",          "a=%4g",
	        "%=1",      "a=%00",       "a=%C3",          "a=%C3%28",
	        "a=%C0%80", "a=%ED%A0%80", "a=%F4%90%80%80", "a=\xff",
	};
	struct form f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(&f, url, bad[i]);

		if (r != FORM_MALFORMED)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK(r == FORM_MALFORMED);
		form_release(&f);
	}
}

static void test_too_many(void)
{
	struct buf b = BUF_INIT;
	struct form f;

	for (int i = 0; i < FORM_MAX_FIELDS; i++)
		buf_addf(&b, "f%d=%d&", i, i);
	CHECK(parse(&f, url, b.data) == FORM_OK);
	CHECK(f.n == FORM_MAX_FIELDS);
	form_release(&f);
	buf_adds(&b, "one=more");
	CHECK(parse(&f, url, b.data) == FORM_MALFORMED);
	form_release(&f);
	buf_release(&b);
}

static void test_multipart(void)
{
	const char *ct = "multipart/form-data; boundary=XyZ";
	struct form f;

	/* What curl -F sends for a one-click POST. */
	CHECK(parse(&f, ct,
	            "--XyZ\r\n"
	            "Content-Disposition: form-data; "
	            "name=\"List-Unsubscribe\"\r\n"
	            "\r\n"
	            "One-Click\r\n"
	            "--XyZ--\r\n") == FORM_OK);
	CHECK(f.n == 1);
	CHECK_STR(form_get(&f, "List-Unsubscribe"), "One-Click");
	form_release(&f);

	/* A preamble, a quoted boundary, two parts, a part with a content
	 * type and a file name, a value with CRLF and dashes, an epilogue. */
	CHECK(parse(&f, "multipart/form-data; charset=utf-8; boundary=\"a b\"",
	            "preamble\r\n"
	            "--a b\r\n"
	            "content-disposition: form-data; name=email\r\n"
	            "\r\n"
	            "a@example.org\r\n"
	            "--a b  \r\n"
	            "Content-Disposition: form-data; name=\"note\"; "
	            "filename=\"n.txt\"\r\n"
	            "Content-Type: text/plain\r\n"
	            "\r\n"
	            "line one\r\n--not the boundary\r\n"
	            "--a b--\r\n"
	            "epilogue") == FORM_OK);
	CHECK(f.n == 2);
	CHECK_STR(form_get(&f, "email"), "a@example.org");
	CHECK(form_get(&f, "note") == NULL);
	CHECK(form_file(&f, "note") &&
	      !strcmp(form_file(&f, "note")->value,
	              "line one\r\n--not the boundary"));
	CHECK_STR(form_file(&f, "note")->filename, "n.txt");
	form_release(&f);

	/* A file holds any bytes (a NUL, bytes that are not UTF-8); a
	 * second file is refused. */
	{
		static const char body[] =
		        "--XyZ\r\n"
		        "Content-Disposition: form-data; name=\"image\"; "
		        "filename=\"p\xff.png\"\r\n"
		        "Content-Type: image/png\r\n\r\n"
		        "\x89PNG\0\xff\r\n"
		        "--XyZ--\r\n";
		const struct form_field *ff;
		struct err err = ERR_INIT;

		CHECK(form_parse(&f, ct, body, sizeof(body) - 1, &err) ==
		      FORM_OK);
		ff = form_file(&f, "image");
		CHECK(ff && ff->value_len == 6 && ff->value[4] == 0);
		CHECK(ff && !strcmp(ff->filename, ""));
		CHECK(form_get(&f, "image") == NULL);
		CHECK(form_parse(&f, ct, body, sizeof(body) - 1, &err) ==
		      FORM_MALFORMED);
		CHECK(strstr(err_msg(&err), "file") != NULL);
		form_release(&f);
		err_release(&err);
	}

	/* No parts at all. */
	CHECK(parse(&f, ct, "--XyZ--\r\n") == FORM_OK && f.n == 0);
	form_release(&f);
}

static void test_multipart_bad(void)
{
	static const struct {
		const char *ct, *body;
	} bad[] = {
	        /* no boundary parameter, two, an empty one, a long one */
	        {"multipart/form-data", "--x--"},
	        {"multipart/form-data; boundary=a; boundary=b", "--a--"},
	        {"multipart/form-data; boundary=\"\"", "----"},
	        {"multipart/form-data; boundary=012345678901234567890123456789"
	         "01234567890123456789012345678901234567890",
	         "--x--"},
	        {"multipart/form-data; boundary=\"open", "--open--"},
	        {"multipart/form-data; boundary=x;;", "--x--"},
	        /* the body */
	        {"multipart/form-data; boundary=x", ""},
	        {"multipart/form-data; boundary=x", "no boundary here"},
	        {"multipart/form-data; boundary=x", "--x\r\n"},
	        {"multipart/form-data; boundary=x",
	         "--x\r\nContent-Disposition: form-data; name=a\r\n\r\nv"},
	        {"multipart/form-data; boundary=x",
	         "--x\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n"
	         "--x"},
	        {"multipart/form-data; boundary=x",
	         "--x\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n"
	         "--x--"},
	        {"multipart/form-data; boundary=x",
	         "--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x--"},
	        {"multipart/form-data; boundary=x",
	         "--x\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv"
	         "\r\n--x--"},
	        {"multipart/form-data; boundary=x",
	         "--x\r\nContent-Type: text/plain\r\n\r\nv\r\n--x--"},
	        {"multipart/form-data; boundary=x",
	         "--x\r\nno colon\r\n\r\nv\r\n--x--"},
	        {"multipart/form-data; boundary=x",
	         "--x\nContent-Disposition: form-data; name=a\n\nv\n--x--"},
	        {"multipart/form-data; boundary=x",
	         "--xjunk\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	         "v\r\n--x--"},
	        {"multipart/form-data; boundary=x",
	         "--x\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	         "\xff\r\n--x--"},
	        {"multipart/form-data; boundary=x",
	         "--x\r\nContent-Disposition: form-data; name=a\r\n"
	         "Content-Disposition: form-data; name=b\r\n\r\nv\r\n--x--"},
	};
	struct form f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(&f, bad[i].ct, bad[i].body);

		if (r != FORM_MALFORMED)
			fprintf(stderr, "accepted #%zu: %s\n", i, bad[i].body);
		CHECK(r == FORM_MALFORMED);
		form_release(&f);
	}
}

static void test_nul_in_multipart(void)
{
	static const char body[] = "--x\r\nContent-Disposition: form-data; "
	                           "name=a\r\n\r\nv\0w\r\n--x--\r\n";
	struct err err = ERR_INIT;
	struct form f;

	form_init(&f);
	CHECK(form_parse_multipart(&f, "x", body, sizeof(body) - 1, &err) ==
	      FORM_MALFORMED);
	form_release(&f);
	err_release(&err);
}

static void test_content_types(void)
{
	struct form f;

	CHECK(parse(&f, "application/json", "{}") == FORM_UNSUPPORTED);
	form_release(&f);
	CHECK(parse(&f, "text/plain", "a=b") == FORM_UNSUPPORTED);
	form_release(&f);
	CHECK(parse(&f, "application/x-www-form-urlencodedX", "a=b") ==
	      FORM_UNSUPPORTED);
	form_release(&f);
	CHECK(parse(&f, "garbage", "a=b") == FORM_UNSUPPORTED);
	form_release(&f);
	/* No Content-Type: only an empty body passes (a bare POST). */
	CHECK(parse(&f, NULL, "") == FORM_OK && f.n == 0);
	form_release(&f);
	CHECK(parse(&f, NULL, "a=b") == FORM_UNSUPPORTED);
	form_release(&f);
	CHECK(parse(&f, "application/x-www-form-urlencoded; charset", "a=b") ==
	      FORM_MALFORMED);
	form_release(&f);
}

static void test_percent_decode(void)
{
	struct buf b = BUF_INIT;

	CHECK(form_percent_decode("/a%2e%2E/b+c", 12, &b) == 0);
	CHECK_STR(b.data, "/a../b+c");
	buf_reset(&b);
	CHECK(form_percent_decode("/a%00", 5, &b) < 0);
	buf_reset(&b);
	CHECK(form_percent_decode("/a%2", 4, &b) < 0);
	buf_release(&b);
}

static void test_bidi_control(void)
{
	static const struct {
		const char *s;
		unsigned want;
	} cases[] = {
	        {"Sam Smith", 0},
	        {"", 0},
	        {"Zo\xc3\xab \xe2\x80\x94 caf\xc3\xa9", 0}, /* U+2014 */
	        {"\xe2\x80\x8f", 0},                        /* U+200F mark */
	        {"\xe2\x80\xa9", 0},                        /* U+2029 */
	        {"\xe2\x80\xaa", 0x202A},
	        {"a\xe2\x80\xae"
	         "b",
	         0x202E},
	        {"\xe2\x80\xaf", 0}, /* U+202F */
	        {"\xe2\x81\xa5", 0}, /* U+2065 */
	        {"x\xe2\x81\xa6", 0x2066},
	        {"\xe2\x81\xa9y", 0x2069},
	        {"\xe2\x81\xaa", 0}, /* U+206A */
	        {"\xe2\x80", 0},     /* cut short */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(text_bidi_control(cases[i].s, strlen(cases[i].s)) ==
		      cases[i].want);
}

int main(void)
{
	test_urlencoded();
	test_urlencoded_bad();
	test_too_many();
	test_multipart();
	test_multipart_bad();
	test_nul_in_multipart();
	test_content_types();
	test_percent_decode();
	test_bidi_control();
	return check_done();
}
