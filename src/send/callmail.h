#ifndef CALLMAIL_H
#define CALLMAIL_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "store.h"
#include "store_partner.h"

/*
 * The call for contributions: one message to every contact of every
 * partner in the registry (store_partner), from the newsletter's
 * address, built by mime_write from templates/call-email.txt and .html
 * and handed to the first configured transport (a Maildir or an SMTP
 * relay), as the newsletter is.
 *
 * A reminder (CALLMAIL_REMIND) goes only to partners with no piece in
 * the issue yet: no contribution, withdrawn ones included, whose
 * 'partner:' detail belongs to them (store_partner_owns).
 *
 * Each partner gets each kind of message about an issue at most once a
 * day (UTC): the day is claimed in the store's call log before anything
 * is sent, and given back only when no contact could be sent to. What
 * was sent is also an event of the partner ('called', 'reminded').
 * The call is refused for an issue partners can no longer change
 * (lifecycle_partner_window): sent, or its deadline passed and not
 * reopened.
 */

enum callmail_kind {
	CALLMAIL_CALL,   /* "call" in the call log */
	CALLMAIL_REMIND, /* "remind" */
};

/* What happened for one partner, or one of its contacts. */
enum callmail_result {
	CALLMAIL_SENT,       /* to contact */
	CALLMAIL_WOULD_SEND, /* to contact, in a dry run */
	CALLMAIL_FAILED,     /* to contact; detail says why */
	CALLMAIL_DONE_TODAY, /* the partner had this message today: skipped */
	CALLMAIL_HAS_PIECE,  /* reminder: the partner has a piece (detail) */
};

struct callmail_note {
	const struct store_partner *partner; /* borrowed for the call */
	const char *contact;                 /* NULL for a partner's result */
	enum callmail_result result;
	const char *detail; /* "" when nothing to add */
};

struct callmail_counts {
	long partners, sent, would_send, failed, done_today, has_piece;
};

struct callmail_options {
	const char *issue; /* an issue id, e.g. "2027-01" */
	enum callmail_kind kind;
	int dry_run;               /* say who would get it; send nothing */
	const char *who;           /* for the events */
	const char *smtp_password; /* from the environment, or NULL */
	int64_t now;               /* 0: the time now */
	/* Called for each result, in partner order; may be NULL. */
	void (*note)(const struct callmail_note *n, void *ctx);
	void *ctx;
};

/*
 * Sends (or, with dry_run, lists) the call or the reminder for o->issue.
 * Fills *counts. Returns 0 when the run went through (some messages may
 * have failed: counts->failed), -1 with err when it could not run (no
 * such issue, closed to partners, no partners, the store or transport).
 */
int callmail_run(const struct config *cfg, struct store *st,
                 const struct callmail_options *o,
                 struct callmail_counts *counts, struct err *err);

/*
 * The file of p's first piece in the loaded issue is (withdrawn ones
 * too: store_partner_owns on each 'partner:'), or NULL when p has none:
 * whether p "has contributed", the one rule the reminder, the desk and
 * anyone else asking use. Borrowed from is.
 */
struct issue;
const char *callmail_piece_of(const struct issue *is,
                              const struct store_partner *p);

/* What a result means, in a few words: "sent", "would send", "failed",
 * "already had it today", "has a piece" (static). */
const char *callmail_result_name(enum callmail_result r);

/*
 * The run in one sentence, as `bulletin call` and the desk say it:
 * "4 messages sent to 3 partners; 1 already sent a piece", appended to
 * out (no newline).
 */
void callmail_summary(const struct callmail_counts *c, int dry_run,
                      struct buf *out);

/* The subject line of the call or reminder for an issue titled title. */
void callmail_subject(const struct config *cfg, enum callmail_kind kind,
                      const char *title, struct buf *out);

#endif
