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

/*
 * The choice nearest to word when each choice has a short name and a
 * title people may write instead (sections: 'work' and "Create fair
 * employment and good work for all"): a name or title within a typo's
 * distance, else the one choice sharing the most words of four letters
 * or more with word ("work-and-jobs" gives 'work'). Returns the index of
 * the choice, or -1 when none is close or several are equally so.
 */
long suggest_nearest_named(const char *word, const char *const *names,
                           const char *const *titles, size_t n);

/* Levenshtein distance between a and b, ASCII case-insensitive. */
size_t suggest_distance(const char *a, const char *b);

#endif
