#ifndef STORE_SEND_H
#define STORE_SEND_H

#include <stdint.h>

#include "err.h"
#include "store.h"

/*
 * The send journal, part of the store (the SQL lives here): one campaign
 * per issue sent, one row per recipient moving
 *   pending -> sending -> sent | deferred | failed | skipped
 * A row is marked 'sending' (and committed) before its message is handed
 * to the server, so after a crash the rows still 'sending' are exactly
 * the ones the server may or may not have accepted: 'uncertain'.
 */

enum send_state {
	SEND_PENDING,
	SEND_SENDING,
	SEND_SENT,
	SEND_DEFERRED,  /* a temporary failure: tried again next run */
	SEND_FAILED,    /* a permanent failure */
	SEND_UNCERTAIN, /* was 'sending' when a run died */
	SEND_SKIPPED,   /* left before the message was handed over */
	SEND_NSTATES
};

const char *store_send_state_name(enum send_state s);

struct store_campaign {
	int64_t id;
	char *issue, *subject;
	int64_t started, finished; /* Unix seconds; finished 0 = not yet */
	double seconds;            /* time spent sending over all runs */
	char *audience;            /* who it is for, in words ("": everyone) */
};

void store_campaign_release(struct store_campaign *c);

/* The campaign of an issue: 1 found (fills c), 0 none, -1 error. */
int store_campaign_find(struct store *st, const char *issue,
                        struct store_campaign *c, struct err *err);
/* Finds the campaign of an issue or starts one. */
int store_campaign_open(struct store *st, const char *issue,
                        const char *subject, struct store_campaign *c,
                        struct err *err);
/* Adds seconds to the campaign's time and sets finished (0: not). */
int store_campaign_update(struct store *st, int64_t campaign, double seconds,
                          int64_t finished, struct err *err);

/*
 * Prepares a run: rows left 'sending' become 'uncertain' (*uncertain
 * gets how many), or 'pending' again with resend_uncertain; 'deferred'
 * rows become 'pending'; every active subscriber not yet in the journal
 * gets a 'pending' row (*added). One transaction.
 */
int store_journal_prepare(struct store *st, int64_t campaign,
                          int resend_uncertain, long *uncertain, long *added,
                          struct err *err);

/*
 * Who a send is for, among the active subscribers: those with at least
 * one of topics (store_topics' bits; 0: any) and, when norgs, whose
 * organisation is one of orgs (ignoring case). words says it for people
 * ("topics: events; organisations: Luton Council"; "" for everyone).
 */
struct store_audience {
	int64_t topics;
	const char *const *orgs;
	size_t norgs;
	const char *words;
};

/* Whether s is one of aud (NULL: everyone active), as the journal's
 * choice of recipients decides it (for a dry run). */
int store_audience_includes(const struct store_audience *aud,
                            const struct store_subscriber *s);

/* store_journal_prepare for an audience (NULL: every active subscriber). */
int store_journal_prepare_for(struct store *st, int64_t campaign,
                              int resend_uncertain,
                              const struct store_audience *aud, long *uncertain,
                              long *added, struct err *err);

/*
 * Records who campaign c is for (aud->words), or checks that a send
 * already started was for the same people: a resumed send may not change
 * them. Returns 0, or -1 with err saying what the first run was for.
 */
int store_campaign_audience(struct store *st, const struct store_campaign *c,
                            const struct store_audience *aud, struct err *err);

/* A recipient claimed for sending (strings owned by the struct). */
struct store_recipient {
	int64_t id;
	char *email, *name, *token;
};

void store_recipient_release(struct store_recipient *r);

/*
 * The journal of one campaign, with its statements prepared once. Calls
 * on it must not overlap (the campaign serialises them with a mutex).
 */
struct store_journal;

struct store_journal *store_journal_open(struct store *st, int64_t campaign,
                                         struct err *err);
void store_journal_close(struct store_journal *j);

/*
 * Claims up to max 'pending' rows whose subscriber is active, in
 * subscriber order, marking them 'sending'; fills out[] and returns how
 * many (0: none left), or -1. Rows whose subscriber has left are marked
 * 'skipped' and counted in *skipped (added to). Call inside
 * store_begin/store_commit, and commit before handing any of the
 * messages over.
 */
int store_journal_claim(struct store_journal *j, struct store_recipient *out,
                        int max, long *skipped, struct err *err);

/*
 * Whether the subscriber may still be mailed (active): 1 yes, 0 no, -1
 * error. Checked just before a message is handed over, so that an
 * unsubscribe landing during the send takes effect for it.
 */
int store_journal_still_active(struct store_journal *j, int64_t subscriber,
                               struct err *err);

/* Records what became of one recipient. reply and message_id may be
 * NULL. attempts is added to the row's count. */
int store_journal_set(struct store_journal *j, int64_t subscriber,
                      enum send_state state, int attempts, const char *reply,
                      const char *message_id, struct err *err);

/* Counts of a campaign's rows by state. */
int store_journal_counts(struct store *st, int64_t campaign,
                         long counts[SEND_NSTATES], struct err *err);

/* A journal row as listed by store_journal_each (borrowed strings). */
struct store_journal_row {
	int64_t subscriber;
	const char *email;
	enum send_state state;
	int attempts;
	const char *reply, *message_id;
	int64_t updated;
};

/* Calls fn for each row of the campaign in state (-1: all), by
 * subscriber; a non-zero return stops the walk and is returned. */
int store_journal_each(struct store *st, int64_t campaign, int state,
                       int (*fn)(const struct store_journal_row *r, void *ctx),
                       void *ctx, struct err *err);

/*
 * Commits after each batch stop waiting for the disk (synchronous =
 * NORMAL on this connection): a killed process loses nothing; a power
 * cut may undo the last batches of journal updates, so that those
 * recipients could get the message again on the next run. A send of
 * thousands of messages a second cannot wait for the disk each time.
 */
int store_send_fast_commits(struct store *st, struct err *err);

/*
 * One send of an issue at a time. The lock is an exclusive flock(2) on a
 * file beside the store, STORE-send-ISSUE.lock (mode 0600), held for the
 * run: the kernel releases it whenever the process ends, kill -9 and
 * crashes included, so a dead run never leaves a lock to take over or to
 * guess about (a row in the store would need "is that process alive, and
 * is it still the same process?", which a reused process id or another
 * host cannot answer safely). The file says who holds it: process id,
 * host and start time. Local file systems only, as for SQLite itself.
 */
struct store_send_lock {
	int fd; /* -1: not held */
	char *path;
};

/*
 * Takes the lock for sending issue for by (who runs the send, e.g. "the
 * desk, for amina"; may be NULL). Returns 0, or -1 with err: when another
 * run holds it, err names its process id, host, start time and who.
 */
int store_send_lock(struct store *st, const char *issue, const char *by,
                    struct store_send_lock *lk, struct err *err);
/* Releases the lock (and removes its file); harmless when not held. */
void store_send_unlock(struct store_send_lock *lk);

/*
 * Whether a send of issue is running now: 1 (who gets "process N on
 * HOST, started TIME"), 0 not, -1 error.
 */
int store_send_running(struct store *st, const char *issue, struct buf *who,
                       struct err *err);

#endif
