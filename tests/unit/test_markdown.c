/*
 * markdown: each construct through both renderers with exact output,
 * wrapping edges, hostile input (raw HTML, script links) and the rule
 * that every href of the HTML appears in the text.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "markdown.h"

#include "banned.h"

#define A_STYLE   " style=\"color:#0645ad;text-decoration:underline\""
#define IMG_STYLE " style=\"display:block;max-width:100%;height:auto;border:0\""
#define PRE       "<pre style=\"white-space:pre-wrap;overflow-wrap:break-word\">"
#define BASE      "https://news.example.org/2026-12/"

/* As for email: inline styles on links, images and code blocks. */
static const struct markdown_opts plain = {.width = 72, .inline_styles = 1};
static const struct markdown_opts based = {
        .width = 72, .base_url = BASE, .inline_styles = 1};

static char *render(const char *md, const struct markdown_opts *o, int html)
{
	struct buf out = BUF_INIT;
	cmark_node *doc = markdown_parse(md, strlen(md));

	if (html)
		markdown_html(doc, o, &out);
	else
		markdown_text(doc, o, &out);
	cmark_node_free(doc);
	return buf_detach(&out);
}

#define CHECK_HTML(o, md, want)                \
	do {                                   \
		char *got_ = render(md, o, 1); \
		CHECK_STR(got_, want);         \
		free(got_);                    \
	} while (0)

#define CHECK_TEXT(o, md, want)                \
	do {                                   \
		char *got_ = render(md, o, 0); \
		CHECK_STR(got_, want);         \
		free(got_);                    \
	} while (0)

static char *node_text(const char *md)
{
	struct buf out = BUF_INIT;
	cmark_node *doc = markdown_parse(md, strlen(md));

	markdown_node_text(doc, &out);
	cmark_node_free(doc);
	return buf_detach(&out);
}

/* markdown_url's result as a string, or "REFUSED". */
static char *url(const char *dest, const struct markdown_opts *o)
{
	struct buf out = BUF_INIT;

	if (markdown_url(dest, o, &out) < 0)
		buf_adds(&out, "REFUSED");
	return buf_detach(&out);
}

#define CHECK_URL(o, dest, want)           \
	do {                               \
		char *got_ = url(dest, o); \
		CHECK_STR(got_, want);     \
		free(got_);                \
	} while (0)

static void test_html_blocks(void)
{
	struct markdown_opts h3 = {.heading_offset = 3};
	struct markdown_opts neg = {.heading_offset = -4};

	CHECK_HTML(&plain, "Hello *world*", "<p>Hello <em>world</em></p>\n");
	CHECK_HTML(&plain, "**b** and `a<b`",
	           "<p><strong>b</strong> and <code>a&lt;b</code></p>\n");
	CHECK_HTML(&plain, "a < b & c > \"d\" 'e'",
	           "<p>a &lt; b &amp; c &gt; &quot;d&quot; &#39;e&#39;</p>\n");
	CHECK_HTML(&plain, "# One\n\n## Two", "<h1>One</h1>\n<h2>Two</h2>\n");
	CHECK_HTML(&h3, "# One\n## Two\n### Three\n###### Six",
	           "<h4>One</h4>\n<h5>Two</h5>\n<h6>Three</h6>\n"
	           "<h6>Six</h6>\n");
	CHECK_HTML(&neg, "## Two", "<h1>Two</h1>\n");
	CHECK_HTML(&plain, "```c\nif (a < b)\n\tx();\n```",
	           PRE "<code>if (a &lt; b)\n\tx();\n</code></pre>\n");
	CHECK_HTML(&plain, "> quoted\n> text",
	           "<blockquote>\n<p>quoted\ntext</p>\n</blockquote>\n");
	CHECK_HTML(&plain, "* a\n* b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
	CHECK_HTML(&plain, "3. a\n4. b",
	           "<ol start=\"3\">\n<li>a</li>\n<li>b</li>\n</ol>\n");
	CHECK_HTML(&plain, "1. a\n\n2. b",
	           "<ol>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n"
	           "</ol>\n");
	CHECK_HTML(&plain, "* a\n  1. b\n* c",
	           "<ul>\n<li>a\n<ol>\n<li>b</li>\n</ol>\n</li>\n<li>c</li>\n"
	           "</ul>\n");
	CHECK_HTML(&plain, "a\n\n***\n\nb", "<p>a</p>\n<hr>\n<p>b</p>\n");
	CHECK_HTML(&plain, "a\nb  \nc\\\nd", "<p>a\nb<br>\nc<br>\nd</p>\n");
}

static void test_html_links(void)
{
	CHECK_HTML(&plain, "[a](https://x.org/?a=1&b=2 \"T & 'q'\")",
	           "<p><a href=\"https://x.org/?a=1&amp;b=2\""
	           " title=\"T &amp; &#39;q&#39;\"" A_STYLE ">a</a></p>\n");
	CHECK_HTML(&plain, "<https://x.org>",
	           "<p><a href=\"https://x.org\"" A_STYLE
	           ">https://x.org</a></p>\n");
	CHECK_HTML(&plain, "<info@example.org>",
	           "<p><a href=\"mailto:info@example.org\"" A_STYLE
	           ">info@example.org</a></p>\n");
	CHECK_HTML(&plain, "[call](tel:+441582000000)",
	           "<p><a href=\"tel:+441582000000\"" A_STYLE
	           ">call</a></p>\n");
	CHECK_HTML(&based, "[a](docs/a.pdf) [b](/b) [c](#c)",
	           "<p><a href=\"" BASE "docs/a.pdf\"" A_STYLE ">a</a>"
	           " <a href=\"https://news.example.org/b\"" A_STYLE ">b</a>"
	           " <a href=\"" BASE "#c\"" A_STYLE ">c</a></p>\n");
	CHECK_HTML(&plain, "[a](docs/a.pdf)",
	           "<p><a href=\"docs/a.pdf\"" A_STYLE ">a</a></p>\n");
	/* Refused schemes: the text stays, the link goes. */
	CHECK_HTML(&plain, "[a *b*](javascript:alert(1))",
	           "<p>a <em>b</em></p>\n");
	CHECK_HTML(&based, "[a](JavaScript:alert(1))", "<p>a</p>\n");
	CHECK_HTML(&based, "[a](java&#9;script:alert(1))", "<p>a</p>\n");
	CHECK_HTML(&based, "[a](<  javascript:alert(1)>)", "<p>a</p>\n");
	CHECK_HTML(&based, "[a](data:text/html;base64,PHNjcmlwdD4=)",
	           "<p>a</p>\n");
	CHECK_HTML(&based, "[a](vbscript:msgbox)", "<p>a</p>\n");
	CHECK_HTML(&based, "[a](file:///etc/passwd)", "<p>a</p>\n");
	CHECK_HTML(&based, "[a]()", "<p>a</p>\n");
	/* Attribute breakouts are encoded, not passed. */
	CHECK_HTML(&plain, "[a](<https://x.org/\"onmouseover=\"x>)",
	           "<p><a href=\"https://x.org/%22onmouseover=%22x\"" A_STYLE
	           ">a</a></p>\n");
	/* A link with nothing to show shows its target. */
	CHECK_HTML(&plain, "[](https://x.org) [ ](mailto:a@b.org)",
	           "<p><a href=\"https://x.org\"" A_STYLE ">https://x.org</a>"
	           " <a href=\"mailto:a@b.org\"" A_STYLE ">a@b.org</a></p>\n");
}

static int fake_width(void *ctx, const char *src)
{
	(void)ctx;
	if (!strcmp(src, "small.png"))
		return 120;
	if (!strcmp(src, "huge.png"))
		return 4000;
	return 0;
}

static void test_html_images(void)
{
	struct markdown_opts sized = {.base_url = BASE,
	                              .image_width = fake_width,
	                              .inline_styles = 1};

	CHECK_HTML(&based, "![Parents *at* play](play.jpg \"Play\")",
	           "<p><img src=\"" BASE "play.jpg\" alt=\"Parents at play\""
	           " title=\"Play\" width=\"560\"" IMG_STYLE "></p>\n");
	CHECK_HTML(&plain, "![a \"q\" & b](https://x.org/p.png)",
	           "<p><img src=\"https://x.org/p.png\""
	           " alt=\"a &quot;q&quot; &amp; b\" width=\"560\"" IMG_STYLE
	           "></p>\n");
	CHECK_HTML(&sized, "![s](small.png)![h](huge.png)",
	           "<p><img src=\"" BASE
	           "small.png\" alt=\"s\" width=\"120\"" IMG_STYLE
	           "><img src=\"" BASE "huge.png\" alt=\"h\""
	           " width=\"560\"" IMG_STYLE "></p>\n");
	CHECK_HTML(&plain, "![](deco.png)",
	           "<p><img src=\"deco.png\" alt=\"\" width=\"560\"" IMG_STYLE
	           "></p>\n");
	CHECK_HTML(&plain, "![x <b>y</b>](javascript:alert(1))",
	           "<p>x y</p>\n");
	CHECK_HTML(&plain, "[![logo](l.png)](https://x.org)",
	           "<p><a href=\"https://x.org\"" A_STYLE "><img src=\"l.png\""
	           " alt=\"logo\" width=\"560\"" IMG_STYLE "></a></p>\n");
	/* A link inside alt text is alt text, not a link. */
	CHECK_HTML(&plain, "![a [b](https://b.org)](p.png)",
	           "<p><img src=\"p.png\" alt=\"a b\" width=\"560\"" IMG_STYLE
	           "></p>\n");
}

static const char hostile[] =
        "<script>alert(1)</script>\n\n"
        "<div onclick=\"x\">\n*block* html\n</div>\n\n"
        "text <b>bold</b> <script>alert(1)</script> and "
        "<SCRIPT type=\"x\">alert(1)</SCRIPT > end\n\n"
        "<!-- a comment -->\n\n"
        "* <img src=x onerror=alert(1)> item\n\n"
        "before <style>p{}</style> after\n\n"
        "[x](javascript:alert(1)) ![y](javascript:alert(1))\n";

/* For web pages: the same markup with no style attribute anywhere. */
static void test_html_web(void)
{
	const struct markdown_opts web = {.width = 72};

	CHECK_HTML(&web, "See [the plan](https://x.org/p \"P\") and <a@b.org>.",
	           "<p>See <a href=\"https://x.org/p\" title=\"P\">the plan</a>"
	           " and <a href=\"mailto:a@b.org\">a@b.org</a>.</p>\n");
	CHECK_HTML(
	        &web, "![Play](play.jpg)",
	        "<p><img src=\"play.jpg\" alt=\"Play\" width=\"560\"></p>\n");
	CHECK_HTML(&web, "    x < y\n", "<pre><code>x &lt; y\n</code></pre>\n");
}

static void test_raw_html(void)
{
	char *h = render(hostile, &plain, 1);
	char *t = render(hostile, &plain, 0);

	CHECK_STR(h, "<p>text bold  and  end</p>\n"
	             "<ul>\n<li> item</li>\n</ul>\n"
	             "<p>before  after</p>\n"
	             "<p>x y</p>\n");
	CHECK_STR(t, "text bold and end\n\n* item\n\nbefore after\n\nx [Image: "
	             "y]\n");
	CHECK(!strstr(h, "<script") && !strstr(t, "<script"));
	CHECK(!strstr(h, "alert") && !strstr(t, "alert"));
	CHECK(!strstr(h, "onclick") && !strstr(h, "onerror"));
	CHECK(!strstr(h, "block") && !strstr(t, "block"));
	free(h);
	free(t);
}

static void test_url(void)
{
	CHECK_URL(&plain, "https://x.org/a", "https://x.org/a");
	CHECK_URL(&plain, "HTTP://X.org", "HTTP://X.org");
	CHECK_URL(&plain, "mailto:a@b.org", "mailto:a@b.org");
	CHECK_URL(&plain, "tel:+44", "tel:+44");
	CHECK_URL(&plain, "javascript:x", "REFUSED");
	CHECK_URL(&plain, " \tjava\nscript:x", "REFUSED");
	CHECK_URL(&plain, "jav\rascript:x", "REFUSED");
	CHECK_URL(&plain, "data:image/png;base64,AAAA", "REFUSED");
	CHECK_URL(&plain, "c:\\windows", "REFUSED");
	CHECK_URL(&plain, "", "REFUSED");
	CHECK_URL(&plain, " \t", "REFUSED");
	CHECK_URL(&plain, "docs/a.pdf", "docs/a.pdf");
	CHECK_URL(&plain, "a:b/c", "REFUSED");
	CHECK_URL(&plain, "./a:b", "./a:b");
	CHECK_URL(NULL, "x.png", "x.png");
	CHECK_URL(&based, "docs/a.pdf", BASE "docs/a.pdf");
	CHECK_URL(&based, "/about", "https://news.example.org/about");
	CHECK_URL(&based, "//cdn.example.org/p.png",
	          "https://cdn.example.org/p.png");
	CHECK_URL(&based, "#top", BASE "#top");
	CHECK_URL(&based, "?q=1", BASE "?q=1");
	CHECK_URL(&based, "https://other.org", "https://other.org");
	CHECK_URL(&plain, "https://x.org/a b\\c\"d<e>f{g}h|i^j`k",
	          "https://x.org/a%20b%5Cc%22d%3Ce%3Ef%7Bg%7Dh%7Ci%5Ej%60k");
	CHECK_URL(&plain, "https://x.org/caf\xc3\xa9?q=%41",
	          "https://x.org/caf%C3%A9?q=%41");
	CHECK_URL(&plain, "\\\\evil.org/x", "%5C%5Cevil.org/x");
}

static void test_text_blocks(void)
{
	struct markdown_opts h3 = {.heading_offset = 3, .width = 72};

	CHECK_TEXT(&plain, "", "");
	CHECK_TEXT(&plain, "Hello *world*, **bold** and `code`.",
	           "Hello _world_, *bold* and code.\n");
	CHECK_TEXT(&plain, "a\n\nb", "a\n\nb\n");
	CHECK_TEXT(&plain, "a\nb  \nc\\\nd", "a b\nc\nd\n");
	CHECK_TEXT(&plain, "# Title\n\nText\n\n## Sub\n\n### Third",
	           "Title\n=====\n\nText\n\nSub\n---\n\nThird\n-----\n");
	CHECK_TEXT(&h3, "# Title\n## Sub", "Title\n=====\n\nSub\n---\n");
	CHECK_TEXT(&plain, "# Caf\xc3\xa9 cr\xc3\xa8me",
	           "Caf\xc3\xa9 cr\xc3\xa8me\n==========\n");
	CHECK_TEXT(&plain, "#\n\nafter", "after\n");
	CHECK_TEXT(&plain, "a\n\n---\n\nb", "a\n\n* * *\n\nb\n");
	CHECK_TEXT(&plain, "    code  line\n\n    \tmore\n\npara",
	           "    code  line\n\n    \tmore\n\npara\n");
	CHECK_TEXT(&plain, "```\n\n  x\n```", "\n      x\n");
	CHECK_TEXT(&plain, "```\n```\n\nafter", "after\n");
	CHECK_TEXT(&plain, "> quoted\n>\n> two", "> quoted\n>\n> two\n");
	CHECK_TEXT(&plain, "> a\n>> b", "> a\n>\n> > b\n");
	CHECK_TEXT(&plain, ">", ">\n");
	CHECK_TEXT(&plain, "> ```\n> code\n> ```", ">     code\n");
	CHECK_TEXT(&plain, "a\n\n<div>\nx\n</div>\n\nb", "a\n\nb\n");
	CHECK_TEXT(&plain,
	           "a\x01\x7f"
	           "b\tc",
	           "a b c\n");
}

static void test_text_lists(void)
{
	CHECK_TEXT(&plain, "* a\n* b", "* a\n* b\n");
	CHECK_TEXT(&plain, "- a\n\n- b", "* a\n\n* b\n");
	CHECK_TEXT(&plain, "3. a\n4. b", "3. a\n4. b\n");
	CHECK_TEXT(&plain, "9. a\n1. b", " 9. a\n10. b\n");
	CHECK_TEXT(&plain, "8) a\n9) b", "8. a\n9. b\n");
	CHECK_TEXT(&plain, "* a\n  * b\n    1. c\n* d",
	           "* a\n  * b\n    1. c\n* d\n");
	CHECK_TEXT(&plain, "para\n\n* a\n* b\n\nafter",
	           "para\n\n* a\n* b\n\nafter\n");
	CHECK_TEXT(&plain, "* a\n\n  second\n* b", "* a\n\n  second\n\n* b\n");
	CHECK_TEXT(&plain, "*\n* b", "*\n* b\n");
	CHECK_TEXT(&plain, "* > q\n  > r", "* > q r\n");
	CHECK_TEXT(&plain, "> * a\n>\n> * b", "> * a\n>\n> * b\n");
	CHECK_TEXT(&plain, "* a\n\n      code", "* a\n\n      code\n");
	CHECK_TEXT(&plain, "1. # Head", "1. Head\n   ====\n");
	/* Hanging indent. */
	CHECK_TEXT(&plain,
	           "* The early-years team visited every family in the two "
	           "new wards this autumn, and most signed up.",
	           "* The early-years team visited every family in the two "
	           "new wards this\n  autumn, and most signed up.\n");
	CHECK_TEXT(&plain,
	           "10. The early-years team visited every family in the two "
	           "new wards this autumn.",
	           "10. The early-years team visited every family in the two "
	           "new wards this\n    autumn.\n");
	CHECK_TEXT(&plain,
	           "> * The early-years team visited every family in the two "
	           "new wards this autumn.",
	           "> * The early-years team visited every family in the two "
	           "new wards this\n>   autumn.\n");
	/* 72 columns exactly, prefix included. */
	CHECK_TEXT(&plain,
	           "> * The early-years team visited every family in the two "
	           "new wards thuss and",
	           "> * The early-years team visited every family in the two "
	           "new wards thuss\n>   and\n");
}

/* n copies of word separated by spaces. */
static char *words(const char *word, int n)
{
	struct buf b = BUF_INIT;

	for (int i = 0; i < n; i++) {
		if (i)
			buf_addch(&b, ' ');
		buf_adds(&b, word);
	}
	return buf_detach(&b);
}

static void test_text_wrapping(void)
{
	struct markdown_opts narrow = {.width = 10};
	struct buf want = BUF_INIT;
	/* 7 words of 9 = 63 + 6 spaces = 69 columns. */
	char *line69 = words("abcdefghi", 7);
	char *md = NULL;

	/* Exactly 72 columns stays on one line; 73 wraps. */
	buf_addf(&want, "%s xy\n", line69);
	CHECK_TEXT(&plain, want.data, want.data);
	buf_reset(&want);
	buf_addf(&want, "%s xyz", line69);
	md = xstrdup(want.data);
	buf_reset(&want);
	buf_addf(&want, "%s\nxyz\n", line69);
	CHECK_TEXT(&plain, md, want.data);
	free(md);
	free(line69);

	/* Code points, not bytes: 35 two-byte letters + 34 spaces = 69. */
	line69 = words("\xc3\xa9", 35);
	buf_reset(&want);
	buf_addf(&want, "%s \xc3\xa9\xc3\xa9\n", line69);
	CHECK_TEXT(&plain, want.data, want.data);
	buf_reset(&want);
	buf_addf(&want, "%s \xc3\xa9\xc3\xa9\xc3\xa9", line69);
	md = xstrdup(want.data);
	buf_reset(&want);
	buf_addf(&want, "%s\n\xc3\xa9\xc3\xa9\xc3\xa9\n", line69);
	CHECK_TEXT(&plain, md, want.data);
	free(md);
	free(line69);

	/* A word wider than the line stands alone, unbroken. */
	CHECK_TEXT(&narrow, "ab abcdefghijklmnop cd ef",
	           "ab\nabcdefghijklmnop\ncd ef\n");
	CHECK_TEXT(&narrow, "abcdefghijklmnop", "abcdefghijklmnop\n");
	CHECK_TEXT(&narrow, "> abcdefghijklmnop qr",
	           "> abcdefghijklmnop\n> qr\n");
	/* URLs in text are words too. */
	CHECK_TEXT(&plain,
	           "See https://www.luton.gov.uk/Health_and_social_care/"
	           "Pages/flying-start-early-years-support.aspx for more.",
	           "See\nhttps://www.luton.gov.uk/Health_and_social_care/"
	           "Pages/flying-start-early-years-support.aspx\nfor more.\n");
	/* Runs of spaces collapse; no trailing spaces. */
	CHECK_TEXT(&narrow, "a    b \n  c", "a b c\n");
	/* width 0 means 72. */
	{
		struct markdown_opts zero = {0};
		char *s = words("abcdefgh", 9);
		char *got = render(s, &zero, 0);

		CHECK(strlen(got) == 8 * 8 + 7 + 1 + 8 + 1);
		CHECK(got[71] == '\n');
		free(got);
		free(s);
	}
	buf_release(&want);
}

static void test_text_links(void)
{
	struct markdown_opts narrow = {.width = 20};

	CHECK_TEXT(&plain, "Read [the report](https://x.org/r).",
	           "Read the report [1].\n\n[1] https://x.org/r\n");
	CHECK_TEXT(
	        &plain,
	        "[a](https://x.org) [b](https://y.org) "
	        "[c](https://x.org)",
	        "a [1] b [2] c [1]\n\n[1] https://x.org\n[2] https://y.org\n");
	CHECK_TEXT(&plain, "<https://x.org/a?b=1&c=2>",
	           "https://x.org/a?b=1&c=2\n");
	CHECK_TEXT(&plain, "[https://x.org](https://x.org)", "https://x.org\n");
	CHECK_TEXT(&plain, "Write to <info@example.org>.",
	           "Write to info@example.org.\n");
	CHECK_TEXT(&plain, "[Email us](mailto:info@example.org)",
	           "Email us [1]\n\n[1] info@example.org\n");
	CHECK_TEXT(&plain, "[Call](tel:+441582000000)",
	           "Call [1]\n\n[1] tel:+441582000000\n");
	CHECK_TEXT(&based, "[Agenda](agenda.pdf)",
	           "Agenda [1]\n\n[1] " BASE "agenda.pdf\n");
	CHECK_TEXT(&plain, "[a *b*](javascript:alert(1)) c", "a _b_ c\n");
	CHECK_TEXT(&plain, "[](https://x.org) [ ](mailto:a@b.org)",
	           "https://x.org a@b.org\n");
	CHECK_TEXT(&plain, "[a ](https://x.org)",
	           "a [1]\n\n[1] https://x.org\n");
	/* "[n]" stays with the last word of the link text. */
	CHECK_TEXT(&narrow, "aaaa bbbb cccc [dddd](https://x.org)",
	           "aaaa bbbb cccc\ndddd [1]\n\n[1] https://x.org\n");
	CHECK_TEXT(&plain, "# [Head](https://x.org)",
	           "Head [1]\n========\n\n[1] https://x.org\n");
	CHECK_TEXT(&plain, "> [q](https://x.org)",
	           "> q [1]\n\n[1] https://x.org\n");
}

static void test_text_images(void)
{
	CHECK_TEXT(&plain, "![Parents *at* play](p.jpg)",
	           "[Image: Parents at play]\n");
	CHECK_TEXT(&plain, "![](p.jpg)", "[Image]\n");
	CHECK_TEXT(&plain, "![x](javascript:alert(1))", "[Image: x]\n");
	CHECK_TEXT(&plain, "[![logo](l.png)](https://x.org)",
	           "[Image: logo] [1]\n\n[1] https://x.org\n");
	CHECK_TEXT(&plain, "[![](l.png)](https://x.org)", "https://x.org\n");
	CHECK_TEXT(&plain, "![a [b](https://b.org)](p.png)", "[Image: a b]\n");
}

static void test_node_text(void)
{
	char *s;

	s = node_text("Hello *big*\n`world` <b>x</b>![alt](p.png)");
	CHECK_STR(s, "Hello big world xalt");
	free(s);
	s = node_text("# One\n\ntwo\n\n```\nthree\n```\n\n<div>four</div>");
	CHECK_STR(s, "One\ntwo\nthree");
	free(s);
	s = node_text("* a\n* b\n\n> c");
	CHECK_STR(s, "a\nb\nc");
	free(s);
	s = node_text("");
	CHECK_STR(s, "");
	free(s);
}

static void test_append_and_determinism(void)
{
	const char *md = "# T\n\n[a](https://x.org) ![i](i.png)\n";
	cmark_node *doc = markdown_parse(md, strlen(md));
	struct buf a = BUF_INIT, b = BUF_INIT;

	buf_adds(&a, "KEEP");
	markdown_html(doc, &based, &a);
	markdown_html(doc, &based, &b);
	CHECK(!strncmp(a.data, "KEEP<h1>", 8));
	CHECK_STR(a.data + 4, b.data);
	buf_reset(&a);
	buf_reset(&b);
	buf_adds(&a, "KEEP\n");
	markdown_text(doc, &based, &a);
	markdown_text(doc, &based, &b);
	CHECK_STR(a.data + 5, b.data);
	CHECK_STR(b.data, "T\n=\n\na [1] [Image: i]\n\n[1] https://x.org\n");
	cmark_node_free(doc);
	buf_release(&a);
	buf_release(&b);
}

static const char rich[] =
        "# Flying Start reaches [two more wards](wards.html)\n\n"
        "Universal support, see <https://www.luton.gov.uk/flying-start> "
        "or [the report](/reports/2026.pdf \"Report\") and "
        "[mail us](mailto:early.years@luton.gov.uk?subject=Flying%20Start) "
        "or <early.years@luton.gov.uk>, call [us](tel:+441582546000).\n\n"
        "> A parent said [this](https://example.org/a?x=1&y='2') twice: "
        "[this](https://example.org/a?x=1&y='2').\n\n"
        "1. [One](https://one.example)\n"
        "   * [![Badge](badge.png)](https://two.example/%7Euser)\n"
        "   * [](https://three.example)\n"
        "2. [Bad](javascript:alert(1)) and [also bad](data:x)\n\n"
        "## [Caf\xc3\xa9](https://caf\xc3\xa9.example/men\xc3\xbc)\n\n"
        "[Link *with* `code`](<https://x.example/a b>)\n";

/* Every href of the HTML, unescaped, must appear in the text. */
static void test_link_parity(const struct markdown_opts *o)
{
	char *h = render(rich, o, 1);
	char *t = render(rich, o, 0);
	int hrefs = 0;

	for (const char *p = h; (p = strstr(p, "href=\"")); hrefs++) {
		struct buf target = BUF_INIT;
		const char *shown;

		p += 6;
		for (; *p != '"'; p++) {
			static const struct {
				const char *ent;
				char c;
			} ents[] = {{"&amp;", '&'},
			            {"&#39;", '\''},
			            {"&quot;", '"'},
			            {"&lt;", '<'},
			            {"&gt;", '>'}};
			size_t i;

			for (i = 0; i < 5; i++)
				if (!strncmp(p, ents[i].ent,
				             strlen(ents[i].ent)))
					break;
			if (i < 5) {
				buf_addch(&target, ents[i].c);
				p += strlen(ents[i].ent) - 1;
			} else {
				buf_addch(&target, *p);
			}
		}
		shown = strncmp(target.data, "mailto:", 7) ? target.data
		                                           : target.data + 7;
		if (!strstr(t, shown))
			fprintf(stderr, "href %s missing from text:\n%s\n",
			        target.data, t);
		CHECK(strstr(t, shown) != NULL);
		buf_release(&target);
	}
	CHECK(hrefs == 13);
	CHECK(!strstr(h, "javascript") && !strstr(t, "javascript"));
	CHECK(!strstr(h, "data:") && !strstr(t, "data:"));
	free(h);
	free(t);
}

static void test_rich_text(void)
{
	CHECK_TEXT(
	        &based, rich,
	        "Flying Start reaches two more wards [1]\n"
	        "=======================================\n"
	        "\n"
	        "Universal support, see https://www.luton.gov.uk/flying-start "
	        "or the\n"
	        "report [2] and mail us [3] or early.years@luton.gov.uk, "
	        "call us [4].\n"
	        "\n"
	        "> A parent said this [5] twice: this [5].\n"
	        "\n"
	        "1. One [6]\n"
	        "   * [Image: Badge] [7]\n"
	        "   * https://three.example\n"
	        "2. Bad and also bad\n"
	        "\n"
	        "Caf\xc3\xa9 [8]\n"
	        "--------\n"
	        "\n"
	        "Link _with_ code [9]\n"
	        "\n"
	        "[1] " BASE "wards.html\n"
	        "[2] https://news.example.org/reports/2026.pdf\n"
	        "[3] early.years@luton.gov.uk?subject=Flying%20Start\n"
	        "[4] tel:+441582546000\n"
	        "[5] https://example.org/a?x=1&y='2'\n"
	        "[6] https://one.example\n"
	        "[7] https://two.example/%7Euser\n"
	        "[8] https://caf%C3%A9.example/men%C3%BC\n"
	        "[9] https://x.example/a%20b\n");
}

/* Deep nesting and many links stay linear and bounded. */
static void test_pathological(void)
{
	struct buf md = BUF_INIT;
	char *t, *h;
	size_t longest = 0, cur = 0;
	clock_t c0 = clock();

	for (int i = 0; i < 5000; i++)
		buf_adds(&md, "> ");
	buf_adds(&md, "deep words here\n\n");
	for (int i = 0; i < 3000; i++)
		buf_adds(&md, "* ");
	buf_adds(&md, "item\n\n");
	for (int i = 0; i < 20000; i++)
		buf_addf(&md, "[l%d](https://x.org/%d) ", i, i % 5000);
	t = render(md.data, &plain, 0);
	h = render(md.data, &plain, 1);
	for (const char *p = t; *p; p++) {
		cur = *p == '\n' ? 0 : cur + 1;
		if (cur > longest)
			longest = cur;
	}
	/* Prefix capped at 36 columns, the deep markers on one line. */
	CHECK(strstr(t, "[5000] https://x.org/4999\n") != NULL);
	CHECK(!strstr(t, "[5001]"));
	CHECK(strlen(t) < 1000000);
	CHECK(strstr(h, "<a href=\"https://x.org/4999\"") != NULL);
	fprintf(stderr, "pathological: %.3f s, longest text line %zu\n",
	        (double)(clock() - c0) / CLOCKS_PER_SEC, longest);
	CHECK((double)(clock() - c0) / CLOCKS_PER_SEC < 2.0);
	free(t);
	free(h);
	buf_release(&md);
}

/*
 * The compiler's budget: 200 contributions of about 800 words, parsed
 * and rendered both ways, well under 0.3 s (about 0.04 s at -O2). ASan
 * and UBSan slow this code about fivefold, so sanitized builds get five
 * times the budget rather than a flaky test.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SPEED_BUDGET 1.5
#else
#define SPEED_BUDGET 0.3
#endif
static void test_speed(void)
{
	static const char *const para[] = {
	        "## Progress this term\n\n",
	        "The Flying Start team has worked with *families* across "
	        "**two new wards**, offering [parenting support]"
	        "(https://www.luton.gov.uk/parenting) and `drop-in` sessions "
	        "at local children's centres. Take-up has been strong, "
	        "especially among families who had not used services "
	        "before.\n\n",
	        "* Health visiting with smaller caseloads\n"
	        "* Speech and language support for two-year-olds\n"
	        "* Free part-time childcare\n\n",
	        "> It changed how we spend our mornings, said one parent, "
	        "who asked us not to use her name.\n\n",
	        "![Parents and toddlers at a play session](play.jpg)\n\n",
	};
	struct buf md = BUF_INIT, out = BUF_INIT;
	struct markdown_opts o = {
	        .heading_offset = 3, .base_url = BASE, .width = 72};
	clock_t c0;
	double secs;
	char *nt;
	int n_words = 0;

	while (n_words < 800) {
		for (size_t i = 0; i < sizeof(para) / sizeof(para[0]); i++)
			buf_adds(&md, para[i]);
		nt = node_text(md.data);
		n_words = 0;
		for (char *p = nt; *p; p++)
			n_words += (p == nt || p[-1] == ' ' || p[-1] == '\n') &&
			           *p != ' ' && *p != '\n';
		free(nt);
	}
	c0 = clock();
	for (int i = 0; i < 200; i++) {
		cmark_node *doc = markdown_parse(md.data, md.len);

		buf_reset(&out);
		markdown_html(doc, &o, &out);
		markdown_text(doc, &o, &out);
		cmark_node_free(doc);
	}
	secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
	fprintf(stderr, "200 contributions of %d words: %.3f s\n", n_words,
	        secs);
	CHECK(secs < SPEED_BUDGET);
	buf_release(&md);
	buf_release(&out);
}

/* Bare web addresses become links in both renderers, GitHub's way. */
static void test_autolinks(void)
{
	CHECK_HTML(&plain, "See https://example.org/a_b_c.",
	           "<p>See <a href=\"https://example.org/a_b_c\"" A_STYLE
	           ">https://example.org/a_b_c</a>.</p>\n");
	CHECK_HTML(
	        &plain, "Visit www.luton.gov.uk, or (https://x.org/p).",
	        "<p>Visit <a href=\"http://www.luton.gov.uk\"" A_STYLE
	        ">www.luton.gov.uk</a>, or (<a href=\"https://x.org/p\"" A_STYLE
	        ">https://x.org/p</a>).</p>\n");
	/* Balanced brackets stay in the address, as Wikipedia's need. */
	CHECK_HTML(&plain, "https://en.wikipedia.org/wiki/Luton_(town)!",
	           "<p><a "
	           "href=\"https://en.wikipedia.org/wiki/Luton_(town)\"" A_STYLE
	           ">https://en.wikipedia.org/wiki/Luton_(town)</a>!</p>\n");
	/* Two in one text; none inside a link, code or an image. */
	CHECK_HTML(
	        &plain, "a http://x.org b https://y.org",
	        "<p>a <a href=\"http://x.org\"" A_STYLE ">http://x.org</a> b "
	        "<a href=\"https://y.org\"" A_STYLE ">https://y.org</a></p>\n");
	CHECK_HTML(&plain, "[the report](https://x.org) `https://y.org`",
	           "<p><a href=\"https://x.org\"" A_STYLE
	           ">the report</a> <code>https://y.org</code></p>\n");
	/* Not at the start of a word, or nothing after the prefix. */
	CHECK_HTML(&plain, "xhttps://x.org www. https:// www.x",
	           "<p>xhttps://x.org www. https:// www.x</p>\n");
	/* Escaped on the way out like any other link. */
	CHECK_HTML(&plain, "https://x.org/?a=1&b=\"2\"",
	           "<p><a href=\"https://x.org/?a=1&amp;b=%222\"" A_STYLE
	           ">https://x.org/?a=1&amp;b=&quot;2</a>&quot;</p>\n");
	CHECK_TEXT(&plain, "See https://example.org/a and www.x.org.",
	           "See https://example.org/a and www.x.org [1].\n\n"
	           "[1] http://www.x.org\n");
}

int main(void)
{
	test_autolinks();
	test_html_blocks();
	test_html_links();
	test_html_images();
	test_html_web();
	test_raw_html();
	test_url();
	test_text_blocks();
	test_text_lists();
	test_text_wrapping();
	test_text_links();
	test_text_images();
	test_node_text();
	test_append_and_determinism();
	test_link_parity(&plain);
	test_link_parity(&based);
	test_rich_text();
	test_pathological();
	test_speed();
	return check_done();
}
