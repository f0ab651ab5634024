#include "sendsched.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cmd.h"
#include "common.h"
#include "store.h"
#include "banned.h"

int sendsched_option(int c, const char *arg, const char **at, int *cancel,
                     int *due)
{
	if (c == 'a')
		*at = arg;
	else if (c == 'c')
		*cancel = 1;
	else if (c == 'd')
		*due = 1;
	else
		return 0;
	return 1;
}

int sendsched_misused(const char *at, int cancel, int due, int others)
{
	int n = (at != NULL) + cancel + due;

	return n > 1 || (n && others);
}

/* What --at WHEN (when not NULL) or --cancel did, said; 1, 0 or -1. */
static void report(const char *id, const char *when, int moved,
                   const struct buf *said, const struct err *err)
{
	if (moved < 0)
		cmd_fail(err);
	else if (moved == 0)
		cmd_error("%s has no scheduled send to cancel ('bulletin "
		          "status %s' shows where it stands)",
		          id, id);
	else if (when)
		printf("%s is scheduled for %s: 'bulletin serve' (or 'bulletin "
		       "send --due' from a timer) sends it then; 'bulletin "
		       "send %s --cancel' cancels it\n",
		       id, said->data, id);
	else
		printf("the scheduled send of %s for %s is cancelled\n", id,
		       said->data);
}

/* --at WHEN, or --cancel when when is NULL: the exit code. */
static int change(const struct config *cfg, const char *id, const char *when)
{
	struct store st;
	struct buf said = BUF_INIT;
	struct err err = ERR_INIT;
	char *who = cmd_login_name();
	int moved = -1;

	if (cmd_store_open(&st, cfg->store) == 0) {
		if (when)
			moved = schedule_set(cfg, &st, id, when, who,
			                     (int64_t)time(NULL), &said,
			                     &err) < 0
			                ? -1
			                : 1;
		else
			moved = schedule_cancel(cfg, &st, id, who, &said, &err);
		report(id, when, moved, &said, &err);
		store_close(&st);
	}
	free(who);
	buf_release(&said);
	err_release(&err);
	return moved > 0 ? EXIT_OK : EXIT_FAIL;
}

int cmd_send_at(const struct config *cfg, const char *id, const char *when)
{
	return change(cfg, id, when);
}

int cmd_send_cancel(const struct config *cfg, const char *id)
{
	return change(cfg, id, NULL);
}

static int send_one(void *ctx, const char *id, const char *who,
                    volatile sig_atomic_t *stop)
{
	struct cmd_schedule_ctx *rc = ctx;
	int ret = cmd_send_scheduled(rc->cfg, id, who, stop);

	if (ret != EXIT_OK)
		rc->failed = 1;
	fflush(stdout);
	return ret == EXIT_OK ? 0 : -1;
}

static void say_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

void cmd_schedule_runner(struct schedule_runner *r, struct cmd_schedule_ctx *rc,
                         const struct config *cfg)
{
	rc->cfg = cfg;
	rc->failed = 0;
	r->cfg = cfg;
	r->send = send_one;
	r->say = say_line;
	r->ctx = rc;
	r->stop = NULL;
}

int cmd_send_due(const struct config *cfg)
{
	struct schedule_runner r;
	struct cmd_schedule_ctx rc;
	struct store st;
	struct err err = ERR_INIT;
	long started;

	cmd_schedule_runner(&r, &rc, cfg);
	if (cmd_store_open(&st, cfg->store) < 0)
		return EXIT_FAIL;
	started = schedule_run_due(&r, &st, (int64_t)time(NULL), 1, &err);
	store_close(&st);
	if (started < 0)
		cmd_fail(&err);
	err_release(&err);
	return started < 0 || rc.failed ? EXIT_FAIL : EXIT_OK;
}

int cmd_schedule_check(const struct config *cfg, struct store *st,
                       const char *id)
{
	struct buf said = BUF_INIT;
	struct err err = ERR_INIT;
	int moved = schedule_check(cfg, st, id, &said, &err);

	if (moved < 0)
		cmd_fail(&err);
	else if (moved)
		cmd_error("%s", said.data);
	buf_release(&said);
	err_release(&err);
	return moved < 0 ? -1 : 0;
}
