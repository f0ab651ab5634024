/*
 * Runs a libFuzzer target over its corpus without fuzzing, so every
 * saved input (and every crash turned regression) is an ordinary test.
 * usage: replay_TARGET DIR_OR_FILE...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	struct buf b = BUF_INIT;

	if (buf_read_file(&b, path, 16 << 20) < 0) {
		perror(path);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
	buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;

		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) < 0)
				return 1;
			n++;
			continue;
		}
		d = opendir(argv[i]);
		while (d && (de = readdir(d))) {
			struct buf p = BUF_INIT;

			if (de->d_name[0] == '.')
				continue;
			buf_addf(&p, "%s/%s", argv[i], de->d_name);
			if (run_file(p.data) < 0)
				return 1;
			buf_release(&p);
			n++;
		}
		if (d)
			closedir(d);
	}
	printf("replayed %zu inputs\n", n);
	return n ? 0 : 1;
}
