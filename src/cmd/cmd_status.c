#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "common.h"
#include "store.h"
#include "store_send.h"
#include "banned.h"

const char cmd_status_summary[] = "how the sending of an issue went";

/* Rows listed in full; the rest are counted. */
#define SHOW_MAX 50

static void usage(FILE *f)
{
	fputs("usage: bulletin status ISSUE\n\n"
	      "Shows how many messages of the issue were sent, deferred,\n"
	      "failed or are uncertain, each failure with the server's\n"
	      "reply, and how long sending took.\n",
	      f);
}

struct listing {
	long shown, more;
};

static int show_row(const struct store_journal_row *r, void *ctx)
{
	struct listing *l = ctx;

	if (l->shown >= SHOW_MAX) {
		l->more++;
		return 0;
	}
	printf("  %-9s %s (%d attempt%s): %s\n",
	       store_send_state_name(r->state),
	       *r->email ? r->email : "(erased)", r->attempts,
	       r->attempts == 1 ? "" : "s",
	       *r->reply ? r->reply : "no reply recorded");
	l->shown++;
	return 0;
}

static void when(const char *label, int64_t t)
{
	char text[64];
	struct tm tm;
	time_t tt = (time_t)t;

	localtime_r(&tt, &tm);
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S %z", &tm);
	printf("%s %s\n", label, text);
}

/* The journal's counts, then each listed state's rows. */
static int show_campaign(struct store *st, const struct store_campaign *c,
                         const char *id, struct err *err)
{
	static const int listed[] = {SEND_FAILED, SEND_DEFERRED, SEND_UNCERTAIN,
	                             SEND_SENDING};
	long counts[SEND_NSTATES];
	struct buf who = BUF_INIT;
	int running, ret = -1;

	if (store_journal_counts(st, c->id, counts, err) < 0)
		return -1;
	/* With no send running, rows left being handed over are
	 * uncertain: the run that claimed them died. */
	running = store_send_running(st, id, &who, err);
	if (running < 0)
		return -1;
	printf("%s: \"%s\"\n", id, c->subject);
	when("  started: ", c->started);
	if (c->finished)
		when("  finished:", c->finished);
	else
		printf("  finished: not yet\n");
	if (running)
		printf("  a send is running now (%s)\n", who.data);
	printf("  time sending: %.1f s\n", c->seconds);
	printf("  sent %ld, deferred %ld, failed %ld, uncertain %ld, "
	       "skipped %ld, pending %ld",
	       counts[SEND_SENT], counts[SEND_DEFERRED], counts[SEND_FAILED],
	       counts[SEND_UNCERTAIN] + (running ? 0 : counts[SEND_SENDING]),
	       counts[SEND_SKIPPED], counts[SEND_PENDING]);
	if (running)
		printf(", being handed over %ld", counts[SEND_SENDING]);
	putchar('\n');
	for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
		struct listing l = {0, 0};

		if (!counts[listed[i]])
			continue;
		printf("\n%s:\n",
		       listed[i] != SEND_SENDING
		               ? store_send_state_name(listed[i])
		       : running ? "being handed over by the running send"
		                 : "uncertain (being handed over when a send "
		                   "died)");
		if (store_journal_each(st, c->id, listed[i], show_row, &l,
		                       err) < 0)
			goto out;
		if (l.more)
			printf("  ... and %ld more\n", l.more);
	}
	if (counts[SEND_UNCERTAIN] || (!running && counts[SEND_SENDING]))
		printf("\nUncertain messages were being handed over when a "
		       "send died: the\nserver may have accepted them. "
		       "'bulletin "
		       "send %s --resend-uncertain'\nsends them again.\n",
		       id);
	ret = 0;
out:
	buf_release(&who);
	return ret;
}

int cmd_status(int argc, char **argv)
{
	struct cmd_run run;
	struct store st;
	struct store_campaign c = {0};
	struct err err = ERR_INIT;
	int ret, found = -1;

	ret = cmd_begin(&run, argc, argv, NULL, 1, CMD_ISSUE, usage);
	if (ret >= 0)
		return ret;
	if (cmd_store_open(&st, run.cfg.store) < 0)
		return cmd_end(&run, EXIT_FAIL);
	found = store_campaign_find(&st, run.issue, &c, &err);
	if (found == 0)
		printf("%s has not been sent yet ('bulletin send %s')\n",
		       run.issue, run.issue);
	else if (found > 0 && show_campaign(&st, &c, run.issue, &err) < 0)
		found = -1;
	store_close(&st);
	ret = found < 0 ? cmd_fail(&err) : EXIT_OK;
	store_campaign_release(&c);
	err_release(&err);
	return cmd_end(&run, ret);
}
