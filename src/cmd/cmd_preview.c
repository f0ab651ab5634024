#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "cmd.h"
#include "common.h"
#include "file.h"
#include "store.h"
#include "banned.h"

const char cmd_preview_summary[] =
        "write one complete message as it would be sent";

/* Stands in for a subscriber's token: 22 URL-safe characters. */
#define PREVIEW_TOKEN "preview-not-a-real-tok"

static void usage(FILE *f)
{
	fputs("usage: bulletin preview ISSUE [--subscriber ADDR] --eml FILE\n\n"
	      "Writes the message a subscriber would get (headers, text and\n"
	      "HTML parts) to FILE, to open in a mail program. Without\n"
	      "--subscriber it is addressed to a sample reader.\n",
	      f);
}

/*
 * The subscriber addressed as who, from the store, into *r (its strings
 * borrowed from *sub). 1 found, 0 not (said), -1 error.
 */
static int find_subscriber(const struct config *cfg, const char *who,
                           struct store_subscriber *sub,
                           struct campaign_recipient *r, struct err *err)
{
	struct store st;
	int found;

	(void)err;
	if (cmd_store_open(&st, cfg->store) < 0)
		return -1;
	found = store_find_email(&st, who, sub, err);
	store_close(&st);
	if (found == 0)
		cmd_error("%s is not in the subscriber store; see 'bulletin "
		          "subscribers list'",
		          who);
	if (found <= 0)
		return found;
	if (sub->status != STORE_ACTIVE)
		cmd_error("note: %s is %s and would not be sent this issue",
		          sub->email, store_status_name(sub->status));
	*r = (struct campaign_recipient){sub->email, sub->name, sub->token};
	return 1;
}

int cmd_preview(int argc, char **argv)
{
	const char *who = NULL, *eml = NULL;
	const struct cmd_opt opts[] = {
	        {"subscriber", 1, &who},
	        {"eml", 1, &eml},
	        {NULL, 0, NULL},
	};
	struct cmd_run run;
	struct campaign_issue ci;
	struct store_subscriber sub = {0};
	struct campaign_recipient r = {"reader@example.org", "Sample Reader",
	                               PREVIEW_TOKEN};
	struct buf msg = BUF_INIT, path = BUF_INIT;
	struct err err = ERR_INIT;
	int ret, found = 0;

	ret = cmd_begin(&run, argc, argv, opts, 1, CMD_ISSUE, usage);
	if (ret >= 0)
		return ret;
	if (!eml) {
		usage(stderr);
		return cmd_end(&run, EXIT_USAGE);
	}
	/* FILE is named from where the user stood. */
	if (eml[0] != '/' && *run.prefix)
		buf_addf(&path, "%s/%s", run.prefix, eml);
	else
		buf_adds(&path, eml);
	ret = EXIT_FAIL;
	if (campaign_issue_load(&ci, &run.cfg, run.issue, &err) < 0)
		goto out;
	if (!who ||
	    (found = find_subscriber(&run.cfg, who, &sub, &r, &err)) > 0) {
		if (campaign_build(&run.cfg, &ci, &r, 0, &msg, NULL, &err) ==
		            0 &&
		    file_write_atomic(path.data, msg.data, msg.len, 0644, 0,
		                      &err) == 0) {
			printf("wrote %s: the message to %s (%zu bytes)\n", eml,
			       r.email, msg.len);
			ret = EXIT_OK;
		}
	}
	campaign_issue_release(&ci);
out:
	if (ret != EXIT_OK && err.set)
		cmd_fail(&err);
	if (found > 0)
		store_subscriber_release(&sub);
	buf_release(&msg);
	buf_release(&path);
	err_release(&err);
	return cmd_end(&run, ret);
}
