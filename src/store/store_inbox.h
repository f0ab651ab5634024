#ifndef STORE_INBOX_H
#define STORE_INBOX_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "store.h"

/*
 * The inbox's part of the store (the SQL lives here): every message read
 * from the bounce mailbox, kept by its Message-ID so that reading the
 * same messages again changes nothing; the runs that read them, for
 * `bulletin inbox --report`; and the soft bounces counted per subscriber.
 *
 * Writes join the caller's store_begin/store_commit transaction when
 * there is one (the inbox commits a batch of messages at a time).
 */

/* The inbox's statements, prepared once; the caller owns the handle. */
struct store_inbox;

struct store_inbox *store_inbox_open(struct store *st, struct err *err);
void store_inbox_close(struct store_inbox *in);

/* Starts a run reading source (as given, without a password). */
int store_inbox_run_begin(struct store_inbox *in, const char *source,
                          int64_t *run, struct err *err);
/* Sets the run's end time. */
int store_inbox_run_end(struct store_inbox *in, int64_t run, struct err *err);

/* Whether a message with this key was read before: 1 yes, 0 no, -1. */
int store_inbox_seen(struct store_inbox *in, const char *key, struct err *err);

/* What became of one message (strings borrowed for the call). */
struct store_inbox_message {
	const char *key;      /* its Message-ID, or a digest when it has none */
	const char *class;    /* bounce_class_name() */
	int64_t subscriber;   /* who it was about; 0 for nobody known */
	const char *address;  /* with no subscriber: the address it named */
	const char *outcome;  /* what was done: "bounced", "ignored", ... */
	const char *detail;   /* evidence without addresses: status, server */
	const char *verified; /* "token", "message-id", "none" or "" */
};

/* Records a message read in run. A key seen before is left as it was. */
int store_inbox_record(struct store_inbox *in, int64_t run,
                       const struct store_inbox_message *m, struct err *err);

/*
 * Counts a soft bounce of subscriber at time at (with detail as
 * evidence), unless dry_run; *count gets the soft bounces within the
 * last days days, this one included.
 */
int store_inbox_soft_bounce(struct store_inbox *in, int64_t subscriber,
                            int64_t at, long days, const char *detail,
                            int dry_run, long *count, struct err *err);

/*
 * Whether message_id (with its <>) is one bulletin made for a message it
 * sent: 1 when a journal row has it (*email gets that row's subscriber's
 * address), 0 when none does, -1 on error.
 */
int store_inbox_sent_to(struct store_inbox *in, const char *message_id,
                        struct buf *email, struct err *err);

struct store_inbox_run {
	int64_t id;
	char *source;
	int64_t started, finished; /* finished 0: never ended (killed) */
};

void store_inbox_run_release(struct store_inbox_run *r);

/* The latest run: 1 (fills r), 0 when there has been none, -1. */
int store_inbox_last_run(struct store_inbox *in, struct store_inbox_run *r,
                         struct err *err);

/* A message of a run as listed by store_inbox_each (borrowed strings). */
struct store_inbox_row {
	const char *key, *class, *outcome, *detail;
	int64_t subscriber;   /* 0: nobody known (or erased since) */
	const char *email;    /* the subscriber's address, else the one named */
	const char *verified; /* as recorded ("" before verification) */
};

/*
 * Calls fn for each message of run in the order read; a non-zero return
 * stops the walk and is returned.
 */
int store_inbox_each(struct store_inbox *in, int64_t run,
                     int (*fn)(const struct store_inbox_row *r, void *ctx),
                     void *ctx, struct err *err);

#endif
