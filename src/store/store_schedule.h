#ifndef STORE_SCHEDULE_H
#define STORE_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/*
 * Scheduled sends in the store (the SQL lives here; the rules in
 * send/schedule). A schedule is waiting until its time, then started
 * (claimed by exactly one runner: the claim is one UPDATE from 'waiting'
 * inside a write transaction, so two runners racing see one winner),
 * held (missed by more than the grace: waits for a person) or cancelled
 * (by a person, by a change to the issue, or replaced). At most one
 * schedule per issue is open (waiting or held). Every change is an event
 * of the issue (store_issue_event) in the same transaction.
 */

enum store_schedule_state {
	SCHEDULE_WAITING,
	SCHEDULE_STARTED,
	SCHEDULE_HELD,
	SCHEDULE_CANCELLED,
};

const char *store_schedule_state_name(enum store_schedule_state s);

struct store_schedule {
	int64_t id;
	char *issue;
	int64_t due;  /* Unix seconds */
	char *digest; /* of the inputs approved when it was made */
	char *by;     /* who scheduled it */
	int64_t at;   /* when */
	enum store_schedule_state state;
	int64_t settled_at; /* when it left 'waiting' (0: not yet) */
	char *settled_by, *why;
};

void store_schedule_release(struct store_schedule *s);

/*
 * Schedules issue for due (digest: the approved inputs'), by who;
 * replaces an open schedule of the issue (cancelled, saying so). One
 * transaction, with the issue's 'scheduled' event (detail: when, as
 * words). Returns 0, or -1 with err.
 */
int store_schedule_add(struct store *st, const char *issue, int64_t due,
                       const char *when, const char *digest, const char *who,
                       struct err *err);

/*
 * The latest schedule of issue, whatever its state: 1 (fills s), 0 none,
 * -1 error.
 */
int store_schedule_latest(struct store *st, const char *issue,
                          struct store_schedule *s, struct err *err);

/*
 * Every waiting schedule (due NULL: whatever their time; else only those
 * due at or before *due), oldest first. *v: caller owns (release each,
 * free). Returns 0, or -1 with err.
 */
int store_schedule_waiting(struct store *st, const int64_t *due,
                           struct store_schedule **v, size_t *n,
                           struct err *err);

/*
 * Moves schedule id from one of the states in `from` (a bit mask of
 * 1 << state) to `to`, by who, why (the issue's event, named `event`,
 * records why). Returns 1 when it moved, 0 when it was no longer in
 * those states (another runner took it), -1 with err.
 */
int store_schedule_settle(struct store *st, int64_t id, unsigned from,
                          enum store_schedule_state to, const char *event,
                          const char *who, const char *why, struct err *err);

#endif
