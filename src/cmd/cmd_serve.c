#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "common.h"
#include "store.h"
#include "web.h"
#include "webmail.h"
#include "banned.h"

const char cmd_serve_summary[] =
        "run the web endpoint: archive, sign-up, unsubscribe";

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
	      "BULLETIN_SMTP_PASSWORD).\n",
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

static int parse_args(int argc, char **argv, const char **listen,
                      unsigned *threads)
{
	static const struct option longopts[] = {
	        {"listen", required_argument, NULL, 'l'},
	        {"threads", required_argument, NULL, 't'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "l:t:h", longopts, NULL)) != -1) {
		char *end;
		long n;

		switch (c) {
		case 'l':
			*listen = optarg;
			break;
		case 't':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 256) {
				fprintf(stderr,
				        "bulletin: --threads wants a number "
				        "from 1 to 256, not '%s'\n",
				        optarg);
				return -1;
			}
			*threads = (unsigned)n;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bulletin: serve takes no arguments\n");
		usage(stderr);
		return -1;
	}
	return 0;
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
			fprintf(stderr, "bulletin: %s: stopping\n",
			        sig == SIGTERM ? "SIGTERM" : "SIGINT");
			return;
		}
		if (sig < 0 && errno != EAGAIN)
			continue;
		if (web_purge(w, &purged, &err) < 0)
			cmd_fail(&err);
		else if (purged)
			fprintf(stderr,
			        "bulletin: purged %ld pending sign-up(s)\n",
			        purged);
		err_release(&err);
	}
}

int cmd_serve(int argc, char **argv)
{
	const char *listen = NULL;
	unsigned threads = 0;
	struct config cfg;
	struct err err = ERR_INIT;
	struct webmail *mail = NULL;
	struct web *w = NULL;
	unsigned long writes, commits;
	sigset_t stop;
	int ret = EXIT_FAIL;

	if (parse_args(argc, argv, &listen, &threads) < 0)
		return EXIT_USAGE;
	if (cmd_workspace(&cfg, NULL) < 0)
		return EXIT_FAIL;
	/*
	 * Before any thread starts: the signals to stop wait for
	 * sigtimedwait, and a client gone mid-response is an error
	 * return, not a death.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct webmail_options mo = {
	        .cfg = &cfg,
	        .smtp_password = getenv("BULLETIN_SMTP_PASSWORD"),
	        .log = log_line,
	};
	/* The store's notice, if its mode had to change, printed once
	 * before the threads that open it too. */
	struct store st;

	if (cmd_store_open(&st, cfg.store) < 0)
		goto out;
	store_close(&st);
	mail = webmail_start(&mo, &err);
	if (!mail)
		goto out;
	struct web_options wo = {
	        .cfg = &cfg,
	        .listen = listen,
	        .threads = threads,
	        .mail = queue_mail,
	        .log = log_line,
	        .ctx = mail,
	};
	w = web_start(&wo, &err);
	if (!w)
		goto out;
	fprintf(stderr,
	        "bulletin: serving %s on http://%s/ (store %s); stop with "
	        "Ctrl-C\n",
	        cfg.name, web_address(w), cfg.store);
	wait_for_stop(w, &stop);
	web_stats(w, &writes, &commits);
	fprintf(stderr,
	        "bulletin: %lu store write(s) in %lu commit(s) to disk\n",
	        writes, commits);
	ret = EXIT_OK;
out:
	if (err.set)
		cmd_fail(&err);
	web_stop(w);
	webmail_stop(mail);
	err_release(&err);
	config_release(&cfg);
	return ret;
}
