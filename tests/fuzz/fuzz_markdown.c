/*
 * libFuzzer target for src/markdown*.c: parses the input, renders it both
 * ways and aborts when an invariant breaks:
 * - the HTML holds only the tags the renderer writes, so no raw HTML
 *   (no "<script") ever passes through;
 * - every href and src is printable ASCII with an allowed scheme;
 * - every href appears in the text (mailto: without its scheme);
 * - both outputs are valid UTF-8 and the same when rendered again.
 *
 * clang -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_markdown.c
 *   src/compile/markdown*.c src/common/buf.c -lcmark
 * Built with -DBULLETIN_FUZZ_MAIN instead of -fsanitize=fuzzer, it runs
 * the files named on the command line once each (the seed corpus test).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "markdown.h"

#define FAIL(what, out)                                                    \
	do {                                                               \
		fprintf(stderr, "fuzz_markdown: %s\n--- output ---\n%s\n", \
		        what, out);                                        \
		abort();                                                   \
	} while (0)

static const char *const tags[] = {
        "p>",         "/p>",        "h1>",      "/h1>",        "h2>",
        "/h2>",       "h3>",        "/h3>",     "h4>",         "/h4>",
        "h5>",        "/h5>",       "h6>",      "/h6>",        "em>",
        "/em>",       "strong>",    "/strong>", "code>",       "/code>",
        "pre style=", "pre>",       "/pre>",    "blockquote>", "/blockquote>",
        "ul>",        "/ul>",       "ol>",      "ol start=\"", "/ol>",
        "li>",        "/li>",       "hr>",      "br>",         "a href=\"",
        "/a>",        "img src=\"",
};

static int utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = s[i] < 0x80             ? 1
		             : (s[i] & 0xe0) == 0xc0 ? 2
		             : (s[i] & 0xf0) == 0xe0 ? 3
		             : (s[i] & 0xf8) == 0xf0 ? 4
		                                     : 0;

		if (!len || i + len > n)
			return 0;
		for (size_t j = 1; j < len; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

static void check_tags(const char *html)
{
	for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
		size_t i;

		for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
			if (!strncmp(p + 1, tags[i], strlen(tags[i])))
				break;
		if (i == sizeof(tags) / sizeof(tags[0]))
			FAIL("unexpected tag in HTML", html);
	}
	if (strcasestr(html, "<script"))
		FAIL("<script in HTML", html);
}

/* Decodes the escapes buf_add_html writes. */
static void unescape(const char *s, size_t n, struct buf *out)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'},
	            {"&#39;", '\''},
	            {"&quot;", '"'},
	            {"&lt;", '<'},
	            {"&gt;", '>'}};

	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
			if (!strncmp(s + i, ents[k].ent, strlen(ents[k].ent)))
				break;
		if (k < sizeof(ents) / sizeof(ents[0])) {
			buf_addch(out, ents[k].c);
			i += strlen(ents[k].ent) - 1;
		} else {
			buf_addch(out, s[i]);
		}
	}
}

static void check_target(const char *t, const char *html)
{
	size_t scheme = 0;

	for (const char *p = t; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("\"<>\\", *p))
			FAIL("target not one word of safe ASCII", html);
	/* RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if ((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z'))
		scheme = 1 + strspn(t + 1, "abcdefghijklmnopqrstuvwxyz"
		                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                           "0123456789+-.");
	if (scheme && t[scheme] == ':' && strncasecmp(t, "http:", 5) &&
	    strncasecmp(t, "https:", 6) && strncasecmp(t, "mailto:", 7) &&
	    strncasecmp(t, "tel:", 4))
		FAIL("refused scheme in a target", html);
}

/* Checks every attr="..." value; hrefs must appear in text. */
static void check_attrs(const char *html, const char *attr, const char *text)
{
	struct buf v = BUF_INIT;
	size_t alen = strlen(attr);

	for (const char *p = strstr(html, attr); p; p = strstr(p, attr)) {
		const char *end = strchr(p + alen, '"');

		if (!end)
			FAIL("unterminated attribute", html);
		buf_reset(&v);
		unescape(p + alen, (size_t)(end - p - alen), &v);
		check_target(v.data, html);
		if (!strcmp(attr, " href=\"")) {
			const char *shown = v.data;

			if (!strncasecmp(shown, "mailto:", 7))
				shown += 7;
			if (!strstr(text, shown)) {
				fprintf(stderr, "text:\n%s\n", text);
				FAIL("href missing from the text", html);
			}
		}
		p = end;
	}
	buf_release(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags = size ? data[0] : 0;
	struct markdown_opts o = {
	        .heading_offset = (int)(flags >> 5) - 2,
	        .base_url =
	                flags & 1 ? "https://news.example.org/2026-12/" : NULL,
	        .width = flags & 2 ? 72 : (int)(flags % 53),
	        .inline_styles = !(flags & 4),
	};
	cmark_node *doc = markdown_parse((const char *)data, size);
	struct buf html = BUF_INIT, text = BUF_INIT, again = BUF_INIT;
	struct buf words = BUF_INIT;

	markdown_html(doc, &o, &html);
	markdown_text(doc, &o, &text);
	markdown_node_text(doc, &words);
	if (!utf8_valid((const unsigned char *)html.data, html.len))
		FAIL("HTML not UTF-8", html.data);
	if (!utf8_valid((const unsigned char *)text.data, text.len))
		FAIL("text not UTF-8", text.data);
	check_tags(html.data);
	if (!o.inline_styles && strstr(html.data, " style=\""))
		FAIL("a style attribute for the web", html.data);
	check_attrs(html.data, " href=\"", text.data);
	check_attrs(html.data, " src=\"", text.data);
	markdown_html(doc, &o, &again);
	if (strcmp(again.data, html.data))
		FAIL("HTML differs when rendered again", again.data);
	buf_reset(&again);
	markdown_text(doc, &o, &again);
	if (strcmp(again.data, text.data))
		FAIL("text differs when rendered again", again.data);
	cmark_node_free(doc);
	buf_release(&html);
	buf_release(&text);
	buf_release(&again);
	buf_release(&words);
	return 0;
}

#ifdef BULLETIN_FUZZ_MAIN
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct buf in = BUF_INIT;

		if (buf_read_file(&in, argv[i], 1 << 20) < 0) {
			perror(argv[i]);
			return 1;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)in.data, in.len);
		buf_release(&in);
	}
	printf("fuzz_markdown: %d inputs ok\n", argc - 1);
	return 0;
}
#endif
