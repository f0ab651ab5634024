#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callmail.h"
#include "cmd.h"
#include "common.h"
#include "sitecmd.h"
#include "store.h"
#include "banned.h"

const char cmd_call_summary[] =
        "email partners the call for contributions (or a reminder)";

static void usage(FILE *f)
{
	fputs("usage: bulletin call ISSUE [--remind] [--dry-run] [--now TIME]\n"
	      "\n"
	      "Emails every contact of every partner ('bulletin partners') "
	      "the\n"
	      "call for contributions to ISSUE: the deadline, the sections,\n"
	      "what makes a good piece and the partner's personal link. From\n"
	      "the newsletter's address, one message per contact, through\n"
	      "delivery.transport.\n\n"
	      "  --remind    write only to partners with nothing in ISSUE yet\n"
	      "              (no piece whose 'partner:' is their name or "
	      "short\n"
	      "              name)\n"
	      "  --dry-run   list who would get it; send and record nothing\n"
	      "  --now TIME  act as at TIME (YYYY-MM-DD[THH:MM]Z or "
	      "seconds)\n\n"
	      "A partner gets the call, and the reminder, at most once a day;\n"
	      "running it again the same day writes only to partners added\n"
	      "since. The issue must still be open to partners: before its\n"
	      "deadline, or reopened ('bulletin reopen'), and not sent.\n",
	      f);
}

static void print_note(const struct callmail_note *n, void *ctx)
{
	(void)ctx;
	if (n->contact)
		printf("%s <%s>: %s%s%s\n", n->partner->name, n->contact,
		       callmail_result_name(n->result), *n->detail ? ": " : "",
		       n->detail);
	else
		printf("%s: %s%s%s\n", n->partner->name,
		       callmail_result_name(n->result), *n->detail ? ": " : "",
		       n->detail);
}

static void summary(const struct callmail_counts *c, int dry_run)
{
	struct buf b = BUF_INIT;

	callmail_summary(c, dry_run, &b);
	printf("%s\n", b.data);
	buf_release(&b);
}

int cmd_call(int argc, char **argv)
{
	int remind = 0, dry_run = 0;
	const char *now_opt = NULL;
	const struct cmd_opt opts[] = {
	        {"remind", 0, &remind, 0},
	        {"dry-run", 0, &dry_run, 'n'},
	        {"now", 1, &now_opt, 0},
	        {NULL, 0, NULL, 0},
	};
	struct callmail_options o = {.note = print_note};
	struct callmail_counts counts;
	struct cmd_run run;
	struct store st;
	struct err err = ERR_INIT;
	time_t now = 0;
	int ret = cmd_begin(&run, argc, argv, opts, 1, CMD_ISSUE, usage);

	if (ret >= 0)
		return ret;
	ret = EXIT_FAIL;
	if ((now_opt && cmd_site_now(now_opt, &now) < 0) ||
	    cmd_store_open(&st, run.cfg.store) < 0)
		return cmd_end(&run, ret);
	o.issue = run.issue;
	o.kind = remind ? CALLMAIL_REMIND : CALLMAIL_CALL;
	o.dry_run = dry_run;
	o.who = cmd_login_name();
	o.smtp_password = getenv("BULLETIN_SMTP_PASSWORD");
	o.now = (int64_t)now;
	if (callmail_run(&run.cfg, &st, &o, &counts, &err) < 0) {
		cmd_fail(&err);
	} else {
		summary(&counts, dry_run);
		ret = counts.failed ? EXIT_FAIL : EXIT_OK;
	}
	free((char *)o.who);
	err_release(&err);
	store_close(&st);
	return cmd_end(&run, ret);
}
