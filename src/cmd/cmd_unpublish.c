#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "common.h"
#include "sitecmd.h"
#include "store.h"
#include "store_site.h"
#include "banned.h"

const char cmd_unpublish_summary[] = "take issues off the public site";

static void usage(FILE *f)
{
	fputs("usage: bulletin unpublish ISSUE... [--by NAME] [--now TIME]\n\n"
	      "Takes each ISSUE off the published list and rebuilds public/:\n"
	      "its pages, pictures, calendar files and feed entries are gone.\n"
	      "The issue's folder may already be deleted. Mail already sent\n"
	      "cannot be recalled.\n\n"
	      "  --by NAME   who unpublishes (default: your login name)\n"
	      "  --now TIME  as for 'bulletin publish'\n",
	      f);
}

/* "2027-04", "issues/2027-04" or "issues/2027-04/": the id; caller owns. */
static char *issue_name(const char *arg)
{
	struct buf b = BUF_INIT;

	if (!strncmp(arg, "issues/", 7))
		arg += 7;
	buf_adds(&b, arg);
	while (b.len && b.data[b.len - 1] == '/')
		buf_setlen(&b, b.len - 1);
	if (!b.len || b.data[0] == '.' || strchr(b.data, '/')) {
		cmd_error("'%s' is not an issue: give its id, such as 2027-01",
		          arg);
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int cmd_unpublish(int argc, char **argv)
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
	time_t now;
	int ret;

	ret = cmd_begin(&run, argc, argv, opts, CMD_ANY, 0, usage);
	if (ret >= 0)
		return ret;
	ret = EXIT_FAIL;
	if (run.nargs < 1) {
		usage(stderr);
		return cmd_end(&run, EXIT_USAGE);
	}
	if (cmd_site_now(now_opt, &now) < 0)
		return cmd_end(&run, ret);
	who = by && *by ? xstrdup(by) : cmd_login_name();
	if (cmd_store_open(&st, run.cfg.store) < 0)
		goto out;
	for (int i = 0; i < run.nargs; i++) {
		char *id = issue_name(run.args[i]);
		int r = id ? store_site_unpublish(&st, id, who, &err) : -1;

		if (r < 0 && id)
			cmd_fail(&err);
		else if (r == 0)
			printf("%s was not published\n", id);
		else if (r > 0)
			printf("unpublished %s (by %s)\n", id, who);
		free(id);
		if (r < 0)
			goto out_store;
	}
	if (cmd_site_rebuild(&run.cfg, &st, now) == 0)
		ret = EXIT_OK;
out_store:
	store_close(&st);
out:
	free(who);
	err_release(&err);
	return cmd_end(&run, ret);
}
