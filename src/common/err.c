#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "banned.h"

void err_init(struct err *e)
{
	e->set = 0;
	buf_init(&e->msg);
}

void err_release(struct err *e)
{
	buf_release(&e->msg);
	e->set = 0;
}

void err_clear(struct err *e)
{
	buf_reset(&e->msg);
	e->set = 0;
}

int err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e || e->set)
		return -1;
	va_start(ap, fmt);
	buf_vaddf(&e->msg, fmt, ap);
	va_end(ap);
	e->set = 1;
	return -1;
}

int err_errno(struct err *e, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!e || e->set)
		return -1;
	va_start(ap, fmt);
	buf_vaddf(&e->msg, fmt, ap);
	va_end(ap);
	buf_addf(&e->msg, ": %s", strerror(saved));
	e->set = 1;
	errno = saved;
	return -1;
}

const char *err_msg(const struct err *e)
{
	return e->msg.data;
}
