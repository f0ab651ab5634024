#ifndef CONTRIB_REPLY_H
#define CONTRIB_REPLY_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "contrib_mail.h"
#include "err.h"

/*
 * The answer to a contribution mail, and the rules that keep answers from
 * ever feeding a mail loop (RFC 3834): bulletin answers a person, never a
 * machine, never itself, and never more than a few times an hour.
 */

/*
 * Why cm must get no answer, or NULL when it may: it is automatic
 * (Auto-Submitted other than "no"; X-Autoreply and the like), bulk or
 * junk (Precedence), from a list (List-Id, List-Post, ...), a bounce (a
 * null Return-Path, MAILER-DAEMON, postmaster) or from one of own[] (the
 * newsletter's addresses; an entry "@domain" or "prefix+@domain" matches
 * a whole family, e.g. "contribute+@example.org"). Static text.
 */
const char *contrib_reply_refused(const struct contrib_mail *cm,
                                  const char *const *own, size_t nown);

/* One answer. Strings borrowed; addresses checked by the writer. */
struct contrib_reply {
	time_t date;             /* 0: now */
	const char *from_name;   /* the newsletter's name */
	const char *from_addr;   /* the newsletter's address */
	const char *reply_to;    /* optional */
	const char *to_addr;     /* a contact on file */
	const char *subject;     /* cleaned and encoded when written */
	const char *in_reply_to; /* "<id>" or NULL/"" */
	const char *references;  /* "<a> <b> ..." or NULL/"" */
	const char *text;        /* UTF-8, any line ends */
};

/*
 * Appends the whole message: text/plain UTF-8 quoted-printable, with
 * Auto-Submitted: auto-replied, X-Auto-Response-Suppress: All,
 * In-Reply-To and References (only well-formed ids, the last ten), a new
 * Message-ID on from_addr's domain (into message_id if not NULL).
 * Returns 0, or -1 with err naming a bad address.
 */
int contrib_reply_write(struct buf *out, const struct contrib_reply *r,
                        struct buf *message_id, struct err *err);

#endif
