#ifndef ERR_H
#define ERR_H

#include "buf.h"

/*
 * Error reporting: a failing function returns -1 (or NULL) and fills the
 * err its caller passed last. The first error wins; later ones are dropped
 * so the message names the root cause.
 */
struct err {
	int set;
	struct buf msg;
};

#define ERR_INIT                          \
	{                                 \
		.set = 0, .msg = BUF_INIT \
	}

void err_init(struct err *e);
void err_release(struct err *e);
/*
 * Records a message (lower-case, no full stop) and returns -1. e may be
 * NULL, for a caller that wants only the -1: nothing is recorded then.
 */
int err_set(struct err *e, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* As err_set, appending ": strerror(errno)"; e may be NULL too. */
int err_errno(struct err *e, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* The message, "" when none (borrowed, valid until err changes). */
const char *err_msg(const struct err *e);
/* Forgets the error, so e can be reused. */
void err_clear(struct err *e);

#endif
