/*
 * Messages per second the bounce classifier reads on one core, over the
 * corpora in ../shared/corpus read into memory first (so the disk is not
 * measured), repeated ROUNDS times.
 *   bench_bounce [ROUNDS]
 *
 * With --score, how well it reads them instead: every sample of each
 * source that has an expected.tsv (tests/corpus/README.md) against its
 * expected class and recipients, one line per source and one for all;
 * the samples it gets wrong go to stderr. Exits 1 when all together fall
 * below the goal: 97% of hard bounces recognised with exactly the right
 * recipients, and nothing that is not a bounce taken for one.
 *   bench_bounce --score
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bounce.h"
#include "buf.h"

#define MAX_FILES 1024

static size_t load_dir(const char *dir, struct buf *files, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && n < MAX_FILES && (de = readdir(d))) {
		struct buf path = BUF_INIT;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "LICENSE"))
			continue;
		buf_addf(&path, "%s/%s", dir, de->d_name);
		buf_init(&files[n]);
		if (buf_read_file(&files[n], path.data, 8 << 20) == 0)
			n++;
		buf_release(&path);
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * The sources scored: the directory of the samples, and their
 * expectations (NULL: expected.tsv in that directory).
 */
static const struct source {
	const char *name, *dir, *tsv;
} sources[] = {
        {"sisimai", "tests/corpus/sisimai", NULL},
        {"flufl", "tests/corpus/flufl", NULL},
        {"bounceparser", "tests/corpus/bounceparser", NULL},
        {"shared flufl", "../shared/corpus/bounces-flufl", NULL},
        {"shared sisim.", "../shared/corpus/bounces-sisimai",
         "tests/corpus/shared-sisimai.tsv"},
};

enum want {
	WANT_HARD,
	WANT_SOFT,
	WANT_COMPLAINT,
	WANT_NONE,   /* not a bounce: auto-reply, challenge, other mail */
	WANT_NOBODY, /* a report that names no one that can be made out */
	NWANT
};

struct tally {
	int n[NWANT], ok[NWANT], exact;
};

/*
 * The expected classes: the names, and flufl's (permanent,
 * temporary, none). auto-reply and other are not bounces; none says only
 * that no address must be found (a report whose recipient cannot be made
 * out).
 */
static const struct expected {
	const char *name;
	enum want want;
	enum bounce_class exact;
} expected[] = {
        {"hard", WANT_HARD, BOUNCE_HARD},
        {"permanent", WANT_HARD, BOUNCE_HARD},
        {"soft", WANT_SOFT, BOUNCE_SOFT},
        {"temporary", WANT_SOFT, BOUNCE_SOFT},
        {"complaint", WANT_COMPLAINT, BOUNCE_COMPLAINT},
        {"auto-reply", WANT_NONE, BOUNCE_AUTOREPLY},
        {"other", WANT_NONE, BOUNCE_OTHER},
        {"none", WANT_NOBODY, BOUNCE_OTHER},
};

static const struct expected *expected_of(const char *class)
{
	for (size_t i = 0; i < sizeof(expected) / sizeof(*expected); i++)
		if (!strcmp(class, expected[i].name))
			return &expected[i];
	return NULL;
}

/* Whether b's recipients are exactly the comma-separated list want. */
static int same_rcpts(const struct bounce *b, const char *want)
{
	size_t n = 0;
	const char *p = want;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char addr[512];

		if (len && len < sizeof(addr)) {
			memcpy(addr, p, len);
			addr[len] = '\0';
			if (!bounce_find_rcpt(b, addr))
				return 0;
			n++;
		}
		p += len + (e != NULL);
	}
	return n == b->nrcpts;
}

/*
 * Whether b is what was wanted: a bounce with exactly the recipients (a
 * bounce that names no one must name no one); a complaint; or, for what is
 * not a bounce, anything that changes nobody.
 */
static int as_wanted(const struct bounce *b, const struct expected *e,
                     const char *addrs)
{
	int bounce = b->class == BOUNCE_HARD || b->class == BOUNCE_SOFT;

	switch (e->want) {
	case WANT_HARD:
	case WANT_SOFT:
		return bounce && same_rcpts(b, addrs);
	case WANT_COMPLAINT:
		return b->class == BOUNCE_COMPLAINT;
	case WANT_NOBODY:
		return b->nrcpts == 0 && b->class != BOUNCE_COMPLAINT;
	default:
		return !bounce && b->class != BOUNCE_COMPLAINT && !b->nrcpts;
	}
}

static void print_miss(const char *dir, const char *file, const char *class,
                       const char *addrs, const struct bounce *b)
{
	fprintf(stderr, "  %s/%s: want %s [%s], got %s [", dir, file, class,
	        addrs, bounce_class_name(b->class));
	for (size_t i = 0; i < b->nrcpts; i++)
		fprintf(stderr, "%s%s", i ? "," : "", b->rcpts[i].addr);
	fprintf(stderr, "] %s: %s\n", b->format, b->reason);
}

/* Scores one line of expected.tsv ("file TAB class TAB addresses"). */
static void score_line(const char *dir, char *line, struct bounce *b,
                       struct tally *t)
{
	char *class = strchr(line, '\t'), *addrs;
	struct buf path = BUF_INIT, msg = BUF_INIT;
	const struct expected *e;

	if (!class)
		return;
	*class ++ = '\0';
	addrs = strchr(class, '\t');
	if (addrs)
		*addrs++ = '\0';
	else
		addrs = "";
	e = expected_of(class);
	buf_addf(&path, "%s/%s", dir, line);
	if (!e || buf_read_file(&msg, path.data, 8 << 20) < 0) {
		fprintf(stderr, "  %s: unreadable, or class '%s' unknown\n",
		        path.data, class);
		t->n[WANT_HARD]++;
	} else {
		bounce_classify(b, msg.data, msg.len, NULL);
		t->n[e->want]++;
		if (as_wanted(b, e, addrs)) {
			t->ok[e->want]++;
			t->exact +=
			        b->class == e->exact || e->want == WANT_NOBODY;
		} else {
			print_miss(dir, line, class, addrs, b);
		}
	}
	buf_release(&path);
	buf_release(&msg);
}

static double pct(int ok, int n)
{
	return n ? 100.0 * ok / n : 100.0;
}

static void print_tally(const char *name, const struct tally *t)
{
	int all = 0;

	for (int k = 0; k < NWANT; k++)
		all += t->n[k];
	printf("%-13s %3d samples: hard %d/%d (%.1f%%), soft %d/%d, "
	       "complaint %d/%d, not a bounce %d/%d, naming no one %d/%d; "
	       "class exact %d/%d\n",
	       name, all, t->ok[WANT_HARD], t->n[WANT_HARD],
	       pct(t->ok[WANT_HARD], t->n[WANT_HARD]), t->ok[WANT_SOFT],
	       t->n[WANT_SOFT], t->ok[WANT_COMPLAINT], t->n[WANT_COMPLAINT],
	       t->ok[WANT_NONE], t->n[WANT_NONE], t->ok[WANT_NOBODY],
	       t->n[WANT_NOBODY], t->exact, all);
}

/* Scores one source into t; -1 when it cannot be read. */
static int score_source(const struct source *s, struct tally *t)
{
	struct buf tsv = BUF_INIT, path = BUF_INIT;
	struct bounce b;
	char *line, *save = NULL;

	if (s->tsv)
		buf_adds(&path, s->tsv);
	else
		buf_addf(&path, "%s/expected.tsv", s->dir);
	if (buf_read_file(&tsv, path.data, 8 << 20) < 0) {
		fprintf(stderr,
		        "bench_bounce: cannot read %s (run from the "
		        "project root)\n",
		        path.data);
		buf_release(&path);
		return -1;
	}
	bounce_init(&b);
	/* The first line names the columns. */
	for (line = strtok_r(tsv.data, "\n", &save);
	     line && (line = strtok_r(NULL, "\n", &save));)
		score_line(s->dir, line, &b, t);
	print_tally(s->name, t);
	bounce_release(&b);
	buf_release(&tsv);
	buf_release(&path);
	return 0;
}

/* Every source, then their sum; 0 when the sum meets the goal. */
static int score(void)
{
	struct tally sum = {{0}, {0}, 0};
	int rc = 0;

	printf("recognised with exactly the right recipients, per source "
	       "(goal, over all: hard >= 97%%, not a bounce all):\n");
	for (size_t i = 0; i < sizeof(sources) / sizeof(*sources); i++) {
		struct tally t = {{0}, {0}, 0};

		if (score_source(&sources[i], &t) < 0)
			rc = 1;
		for (int k = 0; k < NWANT; k++) {
			sum.n[k] += t.n[k];
			sum.ok[k] += t.ok[k];
		}
		sum.exact += t.exact;
	}
	print_tally("all", &sum);
	if (pct(sum.ok[WANT_HARD], sum.n[WANT_HARD]) < 97.0 ||
	    sum.ok[WANT_NONE] != sum.n[WANT_NONE])
		rc = 1;
	return rc;
}

int main(int argc, char **argv)
{
	static struct buf files[MAX_FILES];
	const char *dirs[] = {
	        "../shared/corpus/bounces-sisimai/bounce",
	        "../shared/corpus/bounces-sisimai/complaint",
	        "../shared/corpus/bounces-sisimai/not-bounce",
	};
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 20;
	size_t n = 0, bytes = 0, classes[6] = {0};
	struct timespec t0, t1;
	struct bounce b;
	double s;

	if (argc > 1 && !strcmp(argv[1], "--score"))
		return score();
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		n = load_dir(dirs[i], files, n);
	if (!n) {
		fprintf(stderr, "bench_bounce: no corpus (run from the project "
		                "root)\n");
		return 1;
	}
	bounce_init(&b);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n; i++) {
			bounce_classify(&b, files[i].data, files[i].len, NULL);
			classes[b.class]++;
			bytes += files[i].len;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("classifier: %zu messages (%zu files x %ld) in %.3f s: %.0f "
	       "messages/s, %.1f MB/s\n",
	       n * (size_t)rounds, n, rounds, s, (double)(n * rounds) / s,
	       (double)bytes / s / 1e6);
	printf("  hard %zu, soft %zu, complaint %zu, auto-reply %zu, other "
	       "%zu\n",
	       classes[BOUNCE_HARD], classes[BOUNCE_SOFT],
	       classes[BOUNCE_COMPLAINT], classes[BOUNCE_AUTOREPLY],
	       classes[BOUNCE_OTHER]);
	bounce_release(&b);
	for (size_t i = 0; i < n; i++)
		buf_release(&files[i]);
	return 0;
}
