#ifndef STORE_H
#define STORE_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "sha256.h"
#include "token.h"

/*
 * The subscriber store: one SQLite file holding the subscribers, the
 * audit trail of every change of status, and the suppression list of
 * erased addresses. This is the only module that speaks SQL.
 *
 * Rules kept here, whoever calls:
 * - an address that is unsubscribed, bounced or complained is never made
 *   pending or active again except by store_resubscribe;
 * - an erased address (only a keyed hash of it is kept) is never added
 *   again except by store_resubscribe, or by its owner's own sign-up on
 *   the form (held pending, still erased, until store_confirm);
 * - every change of status appends an event.
 *
 * Each function that writes runs in its own transaction (BEGIN IMMEDIATE,
 * waiting for other writers up to a busy timeout) unless it is called
 * between store_begin and store_commit. Timestamps are Unix seconds, 0
 * for "never".
 */

enum store_status {
	STORE_PENDING,
	STORE_ACTIVE,
	STORE_UNSUBSCRIBED,
	STORE_BOUNCED,
	STORE_COMPLAINED,
	STORE_NSTATUS
};

/* "pending", "active", ... (static). */
const char *store_status_name(enum store_status status);
/* Returns 0 and sets *status, or -1 when name is not a status. */
int store_status_parse(const char *name, enum store_status *status);
/* Whether status keeps an address from being mailed or re-added. */
int store_status_suppressed(enum store_status status);

struct store_subscriber {
	int64_t id;
	char *email; /* normalised (address_normalise) */
	char *name;  /* "" when not known */
	char *organisation;
	char *token;        /* for unsubscribe links and bounce attribution */
	char *source;       /* "cli", "import" or "web" */
	char *consent_text; /* web sign-ups: the wording shown; else NULL */
	enum store_status status;
	int64_t created, confirmed, left, consent_at;
	/* the topics chosen, as store_topics' bits; STORE_ALL_TOPICS for
	 * everyone held before topics existed */
	int64_t topics;
};

/* Every topic, now and to come. */
#define STORE_ALL_TOPICS ((int64_t)-1)

/* Frees the strings of a subscriber filled by a store_find_* function. */
void store_subscriber_release(struct store_subscriber *s);

struct store_event {
	int64_t id, at, subscriber_id;
	int old_status; /* an enum store_status, or -1 at creation */
	enum store_status new_status;
	const char *source; /* "cli", "import", "web", ... (borrowed) */
	const char *detail; /* why, or where from (borrowed) */
};

enum { STORE_NSTMT = 20 };

/* An open store; the caller owns the struct, the fields are private. */
struct store {
	struct sqlite3 *db;
	char *path;
	/* Set by store_open when it had to make the file (or its -wal,
	 * -shm) private: a sentence for the user; NULL otherwise. */
	char *notice;
	struct sha256_hmac suppress_key;
	int in_txn;      /* between store_begin and store_commit */
	long txn_erased; /* entries on the suppression list, during in_txn */
	struct sqlite3_stmt *stmt[STORE_NSTMT];
	struct token_pool tokens;
	struct buf email;                 /* scratch: a normalised address */
	char token[TOKEN_PUBLIC_LEN + 1]; /* of the row passed to a callback */
};

/* The schema version this build reads and writes. */
int store_schema_version(void);

/*
 * Opens the store at path, creating it (mode 0600, and its directory if
 * missing) when there is no file or an empty one, and bringing an older
 * schema up to date. A file that is not a bulletin store, is damaged, or
 * has a newer schema is refused with err set, and left untouched. An
 * existing file, -wal or -shm that others could read is made 0600 and
 * st->notice says so (store_open does not print; the command does, once).
 */
int store_open(struct store *st, const char *path, struct err *err);
void store_close(struct store *st);

/*
 * One write transaction around many calls (an import): other processes'
 * writes wait until store_commit or store_rollback. After any failure in
 * between, the caller must store_rollback; after a failed store_begin or
 * store_commit it is harmless (nothing is open then), so a caller never
 * needs to know whether a transaction is still open.
 */
int store_begin(struct store *st, struct err *err);
int store_commit(struct store *st, struct err *err);
void store_rollback(struct store *st);

/*
 * A number that changes whenever another connection (of this process or
 * any other) commits a change to the store: SQLite's data_version, for a
 * cache that keeps a connection of its own, which it never writes with,
 * to ask. Returns 0, or -1 with err.
 */
int store_data_version(struct store *st, int64_t *v, struct err *err);

/* Someone to add (or find already there). */
struct store_signup {
	const char *email; /* as given; normalised here */
	const char *name;  /* NULL or "" = not given (existing kept) */
	const char *organisation;
	const char *source;       /* "cli", "import" or "web" */
	const char *detail;       /* for the event, e.g. "members.csv:12" */
	const char *consent_text; /* web: the wording shown, else NULL */
	int64_t consent_at;
	enum store_status status; /* STORE_ACTIVE or STORE_PENDING */
	/* topics (store_topics' bits): 0 = not given, which for someone
	 * new is every topic and for someone held keeps theirs */
	int64_t topics;
	int64_t new_topics;        /* someone new's when topics is 0 (0: all) */
	const char *detail_topics; /* the event when topics change */
	/* email is address_normalise's output already: skip doing it again */
	int normalised;
	/*
	 * The sign-up form: an erased address is held pending like anyone
	 * new, still on the suppression list (so import and add still refuse
	 * it) until its owner confirms (store_confirm). Needs STORE_PENDING.
	 */
	int erased_may_return;
};

enum store_outcome {
	STORE_ADDED,      /* a new subscriber */
	STORE_UPDATED,    /* name or organisation set, or pending made active */
	STORE_UNCHANGED,  /* already there as asked */
	STORE_SUPPRESSED, /* unsubscribed, bounced or complained: left so */
	STORE_ERASED, /* erased before: on the suppression list, not added */
};

/*
 * Adds a subscriber, or updates the one with that address within the
 * rules above. Sets *outcome and, unless NULL, *id (0 for STORE_ERASED).
 * An invalid address fails with address_normalise's message.
 */
int store_subscribe(struct store *st, const struct store_signup *su,
                    enum store_outcome *outcome, int64_t *id, struct err *err);

/*
 * Looks a subscriber up by address (any case) or token. Returns 1 and
 * fills *out (release it with store_subscriber_release), 0 when there is
 * none, -1 on error.
 */
int store_find_email(struct store *st, const char *email,
                     struct store_subscriber *out, struct err *err);
int store_find_token(struct store *st, const char *token,
                     struct store_subscriber *out, struct err *err);

/*
 * Moves subscriber id to status, appending an event with source and
 * detail; sets the confirmed time on becoming active and the left time on
 * leaving. *changed (unless NULL) says whether the status was different.
 * Refuses (-1) to make a suppressed subscriber pending or active: that
 * is store_resubscribe's. Returns 1 done, 0 no such id, -1 error.
 */
int store_set_status(struct store *st, int64_t id, enum store_status status,
                     const char *source, const char *detail, int *changed,
                     struct err *err);

/*
 * The emailed link of a sign-up, followed: pending subscriber id becomes
 * active (an event with source and detail), and its address, confirmed
 * by its owner, comes off the suppression list if it was erased (which
 * the event says). Returns 1 done, 0 when there is no such id or it is
 * not pending (nothing changed), -1 on error.
 */
int store_confirm(struct store *st, int64_t id, const char *source,
                  const char *detail, struct err *err);

/*
 * The unsubscribe link and one-click POST: a pending or active subscriber
 * with this token becomes unsubscribed; any other status is left as it
 * is (so repeating it is harmless). Returns 1 when the token is known
 * (*changed says whether anything changed), 0 when not, -1 on error.
 */
int store_unsubscribe_by_token(struct store *st, const char *token,
                               const char *source, const char *detail,
                               int *changed, struct err *err);

/*
 * The one way back from suppression, for someone who asked to return:
 * makes the subscriber active with an event carrying reason (required).
 * An erased address is taken off the suppression list and added anew.
 * Returns 1 done (*changed as above), 0 when the address is unknown and
 * not erased, -1 on error.
 */
int store_resubscribe(struct store *st, const char *email, const char *source,
                      const char *reason, int *changed, struct err *err);

/*
 * Deletes a subscriber added by mistake, with its events, leaving no
 * trace. Refuses (-1) a suppressed one: removing it would let a later
 * import add it back (store_erase is for that). Returns 1 removed, 0 not
 * found, -1 error.
 */
int store_remove(struct store *st, const char *email, struct err *err);

/*
 * Erasure on request (GDPR art. 17): deletes the subscriber and its
 * events and puts a keyed hash of the address on the suppression list,
 * also when nothing was held. Returns 1 when data was deleted, 0 when
 * there was none, -1 on error.
 */
int store_erase(struct store *st, const char *email, struct err *err);

/* Whether email is on the suppression list of erased addresses: 1/0/-1. */
int store_is_erased(struct store *st, const char *email, struct err *err);

/*
 * Calls fn for each subscriber with status (or every one when status is
 * -1) whose id is above after_id, in id order, reading row by row so that
 * memory stays constant however many there are. The subscriber is
 * borrowed for the call. A non-zero return from fn stops the walk and is
 * returned; otherwise 0, or -1 on error.
 */
int store_each(struct store *st, int status, int64_t after_id,
               int (*fn)(const struct store_subscriber *s, void *ctx),
               void *ctx, struct err *err);
/* store_each for the active subscribers, the ones to mail. */
int store_each_active(struct store *st, int64_t after_id,
                      int (*fn)(const struct store_subscriber *s, void *ctx),
                      void *ctx, struct err *err);

/* Counts by status, and of erased addresses on the suppression list. */
int store_counts(struct store *st, long counts[STORE_NSTATUS], long *erased,
                 struct err *err);

/* The events of a subscriber, oldest first, as store_each. */
int store_each_event(struct store *st, int64_t subscriber_id,
                     int (*fn)(const struct store_event *ev, void *ctx),
                     void *ctx, struct err *err);

/*
 * Everything held about the person with this address (GDPR art. 15), as
 * one JSON object appended to out: the subscriber record and its events,
 * or null, and whether the address is on the suppression list. Parts of
 * the program that add tables about people add them here.
 */
int store_data_json(struct store *st, const char *email, struct buf *out,
                    struct err *err);

/*
 * Deletes pending subscribers (never confirmed) created at least
 * older_than seconds ago, with their events; *purged gets how many.
 */
int store_purge_pending(struct store *st, int64_t older_than, long *purged,
                        struct err *err);

#endif
