#ifndef CLICKS_H
#define CLICKS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "linktable.h"
#include "store.h"

/*
 * Click counts in the store (tracking.clicks): for each link of a sent
 * issue (its number, address, piece and partner, from build/links) three
 * counts and nothing else: no reader, no address, no time of a click.
 *   people   clicks that look like readers'
 *   early    clicks while the issue was being sent or within a minute
 *            after (mail scanners follow links as messages arrive)
 *   scanner  clicks from a known scanner's User-Agent (or none at all)
 */

struct clicks_row {
	char *issue;
	size_t n; /* the link's number in the issue */
	char *url, *piece, *partner;
	long people, early, scanner;
};

void clicks_rows_free(struct clicks_row *v, size_t n);

/*
 * At the start of a full send with tracking.clicks: records issue's
 * build/links in the store (kept as first recorded: the numbers in
 * messages already sent never change meaning). Without tracking.clicks
 * it does nothing. Returns 0, or -1 with err.
 */
int clicks_record_build(struct store *st, const struct config *cfg,
                        const char *issue, struct err *err);

/*
 * The recorded links of issue into t (empty when none): 1 some, 0 none,
 * -1 with err.
 */
int clicks_links(struct store *st, const char *issue, struct linktable *t,
                 struct err *err);

/*
 * The issues with recorded links, at most max, the latest sent first
 * (one whose send has not opened yet before them all). *ids: caller
 * frees each and the array. Returns 0, or -1 with err.
 */
int clicks_issues(struct store *st, size_t max, char ***ids, size_t *n,
                  struct err *err);

/* Adds counts to link n of issue (a link not recorded is ignored). */
int clicks_add(struct store *st, const char *issue, size_t n, long people,
               long early, long scanner, struct err *err);

/*
 * Every link of issue with its counts, by number. *v: caller frees with
 * clicks_rows_free. Returns 0, or -1 with err.
 */
int clicks_report(struct store *st, const char *issue, struct clicks_row **v,
                  size_t *n, struct err *err);

/*
 * The counts of every link in the pieces of partner (as their details
 * name it, case ignored), across every issue sent, by issue and number:
 * for the partner's own page. Returns 0, or -1 with err.
 */
int clicks_for_partner(struct store *st, const char *partner,
                       struct clicks_row **v, size_t *n, struct err *err);

#endif
