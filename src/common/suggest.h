#ifndef SUGGEST_H
#define SUGGEST_H

#include <stddef.h>

/*
 * The candidate nearest to word by edit distance, for "did you mean"
 * hints; NULL when nothing is close enough to be a plausible typo.
 * Returns one of cands (borrowed).
 */
const char *suggest_nearest(const char *word, const char *const *cands,
                            size_t n);

/* Levenshtein distance between a and b, ASCII case-insensitive. */
size_t suggest_distance(const char *a, const char *b);

#endif
