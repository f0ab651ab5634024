#ifndef STORE_DESK_H
#define STORE_DESK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "role.h"
#include "store.h"

/*
 * The desk's part of the store (the SQL lives here): its users, their
 * sessions and the log of desk actions.
 *
 * Rules kept here, whoever calls:
 * - a password is stored only as a PHC string (see password.h);
 * - a session is stored only as the hex SHA-256 of its id; it ends after
 *   `idle` seconds unused or `absolute` seconds after login, whichever is
 *   first, and when its user's password changes or the user is removed;
 * - failed logins lock an account for a time that grows with each one
 *   (STORE_DESK_FREE_FAILURES free, then 30 s, 60 s, 120 s ... up to an
 *   hour), and each lock is an event ("lockout");
 * - every change to the users is an event.
 *
 * Each write runs in its own transaction. Times are Unix seconds.
 */

#define STORE_DESK_FREE_FAILURES 4
#define STORE_DESK_LOCK_MAX      3600
#define STORE_DESK_NAME_MAX      64

struct store_desk_user {
	char *name, *phc, *email;
	enum role role;
	int64_t created, locked_until;
	long failures;
};

void store_desk_user_release(struct store_desk_user *u);

/*
 * Whether name may be a user's name: 1 to STORE_DESK_NAME_MAX letters,
 * digits, '.', '-', '_'. NULL, or what is wrong (static).
 */
const char *store_desk_bad_name(const char *name);

/* Adds a user; by is who did it (for the event). -1 when name exists. */
int store_desk_user_add(struct store *st, const char *name, enum role role,
                        const char *phc, const char *by, struct err *err);

/* 1 found (u filled, caller releases), 0 not, -1 error. */
int store_desk_user_find(struct store *st, const char *name,
                         struct store_desk_user *u, struct err *err);

/*
 * A new password hash for name: failures and lock cleared, every session
 * of the user ended. 1 done, 0 no such user, -1 error.
 */
int store_desk_user_passwd(struct store *st, const char *name, const char *phc,
                           const char *by, struct err *err);

/* Removes name and its sessions. 1 done, 0 no such user, -1 error. */
int store_desk_user_remove(struct store *st, const char *name, const char *by,
                           struct err *err);

/* Every user by name: *v (caller frees each and the array), *n. */
int store_desk_users(struct store *st, struct store_desk_user **v, size_t *n,
                     struct err *err);

/*
 * A failed login for name at now: counts it and, past the free ones,
 * locks the account (recording a "lockout" event from client). *locked
 * gets 1 when this failure locked it. 0, or -1 with err. An unknown name
 * is nothing to count (returns 0).
 */
int store_desk_login_failed(struct store *st, const char *name, int64_t now,
                            const char *client, int *locked, struct err *err);

/* A login of name succeeded: failures cleared, a "login" event. */
int store_desk_login_ok(struct store *st, const char *name, const char *client,
                        struct err *err);

/* Hex SHA-256 of a session id, what the store keeps. */
#define STORE_DESK_HASH_HEX 65

/* Records a session of user begun at now. */
int store_desk_session_add(struct store *st, const char *id_hash,
                           const char *user, int64_t now, struct err *err);

/*
 * The user of a live session: 1 (u filled), 0 none or expired (an expired
 * one is deleted), -1 error. Marks it seen when it was last seen more
 * than a minute ago (so a page view is not always a write).
 */
int store_desk_session_find(struct store *st, const char *id_hash, int64_t now,
                            int64_t idle, int64_t absolute,
                            struct store_desk_user *u, struct err *err);

/* Ends a session (logout). 0, or -1. */
int store_desk_session_end(struct store *st, const char *id_hash,
                           struct err *err);

/* Records a desk action: who did kind ("approve", ...) to subject. */
int store_desk_event(struct store *st, const char *who, const char *kind,
                     const char *subject, const char *detail, struct err *err);

/* One logged action (strings borrowed for the call). */
struct store_desk_event {
	int64_t id, at;
	const char *who, *kind, *subject, *detail;
};

/*
 * Calls fn for up to limit events, newest first, with id below before
 * (0: from the newest), of that kind and by that who (NULL or "": any).
 * fn returns 0 to go on, -1 to stop (then -1 is returned).
 */
int store_desk_events(struct store *st, const char *kind, const char *who,
                      int64_t before, int limit,
                      int (*fn)(const struct store_desk_event *e, void *ctx,
                                struct err *err),
                      void *ctx, struct err *err);

/* The kinds of event on record, in order (caller frees each and v). */
int store_desk_event_kinds(struct store *st, char ***v, size_t *n,
                           struct err *err);

/* A subscriber as the desk lists one (caller releases). */
struct store_desk_person {
	int64_t id, created, left;
	char *email, *name, *organisation, *status;
};

void store_desk_person_release(struct store_desk_person *p);

/* Subscriber id: 1 (p filled), 0 none, -1 error. */
int store_desk_person(struct store *st, int64_t id, struct store_desk_person *p,
                      struct err *err);

/*
 * Up to limit subscribers whose address or name starts with prefix (any
 * case), by address: *v (caller releases each and frees), *n.
 */
int store_desk_search(struct store *st, const char *prefix, int limit,
                      struct store_desk_person **v, size_t *n, struct err *err);

/* Sign-ups and departures in one month ("YYYY-MM", UTC). */
struct store_desk_month {
	char month[16];
	long joined, left;
};

/*
 * The last `months` months up to the one holding now, oldest first, every
 * month present (zero when nothing happened): *v (caller frees).
 */
int store_desk_months(struct store *st, int64_t now, int months,
                      struct store_desk_month **v, struct err *err);

#endif
