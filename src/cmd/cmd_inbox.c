#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "common.h"
#include "inbox.h"
#include "json.h"
#include "store.h"
#include "store_inbox.h"
#include "banned.h"

const char cmd_inbox_summary[] =
        "read bounces, complaints, unsubscribe requests and contributions "
        "from a mailbox";

static void usage(FILE *f)
{
	fputs("usage: bulletin inbox SOURCE [--dry-run] [--json] [--watch "
	      "SECONDS]\n"
	      "                     [--delete] [--report] [--ca-file FILE]\n"
	      "       bulletin inbox --report\n\n"
	      "Reads the mailbox that returned mail comes to and updates the\n"
	      "subscribers: a hard bounce makes the address bounced, soft\n"
	      "bounces count (inbox.soft_bounce_limit within\n"
	      "inbox.soft_bounce_days make it bounced), a complaint makes it\n"
	      "complained, mail to the unsubscribe address unsubscribes.\n"
	      "Auto-replies are ignored; anything else is left in the mailbox\n"
	      "and listed. Each message is read once: running again changes\n"
	      "nothing.\n\n"
	      "Mail to a partner's contribution address (contribute+SECRET@)\n"
	      "becomes that partner's piece, and their contacts get an answer\n"
	      "with the checks (docs/partners.md). What needs a person (a\n"
	      "wrong address, a sender who is not a contact, a refused\n"
	      "attachment) is copied to the held folder "
	      "(inbox.held_folder).\n\n"
	      "A bounce or complaint counts only when it is tied to a message\n"
	      "that was sent: it came to the return address with the\n"
	      "subscriber's token (bounces+TOKEN@...), or it quotes the\n"
	      "Message-ID sent to that subscriber. Others are listed as\n"
	      "unverified, with the reason, and change nobody.\n\n"
	      "SOURCE is one of\n"
	      "  maildir:DIR\n"
	      "  imap://USER@HOST[:PORT]/MAILBOX   (STARTTLS; plain only to "
	      "this machine)\n"
	      "  imaps://USER@HOST[:PORT]/MAILBOX\n"
	      "  pop3://USER@HOST[:PORT]   pop3s://USER@HOST[:PORT]\n"
	      "The password is read from BULLETIN_INBOX_PASSWORD.\n\n"
	      "  --dry-run          say what would be done; change nothing\n"
	      "  --json             one JSON object per message, one per "
	      "line:\n"
	      "                     file, message_id, class, recipients,\n"
	      "                     subscriber, verified, action, reason\n"
	      "  --watch SECONDS    read the mailbox again every SECONDS "
	      "until stopped\n"
	      "  --delete           POP3: delete processed messages (kept "
	      "otherwise)\n"
	      "  --report           print the last run: counts per class and "
	      "the\n"
	      "                     addresses affected\n"
	      "  --ca-file FILE     trust the authorities in FILE (PEM) for "
	      "TLS\n"
	      "                     (default: delivery.ca_file, else the "
	      "system's)\n",
	      f);
}

/* One line of JSON for a contribution mail (--json). */
static void print_contrib_json(const struct inbox_outcome *oc)
{
	const struct contrib_outcome *c = oc->contrib;
	struct buf j = BUF_INIT;
	const char *const keys[] = {"from", "partner", "title",  "issue",
	                            "path", "action",  "reason", "reply"};
	const char *const vals[] = {c->from, c->partner, c->title,  c->issue,
	                            c->path, c->action,  c->reason, c->reply};

	buf_adds(&j, "{\"file\": ");
	json_add_string(&j, oc->file);
	buf_adds(&j, ", \"message_id\": ");
	json_add_string(&j, *c->message_id ? c->message_id : NULL);
	buf_adds(&j, ", \"class\": \"contribution\"");
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		buf_addf(&j, ", \"%s\": ", keys[i]);
		json_add_string(&j, vals[i]);
	}
	buf_adds(&j, "}\n");
	fwrite(j.data, 1, j.len, stdout);
	buf_release(&j);
}

/* One line of JSON per message (--json). */
static void print_json(const struct inbox_outcome *oc)
{
	const struct bounce *b = oc->b;
	struct buf j = BUF_INIT;

	buf_adds(&j, "{\"file\": ");
	json_add_string(&j, oc->file);
	buf_adds(&j, ", \"message_id\": ");
	json_add_string(&j, b && *b->message_id ? b->message_id : NULL);
	buf_adds(&j, ", \"class\": ");
	json_add_string(&j, bounce_class_name(b ? b->class : BOUNCE_OTHER));
	buf_adds(&j, ", \"recipients\": [");
	for (size_t i = 0; b && i < b->nrcpts; i++) {
		if (i)
			buf_adds(&j, ", ");
		json_add_string(&j, b->rcpts[i].addr);
	}
	buf_adds(&j, "], \"subscriber\": ");
	json_add_string(&j, oc->subscriber);
	buf_adds(&j, ", \"verified\": ");
	json_add_string(&j, oc->verified);
	buf_adds(&j, ", \"action\": ");
	json_add_string(&j, oc->done);
	buf_adds(&j, ", \"reason\": ");
	json_add_string(&j, oc->error ? oc->error : oc->reason);
	buf_adds(&j, "}\n");
	fwrite(j.data, 1, j.len, stdout);
	buf_release(&j);
}

static void print_outcome(void *ctx, const struct inbox_outcome *oc)
{
	const char *cls = oc->b ? bounce_class_name(oc->b->class) : "unread";
	const int *json = ctx;

	if (*json) {
		if (oc->contrib)
			print_contrib_json(oc);
		else
			print_json(oc);
		return;
	}
	if (oc->seen_before)
		return;
	if (oc->contrib) {
		const struct contrib_outcome *c = oc->contrib;

		printf("%-12s %-32s %s: %s; answer: %s\n", "contribution",
		       c->from, c->action, c->reason, c->reply);
		return;
	}
	printf("%-11s %-32s %s", cls, *oc->address ? oc->address : "-",
	       oc->action);
	if (oc->error)
		printf(": %s", oc->error);
	else if (oc->b && oc->b->class == BOUNCE_OTHER)
		printf(": %s", oc->b->reason);
	if (oc->b && *oc->b->message_id &&
	    (oc->b->class == BOUNCE_OTHER || !*oc->address))
		printf(" (Message-ID <%s>)", oc->b->message_id);
	putchar('\n');
}

static void print_summary(const struct inbox_stats *s, int dry_run)
{
	static const char *const names[] = {"other",       "hard",
	                                    "soft",        "complaint",
	                                    "unsubscribe", "auto-reply"};
	int first = 1;

	printf("inbox%s: %ld message%s", dry_run ? " (dry run)" : "",
	       s->messages, s->messages == 1 ? "" : "s");
	for (int c = BOUNCE_HARD; c <= BOUNCE_AUTOREPLY + 1; c++) {
		int k = c > BOUNCE_AUTOREPLY ? BOUNCE_OTHER : c;

		if (!s->classes[k])
			continue;
		printf("%s %ld %s", first ? ":" : ",", s->classes[k], names[k]);
		first = 0;
	}
	if (s->seen_before)
		printf("; %ld read before", s->seen_before);
	if (s->unreadable)
		printf("; %ld unreadable", s->unreadable);
	printf("; %ld subscriber%s %s", s->changed, s->changed == 1 ? "" : "s",
	       dry_run ? "would change" : "changed");
	if (s->soft_counted)
		printf(", %ld soft bounce%s counted", s->soft_counted,
		       s->soft_counted == 1 ? "" : "s");
	if (s->unverified)
		printf("; %ld unverified, not acted on (not tied to a message "
		       "sent: see above)",
		       s->unverified);
	if (s->contributions)
		printf("; %ld contribution%s: %ld piece%s %s, %ld held",
		       s->contributions, s->contributions == 1 ? "" : "s",
		       s->pieces, s->pieces == 1 ? "" : "s",
		       dry_run ? "would change" : "changed", s->held);
	if (!dry_run)
		printf("; %ld marked processed", s->marked);
	putchar('\n');
}

struct report {
	long classes[BOUNCE_AUTOREPLY + 1];
	long n, unverified, contributions;
	struct buf lines, unverified_lines, contrib_lines;
};

static int report_row(const struct store_inbox_row *r, void *ctx)
{
	struct report *rep = ctx;

	for (int c = 0; c <= BOUNCE_AUTOREPLY; c++)
		if (!strcmp(r->class, bounce_class_name((enum bounce_class)c)))
			rep->classes[c]++;
	rep->n++;
	if (!strcmp(r->class, "contribution")) {
		rep->contributions++;
		buf_addf(&rep->contrib_lines, "  %-32s %-9s %s\n", r->email,
		         r->outcome, r->detail);
		return 0;
	}
	if (!strcmp(r->verified, "none")) {
		rep->unverified++;
		buf_addf(&rep->unverified_lines, "  %-32s %-11s %s\n",
		         *r->email ? r->email : "-", r->class, r->outcome);
	} else if (*r->email) {
		buf_addf(&rep->lines, "  %-32s %-11s %s\n", r->email, r->class,
		         r->outcome);
	}
	return 0;
}

static void print_time(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char when[40];

	if (!t || !gmtime_r(&tt, &tm)) {
		fputs("(not finished)", stdout);
		return;
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs(when, stdout);
}

static int print_report(struct store *st)
{
	struct err err = ERR_INIT;
	struct store_inbox *in = store_inbox_open(st, &err);
	struct store_inbox_run run = {0, NULL, 0, 0};
	struct report rep = {{0}, 0, 0, 0, BUF_INIT, BUF_INIT, BUF_INIT};
	int r = in ? store_inbox_last_run(in, &run, &err) : -1, ret = EXIT_FAIL;

	if (r < 0)
		goto out;
	if (r == 0) {
		printf("no inbox run yet\n");
		ret = EXIT_OK;
		goto out;
	}
	if (store_inbox_each(in, run.id, report_row, &rep, &err) < 0)
		goto out;
	printf("last inbox run: %s, ", run.source);
	print_time(run.started);
	fputs(" to ", stdout);
	print_time(run.finished);
	printf("\n%ld message%s read:\n", rep.n, rep.n == 1 ? "" : "s");
	for (int c = BOUNCE_HARD; c <= BOUNCE_AUTOREPLY + 1; c++) {
		int k = c > BOUNCE_AUTOREPLY ? BOUNCE_OTHER : c;

		printf("  %-12s %ld\n", bounce_class_name((enum bounce_class)k),
		       rep.classes[k]);
	}
	if (rep.lines.len)
		printf("addresses affected:\n%s", rep.lines.data);
	if (rep.unverified)
		printf("%ld unverified, not acted on: a bounce or complaint "
		       "changes a\nsubscriber only when it came to the "
		       "subscriber's return address\n(bounces+TOKEN@...) or "
		       "quotes the Message-ID sent to them:\n%s",
		       rep.unverified, rep.unverified_lines.data);
	if (rep.contributions)
		printf("%ld contribution%s by mail (held ones are in the held "
		       "folder for a person to read):\n%s",
		       rep.contributions, rep.contributions == 1 ? "" : "s",
		       rep.contrib_lines.data);
	ret = EXIT_OK;
out:
	if (ret != EXIT_OK && err.set)
		cmd_fail(&err);
	store_inbox_run_release(&run);
	store_inbox_close(in);
	buf_release(&rep.lines);
	buf_release(&rep.unverified_lines);
	buf_release(&rep.contrib_lines);
	err_release(&err);
	return ret;
}

/* maildir:DIR is relative to where the command was run. */
static char *resolve_source(const char *source, const char *prefix)
{
	struct buf b = BUF_INIT;

	if (!strncmp(source, "maildir:", 8) && source[8] != '/' && *prefix)
		buf_addf(&b, "maildir:%s/%s", prefix, source + 8);
	else
		buf_adds(&b, source);
	return buf_detach(&b);
}

static int run_passes(struct store *st, const struct inbox_options *o,
                      long watch, int json)
{
	struct inbox_stats stats;
	struct err err = ERR_INIT;

	for (;;) {
		if (inbox_run(st, o, print_outcome, &json, &stats, &err) < 0) {
			cmd_fail(&err);
			err_release(&err);
			if (!watch)
				return EXIT_FAIL;
			/* Watching: a lost connection is tried again. */
			err_init(&err);
		} else if (!json) {
			print_summary(&stats, o->dry_run);
		}
		fflush(stdout);
		if (!watch || *cmd_stop_flag())
			break;
		for (long s = 0; s < watch && !*cmd_stop_flag(); s++)
			sleep(1);
		if (*cmd_stop_flag())
			break;
	}
	return EXIT_OK;
}

/* --watch SECONDS: 0 when not given, -1 (said) when not a number of
 * seconds between 1 and 86400. */
static long watch_seconds(const char *arg)
{
	char *end;
	long watch;

	if (!arg)
		return 0;
	errno = 0;
	watch = strtol(arg, &end, 10);
	if (errno || *end || watch < 1 || watch > 86400) {
		cmd_error("--watch '%s': give seconds between 1 and 86400",
		          arg);
		return -1;
	}
	return watch;
}

/* What a pass needs from the settings, the options and the place. */
static void pass_options(struct inbox_options *o, struct contrib_options *co,
                         const struct config *cfg, const char *ca_file)
{
	co->cfg = cfg;
	co->prefix = "contribute+";
	co->held = cfg->held_folder;
	co->attachment_max = (size_t)cfg->attachment_max_kb * 1024;
	co->replies_per_hour = cfg->replies_per_hour;
	co->dry_run = o->dry_run;
	o->contrib = co;
	o->mailbox.password = getenv("BULLETIN_INBOX_PASSWORD");
	o->mailbox.ca_file = ca_file ? ca_file : cfg->ca_file;
	o->mailbox.processed_folder = cfg->processed_folder;
	o->patterns.return_path = cfg->return_path;
	o->patterns.unsubscribe = cfg->unsubscribe_mailto;
	o->soft_limit = cfg->soft_bounce_limit;
	o->soft_days = cfg->soft_bounce_days;
}

int cmd_inbox(int argc, char **argv)
{
	struct inbox_options o = {0};
	struct contrib_options co = {0};
	const char *ca_file = NULL, *watch_arg = NULL;
	int report = 0, json = 0, ret;
	const struct cmd_opt opts[] = {
	        {"dry-run", 0, &o.dry_run, 0},
	        {"json", 0, &json, 0},
	        {"watch", 1, &watch_arg, 0},
	        {"delete", 0, &o.mailbox.delete_processed, 0},
	        {"report", 0, &report, 0},
	        {"ca-file", 1, &ca_file, 0},
	        {NULL, 0, NULL, 0},
	};
	struct cmd_run run;
	struct store st;
	char *source = NULL;
	long watch;

	ret = cmd_begin(&run, argc, argv, opts, CMD_ANY, CMD_NO_WORKSPACE,
	                usage);
	if (ret >= 0)
		return ret;
	/* With no SOURCE, only --report. */
	if (run.nargs > 1 ||
	    (run.nargs == 0 && (!report || o.dry_run || json || watch_arg ||
	                        ca_file || o.mailbox.delete_processed))) {
		usage(stderr);
		return cmd_end(&run, EXIT_USAGE);
	}
	watch = watch_seconds(watch_arg);
	if (watch < 0)
		return cmd_end(&run, EXIT_USAGE);
	if (cmd_workspace(&run.cfg, &run.prefix) < 0 ||
	    cmd_store_open(&st, run.cfg.store) < 0)
		return cmd_end(&run, EXIT_FAIL);
	if (run.nargs == 0) {
		ret = print_report(&st);
	} else {
		source = resolve_source(run.args[0], run.prefix);
		o.source = source;
		pass_options(&o, &co, &run.cfg, ca_file);
		cmd_catch_stop();
		ret = run_passes(&st, &o, watch, json);
		if (ret == EXIT_OK && report && !o.dry_run && !json)
			ret = print_report(&st);
	}
	store_close(&st);
	free(source);
	return cmd_end(&run, ret);
}
