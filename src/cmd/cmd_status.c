#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "common.h"
#include "lifecycle.h"
#include "store.h"
#include "store_send.h"
#include "banned.h"

const char cmd_status_summary[] =
        "where an issue stands, and how its sending went";

/* Rows listed in full; the rest are counted. */
#define SHOW_MAX 50

static void usage(FILE *f)
{
	fputs("usage: bulletin status ISSUE\n\n"
	      "Shows where the issue stands (draft, compiled, approved,\n"
	      "sending, sent), who compiled and approved it and what changed\n"
	      "since; then how many messages were sent, deferred,\n"
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

/* "sent N, deferred N, ..." (rows being handed over are uncertain
 * unless a send is running). */
static void show_counts(const long *counts, int running)
{
	printf("  sent %ld, deferred %ld, failed %ld, uncertain %ld, "
	       "skipped %ld, pending %ld",
	       counts[SEND_SENT], counts[SEND_DEFERRED], counts[SEND_FAILED],
	       counts[SEND_UNCERTAIN] + (running ? 0 : counts[SEND_SENDING]),
	       counts[SEND_SKIPPED], counts[SEND_PENDING]);
	if (running)
		printf(", being handed over %ld", counts[SEND_SENDING]);
	putchar('\n');
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
		goto out;
	printf("%s: \"%s\"\n", id, c->subject);
	when("  started: ", c->started);
	if (c->finished)
		when("  finished:", c->finished);
	else
		printf("  finished: not yet\n");
	if (running)
		printf("  a send is running now (%s)\n", who.data);
	printf("  time sending: %.1f s\n", c->seconds);
	show_counts(counts, running);
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

/* "  LABEL DATE by WHO" */
static void step(const char *label, int64_t at, const char *who)
{
	struct buf b = BUF_INIT;

	lifecycle_when(at, &b);
	printf("  %-9s %s%s%s\n", label, b.data + 3, who && *who ? " by " : "",
	       who && *who ? who : "");
	buf_release(&b);
}

/* The lifecycle: the state, who took each step, what changed since. */
static void show_lifecycle(const struct lifecycle *lc, const char *id)
{
	struct buf why = BUF_INIT, what = BUF_INIT;

	printf("issues/%s: %s\n", id, lifecycle_state_name(lc->state));
	if (lc->compiled)
		step("compiled:", lc->compiled_at, lc->compile.who);
	else
		printf("  compiled: not yet ('bulletin compile %s')\n", id);
	if (lc->approved) {
		step("approved:", lc->approval.at, lc->approval.by);
		printf("  digest:   %.12s (%zu inputs)\n", lc->approval.digest,
		       lc->built.n);
	}
	if (lc->has_campaign)
		step("sending:", lc->campaign.started, NULL);
	if (lc->state == LIFECYCLE_SENT)
		step("sent:", lc->campaign.finished, NULL);
	if (lc->published)
		printf("  on the public site ('bulletin unpublish %s' takes "
		       "it down)\n",
		       id);
	if (lc->stale) {
		buf_adds(&what, "it was compiled");
		lifecycle_explain(&lc->built, &lc->now, what.data, &why);
		printf("  %s\n  compile it again ('bulletin compile %s')\n",
		       why.data, id);
	} else if (lc->approved && !lc->approval_holds &&
	           lc->state != LIFECYCLE_SENT) {
		printf("  the approval was for another version: approve "
		       "this one ('bulletin approve %s')\n",
		       id);
	} else if (lc->state == LIFECYCLE_COMPILED) {
		printf("  next: read issues/%s/build/preview.html, then "
		       "'bulletin approve %s'\n",
		       id, id);
	}
	buf_release(&why);
	buf_release(&what);
}

/* Whether partners may still change it (deadline, reopened, sent). */
static int show_partners(const struct config *cfg, struct store *st,
                         const char *id, struct err *err)
{
	struct lifecycle_window w;
	struct buf text = BUF_INIT;

	if (lifecycle_partner_window(cfg, st, id, (int64_t)time(NULL), &w,
	                             err) < 0)
		return -1;
	lifecycle_window_text(&w, &text);
	printf("  %s\n\n", text.data);
	buf_release(&text);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	struct cmd_run run;
	struct store st;
	struct store_campaign c = {0};
	struct lifecycle lc;
	struct err err = ERR_INIT;
	int ret, found;

	ret = cmd_begin(&run, argc, argv, NULL, 1, CMD_ISSUE, usage);
	if (ret >= 0)
		return ret;
	if (cmd_store_open(&st, run.cfg.store) < 0)
		return cmd_end(&run, EXIT_FAIL);
	if (lifecycle_load(&lc, &run.cfg, &st, run.issue, &err) < 0) {
		store_close(&st);
		ret = cmd_fail(&err);
		err_release(&err);
		return cmd_end(&run, ret);
	}
	show_lifecycle(&lc, run.issue);
	lifecycle_release(&lc);
	found = show_partners(&run.cfg, &st, run.issue, &err);
	if (found == 0)
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
