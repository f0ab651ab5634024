#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "cmd.h"
#include "common.h"
#include "file.h"
#include "preview.h"
#include "store.h"
#include "banned.h"

const char cmd_preview_summary[] =
        "write one complete message as it would be sent";

/* Stands in for a subscriber's token: 22 URL-safe characters. */
#define PREVIEW_TOKEN "preview-not-a-real-tok"

static void usage(FILE *f)
{
	fputs("usage: bulletin preview ISSUE [--subscriber ADDR] --eml FILE\n"
	      "       bulletin preview ISSUE [--subscriber ADDR] --html "
	      "FILE\n\n"
	      "--eml writes the message a subscriber would get (headers, text\n"
	      "and HTML parts) to FILE, to open in a mail program. --html\n"
	      "writes the email as a page to open in a browser, pictures\n"
	      "from the issue folder, the unsubscribe link inert. Without\n"
	      "--subscriber it is addressed to a sample reader.\n",
	      f);
}

/*
 * The subscriber addressed as who, from the store, into *r (its strings
 * borrowed from *sub). 1 found, 0 not (said), -1 error (in err, or
 * said when the store would not open).
 */
static int find_subscriber(const struct config *cfg, const char *who,
                           struct store_subscriber *sub,
                           struct campaign_recipient *r, struct err *err)
{
	struct store st;
	int found;

	if (cmd_store_open(&st, cfg->store) < 0)
		return -1; /* said */
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

/* A FILE option, as a path from the workspace root (named from where
 * the user stood). */
static void user_path(const struct cmd_run *run, const char *arg,
                      struct buf *out)
{
	if (arg[0] != '/' && *run->prefix)
		buf_addf(out, "%s/%s", run->prefix, arg);
	else
		buf_adds(out, arg);
}

/* The path from the folder holding file to the issue's folder. */
static int images_path(const struct config *cfg, const char *file,
                       const char *id, struct buf *out, struct err *err)
{
	struct buf dir = BUF_INIT, issue = BUF_INIT;
	char from[PATH_MAX], to[PATH_MAX];
	const char *slash;
	int ret = -1;

	slash = strrchr(file, '/');
	if (slash == file)
		buf_adds(&dir, "/");
	else if (slash)
		config_path(cfg, &dir, "%.*s", (int)(slash - file), file);
	else
		config_path(cfg, &dir, ".");
	config_path(cfg, &issue, "issues/%s", id);
	if (!realpath(dir.data, from))
		err_errno(err, "%s: no such folder to write the preview in",
		          dir.data);
	else if (!realpath(issue.data, to))
		err_errno(err, "issues/%s: cannot find the issue folder", id);
	else {
		preview_relative(from, to, out);
		ret = 0;
	}
	buf_release(&dir);
	buf_release(&issue);
	return ret;
}

/* --html: the email as r sees it, a page to open in a browser. */
static int write_html(const struct cmd_run *run,
                      const struct campaign_recipient *r, const char *file,
                      struct err *err)
{
	const struct preview_reader reader = {r->name ? r->name : "", r->email};
	struct buf path = BUF_INIT, html = BUF_INIT, images = BUF_INIT,
	           page = BUF_INIT, built = BUF_INIT;
	int ret = -1;

	user_path(run, file, &path);
	/* build/email.html itself: the send may have embedded the
	 * pictures, which a browser cannot show. */
	config_path(&run->cfg, &built, "issues/%s/build/email.html",
	            run->issue);
	if (buf_read_file(&html, built.data, 8 << 20) < 0) {
		err_errno(err, "issues/%s/build/email.html: cannot read it",
		          run->issue);
		goto out;
	}
	if (images_path(&run->cfg, path.data, run->issue, &images, err) < 0)
		goto out;
	preview_html(&run->cfg, run->issue, html.data, html.len, &reader,
	             images.data, &page);
	if (file_write_atomic(path.data, page.data, page.len, 0644, 0, err) < 0)
		goto out;
	printf("wrote %s: the email as %s sees it, to open in a browser\n",
	       file, r->email);
	ret = 0;
out:
	buf_release(&path);
	buf_release(&html);
	buf_release(&images);
	buf_release(&page);
	buf_release(&built);
	return ret;
}

/* --eml: the complete message, to open in a mail program. */
static int write_eml(const struct cmd_run *run, const struct campaign_issue *ci,
                     const struct campaign_recipient *r, const char *file,
                     struct err *err)
{
	struct buf msg = BUF_INIT, path = BUF_INIT;
	int ret = -1;

	user_path(run, file, &path);
	if (campaign_build(&run->cfg, ci, r, 0, &msg, NULL, err) == 0 &&
	    file_write_atomic(path.data, msg.data, msg.len, 0644, 0, err) ==
	            0) {
		printf("wrote %s: the message to %s (%zu bytes)\n", file,
		       r->email, msg.len);
		ret = 0;
	}
	buf_release(&msg);
	buf_release(&path);
	return ret;
}

int cmd_preview(int argc, char **argv)
{
	const char *who = NULL, *eml = NULL, *html = NULL;
	const struct cmd_opt opts[] = {
	        {"subscriber", 1, &who, 0},
	        {"eml", 1, &eml, 0},
	        {"html", 1, &html, 0},
	        {NULL, 0, NULL, 0},
	};
	struct cmd_run run;
	struct campaign_issue ci;
	struct store_subscriber sub = {0};
	struct campaign_recipient r = {PREVIEW_SAMPLE_EMAIL,
	                               PREVIEW_SAMPLE_NAME, PREVIEW_TOKEN};
	struct err err = ERR_INIT;
	int ret, found = 0;

	ret = cmd_begin(&run, argc, argv, opts, 1, CMD_ISSUE, usage);
	if (ret >= 0)
		return ret;
	if (!eml && !html) {
		usage(stderr);
		return cmd_end(&run, EXIT_USAGE);
	}
	ret = EXIT_FAIL;
	if (campaign_issue_load(&ci, &run.cfg, run.issue, &err) < 0)
		goto out;
	if (!who ||
	    (found = find_subscriber(&run.cfg, who, &sub, &r, &err)) > 0) {
		if ((!eml || write_eml(&run, &ci, &r, eml, &err) == 0) &&
		    (!html || write_html(&run, &r, html, &err) == 0))
			ret = EXIT_OK;
	}
	campaign_issue_release(&ci);
out:
	if (ret != EXIT_OK && err.set)
		cmd_fail(&err);
	if (found > 0)
		store_subscriber_release(&sub);
	err_release(&err);
	return cmd_end(&run, ret);
}
