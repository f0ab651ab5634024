#include <string.h>

#include "check.h"
#include "frontmatter.h"
#include "lint.h"
#include "render.h"
#include "suggest.h"

static double ease(const char *text)
{
	struct lint_readability r = {0, 0, 0};

	lint_count_text(&r, text, strlen(text));
	return lint_reading_ease(&r);
}

int main(void)
{
	struct frontmatter fm;
	struct lint_readability r = {0, 0, 0};
	const char *const keys[] = {"best-start", "education", "work"};
	struct buf b = BUF_INIT;
	int bad = 0;

	/* Syllables: a heuristic, but right on common words. */
	CHECK(lint_syllables("cat", 3) == 1);
	CHECK(lint_syllables("make", 4) == 1);
	CHECK(lint_syllables("health", 6) == 1);
	CHECK(lint_syllables("people", 6) == 2);
	CHECK(lint_syllables("community", 9) == 4);
	CHECK(lint_syllables("shared", 6) == 1);
	CHECK(lint_syllables("wanted", 6) == 2);

	lint_count_text(&r, "We met in May. It went well!", 28);
	CHECK(r.words == 7);
	CHECK(r.sentences == 2);
	/* Plain English scores high; dense jargon scores low. */
	CHECK(ease("The cat sat on the mat. We had tea.") > 90);
	CHECK(ease("Interdisciplinary collaborative infrastructures "
	           "systematically operationalised multidimensional "
	           "epidemiological intelligence.") < 0);
	r = (struct lint_readability){0, 0, 0};
	CHECK(lint_reading_ease(&r) == 100.0);

	CHECK_STR(suggest_nearest("best_start", keys, 3), "best-start");
	CHECK_STR(suggest_nearest("educaton", keys, 3), "education");
	CHECK(suggest_nearest("transport", keys, 3) == NULL);
	CHECK(suggest_distance("kitten", "sitting") == 3);

	CHECK(frontmatter_split("---\na: b\n---\nbody\n", 17, &fm, &bad) == 0);
	CHECK(fm.yaml_line == 2);
	CHECK(fm.body_line == 4);
	CHECK(fm.yaml_len == 5);
	CHECK(!strncmp(fm.body, "body\n", 5));
	CHECK(frontmatter_split("\xEF\xBB\xBF---\r\na: b\r\n...\r\nx", 22, &fm,
	                        &bad) == 0);
	CHECK(fm.body_line == 4);
	CHECK(frontmatter_split("no front matter", 15, &fm, &bad) == 1);
	CHECK(frontmatter_split("---\na: b\n", 9, &fm, &bad) == -1);

	render_wrap("one two three four five", 9, "", "", &b);
	CHECK_STR(b.data, "one two\nthree\nfour five\n");
	buf_reset(&b);
	render_wrap("- a long item here", 10, "", "  ", &b);
	CHECK_STR(b.data, "- a long\n  item\n  here\n");
	buf_reset(&b);
	render_wrap("Zoë Zoë Zoë", 7, "", "", &b);
	CHECK_STR(b.data, "Zoë Zoë\nZoë\n");
	buf_reset(&b);
	render_wrap("https://example.org/a/very/long/url x", 10, "", "", &b);
	CHECK_STR(b.data, "https://example.org/a/very/long/url\nx\n");
	buf_release(&b);
	return check_done();
}
