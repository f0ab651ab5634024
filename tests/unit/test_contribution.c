/*
 * piece: one piece checked from memory, as the contribution form will:
 * details that come back exactly whatever they hold, bodies escaped on
 * the way out, the new checks, and every message in a partner's words.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "markdown.h"
#include "contribution.h"
#include "yamldoc.h"

#include "banned.h"

static struct config cfg;
static struct diags all = DIAGS_INIT; /* every message seen, for words */

/* Checks text as issues/t/x.md: the diagnostics, joined, in *msgs. */
static void check(const char *text, struct contribution *c, struct buf *msgs)
{
	struct diags d = DIAGS_INIT;

	contribution_check(&cfg, NULL, "issues/t/x.md", text, strlen(text), c,
	                   &d);
	for (size_t i = 0; i < d.n; i++) {
		buf_addf(msgs, "%d:%d: %s: %s [%s]\n", d.v[i].line, d.v[i].col,
		         diag_level_name(&d.v[i], 0), d.v[i].msg, d.v[i].code);
		diags_add(&all, d.v[i].level, d.v[i].file, d.v[i].line,
		          d.v[i].col, d.v[i].code, "%s", d.v[i].msg);
	}
	diags_release(&d);
}

/* The messages for text, as one string (caller frees). */
static char *messages(const char *text)
{
	struct contribution c;
	struct buf msgs = BUF_INIT;

	check(text, &c, &msgs);
	contribution_release(&c);
	return buf_detach(&msgs);
}

#define HEAD "---\ntitle: T\npartner: P\n"
#define BODY "---\nWe met in May. It went well.\n"

#define CHECK_MSG(text, want)                                                  \
	do {                                                                   \
		char *m_ = messages(text);                                     \
		CHECK(strstr(m_, want) != NULL);                               \
		if (!strstr(m_, want))                                         \
			fprintf(stderr, "  want: %s\n  got:  %s\n", want, m_); \
		free(m_);                                                      \
	} while (0)

#define CHECK_NO_MSG(text, unwanted)                        \
	do {                                                \
		char *m_ = messages(text);                  \
		CHECK(strstr(m_, unwanted) == NULL);        \
		if (strstr(m_, unwanted))                   \
			fprintf(stderr, "  got: %s\n", m_); \
		free(m_);                                   \
	} while (0)

/* Titles and summaries, quoted by yamldoc_add_quoted, come back exact. */
static void test_round_trip(void)
{
	static const char *const tricky[] = {
	        "Learning session: what works",
	        "\"Quoted\" and 'single' quotes",
	        "# not a comment",
	        "- not a list",
	        "&anchor and *alias",
	        "! not a tag",
	        "line one\nline two",
	        "50% {braces} [brackets] | pipe > more: yes",
	        "back\\slash \\n not a newline",
	        "<script>alert(1)</script> & <b>bold</b>",
	        "@at `tick` ~",
	        "true",
	        "null",
	        "0x1F",
	        "---",
	        "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d \xf0\x9f\x98\x80",
	};

	for (size_t i = 0; i < sizeof(tricky) / sizeof(*tricky); i++) {
		struct buf text = BUF_INIT, msgs = BUF_INIT;
		struct contribution c;

		buf_adds(&text, "---\ntitle: ");
		yamldoc_add_quoted(&text, tricky[i]);
		buf_adds(&text, "\nsummary: ");
		yamldoc_add_quoted(&text, tricky[i]);
		buf_adds(&text, "\npartner: P\nsection: work\n" BODY);
		check(text.data, &c, &msgs);
		CHECK_STR(c.title, tricky[i]);
		CHECK_STR(c.summary, tricky[i]);
		CHECK(c.ok);
		if (msgs.len)
			fprintf(stderr, "  %s\n", msgs.data);
		contribution_release(&c);
		buf_release(&text);
		buf_release(&msgs);
	}
}

/* The body is kept exactly, and nothing in it reaches the HTML raw. */
static void test_body_escaped(void)
{
	static const char body[] =
	        "Tea & cake <b>free</b> <script>alert(1)</script>\n\n"
	        "[x](javascript:alert(1)) \"quotes\" 'apostrophes'\n\n"
	        "<img src=x onerror=alert(1)> &amp; &lt;kept&gt; {{name}}\n";
	struct buf text = BUF_INIT, msgs = BUF_INIT, html = BUF_INIT;
	struct contribution c;

	buf_adds(&text, HEAD "section: work\n---\n");
	buf_adds(&text, body);
	check(text.data, &c, &msgs);
	CHECK_STR(c.body, body);
	markdown_html(c.doc, NULL, &html);
	CHECK(strstr(html.data, "Tea &amp; cake") != NULL);
	CHECK(strstr(html.data, "<script") == NULL);
	CHECK(strstr(html.data, "<b>") == NULL);
	CHECK(strstr(html.data, "onerror") == NULL);
	CHECK(strstr(html.data, "javascript:") == NULL);
	CHECK(strstr(html.data, "&quot;quotes&quot;") != NULL);
	CHECK(strstr(html.data, "&amp; &lt;kept&gt; {{name}}") != NULL);
	contribution_release(&c);
	buf_release(&text);
	buf_release(&msgs);
	buf_release(&html);
}

static void test_sections(void)
{
	CHECK_MSG(HEAD "section: work-and-jobs\n" BODY,
	          "unknown section 'work-and-jobs': did you mean 'work'");
	CHECK_MSG(HEAD "section: Give every child the best start\n" BODY,
	          "did you mean 'best-start'");
	CHECK_MSG(HEAD "section: best_start\n" BODY,
	          "did you mean 'best-start'");
	CHECK_MSG(HEAD "section: events\n" BODY,
	          "did you mean 'news-and-events'");
	/* Nothing near: the list, not a guess. */
	CHECK_MSG(HEAD "section: transport\n" BODY,
	          "unknown section 'transport': write one of best-start, "
	          "education, work,");
}

static void test_events(void)
{
	CHECK_MSG(HEAD "section: work\ntype: event\nstart: 2027-01-21T10:00\n"
	               "end: 2027-01-21T09:00\nlocation: Town Hall\n" BODY,
	          "7:6: error: the event ends (2027-01-21T09:00) before it "
	          "starts (2027-01-21T10:00)");
	CHECK_NO_MSG(HEAD "section: work\ntype: event\nstart: 2027-01-21T10:00"
	                  "\nend: 2027-01-21T13:00\nlocation: Hall\n" BODY,
	             "event");
	/* The location was given: the message does not ask for it. */
	CHECK_MSG(HEAD "section: work\ntype: event\nlocation: Hall\n" BODY,
	          "an event needs a start: add a line 'start: "
	          "2027-01-21T10:00' (the date, a T, the time) [");
	CHECK_MSG(HEAD "section: work\ntype: event\n" BODY,
	          "and 'location: ' with where it is");
	CHECK_MSG(HEAD "section: work\ntype: event\nstart: 2027-01-21T10:00\n"
	               "end: soon\n" BODY,
	          "7:6: error: 'end: soon' is not a date and time");
}

static void test_new_checks(void)
{
	CHECK_MSG(HEAD "section: work\n---\n# Big heading\n\nText here.\n",
	          "6:1: warning: use ## for a heading inside your piece");
	CHECK_NO_MSG(HEAD "section: work\n---\n## Heading\n\nText here.\n",
	             "use ##");
	CHECK_MSG(HEAD "section: work\nimage: p.png\nimage_alt: Image of a "
	               "park\n" BODY,
	          "6:12: warning: the picture's description starts 'Image "
	          "of'");
	CHECK_MSG(HEAD "section: work\n---\nText.\n\n![picture of a "
	               "park](p.png)\n",
	          "warning: the picture's description starts 'picture of'");
	CHECK_NO_MSG(HEAD "section: work\n---\nText.\n\n![A park in "
	                  "Luton](p.png)\n",
	             "description starts");
	/* A bare address becomes a link, which the checks then see. */
	CHECK_MSG(HEAD "section: work\n---\nSee https://example.org/x here.\n",
	          "6:1: warning: the link text is a bare web address");
}

static void test_encodings(void)
{
	struct contribution c;
	struct buf msgs = BUF_INIT;

	check(HEAD "section: work\nsummary: It\x92s free\n---\n\x93"
	           "Friendly\x94 and free.\n",
	      &c, &msgs);
	CHECK_STR(c.summary, "It\xe2\x80\x99s free");
	CHECK(strstr(c.body, "\xe2\x80\x9c"
	                     "Friendly\xe2\x80\x9d") != NULL);
	CHECK(strstr(msgs.data, "note: saved in an older Windows format; "
	                        "converted") != NULL);
	CHECK(c.ok);
	contribution_release(&c);
	buf_release(&msgs);
	CHECK_MSG(HEAD "section: work\n---\ncaf\xc3\xa9\nIt\x92s\n",
	          "7:3: error: some characters on this line cannot be read");
	/* The same byte in the details: no parser's words either. */
	CHECK_MSG("---\ntitle: caf\xc3\xa9\npartner: It\x92s\n" BODY,
	          "3:12: error: some characters on this line cannot be read");
}

/* Details libyaml cannot read: each message in plain words, placed. */
static void test_unreadable_details(void)
{
	static const char *const bad[] = {
	        "title: Learning: what works\n",
	        "title: \"unclosed\n",
	        "title: *alias\n",
	        "title: &anchor x\n  more\n",
	        "title: @at\n",
	        "\ttitle: tab\n",
	        "title: x\n - y\n",
	        "title: [a, b\n",
	        "title: \"a\\q\"\n",
	        "title x\npartner: y\n",
	        "title: `tick`\n",
	        "title: x\n  partner: y\n",
	        "- a list\n",
	        "title:\n  - a\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct buf text = BUF_INIT;
		char *m;

		buf_addf(&text, "---\n%s" BODY, bad[i]);
		m = messages(text.data);
		CHECK(strstr(m, ": error: ") != NULL);
		if (!strstr(m, ": error: "))
			fprintf(stderr, "  no error for %s", bad[i]);
		free(m);
		buf_release(&text);
	}
	CHECK_MSG("---\ntitle: Learning: what works\n" BODY,
	          "2:16: error: this line of the details at the top cannot "
	          "be read: there is a second ': ' on this line");
}

/* Whether word (lower case) is in s as a word, any case. */
static int has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = s; *p; p++) {
		if (strncasecmp(p, word, n))
			continue;
		if ((p == s || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n]) &&
		    /* "issue.yaml" names a file; "YAML" alone is jargon */
		    (strcmp(word, "yaml") || p == s || p[-1] != '.'))
			return 1;
	}
	return 0;
}

/* No message seen above uses a word a partner does not know. */
static void test_partner_words(void)
{
	static const char *const jargon[] = {
	        "yaml",  "mapping", "mappings", "key",   "keys",
	        "octet", "octets",  "scalar",   "token", "front"};

	CHECK(all.n > 20);
	for (size_t i = 0; i < all.n; i++)
		for (size_t j = 0; j < sizeof(jargon) / sizeof(*jargon); j++)
			if (has_word(all.v[i].msg, jargon[j])) {
				CHECK(!"a message uses jargon");
				fprintf(stderr, "  '%s' in: %s\n", jargon[j],
				        all.v[i].msg);
			}
}

static void test_names(void)
{
	char *s;

	CHECK(contribution_name_ext("a.md") == 3);
	CHECK(contribution_name_ext("Big Photo Story.MD") == 3);
	CHECK(contribution_name_ext("x.markdown") == 9);
	CHECK(contribution_name_ext("notes.TXT") == 4);
	CHECK(contribution_name_ext("x.docx") == 0);
	CHECK(contribution_name_ext(".hidden.md") == 0);
	CHECK(contribution_name_ext("CONTRIBUTING.md") == 0);
	CHECK(contribution_name_ext(".md") == 0);
	s = contribution_slug("Big Photo Story.MD");
	CHECK_STR(s, "Big-Photo-Story");
	free(s);
	s = contribution_slug("issues/t/Our news story (v2).docx");
	CHECK_STR(s, "Our-news-story-v2");
	free(s);
	s = contribution_slug("flying-start_2.md");
	CHECK_STR(s, "flying-start_2");
	free(s);
	s = contribution_slug("\xe2\x98\x85.md");
	CHECK_STR(s, "piece");
	free(s);
}

int main(void)
{
	struct err err = ERR_INIT;

	config_init(&cfg);
	CHECK(config_load(&cfg, "bulletin.yaml", &err) == 0);
	test_round_trip();
	test_body_escaped();
	test_sections();
	test_events();
	test_new_checks();
	test_encodings();
	test_unreadable_details();
	test_names();
	test_partner_words();
	diags_release(&all);
	config_release(&cfg);
	err_release(&err);
	return check_done();
}
