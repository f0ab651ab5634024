#ifndef LINT_H
#define LINT_H

#include <time.h>

#include "config.h"
#include "diag.h"
#include "issue.h"

/*
 * Accessibility and content checks over a loaded issue, for the comms
 * officer: link text, heading order, reading ease, length, image files
 * and alt text, lateness. Fills each contribution's reading_ease.
 */
void lint_issue(struct issue *is, const struct config *cfg, struct diags *d);

/*
 * The same checks on one piece (c->doc not NULL). is may be NULL (a
 * piece checked alone: no picture file sizes); deadline 0 skips the
 * lateness check.
 */
void lint_piece(struct contribution *c, const struct issue *is,
                const struct config *cfg, time_t deadline, struct diags *d);

/* Statistics for Flesch reading ease over plain English text. */
struct lint_readability {
	size_t words, sentences, syllables;
};

/* Adds text (one block: a paragraph, heading or list item) to r. */
void lint_count_text(struct lint_readability *r, const char *text, size_t len);
/* Flesch reading ease; 100 when there are no words. */
double lint_reading_ease(const struct lint_readability *r);
/* Syllables in one English word (a heuristic, at least 1). */
int lint_syllables(const char *word, size_t len);

/* Text that reserved for per-subscriber fields must not appear in content. */
#define LINT_RESERVED "[[bulletin:"

#endif
