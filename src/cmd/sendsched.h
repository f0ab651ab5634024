#ifndef SENDSCHED_H
#define SENDSCHED_H

#include <signal.h>

#include "config.h"
#include "schedule.h"

/*
 * What the commands share about scheduled sends: `bulletin send --at`,
 * `--cancel` and `--due`, the runner `bulletin serve` starts, and the
 * notice `status` and `issues` print when a schedule no longer holds.
 */

/*
 * Takes send's schedule options (getopt code c: 'a' --at, 'c' --cancel,
 * 'd' --due). Returns 1 when c was one of them, 0 otherwise.
 */
int sendsched_option(int c, const char *arg, const char **at, int *cancel,
                     int *due);

/* Whether the schedule options are misused: more than one, or with
 * options for a send now (others). */
int sendsched_misused(const char *at, int cancel, int due, int others);

/* `bulletin send ID --at WHEN`, `--cancel`, `--due`: the exit code. */
int cmd_send_at(const struct config *cfg, const char *id, const char *when);
int cmd_send_cancel(const struct config *cfg, const char *id);
int cmd_send_due(const struct config *cfg);

/*
 * The full send of id as `bulletin send ID` makes it (cmd_send.c), by
 * who; stop NULL catches SIGINT and SIGTERM itself. The exit code.
 */
int cmd_send_scheduled(const struct config *cfg, const char *id,
                       const char *who, volatile sig_atomic_t *stop);

/* What the runner's sends share: failed is set when one failed. */
struct cmd_schedule_ctx {
	const struct config *cfg;
	int failed;
};

/*
 * A runner whose sends are cmd_send_scheduled and lines go to stderr
 * (rc and cfg borrowed for the runner's life).
 */
void cmd_schedule_runner(struct schedule_runner *r, struct cmd_schedule_ctx *rc,
                         const struct config *cfg);

/*
 * Cancels id's schedule if it no longer holds (schedule_check) and says
 * so on stderr. Returns 0, or -1 (said) on a store error.
 */
int cmd_schedule_check(const struct config *cfg, struct store *st,
                       const char *id);

#endif
