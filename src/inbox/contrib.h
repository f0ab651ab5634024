#ifndef CONTRIB_H
#define CONTRIB_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "contrib_mail.h"
#include "err.h"
#include "store.h"

/*
 * The contribution desk of the inbox: a mail to contribute+SECRET@ (the
 * partner's secret, as in their personal link) becomes that partner's
 * piece, and the partner's contacts get an answer with the checks.
 *
 *   wrong secret              held, reported; no answer
 *   sender not a contact      held, reported; the contacts on file told
 *   refused (contrib_mail.h)  held; the sender told why and what to do
 *   machine mail or our own   ignored: no piece, no answer (no loops)
 *   "Withdraw: TITLE"         the partner's piece TITLE withdrawn
 *   same subject again        the partner's piece replaced (old kept in
 *                             issues/ID/.history/)
 *   otherwise                 a new piece in the issue named "[ID]" in
 *                             the subject, else the open issue with the
 *                             nearest deadline
 *
 * A mail with no text but a Word file (.docx) has the file's text as its
 * piece (docx_convert: pandoc); the file's pictures follow the mail's
 * own, and the first picture of all is the piece's image. The others are
 * kept beside the piece under generated names, listed in the answer for
 * the partner to place.
 *
 * "Held" is a copy in the held Maildir for a person to look at; nothing
 * is deleted. Each action is a partner event (store_partner_event, never
 * with the secret) and each piece saved an issue event (piece_record).
 * Answers go only to contacts on file, carry RFC 3834's headers, and
 * number at most replies_per_hour per partner.
 */

struct contrib_options {
	const struct config *cfg;
	const char *prefix;    /* "contribute+" */
	const char *held;      /* the held Maildir, a path */
	size_t attachment_max; /* bytes; 0: contrib_mail's default */
	long replies_per_hour; /* per partner; 0: none at all */
	int dry_run;           /* decide, change nothing, send nothing */
	time_t now;            /* 0: the clock */
};

/* What became of one message (strings borrowed until the next message). */
struct contrib_outcome {
	/* "added", "replaced", "withdrawn", "held", "ignored", "none"
	 * (static); with dry_run the same words say what would be done */
	const char *action;
	const char *partner; /* the partner's name, "" when unknown */
	const char *from;    /* the sender's address */
	const char *title;
	const char *issue;      /* "" when none */
	const char *path;       /* the piece's file, "" when none */
	const char *reason;     /* one line for the operator */
	const char *reply;      /* "sent to ...", "would be sent to ...", or why
	                           not */
	const char *message_id; /* the mail's, "" when none */
};

struct contrib;

/*
 * Opens the desk over st (borrowed) with o (borrowed for the desk's
 * life): the transport for answers (cfg's first) and the held Maildir
 * are opened on first use. NULL with err on failure.
 */
struct contrib *contrib_open(struct store *st, const struct contrib_options *o,
                             struct err *err);
/* Closes the desk: answers and held copies not committed are dropped. */
void contrib_close(struct contrib *c);

/*
 * Makes the pieces, answers and held copies of the messages acted on
 * since the last commit durable (the issue folders flushed) and visible
 * (the Maildirs' new/): called before
 * the store's batch is committed, so a message is marked read only once
 * all its effects are on disk. Returns 0 or -1 with err.
 */
int contrib_commit(struct contrib *c, struct err *err);

/*
 * Whether the raw message is addressed to a contribution address (a
 * header To, Cc, Delivered-To, X-Original-To or Envelope-To holding
 * prefix), looked for cheaply before any parsing.
 */
int contrib_addressed(const char *msg, size_t len, const char *prefix);

/* Reads msg (borrowed for the call) for contrib_act; returns its
 * Message-ID ("" when none, borrowed until the next read). */
const char *contrib_read(struct contrib *c, const char *msg, size_t len);

/*
 * Acts on the message read last (see above), filling oc. Returns 0, or
 * -1 with err when the store or the workspace fails (a bad message is
 * never an error).
 */
int contrib_act(struct contrib *c, struct contrib_outcome *oc, struct err *err);

/* Fills oc for the message read last when it was read in an earlier
 * run: nothing is done again. */
void contrib_seen(struct contrib *c, struct contrib_outcome *oc);

/*
 * The config section s names, by key or title, any case, spaces or
 * dashes, or the nearest; NULL when none is near (borrowed from cfg).
 */
const char *contrib_section_key(const struct config *cfg, const char *s);

#endif
