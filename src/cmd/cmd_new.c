#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "issue.h"
#include "newissue.h"
#include "banned.h"

const char cmd_new_summary[] = "start a new issue and its partners' guide";

static void usage(FILE *f)
{
	fputs("usage: bulletin new ID [--title T] [--date YYYY-MM-DD] "
	      "[--deadline YYYY-MM-DD]\n\n"
	      "Creates issues/ID/issue.yaml and issues/ID/CONTRIBUTING.md, "
	      "the guide\nfor partners on writing and dropping a "
	      "contribution. ID may use\nletters, digits, '-' and '_' "
	      "(e.g. 2027-01).\n",
	      f);
}

static int check_date(const char *what, const char *s)
{
	struct tm tm;
	int has_time;

	if (issue_parse_datetime(s, &tm, &has_time) == 0 && !has_time)
		return 0;
	cmd_error("--%s '%s' is not a date: write it as YYYY-MM-DD, e.g. "
	          "2027-01-15",
	          what, s);
	return -1;
}

int cmd_new(int argc, char **argv)
{
	const char *title = NULL, *date = NULL, *deadline = NULL, *id;
	const struct cmd_opt opts[] = {
	        {"title", 1, &title, 0},
	        {"date", 1, &date, 0},
	        {"deadline", 1, &deadline, 0},
	        {NULL, 0, NULL, 0},
	};
	struct cmd_run run;
	struct err err = ERR_INIT;
	int ret;

	ret = cmd_begin(&run, argc, argv, opts, 1, CMD_NO_WORKSPACE, usage);
	if (ret >= 0)
		return ret;
	id = run.args[0];
	if (!newissue_valid_id(id)) {
		cmd_error("'%s' cannot be an issue ID: use letters, digits, "
		          "'-' and '_' (e.g. 2027-01)",
		          id);
		return cmd_end(&run, EXIT_USAGE);
	}
	if ((date && check_date("date", date) < 0) ||
	    (deadline && check_date("deadline", deadline) < 0))
		return cmd_end(&run, EXIT_USAGE);
	if (cmd_workspace(&run.cfg, NULL) < 0)
		return cmd_end(&run, EXIT_FAIL);
	if (newissue_make(&run.cfg, id, title, date, deadline, &err) < 0) {
		ret = cmd_fail(&err);
	} else {
		printf("made issues/%s: share issues/%s/CONTRIBUTING.md with "
		       "partners\n",
		       id, id);
		ret = EXIT_OK;
	}
	err_release(&err);
	return cmd_end(&run, ret);
}
