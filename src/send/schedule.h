#ifndef SCHEDULE_H
#define SCHEDULE_H

#include <signal.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "store.h"
#include "store_schedule.h"

/*
 * Scheduled sends: the rules (the records are store_schedule's).
 *
 * An approved issue is scheduled for a local time in site.timezone. The
 * schedule remembers the digest of the inputs approved: when the issue's
 * inputs no longer have that digest (anything changed since the
 * approval), the schedule is cancelled the next time anyone looks
 * (bulletin status, issues, send, and serve every minute), with the
 * files that changed as the reason. A runner (serve's thread, or
 * `bulletin send --due`) claims a due schedule in one transaction and
 * runs the send; a schedule due longer ago than schedule.grace_hours is
 * held for a person instead, saying why.
 */

/*
 * Schedules issue id for when ("YYYY-MM-DD HH:MM" local to
 * cfg->timezone), by who, at now. The issue must be compiled and
 * approved as it is now (lifecycle_check_build, lifecycle_check_send),
 * not sent yet, and when in the future. Appends the time as words
 * ("2027-01-14 09:00 GMT") to said. Returns 0, or -1 with err.
 */
int schedule_set(const struct config *cfg, struct store *st, const char *id,
                 const char *when, const char *who, int64_t now,
                 struct buf *said, struct err *err);

/*
 * Cancels issue id's open schedule (waiting or held), by who. Returns 1
 * (said gets the time it was for), 0 when there was none, -1 with err.
 */
int schedule_cancel(const struct config *cfg, struct store *st, const char *id,
                    const char *who, struct buf *said, struct err *err);

/*
 * Cancels issue id's open schedule (waiting or held) if it no longer
 * holds: the inputs changed since the approval it was made under, or a
 * send of the issue started without it. Returns 1 (said gets a sentence saying
 * so and why), 0 nothing to cancel, -1 with err.
 */
int schedule_check(const struct config *cfg, struct store *st, const char *id,
                   struct buf *said, struct err *err);

/*
 * Appends what became of a schedule, one line without a newline:
 * "scheduled for 2027-01-14 09:00 GMT by amina", "held: WHY",
 * "started by its schedule (due ...)", "cancelled (...): WHY".
 * short_form: only the time, or "held", for a column.
 */
void schedule_describe(const struct config *cfg, const struct store_schedule *s,
                       int short_form, struct buf *out);

/* What runs the due sends (strings and callbacks borrowed). */
struct schedule_runner {
	const struct config *cfg;
	/*
	 * Runs the full send of id (as `bulletin send ID` does), as who;
	 * stop, when set, ends it early. Returns 0 when it ran.
	 */
	int (*send)(void *ctx, const char *id, const char *who,
	            volatile sig_atomic_t *stop);
	/* A line for the log: what started, what was held or cancelled. */
	void (*say)(void *ctx, const char *line);
	void *ctx;
	volatile sig_atomic_t *stop; /* may be NULL */
};

/*
 * One pass at now: every waiting schedule due by now (all of them when
 * check_all, to cancel those that no longer hold) is checked
 * (schedule_check), held when missed by more than the grace, or claimed
 * and sent. Returns how many sends it started, or -1 with err.
 */
long schedule_run_due(const struct schedule_runner *r, struct store *st,
                      int64_t now, int check_all, struct err *err);

/*
 * The runner on a thread of its own, for `bulletin serve`: a pass every
 * second (a send starts within a few seconds of its time), checking
 * every schedule once a minute, with its own connection to the store.
 * Returns NULL with err when the store cannot be opened.
 */
struct schedule_thread;
struct schedule_thread *schedule_thread_start(const struct schedule_runner *r,
                                              struct err *err);
/* Stops the thread: a send in progress is told to stop and waited for. */
void schedule_thread_stop(struct schedule_thread *t);

#endif
