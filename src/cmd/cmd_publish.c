#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "diag.h"
#include "issue.h"
#include "lint.h"
#include "sitecmd.h"
#include "store.h"
#include "store_site.h"
#include "banned.h"

const char cmd_publish_summary[] =
        "put issues on the public site (or rebuild the site)";

static void usage(FILE *f)
{
	fputs("usage: bulletin publish [ISSUE...] [--by NAME] [--now TIME]\n\n"
	      "Checks each ISSUE as compile does, marks it published and\n"
	      "rebuilds public/ from every published issue's files. Without\n"
	      "ISSUE, only rebuilds. Publishing an issue again after a piece\n"
	      "was deleted or marked 'withdrawn: true' takes it off the site.\n"
	      "A full send publishes its issue by itself.\n\n"
	      "  --by NAME   who publishes (default: your login name)\n"
	      "  --now TIME  the time the site is built at (which events are\n"
	      "              upcoming): 2027-01-01T09:00Z or seconds since\n"
	      "              1970; default SOURCE_DATE_EPOCH, else the clock\n",
	      f);
}

/* Loads and checks one issue: 0 when it has no errors (printed). */
static int check(const struct cmd_run *run, const char *id)
{
	long errors = cmd_issue_errors(&run->cfg, id, 0);

	if (errors > 0)
		cmd_error("issues/%s: %ld error%s: fix %s (or withdraw the "
		          "piece: 'withdrawn: true') and publish again; "
		          "nothing was published",
		          id, errors, errors == 1 ? "" : "s",
		          errors == 1 ? "it" : "them");
	return errors == 0 ? 0 : -1;
}

int cmd_publish(int argc, char **argv)
{
	const char *by = NULL, *now_opt = NULL;
	const struct cmd_opt opts[] = {
	        {"by", 1, &by, 0},
	        {"now", 1, &now_opt, 0},
	        {NULL, 0, NULL, 0},
	};
	struct cmd_run run;
	char *who = NULL;
	struct store st;
	struct err err = ERR_INIT;
	char **ids = NULL;
	time_t now;
	int ret, n = 0;

	ret = cmd_begin(&run, argc, argv, opts, CMD_ANY, 0, usage);
	if (ret >= 0)
		return ret;
	ret = EXIT_FAIL;
	if (cmd_site_now(now_opt, &now) < 0)
		return cmd_end(&run, ret);
	/* Only publishing names someone: a rebuild alone looks up no one. */
	if (run.nargs)
		who = by && *by ? xstrdup(by) : cmd_login_name();
	ids = calloc((size_t)run.nargs + 1, sizeof(*ids));
	if (!ids)
		abort();
	for (; n < run.nargs; n++) {
		ids[n] = cmd_issue_id(run.args[n], run.prefix);
		if (!ids[n] || check(&run, ids[n]) < 0)
			goto out;
	}
	if (cmd_store_open(&st, run.cfg.store) < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		int r = store_site_publish(&st, ids[i], who, &err);

		if (r < 0) {
			cmd_fail(&err);
			goto out_store;
		}
		printf("%s %s (by %s)\n", r ? "published" : "published again",
		       ids[i], who);
	}
	if (cmd_site_rebuild(&run.cfg, &st, now) == 0)
		ret = EXIT_OK;
out_store:
	store_close(&st);
out:
	for (int i = 0; i <= n && i < run.nargs; i++)
		free(ids[i]);
	free(ids);
	free(who);
	err_release(&err);
	return cmd_end(&run, ret);
}
