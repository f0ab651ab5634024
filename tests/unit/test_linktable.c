#include "linktable.h"

#include <string.h>

#include "check.h"

static void test_round_trip(void)
{
	struct linktable t = LINKTABLE_INIT, back = LINKTABLE_INIT;
	struct buf text = BUF_INIT;
	struct err err = ERR_INIT;

	CHECK(linktable_add(&t, "https://a.example/", "one", "Org A") == 1);
	CHECK(linktable_add(&t, "https://b.example/x", "one", "Org A") == 2);
	/* The same address in the same piece keeps its number... */
	CHECK(linktable_add(&t, "https://a.example/", "one", "Org A") == 1);
	/* ... in another piece it is another link. */
	CHECK(linktable_add(&t, "https://a.example/", "two", "Org\tB") == 3);
	linktable_format(&t, &text);
	CHECK_STR(text.data, "1\tone\tOrg A\thttps://a.example/\n"
	                     "2\tone\tOrg A\thttps://b.example/x\n"
	                     "3\ttwo\tOrg B\thttps://a.example/\n");
	CHECK(linktable_parse(&back, text.data, text.len, "links", &err) == 0);
	CHECK(back.n == 3);
	if (back.n == 3) {
		CHECK_STR(back.v[2].piece, "two");
		CHECK_STR(back.v[2].partner, "Org B");
		CHECK_STR(back.v[1].url, "https://b.example/x");
	}
	linktable_release(&t);
	linktable_release(&back);
	buf_release(&text);
	err_release(&err);
}

static void refused(const char *text, const char *want)
{
	struct linktable t = LINKTABLE_INIT;
	struct err err = ERR_INIT;

	CHECK(linktable_parse(&t, text, strlen(text), "links", &err) < 0);
	CHECK(t.n == 0);
	CHECK(err.set && strstr(err_msg(&err), want));
	if (err.set && !strstr(err_msg(&err), want))
		fprintf(stderr, "  got: %s\n", err_msg(&err));
	err_release(&err);
}

int main(void)
{
	test_round_trip();
	refused("2\tp\tq\thttps://a/\n",
	        "links:1: link number '2' out of order");
	refused("1\tp\tq\tjavascript:alert(1)\n", "is not a web address");
	refused("1\tp\tq\thttps://a/ b\n", "is not a web address");
	refused("1\tp\tq\n", "links:1: not a link line");
	refused("1\tp\tq\thttps://a/\n1\tp\tq\thttps://b/\n", "links:2");
	CHECK(linktable_url_ok("http://x.example/"));
	CHECK(linktable_url_ok("HTTPS://x.example/"));
	CHECK(!linktable_url_ok("mailto:a@b.example"));
	CHECK(!linktable_url_ok("//evil.example/"));
	CHECK(!linktable_url_ok("https://x.example/\x7f"));
	return check_done();
}
