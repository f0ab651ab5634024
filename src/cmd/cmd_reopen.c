#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "lifecycle.h"
#include "sitecmd.h"
#include "store.h"
#include "store_partner.h"
#include "banned.h"

const char cmd_reopen_summary[] =
        "let partners change an issue after its deadline, until a date";

static void usage(FILE *f)
{
	fputs("usage: bulletin reopen ISSUE --until DATE [--now TIME]\n\n"
	      "Partners may add, change or withdraw pieces of ISSUE through\n"
	      "their personal link until DATE (YYYY-MM-DD: to the end of that\n"
	      "day, UTC; or YYYY-MM-DDTHH:MM), although its deadline has\n"
	      "passed. The latest reopen counts: an earlier DATE shortens it.\n"
	      "An issue that has been sent cannot be reopened.\n"
	      "'bulletin status ISSUE' shows until when partners may change "
	      "it.\n\n"
	      "  --until DATE  the last moment partners may change it\n"
	      "  --now TIME    act as at TIME (YYYY-MM-DD[THH:MM]Z or "
	      "seconds)\n",
	      f);
}

/* Reopens until until_opt and prints the window; 0 or -1 (printed). */
static int reopen(const struct cmd_run *run, struct store *st,
                  const char *until_opt, time_t now, struct err *err)
{
	struct lifecycle_window w;
	struct buf text = BUF_INIT;
	char *who = cmd_login_name();
	int ret = lifecycle_reopen(&run->cfg, st, run->issue, until_opt,
	                           (int64_t)now, who, &w, err);

	if (ret == 0) {
		lifecycle_window_text(&w, &text);
		printf("issues/%s: %s\n", run->issue, text.data);
	} else {
		cmd_fail(err);
	}
	free(who);
	buf_release(&text);
	return ret;
}

int cmd_reopen(int argc, char **argv)
{
	const char *until_opt = NULL, *now_opt = NULL;
	const struct cmd_opt opts[] = {
	        {"until", 1, &until_opt, 0},
	        {"now", 1, &now_opt, 0},
	        {NULL, 0, NULL, 0},
	};
	struct cmd_run run;
	struct store st;
	struct err err = ERR_INIT;
	time_t now = time(NULL);
	int ret = cmd_begin(&run, argc, argv, opts, 1, CMD_ISSUE, usage);

	if (ret >= 0)
		return ret;
	if (!until_opt) {
		cmd_error("say until when: bulletin reopen %s --until "
		          "YYYY-MM-DD",
		          run.issue);
		return cmd_end(&run, EXIT_USAGE);
	}
	ret = EXIT_FAIL;
	if ((now_opt && cmd_site_now(now_opt, &now) < 0) ||
	    cmd_store_open(&st, run.cfg.store) < 0)
		return cmd_end(&run, ret);
	if (reopen(&run, &st, until_opt, now, &err) == 0)
		ret = EXIT_OK;
	store_close(&st);
	err_release(&err);
	return cmd_end(&run, ret);
}
