#include "suggest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "banned.h"

size_t suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xmalloc((lb + 1) * sizeof(*row));
	size_t d;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
			              tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const char *suggest_nearest(const char *word, const char *const *cands,
                            size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	/* Allow about a third of the word to differ, at least two edits. */
	size_t limit = strlen(word) / 3;

	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < n; i++) {
		size_t d = suggest_distance(word, cands[i]);

		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

/* Whether the word s[0..n) (case aside) is one of the words of text. */
static int has_word(const char *text, const char *s, size_t n)
{
	while (*text) {
		size_t k = 0;

		while (text[k] && isalnum((unsigned char)text[k]))
			k++;
		if (k == n && !strncasecmp(text, s, n))
			return 1;
		text += k ? k : 1;
	}
	return 0;
}

/* How many words of four letters or more in word the choice has. */
static size_t shared_words(const char *word, const char *name,
                           const char *title)
{
	size_t score = 0;

	while (*word) {
		size_t k = 0;

		while (word[k] && isalnum((unsigned char)word[k]))
			k++;
		if (k >= 4 &&
		    (has_word(name, word, k) || has_word(title, word, k)))
			score++;
		word += k ? k : 1;
	}
	return score;
}

long suggest_nearest_named(const char *word, const char *const *names,
                           const char *const *titles, size_t n)
{
	size_t limit = strlen(word) / 3, best_d = (size_t)-1, best_s = 0;
	long best = -1;
	int tie = 0;

	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < n; i++) {
		size_t d = suggest_distance(word, names[i]);
		size_t t = suggest_distance(word, titles[i]);

		if (t < d)
			d = t;
		if (d < best_d) {
			best_d = d;
			best = (long)i;
		}
	}
	if (best_d <= limit)
		return best;
	best = -1;
	for (size_t i = 0; i < n; i++) {
		size_t s = shared_words(word, names[i], titles[i]);

		if (s > best_s) {
			best_s = s;
			best = (long)i;
			tie = 0;
		} else if (s && s == best_s) {
			tie = 1;
		}
	}
	return tie ? -1 : best;
}
