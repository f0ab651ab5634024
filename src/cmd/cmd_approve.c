#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "diag.h"
#include "issue.h"
#include "lifecycle.h"
#include "lint.h"
#include "sendsched.h"
#include "store.h"
#include "banned.h"

const char cmd_approve_summary[] =
        "record who approved a compiled issue for sending";

static void usage(FILE *f)
{
	fputs("usage: bulletin approve ISSUE [--by NAME]\n\n"
	      "Records that NAME (by default your login name) approved the\n"
	      "issue as it was compiled: who, when, and the SHA-256 of every\n"
	      "contribution, picture, template and setting it was made from.\n"
	      "The full send goes only while those are unchanged. Refused\n"
	      "when the issue has errors or changed since it was compiled.\n\n"
	      "  --by NAME   who approves (e.g. \"Amina Khan\")\n",
	      f);
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 100)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The issue's own problems first: an approval of errors means nothing. */
static int check_errors(const struct config *cfg, const char *id)
{
	long errors = cmd_issue_errors(cfg, id, 1);

	if (errors > 0)
		cmd_error("issues/%s: %ld error%s (above): fix %s, compile "
		          "again and then approve; nothing was approved",
		          id, errors, errors == 1 ? "" : "s",
		          errors == 1 ? "it" : "them");
	return errors == 0 ? 0 : -1;
}

int cmd_approve(int argc, char **argv)
{
	const char *by = NULL;
	const struct cmd_opt opts[] = {
	        {"by", 1, &by, 0},
	        {NULL, 0, NULL, 0},
	};
	struct cmd_run run;
	struct store st;
	struct lifecycle lc;
	struct err err = ERR_INIT;
	struct buf when = BUF_INIT;
	char *login = NULL;
	int ret, sending;

	ret = cmd_begin(&run, argc, argv, opts, 1, CMD_ISSUE, usage);
	if (ret >= 0)
		return ret;
	if (by && !valid_name(by)) {
		cmd_error("--by: give the approver's name, up to 100 "
		          "characters on one line");
		return cmd_end(&run, EXIT_USAGE);
	}
	if (!by)
		by = login = cmd_login_name();
	ret = EXIT_FAIL;
	if (check_errors(&run.cfg, run.issue) < 0)
		goto out;
	if (cmd_store_open(&st, run.cfg.store) < 0)
		goto out;
	/* A schedule made under an approval the issue no longer matches
	 * goes now, with the files changed (it says so). */
	(void)cmd_schedule_check(&run.cfg, &st, run.issue);
	sending = lifecycle_check_not_sending(&run.cfg, &st, run.issue, &when,
	                                      &err);
	if (sending > 0) {
		printf("%s\n", when.data);
		buf_reset(&when);
		ret = EXIT_OK;
	} else if (sending == 0 &&
	           lifecycle_approve(&run.cfg, &st, run.issue, by, &err) == 0 &&
	           lifecycle_load(&lc, &run.cfg, &st, run.issue, &err) == 0) {
		lifecycle_when(lc.approval.at, &when);
		printf("approved issues/%s: %s, %s (digest %.12s)\n"
		       "the full send may go while its %zu inputs stay as "
		       "they are: 'bulletin send %s'\n",
		       run.issue, lc.approval.by, when.data, lc.approval.digest,
		       lc.now.n, run.issue);
		lifecycle_release(&lc);
		ret = EXIT_OK;
	}
	store_close(&st);
	if (ret != EXIT_OK)
		cmd_fail(&err);
out:
	free(login);
	buf_release(&when);
	err_release(&err);
	return cmd_end(&run, ret);
}
