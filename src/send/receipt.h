#ifndef RECEIPT_H
#define RECEIPT_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "err.h"

/*
 * The receipt a partner's contacts get for each piece saved (from the
 * contribution form, or by email): what was received, anything to fix,
 * and the link to see, change or withdraw it. From the newsletter's own
 * address, under the same MIME and header rules as the newsletter; the
 * piece's title reaches the Subject only through rfc2047's cleaning.
 * Texts from templates/receipt-email.txt and .html.
 */
struct receipt {
	const char *partner;     /* the organisation's name */
	const char *title;       /* of the piece */
	const char *issue_title; /* "January 2027" */
	const char *deadline;    /* as people read it, or NULL */
	const char *link;        /* the page of the piece (with the secret) */
	int withdrawn;           /* the save withdrew it */
	const char *const *fix;  /* errors, as "Field: message" */
	size_t nfix;
	const char *const *check; /* warnings, likewise */
	size_t ncheck;
};

/*
 * Appends the whole message for r to one contact, to (an address), to
 * out. Returns 0, or -1 with err set (a bad address, a template).
 */
int receipt_build(const struct config *cfg, const struct receipt *r,
                  const char *to, struct buf *out, struct err *err);

#endif
