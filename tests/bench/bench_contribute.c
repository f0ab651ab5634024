/*
 * How long the compiler's checks take on one piece held in memory
 * (contribution_check: decoding, the details at the top, Markdown, every check
 * lint makes), as the contribution form runs them on each save.
 *
 * The piece is a typical case study of about 600 words: details, two
 * headings, a list, links, a picture, a bare web address; once as UTF-8
 * and once as Notepad's Windows-1252. Prints the median and the 99th
 * percentile over RUNS checks of each, against the 5 ms target.
 *
 *   bench_contribute [RUNS]      (run from the project root)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contribution.h"

#include "banned.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void make_piece(struct buf *b, const char *apostrophe)
{
	static const char *const sentences[] = {
	        "Parents told us mornings suit them best",
	        "We moved the play sessions to the library",
	        "More families came each week than the last",
	        "Health visitors joined us on Tuesdays",
	        "Children who had never been to a group made friends",
	        "The cafe next door gave us a room for free",
	};

	buf_adds(b, "---\ntitle: \"Flying Start: two more wards\"\n"
	            "partner: Luton Borough Council Early Years\n"
	            "author: The Early Years team\nsection: best-start\n"
	            "type: case-study\nsummary: More families can now get "
	            "early-years support close to home.\nimage: play.jpg\n"
	            "image_alt: Parents and toddlers playing with blocks\n"
	            "---\n");
	for (int p = 0; p < 12; p++) {
		if (p % 4 == 0)
			buf_addf(b, "## Part %d\n\n", p / 4 + 1);
		if (p % 5 == 2) {
			for (int i = 0; i < 4; i++)
				buf_addf(b, "* %s.\n", sentences[(p + i) % 6]);
			buf_addch(b, '\n');
			continue;
		}
		for (int s = 0; s < 6; s++)
			buf_addf(b, "%s%s. ", sentences[(p + s) % 6],
			         s == 3 ? apostrophe : "");
		buf_addf(b,
		         "Read [the report on part %d](https://example.org/"
		         "r/%d) or see www.luton.gov.uk/early-years.\n\n",
		         p, p);
	}
}

/* Median and 99th percentile of runs checks of text, in ms. */
static void measure(const struct config *cfg, const char *what,
                    const struct buf *text, int runs)
{
	double *t = xcalloc((size_t)runs, sizeof(*t));
	size_t warnings = 0;

	for (int i = 0; i < runs; i++) {
		struct diags d = DIAGS_INIT;
		struct contribution c;
		double start = now();

		contribution_check(cfg, NULL, "issues/2027-01/flying-start.md",
		                   text->data, text->len, &c, &d);
		t[i] = (now() - start) * 1000;
		warnings = d.n;
		contribution_release(&c);
		diags_release(&d);
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	printf("check one piece (%s, %zu bytes, %zu messages): median %.3f "
	       "ms, p99 %.3f ms over %d checks; target median < 5 ms "
	       "(%.2f of it)\n",
	       what, text->len, warnings, t[runs / 2], t[(size_t)(runs * 0.99)],
	       runs, t[runs / 2] / 5.0);
	free(t);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2000;
	struct config cfg;
	struct err err = ERR_INIT;
	struct buf utf8 = BUF_INIT, cp1252 = BUF_INIT;

	if (runs < 1)
		runs = 1;
	config_init(&cfg);
	if (config_load(&cfg, "bulletin.yaml", &err) < 0) {
		fprintf(stderr, "bench_contribute: %s\n", err_msg(&err));
		return 1;
	}
	make_piece(&utf8, " \xe2\x80\x93 it\xe2\x80\x99s true");
	make_piece(&cp1252, " \x96 it\x92s true");
	measure(&cfg, "UTF-8", &utf8, runs);
	measure(&cfg, "Windows-1252", &cp1252, runs);
	buf_release(&utf8);
	buf_release(&cp1252);
	config_release(&cfg);
	err_release(&err);
	return 0;
}
