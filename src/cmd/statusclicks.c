#include "statusclicks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clicks.h"
#include "cmd.h"
#include "common.h"
#include "banned.h"

/* One line of a total: its three counts and its label. */
struct total {
	const char *label; /* borrowed from the rows */
	long people, early, scanner;
};

static void add_to(struct total **v, size_t *n, const char *label,
                   const struct clicks_row *r)
{
	size_t i = 0;

	while (i < *n && strcmp((*v)[i].label, label))
		i++;
	if (i == *n) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = (struct total){label, 0, 0, 0};
	}
	(*v)[i].people += r->people;
	(*v)[i].early += r->early;
	(*v)[i].scanner += r->scanner;
}

static void print_totals(const char *heading, const struct total *v, size_t n)
{
	printf("\n%s:\n  %8s %8s %8s\n", heading, "PEOPLE", "EARLY",
	       "SCANNERS");
	for (size_t i = 0; i < n; i++)
		printf("  %8ld %8ld %8ld  %s\n", v[i].people, v[i].early,
		       v[i].scanner, *v[i].label ? v[i].label : "(intro)");
}

static void print_report(const char *issue, const struct clicks_row *v,
                         size_t n)
{
	struct total *pieces = NULL, *partners = NULL, all = {"", 0, 0, 0};
	size_t npieces = 0, npartners = 0;

	printf("%s: clicks on its %zu link%s (no reader is recorded, only "
	       "counts)\n"
	       "  PEOPLE   clicks that look like readers'\n"
	       "  EARLY    while it was being sent or within a minute after: "
	       "mostly mail\n           scanners checking links as messages "
	       "arrive, some quick readers\n"
	       "  SCANNERS from a known link scanner or previewer\n",
	       issue, n, n == 1 ? "" : "s");
	printf("\nby link:\n  %3s %8s %8s %8s  %s\n", "N", "PEOPLE", "EARLY",
	       "SCANNERS", "PIECE  ADDRESS");
	for (size_t i = 0; i < n; i++) {
		printf("  %3zu %8ld %8ld %8ld  %s  %s\n", v[i].n, v[i].people,
		       v[i].early, v[i].scanner, v[i].piece, v[i].url);
		add_to(&pieces, &npieces, v[i].piece, &v[i]);
		add_to(&partners, &npartners, v[i].partner, &v[i]);
		all.people += v[i].people;
		all.early += v[i].early;
		all.scanner += v[i].scanner;
	}
	print_totals("by piece", pieces, npieces);
	print_totals("by partner", partners, npartners);
	printf("\nin all: %ld people, %ld early, %ld scanners\n", all.people,
	       all.early, all.scanner);
	free(pieces);
	free(partners);
}

int status_clicks(struct store *st, const char *issue)
{
	struct clicks_row *v;
	struct err err = ERR_INIT;
	size_t n;
	int ret = EXIT_OK;

	if (clicks_report(st, issue, &v, &n, &err) < 0) {
		ret = cmd_fail(&err);
	} else if (!n) {
		printf("%s has no click counts: it was not sent with "
		       "tracking.clicks on (bulletin.yaml), or not sent yet\n",
		       issue);
	} else {
		print_report(issue, v, n);
	}
	clicks_rows_free(v, n);
	err_release(&err);
	return ret;
}
