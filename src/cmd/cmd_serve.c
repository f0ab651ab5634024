#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cmd.h"
#include "common.h"
#include "sendsched.h"
#include "store.h"
#include "web.h"
#include "webmail.h"
#include "banned.h"

const char cmd_serve_summary[] =
        "run the web endpoint: archive, sign-up, unsubscribe, partner form";

/* How often pending sign-ups past their time are deleted. */
#define PURGE_INTERVAL 3600

static void usage(FILE *f)
{
	fputs("usage: bulletin serve [--listen ADDR:PORT] [--threads N]\n\n"
	      "Serves the web archive (public/), the sign-up form with\n"
	      "confirmation by email, and unsubscribing (the link in every\n"
	      "issue, and RFC 8058 one-click from mail clients).\n\n"
	      "  --listen ADDR:PORT   where to listen (default web.listen in\n"
	      "                       bulletin.yaml, 127.0.0.1:8080); port 0\n"
	      "                       picks a free one\n"
	      "  --threads N          request threads (default: one per "
	      "processor)\n\n"
	      "Put it behind the HTTPS reverse proxy that answers for\n"
	      "newsletter.base_url; it trusts X-Forwarded-For only from\n"
	      "loopback. The access log goes to standard error, with tokens\n"
	      "and email addresses left out. SIGTERM or SIGINT stops it\n"
	      "after the requests in progress; confirmation emails go out\n"
	      "through delivery.transport (SMTP password from\n"
	      "BULLETIN_SMTP_PASSWORD), and so do scheduled sends ('bulletin\n"
	      "send ISSUE --at TIME'), which it starts when they are due.\n",
	      f);
}

static void log_line(void *ctx, const char *line)
{
	/* One call per line: stdio's lock keeps lines whole across threads. */
	fprintf(stderr, "%s\n", line);
}

static int queue_mail(void *ctx, const struct web_mail *m)
{
	return webmail_queue(ctx, m);
}

static int queue_message(void *ctx, const char *to, const struct buf *message)
{
	return webmail_queue_message(ctx, to, message);
}

/* --threads N: 1 to 256; 0 when not given; -1 (said) otherwise. */
static long thread_count(const char *arg)
{
	char *end;
	long n;

	if (!arg)
		return 0;
	n = strtol(arg, &end, 10);
	if (*end || n < 1 || n > 256) {
		cmd_error("--threads wants a number from 1 to 256, not '%s'",
		          arg);
		return -1;
	}
	return n;
}

/*
 * Waits for SIGTERM or SIGINT (blocked in every thread, so they arrive
 * here), purging stale sign-ups every PURGE_INTERVAL seconds meanwhile.
 */
static void wait_for_stop(struct web *w, const sigset_t *stop)
{
	for (;;) {
		struct timespec ts = {PURGE_INTERVAL, 0};
		struct err err = ERR_INIT;
		long purged = 0;
		int sig = sigtimedwait(stop, NULL, &ts);

		if (sig == SIGTERM || sig == SIGINT) {
			cmd_error("%s: stopping",
			          sig == SIGTERM ? "SIGTERM" : "SIGINT");
			return;
		}
		if (sig < 0 && errno != EAGAIN)
			continue;
		if (web_purge(w, &purged, &err) < 0)
			cmd_fail(&err);
		else if (purged)
			cmd_error("purged %ld pending sign-up(s)", purged);
		err_release(&err);
	}
}

/*
 * Each connection is an open file: allow as many as the system lets this
 * process have (the soft limit is often 1,024), so that a thousand slow
 * clients cannot use them all (see http.h on slow clients).
 */
static void raise_file_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Before any thread starts: the signals to stop wait for sigtimedwait,
 * and a client gone mid-response is an error return, not a death.
 */
static void block_signals(sigset_t *stop)
{
	sigemptyset(stop);
	sigaddset(stop, SIGTERM);
	sigaddset(stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, stop, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The mail thread, then the web endpoint on it. */
static struct web *start(const struct config *cfg, const char *listen,
                         unsigned threads, struct webmail **mail,
                         struct err *err)
{
	struct webmail_options mo = {
	        .cfg = cfg,
	        .smtp_password = getenv("BULLETIN_SMTP_PASSWORD"),
	        .log = log_line,
	};
	struct web_options wo = {
	        .cfg = cfg,
	        .listen = listen,
	        .threads = threads,
	        .mail = queue_mail,
	        .send = queue_message,
	        .log = log_line,
	        .smtp_password = getenv("BULLETIN_SMTP_PASSWORD"),
	};

	*mail = webmail_start(&mo, err);
	if (!*mail)
		return NULL;
	wo.ctx = *mail;
	return web_start(&wo, err);
}

int cmd_serve(int argc, char **argv)
{
	const char *listen = NULL, *threads_arg = NULL;
	const struct cmd_opt opts[] = {
	        {"listen", 1, &listen, 'l'},
	        {"threads", 1, &threads_arg, 't'},
	        {NULL, 0, NULL, 0},
	};
	struct cmd_run run;
	struct err err = ERR_INIT;
	struct webmail *mail = NULL;
	struct web *w = NULL;
	struct schedule_thread *sched = NULL;
	struct schedule_runner runner;
	struct cmd_schedule_ctx runner_ctx;
	struct store st;
	unsigned long writes, commits;
	long threads;
	sigset_t stop;
	int ret;

	ret = cmd_begin(&run, argc, argv, opts, 0, CMD_NO_WORKSPACE, usage);
	if (ret >= 0)
		return ret;
	threads = thread_count(threads_arg);
	if (threads < 0)
		return cmd_end(&run, EXIT_USAGE);
	if (cmd_workspace(&run.cfg, NULL) < 0)
		return cmd_end(&run, EXIT_FAIL);
	block_signals(&stop);
	raise_file_limit();
	/* The store's notice, if its mode had to change, printed once
	 * before the threads that open it too. */
	if (cmd_store_open(&st, run.cfg.store) < 0)
		return cmd_end(&run, EXIT_FAIL);
	store_close(&st);
	ret = EXIT_FAIL;
	w = start(&run.cfg, listen, (unsigned)threads, &mail, &err);
	cmd_schedule_runner(&runner, &runner_ctx, &run.cfg);
	if (w)
		sched = schedule_thread_start(&runner, &err);
	if (sched) {
		cmd_error("serving %s on http://%s/ (store %s); stop "
		          "with Ctrl-C",
		          run.cfg.name, web_address(w), run.cfg.store);
		wait_for_stop(w, &stop);
		web_stats(w, &writes, &commits);
		cmd_error("%lu store write(s) in %lu commit(s) to "
		          "disk",
		          writes, commits);
		ret = EXIT_OK;
	} else {
		cmd_fail(&err);
	}
	schedule_thread_stop(sched);
	web_stop(w);
	webmail_stop(mail);
	err_release(&err);
	return cmd_end(&run, ret);
}
