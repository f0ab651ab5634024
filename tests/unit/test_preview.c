#include "preview.h"

#include <string.h>

#include "check.h"
#include "render.h"

static void relative(const char *from, const char *to, const char *want)
{
	struct buf b = BUF_INIT;

	preview_relative(from, to, &b);
	CHECK_STR(b.data, want);
	buf_release(&b);
}

static void test_relative(void)
{
	relative("/ws/issues/2027-01/build", "/ws/issues/2027-01", "../");
	relative("/ws/issues/2027-01", "/ws/issues/2027-01", "./");
	relative("/ws", "/ws/issues/2027-01", "issues/2027-01/");
	relative("/ws/sub", "/ws/issues/x", "../issues/x/");
	relative("/tmp", "/ws/issues/x", "../ws/issues/x/");
	relative("/", "/ws/issues/x", "ws/issues/x/");
	relative("/ab", "/a", "../a/");
	relative("/a", "/ab", "../ab/");
}

static const char yaml[] = "newsletter:\n"
                           "  name: Test News\n"
                           "  from: \"Test News <news@example.org>\"\n"
                           "  base_url: https://news.example.org/\n"
                           "sections:\n"
                           "  - key: one\n"
                           "    title: Section one\n";

/* Every marker filled in, the link inert, pictures local, a banner. */
static void test_page(void)
{
	static const char html[] =
	        "<html><body style=\"x\"><p>" RENDER_MARK_GREETING "</p><img "
	        "src=\"https://news.example.org/issues/2027-01/a.png\">"
	        "<a href=\"" RENDER_MARK_UNSUBSCRIBE "\">Unsubscribe</a>"
	        "<a href=\"https://news.example.org/issues/2027-01/\">web</a>"
	        "<p>" RENDER_MARK_EMAIL "</p></body></html>";
	const struct preview_reader r = {"Ann <A&B>", "ann@example.org"};
	struct config cfg;
	struct err err = ERR_INIT;
	struct buf out = BUF_INIT;

	config_init(&cfg);
	CHECK(config_parse(&cfg, yaml, strlen(yaml), "b.yaml", &err) == 0);
	preview_html(&cfg, "2027-01", html, strlen(html), &r, "../", &out);
	CHECK(strstr(out.data, "[[bulletin:") == NULL);
	CHECK(strstr(out.data, "Hello Ann &lt;A&amp;B&gt;,") != NULL);
	CHECK(strstr(out.data, "<img src=\"../a.png\">") != NULL);
	CHECK(strstr(out.data, "<a href=\"#\">Unsubscribe</a>") != NULL);
	/* Links to the web stay as they are: only pictures are local. */
	CHECK(strstr(out.data,
	             "href=\"https://news.example.org/issues/2027-01/\"") !=
	      NULL);
	CHECK(strstr(out.data, "<body style=\"x\">\n<p ") != NULL);
	CHECK(strstr(out.data, "Preview: this issue as Ann &lt;A&amp;B&gt; "
	                       "&lt;ann@example.org&gt; will see it") != NULL);
	config_release(&cfg);
	buf_release(&out);
	err_release(&err);
}

int main(void)
{
	test_relative();
	test_page();
	return check_done();
}
