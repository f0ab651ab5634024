#ifndef LETTER_H
#define LETTER_H

#include "buf.h"
#include "config.h"
#include "err.h"

/*
 * The program's own emails, apart from the newsletter: the sign-up
 * confirmation, the call for contributions, a receipt. Each is a pair
 * of templates, NAME.txt and NAME.html (the workspace's templates/, else
 * the built-in ones), rendered with one data tree into one message from
 * the newsletter's address to one recipient, by mime_write (the header
 * rules of EMAIL.md: names and subject encoded, nothing raw in a header).
 */

struct tmpl_value;

struct letter {
	const char *templates;         /* "call-email": call-email.txt, .html */
	const struct tmpl_value *data; /* borrowed */
	const char *subject;
	const char *to_name; /* NULL or "": the address alone */
	const char *to_addr;
};

/* Appends the whole message to out. 0, or -1 with err set. */
int letter_build(const struct config *cfg, const struct letter *l,
                 struct buf *out, struct err *err);

#endif
