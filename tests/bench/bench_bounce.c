/*
 * Messages per second the bounce classifier reads on one core, over the
 * corpora in ../shared/corpus read into memory first (so the disk is not
 * measured), repeated ROUNDS times.
 *   bench_bounce [ROUNDS]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
