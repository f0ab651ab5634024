#ifndef INBOX_H
#define INBOX_H

#include "bounce.h"
#include "contrib.h"
#include "err.h"
#include "mailbox.h"
#include "store.h"

/*
 * One pass over the bounce mailbox: each new message is classified
 * (bounce.h), tied to a message bulletin sent (below), acted on,
 * recorded by its Message-ID, and marked processed in the mailbox:
 *
 *   hard bounce      pending/active -> bounced
 *   soft bounce      counted; bounced at soft_limit within soft_days
 *   complaint        -> complained
 *   unsubscribe      pending/active -> unsubscribed
 *   auto-reply       ignored
 *   other            left in the mailbox, reported
 *
 * A bounce or complaint changes a subscriber only when it is tied to a
 * message sent to that subscriber ("verified"):
 *
 *   token       it came to the return address bounces+TOKEN@ (or the
 *               returned message's Return-Path holds it), and the report
 *               names that token's subscriber or nobody;
 *   message-id  the returned message's header (or the report's
 *               Original-Message-ID) carries the Message-ID the send
 *               journal kept for a subscriber, and the report names that
 *               subscriber or nobody.
 *
 * Anyone can write a report naming anyone; only a token or one of those
 * random Message-IDs shows that the writer saw the message. Anything else
 * is unverified: reported with its evidence and why, counted, never
 * acted on. An unsubscribe request is tied by the token in the address
 * it came to (unsubscribe+TOKEN@) alone.
 *
 * A policy failure (5.7.x, blocked as spam) changes nobody. Each change
 * appends an event with the evidence (status, reporting server,
 * Message-ID, what tied it). A message read before changes nothing; one
 * that cannot be read is reported and left, and the run goes on.
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
	/*
	 * Contributions by mail (contrib.h): messages addressed to
	 * contrib->prefix go to the desk instead of the classifier. NULL:
	 * none. Its dry_run should be dry_run's.
	 */
	const struct contrib_options *contrib;
};

/* What became of one message (strings borrowed for the call). */
struct inbox_outcome {
	size_t index, total;    /* the message's place in the pass */
	const char *file;       /* its name in the mailbox; "" if none */
	const struct bounce *b; /* its classification; NULL if unread */
	/*
	 * The subscriber it is about when verified, else the first address
	 * it reports; "" when nobody.
	 */
	const char *address;
	const char *subscriber; /* the verified subscriber, else NULL */
	const char *verified;   /* "token", "message-id" or "none" */
	/* What was done (or would be, dry): "bounced", "complained",
	 * "unsubscribed", "counted" (a soft bounce) or "none". */
	const char *done;
	const char *action; /* the same for people: "would be bounced", ... */
	const char *reason; /* one line: why (verified how, or not) */
	int changed;        /* a status changed (or would, dry) */
	int seen_before;    /* read in an earlier run: nothing done */
	const char *error;  /* why it could not be read, else NULL */
	/* A contribution mail: what the desk did (b is NULL); else NULL. */
	const struct contrib_outcome *contrib;
};

struct inbox_stats {
	long messages;    /* offered by the mailbox */
	long seen_before; /* read in an earlier run */
	long unreadable;  /* could not be fetched */
	long classes[BOUNCE_AUTOREPLY + 1];
	long changed;       /* subscribers whose status changed */
	long soft_counted;  /* soft bounces counted without a change */
	long unverified;    /* bounces, complaints, unsubscribe requests not
	                       tied to a message sent: not acted on */
	long marked;        /* marked processed in the mailbox */
	long contributions; /* contribution mails read */
	long pieces;        /* pieces added, replaced or withdrawn */
	long held;          /* contribution mails held for a person */
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
