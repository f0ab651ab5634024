#ifndef INBOX_H
#define INBOX_H

#include "bounce.h"
#include "err.h"
#include "mailbox.h"
#include "store.h"

/*
 * One pass over the bounce mailbox: each new message is classified
 * (bounce.h), attributed to a subscriber (the token in the address it
 * came to, then the recipients it reports, then any address it names
 * that is a subscriber's), acted on, recorded by its Message-ID, and
 * marked processed in the mailbox:
 *
 *   hard bounce      pending/active -> bounced
 *   soft bounce      counted; bounced at soft_limit within soft_days
 *   complaint        -> complained
 *   unsubscribe      pending/active -> unsubscribed
 *   auto-reply       ignored
 *   other            left in the mailbox, reported
 *
 * A policy failure (5.7.x, blocked as spam) changes nobody. Each change
 * appends an event with the evidence (status, reporting server,
 * Message-ID). A message read before changes nothing; one that cannot
 * be read is reported and left, and the run goes on.
 *
 * Store changes are committed in batches, and messages are marked in the
 * mailbox only after their batch is committed: if the run dies between
 * the two, the next run finds them recorded and only marks them.
 */

struct inbox_options {
	const char *source; /* maildir:DIR, imap[s]://..., pop3[s]://... */
	struct mailbox_options mailbox;
	struct bounce_patterns patterns; /* config's return_path, ... */
	long soft_limit, soft_days;
	int dry_run; /* read and decide, change nothing anywhere */
};

/* What became of one message (or of one subscriber it concerned). */
struct inbox_outcome {
	size_t index, total;    /* the message's place in the pass */
	const struct bounce *b; /* its classification; NULL if unread */
	const char *address;    /* who, "" when nobody known */
	const char *action;     /* "bounced", "ignored", ... */
	int changed;            /* a status changed (or would, dry) */
	int seen_before;        /* read in an earlier run: nothing done */
	const char *error;      /* why it could not be read, else NULL */
};

struct inbox_stats {
	long messages;    /* offered by the mailbox */
	long seen_before; /* read in an earlier run */
	long unreadable;  /* could not be fetched */
	long classes[BOUNCE_AUTOREPLY + 1];
	long changed;      /* subscribers whose status changed */
	long soft_counted; /* soft bounces counted without a change */
	long marked;       /* marked processed in the mailbox */
};

/*
 * Runs one pass. report (if not NULL) is called for each message as it
 * is dealt with. Returns 0, or -1 with err set when the mailbox or the
 * store fails (what was committed before stays).
 */
int inbox_run(struct store *st, const struct inbox_options *o,
              void (*report)(void *ctx, const struct inbox_outcome *oc),
              void *ctx, struct inbox_stats *stats, struct err *err);

#endif
