#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audience.h"
#include "campaign.h"
#include "cmd.h"
#include "common.h"
#include "lifecycle.h"
#include "sendsched.h"
#include "sitecmd.h"
#include "store.h"
#include "store_site.h"
#include "banned.h"

const char cmd_send_summary[] = "send a compiled issue to every subscriber";

static void usage(FILE *f)
{
	fputs("usage: bulletin send ISSUE [--dry-run] [--resend-uncertain]\n"
	      "                         [--topic T ...] [--org ORG ...]\n"
	      "       bulletin send ISSUE --to ADDR [--to ADDR ...]\n"
	      "       bulletin send ISSUE --at \"YYYY-MM-DD HH:MM\" | "
	      "--cancel\n"
	      "       bulletin send --due\n\n"
	      "Sends the compiled issue to every active subscriber with one\n"
	      "of its topics, one personalised message each, through\n"
	      "delivery.transport. Running it again resumes: people\n"
	      "already sent to are skipped.\n\n"
	      "  --to ADDR            a test send to ADDR (subject [TEST]),\n"
	      "                       not recorded; ADDR need not subscribe\n"
	      "  --dry-run            build every message, send nothing\n"
	      "  --resend-uncertain   send again to people whose message was\n"
	      "                       being handed over when a run died\n"
	      "  --topic T            only subscribers of topic T (one of the\n"
	      "                       issue's; repeatable: any of them)\n"
	      "  --org ORG            only subscribers of organisation ORG\n"
	      "                       (repeatable: any of them)\n"
	      "  --at TIME            schedule the approved issue for TIME\n"
	      "                       (site.timezone); serve or --due sends "
	      "it\n"
	      "  --cancel             cancel the issue's schedule\n"
	      "  --due                start every scheduled send that is due\n"
	      "                       (for a systemd timer)\n\n"
	      "The SMTP password is read from BULLETIN_SMTP_PASSWORD.\n",
	      f);
}

struct progress_state {
	int tty;
	double last_log;
	long last_done;
};

static void show_progress(void *ctx, const struct campaign_progress *p)
{
	struct progress_state *ps = ctx;
	double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
	long left = p->total - p->done;
	double eta = rate > 0 ? (double)left / rate : 0;

	if (ps->tty) {
		int width = 30,
		    filled = p->total ? (int)((double)width * (double)p->done /
		                              (double)p->total)
		                      : width;
		char bar[64];

		for (int i = 0; i < width; i++)
			bar[i] = i < filled ? '#' : '.';
		bar[width] = '\0';
		fprintf(stderr,
		        "\r[%s] %ld/%ld  %.0f/s  %ld failed  %ld retrying  "
		        "ETA %d:%02d ",
		        bar, p->done, p->total, rate, p->failed, p->retries,
		        (int)eta / 60, (int)eta % 60);
		fflush(stderr);
	} else if (p->done != ps->last_done &&
	           (p->elapsed - ps->last_log >= 5 || p->done == p->total)) {
		ps->last_log = p->elapsed;
		ps->last_done = p->done;
		fprintf(stderr,
		        "bulletin: send: %ld/%ld done, %ld sent, %ld failed, "
		        "%ld deferred, %.0f/s\n",
		        p->done, p->total, p->sent, p->failed, p->deferred,
		        rate);
	}
}

static int test_send(const struct config *cfg, const struct campaign_issue *ci,
                     const char **to, size_t n)
{
	struct buf results = BUF_INIT;
	struct err err = ERR_INIT;
	int failed = campaign_test_send(cfg, ci, to, n,
	                                getenv("BULLETIN_SMTP_PASSWORD"),
	                                &results, &err);

	fputs(results.data, stdout);
	if (failed < 0)
		cmd_fail(&err);
	buf_release(&results);
	err_release(&err);
	return failed == 0 ? EXIT_OK : EXIT_FAIL;
}

/*
 * The end of a complete full send: the issue is published, so it goes on
 * the public site, which is built again (at the build's "now":
 * SOURCE_DATE_EPOCH, or the clock).
 */
static int publish_sent_issue(const struct config *cfg, struct store *st,
                              const char *id, const char *who)
{
	struct err err = ERR_INIT;
	time_t now;
	int ret = -1;

	if (cmd_site_now(NULL, &now) < 0)
		return -1;
	if (store_site_publish(st, id, who, &err) < 0)
		cmd_fail(&err);
	else
		ret = cmd_site_rebuild(cfg, st, now);
	err_release(&err);
	return ret;
}

/* What a dry run built; the exit code. */
static int dry_run_summary(const struct campaign_issue *ci,
                           const struct campaign_progress *p,
                           const struct buf *why)
{
	printf("dry run of %s: %ld message%s built, %lld bytes (%.1f KB "
	       "each), nothing sent\n",
	       ci->id, p->sent, p->sent == 1 ? "" : "s", p->bytes,
	       p->sent ? (double)p->bytes / (double)p->sent / 1024 : 0.0);
	if (p->failed)
		printf("  %ld could not be built: %s\n", p->failed, why->data);
	return p->failed ? EXIT_FAIL : EXIT_OK;
}

/* What a run did, and what is left for whom. */
static void send_summary(const struct config *cfg,
                         const struct campaign_issue *ci,
                         const struct campaign_progress *p)
{
	printf("%s: %ld sent, %ld failed, %ld deferred, %ld skipped (left "
	       "before sending) of %ld in %.1f s (%.0f/s)\n",
	       ci->id, p->sent, p->failed, p->deferred, p->skipped, p->total,
	       p->elapsed, p->elapsed > 0 ? (double)p->done / p->elapsed : 0.0);
	if (p->uncertain)
		printf("  %ld uncertain: a run died while handing their "
		       "messages over, so they may have them already; they "
		       "were not sent again (--resend-uncertain would)\n",
		       p->uncertain);
	if (p->deferred)
		printf("  %ld deferred after temporary failures: run the "
		       "same command later to try them again\n",
		       p->deferred);
	if (p->relays_aside)
		printf("  %d relay%s set aside: not reached for %.0f seconds "
		       "or more despite retries (last: %s)\n",
		       p->relays_aside, p->relays_aside == 1 ? "" : "s",
		       cfg->relay_aside_after, p->aside_reason);
	if (p->failed || p->uncertain || p->deferred)
		printf("  'bulletin status %s' lists them with the server's "
		       "replies\n",
		       ci->id);
}

/* After a full run: the summary, and the issue published once sent.
 * Returns the exit code. */
static int after_send(const struct config *cfg, struct store *st,
                      const struct campaign_issue *ci,
                      const struct campaign_progress *p, const struct buf *why,
                      const char *who)
{
	if (!p->total && !p->uncertain && p->outcome == CAMPAIGN_DONE) {
		printf("%s: nothing to send: every active subscriber has it "
		       "already ('bulletin status %s' shows the details)\n",
		       ci->id, ci->id);
		return EXIT_OK;
	}
	send_summary(cfg, ci, p);
	if (p->outcome != CAMPAIGN_DONE) {
		cmd_error("%s", why->data);
		return EXIT_FAIL;
	}
	/* Every recipient settled (none deferred): the issue is sent. */
	if (!p->deferred && publish_sent_issue(cfg, st, ci->id, who) < 0)
		return EXIT_FAIL;
	return EXIT_OK;
}

/* Who a full send is narrowed to: --topic and --org, repeatable. */
struct send_narrow {
	const char **topics, **orgs; /* caller frees the arrays */
	size_t ntopics, norgs;
};

static void add_arg(const char ***list, size_t *n, const char *arg)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = arg;
}

/* The audience of the send: the issue's topics and the narrowing. */
static int send_audience(const struct config *cfg, struct store *st,
                         const struct campaign_issue *ci,
                         const struct send_narrow *nw, struct audience *au)
{
	struct err err = ERR_INIT;
	int ret = audience_build(st, cfg, ci->id, ci->topics, nw->topics,
	                         nw->ntopics, nw->orgs, nw->norgs, au, &err);

	if (ret < 0)
		cmd_fail(&err);
	err_release(&err);
	return ret;
}

/* nw: the narrowing (NULL: none); by: who runs it (NULL: the login
 * name); stop: NULL to catch signals. */
static int real_send(const struct config *cfg, const struct campaign_issue *ci,
                     int dry_run, int resend_uncertain,
                     const struct send_narrow *nw, const char *by,
                     volatile sig_atomic_t *stop)
{
	static const struct send_narrow none = {NULL, NULL, 0, 0};
	struct audience au;
	char *who = by ? xstrdup(by) : cmd_login_name();
	struct progress_state ps = {isatty(2), 0, 0};
	struct campaign_opts o = {
	        .dry_run = dry_run,
	        .resend_uncertain = resend_uncertain,
	        .smtp_password = getenv("BULLETIN_SMTP_PASSWORD"),
	        .who = who,
	        .progress = show_progress,
	        .ctx = &ps,
	        .stop = stop ? stop : cmd_stop_flag(),
	};
	struct campaign_progress p;
	struct store st;
	struct buf why = BUF_INIT;
	struct err err = ERR_INIT;
	int ret = EXIT_FAIL;

	if (!stop)
		cmd_catch_stop();
	if (cmd_store_open(&st, cfg->store) < 0) {
		free(who);
		return EXIT_FAIL;
	}
	if (send_audience(cfg, &st, ci, nw ? nw : &none, &au) < 0) {
		free(who);
		store_close(&st);
		return EXIT_FAIL;
	}
	o.audience = &au.a;
	if (au.words.len)
		printf("%s: for %s\n", ci->id, au.words.data);
	int r = campaign_send(cfg, &st, ci, &o, &p, &why, &err);

	audience_release(&au);
	if (ps.tty)
		fputc('\n', stderr);
	if (r < 0)
		ret = cmd_fail(&err);
	else if (dry_run)
		ret = dry_run_summary(ci, &p, &why);
	else
		ret = after_send(cfg, &st, ci, &p, &why, who);
	free(who);
	store_close(&st);
	buf_release(&why);
	err_release(&err);
	return ret;
}

static int check_approval(const struct config *cfg, const char *id)
{
	struct store st;
	struct err err = ERR_INIT;
	int ret;

	if (cmd_store_open(&st, cfg->store) < 0)
		return -1;
	(void)cmd_schedule_check(cfg, &st, id); /* says so if it cancels */
	ret = lifecycle_check_send(cfg, &st, id, &err);
	if (ret < 0)
		cmd_fail(&err);
	store_close(&st);
	err_release(&err);
	return ret;
}

/* What a send was asked to do. */
struct send_args {
	const char **to; /* --to, repeatable (caller frees the array) */
	size_t nto;
	int dry_run, resend;
	struct send_narrow narrow;
	const char *at; /* --at TIME */
	int cancel, due;
};

/*
 * The options (--to may be given many times, which the shared start
 * does not take). Returns -1 to go on, or the exit code.
 */
static int parse_send_args(int argc, char **argv, struct send_args *a)
{
	static const struct option opts[] = {
	        {"to", required_argument, NULL, 't'},
	        {"dry-run", no_argument, NULL, 'n'},
	        {"resend-uncertain", no_argument, NULL, 'r'},
	        {"topic", required_argument, NULL, 'T'},
	        {"org", required_argument, NULL, 'O'},
	        {"at", required_argument, NULL, 'a'},
	        {"cancel", no_argument, NULL, 'c'},
	        {"due", no_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 't') {
			add_arg(&a->to, &a->nto, optarg);
		} else if (c == 'T') {
			add_arg(&a->narrow.topics, &a->narrow.ntopics, optarg);
		} else if (c == 'O' && *optarg) {
			add_arg(&a->narrow.orgs, &a->narrow.norgs, optarg);
		} else if (c == 'n') {
			a->dry_run = 1;
		} else if (c == 'r') {
			a->resend = 1;
		} else if (sendsched_option(c, optarg, &a->at, &a->cancel,
		                            &a->due)) {
			/* a schedule's option */
		} else {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind != argc - !a->due ||
	    (a->nto && (a->dry_run || a->resend || a->narrow.ntopics ||
	                a->narrow.norgs)) ||
	    sendsched_misused(a->at, a->cancel, a->due,
	                      a->nto || a->dry_run || a->resend ||
	                              a->narrow.ntopics || a->narrow.norgs)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_send(int argc, char **argv)
{
	struct send_args a = {NULL, 0, 0, 0, {NULL, NULL, 0, 0}, NULL, 0, 0};
	struct config cfg;
	struct campaign_issue ci;
	struct err err = ERR_INIT;
	char *prefix = NULL, *id = NULL;
	int ret = parse_send_args(argc, argv, &a);

	if (ret >= 0 || cmd_workspace(&cfg, &prefix) < 0) {
		free(a.to);
		free(a.narrow.topics);
		free(a.narrow.orgs);
		return ret >= 0 ? ret : EXIT_FAIL;
	}
	ret = EXIT_FAIL;
	if (a.due) {
		ret = cmd_send_due(&cfg);
		goto out;
	}
	id = cmd_issue_id(argv[optind], prefix);
	if (id && (a.at || a.cancel)) {
		ret = a.at ? cmd_send_at(&cfg, id, a.at)
		           : cmd_send_cancel(&cfg, id);
		goto out;
	}
	/* The approval first, so that a change since it is reported as
	 * that (campaign_send checks it again under the send's lock). */
	if (!id || (!a.nto && !a.dry_run && check_approval(&cfg, id) < 0)) {
		/* said */
	} else if (campaign_issue_load(&ci, &cfg, id, &err) < 0) {
		cmd_fail(&err);
	} else {
		ret = a.nto ? test_send(&cfg, &ci, a.to, a.nto)
		            : real_send(&cfg, &ci, a.dry_run, a.resend,
		                        &a.narrow, NULL, NULL);
		campaign_issue_release(&ci);
	}
out:
	free(a.to);
	free(a.narrow.topics);
	free(a.narrow.orgs);
	free(id);
	free(prefix);
	err_release(&err);
	config_release(&cfg);
	return ret;
}

int cmd_send_scheduled(const struct config *cfg, const char *id,
                       const char *who, volatile sig_atomic_t *stop)
{
	struct campaign_issue ci;
	struct err err = ERR_INIT;
	int ret = EXIT_FAIL;

	if (check_approval(cfg, id) < 0) {
		/* said */
	} else if (campaign_issue_load(&ci, cfg, id, &err) < 0) {
		cmd_fail(&err);
	} else {
		ret = real_send(cfg, &ci, 0, 0, NULL, who, stop);
		campaign_issue_release(&ci);
	}
	err_release(&err);
	return ret;
}
