#ifndef CHECK_STORE_H
#define CHECK_STORE_H

/*
 * For the store's unit tests: a fresh store in a temporary folder, each
 * test run on it in turn, the folder removed; the result of check_done.
 */
#include <stdio.h>
#include <stdlib.h>
#include "buf.h"
#include "check.h"
#include "err.h"
#include "store.h"

typedef void check_store_test(struct store *st);

/* dir: a mkdtemp template ("/tmp/test_x.XXXXXX"), filled in. */
static inline int check_with_store(char *dir, check_store_test *const *tests,
                                   size_t n)
{
	struct store st;
	struct buf path = BUF_INIT;
	struct err err = ERR_INIT;

	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	buf_addf(&path, "%s/test.db", dir);
	CHECK(store_open(&st, path.data, &err) == 0);
	if (!err.set) {
		for (size_t i = 0; i < n; i++)
			tests[i](&st);
		store_close(&st);
	} else {
		fprintf(stderr, "  %s\n", err_msg(&err));
	}
	buf_reset(&path);
	buf_addf(&path, "rm -rf '%s'", dir);
	CHECK(system(path.data) == 0);
	buf_release(&path);
	err_release(&err);
	return check_done();
}

#endif
