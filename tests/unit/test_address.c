#include "address.h"

#include <string.h>

#include "check.h"

/*
 * want is the normal form, or NULL when the address is refused; then why
 * is a piece of the message that must appear.
 */
static const struct {
	const char *in;
	const char *want;
	const char *why;
} cases[] = {
        /* valid dot-atoms */
        {"jo@example.org", "jo@example.org", NULL},
        {"Jo.Bloggs@Example.ORG", "Jo.Bloggs@example.org", NULL},
        {"  jo@example.org\t\r\n", "jo@example.org", NULL},
        {"a@b.co", "a@b.co", NULL},
        {"first.middle.last@example.org", "first.middle.last@example.org",
         NULL},
        {"user+tag@example.org", "user+tag@example.org", NULL},
        {"user-name_1@example.org", "user-name_1@example.org", NULL},
        {"!#$%&'*+-/=?^_`{|}~@example.org", "!#$%&'*+-/=?^_`{|}~@example.org",
         NULL},
        {"o'brien@example.ie", "o'brien@example.ie", NULL},
        {"x@sub.domain.example.co.uk", "x@sub.domain.example.co.uk", NULL},
        {"x@a-b.example.org", "x@a-b.example.org", NULL},
        {"x@123.example.org", "x@123.example.org", NULL},
        {"x@example.o2", "x@example.o2", NULL},
        {"1234567890@example.org", "1234567890@example.org", NULL},
        /* punycode domains */
        {"info@xn--mnchen-3ya.de", "info@xn--mnchen-3ya.de", NULL},
        {"a@XN--BCHER-KVA.example", "a@xn--bcher-kva.example", NULL},
        {"a@example.xn--p1ai", "a@example.xn--p1ai", NULL},
        /* quoted local parts */
        {"\"john\"@example.org", "john@example.org", NULL},
        {"\"john.doe\"@example.org", "john.doe@example.org", NULL},
        {"\"john doe\"@example.org", "\"john doe\"@example.org", NULL},
        {"\"a@b\"@example.org", "\"a@b\"@example.org", NULL},
        {"\"a\\\"b\"@example.org", "\"a\\\"b\"@example.org", NULL},
        {"\"j..d\"@example.org", "\"j..d\"@example.org", NULL},
        {"\"\\a\"@example.org", "a@example.org", NULL},
        /* lengths at the limits */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "@example.org",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "@example.org",
         NULL},
        {"x@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         ".org",
         "x@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         ".org",
         NULL},

        /* refused: shape */
        {"", NULL, "empty"},
        {"   ", NULL, "empty"},
        {"plainaddress", NULL, "no '@'"},
        {"@example.org", NULL, "nothing before '@'"},
        {"jo@", NULL, "nothing after '@'"},
        {"jo@@example.org", NULL, "more than one '@'"},
        {"a@b@example.org", NULL, "more than one '@'"},
        {"Jo Bloggs <jo@example.org>", NULL, "without a name or angle"},
        {"<jo@example.org>", NULL, "without a name or angle"},
        /* refused: local part */
        {".jo@example.org", NULL, "start or end with '.'"},
        {"jo.@example.org", NULL, "start or end with '.'"},
        {"jo..bloggs@example.org", NULL, "two dots in a row"},
        {"jo bloggs@example.org", NULL, "a space is not allowed before '@'"},
        {"jo,bloggs@example.org", NULL, "',' is not allowed before '@'"},
        {"jo(comment)@example.org", NULL, "'(' is not allowed"},
        {"jo[1]@example.org", NULL, "'[' is not allowed"},
        {"jo\\@example.org", NULL, "'\\' is not allowed"},
        {"jo\"x\"@example.org", NULL, "'\"' is not allowed"},
        {"\"\"@example.org", NULL, "nothing before '@'"},
        {"\"jo@example.org", NULL, "no closing"},
        {"\"jo\"x@example.org", NULL, "expected '@' after the quoted part"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "@example.org",
         NULL, "longer than 64"},
        /* refused: non-ASCII */
        {"j\xc3\xb6rg@example.de", NULL, "non-ASCII characters before '@'"},
        {"\"j\xc3\xb6rg\"@example.de", NULL, "non-ASCII characters before"},
        {"\xe7\x94\xa8\xe6\x88\xb7@example.cn", NULL, "SMTPUTF8"},
        {"info@m\xc3\xbcnchen.de", NULL, "punycode"},
        /* refused: control characters */
        {"jo\x01@example.org", NULL, "control character"},
        {"jo@exa\nmple.org", NULL, "control character"},
        {"jo\x7f@example.org", NULL, "control character"},
        {"\"jo\tx\"@example.org", NULL, "control character"},
        /* refused: domain */
        {"jo@localhost", NULL, "no dot"},
        {"jo@example", NULL, "no dot"},
        {"jo@example.org.", NULL, "empty label"},
        {"jo@.example.org", NULL, "empty label"},
        {"jo@example..org", NULL, "empty label"},
        {"jo@-example.org", NULL, "starts or ends with '-'"},
        {"jo@example-.org", NULL, "starts or ends with '-'"},
        {"jo@exa_mple.org", NULL, "'_' is not allowed in a domain"},
        {"jo@exa mple.org", NULL, "a space is not allowed in a domain"},
        {"jo@[192.0.2.1]", NULL, "address literals"},
        {"jo@192.0.2.1", NULL, "ends in a number"},
        {"jo@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         ".org",
         NULL, "longer than 63"},
};

static void test_table(void)
{
	struct buf out = BUF_INIT;
	size_t n = sizeof(cases) / sizeof(cases[0]);

	CHECK(n >= 60);
	for (size_t i = 0; i < n; i++) {
		struct err err = ERR_INIT;
		int r = address_normalise(cases[i].in, strlen(cases[i].in),
		                          &out, &err);

		if (cases[i].want) {
			CHECK(r == 0);
			CHECK_STR(out.data, cases[i].want);
			if (r)
				fprintf(stderr, "  case %zu: %s\n", i,
				        err_msg(&err));
		} else {
			CHECK(r == -1);
			CHECK(out.len == 0);
			CHECK(strstr(err_msg(&err), cases[i].why) != NULL);
			CHECK(strncmp(err_msg(&err), "invalid address '", 17) ==
			      0);
			if (!strstr(err_msg(&err), cases[i].why))
				fprintf(stderr, "  case %zu (%s): %s\n", i,
				        cases[i].in, err_msg(&err));
		}
		err_release(&err);
	}
	buf_release(&out);
}

/* Lengths computed rather than typed: the 254-octet limit on the path. */
static void test_lengths(void)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct err err = ERR_INIT;

	/* 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 */
	buf_addf(&in, "%064d@", 0);
	for (int i = 0; i < 2; i++) {
		for (int j = 0; j < 63; j++)
			buf_addch(&in, 'a');
		buf_addch(&in, '.');
	}
	for (int j = 0; j < 61; j++)
		buf_addch(&in, 'b');
	CHECK(in.len == 254);
	CHECK(address_normalise(in.data, in.len, &out, &err) == 0);
	CHECK(out.len == 254);
	buf_addch(&in, 'b');
	CHECK(address_normalise(in.data, in.len, &out, &err) == -1);
	CHECK(strstr(err_msg(&err), "longer than 254") != NULL);
	err_release(&err);
	buf_release(&in);
	buf_release(&out);
}

/* Bytes from the input reach the message only as printable ASCII. */
static void test_message_is_safe(void)
{
	struct buf out = BUF_INIT;
	struct err err = ERR_INIT;
	const char *in = "\x1b[31mred\x1b[0m";

	CHECK(address_normalise(in, strlen(in), &out, &err) == -1);
	CHECK(strchr(err_msg(&err), '\x1b') == NULL);
	CHECK(strstr(err_msg(&err), "\\x1b[31mred") != NULL);
	err_release(&err);
	buf_release(&out);
}

static void test_domain(void)
{
	struct err err = ERR_INIT;

	CHECK_STR(address_domain("jo@example.org"), "example.org");
	CHECK_STR(address_domain("\"a@b\"@example.org"), "example.org");
	CHECK(address_check_domain("het-news.example.org", 20, &err) == 0);
	CHECK(address_check_domain("bad domain", 10, &err) == -1);
	CHECK(strstr(err_msg(&err), "a space is not allowed") != NULL);
	err_release(&err);
}

int main(void)
{
	test_table();
	test_lengths();
	test_message_is_safe();
	test_domain();
	return check_done();
}
