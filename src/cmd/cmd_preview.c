#include <getopt.h>
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

int cmd_preview(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"subscriber", required_argument, NULL, 's'},
	        {"eml", required_argument, NULL, 'e'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *who = NULL, *eml = NULL;
	struct config cfg;
	struct campaign_issue ci;
	struct store_subscriber sub = {0};
	struct store st;
	struct campaign_recipient r = {"reader@example.org", "Sample Reader",
	                               PREVIEW_TOKEN};
	struct buf msg = BUF_INIT, path = BUF_INIT;
	struct err err = ERR_INIT;
	char *prefix = NULL, *id = NULL;
	int c, ret = EXIT_FAIL, loaded = 0, found = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			who = optarg;
			break;
		case 'e':
			eml = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !eml) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cmd_workspace(&cfg, &prefix) < 0)
		return EXIT_FAIL;
	/* FILE is named from where the user stood. */
	if (eml[0] != '/' && *prefix)
		buf_addf(&path, "%s/%s", prefix, eml);
	else
		buf_adds(&path, eml);
	id = cmd_issue_id(argv[optind], prefix);
	if (!id)
		goto out;
	if (campaign_issue_load(&ci, &cfg, id, &err) < 0)
		goto fail;
	loaded = 1;
	if (who) {
		if (cmd_store_open(&st, cfg.store) < 0)
			goto out;
		found = store_find_email(&st, who, &sub, &err);
		store_close(&st);
		if (found < 0)
			goto fail;
		if (!found) {
			fprintf(stderr,
			        "bulletin: %s is not in the subscriber "
			        "store; see 'bulletin subscribers list'\n",
			        who);
			goto out;
		}
		if (sub.status != STORE_ACTIVE)
			fprintf(stderr,
			        "bulletin: note: %s is %s and would not be "
			        "sent this issue\n",
			        sub.email, store_status_name(sub.status));
		r = (struct campaign_recipient){sub.email, sub.name, sub.token};
	}
	if (campaign_build(&cfg, &ci, &r, 0, &msg, NULL, &err) < 0 ||
	    file_write_atomic(path.data, msg.data, msg.len, 0644, 0, &err) < 0)
		goto fail;
	printf("wrote %s: the message to %s (%zu bytes)\n", eml, r.email,
	       msg.len);
	ret = EXIT_OK;
	goto out;
fail:
	cmd_error(err_msg(&err));
out:
	if (loaded)
		campaign_issue_release(&ci);
	if (found > 0)
		store_subscriber_release(&sub);
	free(id);
	free(prefix);
	buf_release(&msg);
	buf_release(&path);
	err_release(&err);
	config_release(&cfg);
	return ret;
}
