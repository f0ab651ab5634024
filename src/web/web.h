#ifndef WEB_H
#define WEB_H

#include "buf.h"
#include "config.h"
#include "err.h"

/*
 * The web endpoint (`bulletin serve`): the public archive from public/,
 * sign-up with double opt-in, confirmation, and unsubscribing by link or
 * RFC 8058 one-click POST. Runs in the workspace directory (templates/,
 * public/, the store as configured).
 *
 * Routes (anything else is a 404 page):
 *   GET  /subscribe              the sign-up form
 *   POST /subscribe              a pending subscriber + a confirmation email
 *   GET  /confirm/TOKEN          a page whose button confirms
 *   POST /confirm/TOKEN          pending -> active
 *   GET  /unsubscribe/TOKEN      a page whose button unsubscribes
 *   POST /unsubscribe/TOKEN      unsubscribed (one-click too); never redirects
 *   GET  /r/ISSUE/N              302 to link N of ISSUE, counted (redirect.h)
 *   GET  /, /X, /issues/X        public/X (public/index.html for folders)
 *   /desk/...                    the comms desk (desk.h), behind a login
 *   /contribute/SECRET/...       the partner form (see contribute.h)
 *
 * A GET never changes the store. Every write is on disk (SQLite commit
 * with synchronous=FULL, batched by the writer) before its answer is
 * sent. Sign-ups are limited per client address, emails per address.
 */

/* What an email to someone who used the sign-up form is for. */
enum web_mail_kind {
	WEB_MAIL_CONFIRM, /* pending: the link to confirm */
	WEB_MAIL_ALREADY, /* already active: says so, nothing to do */
	WEB_MAIL_REJOIN,  /* left earlier: the link to come back (token: its) */
};

/*
 * An email to send; strings borrowed for the duration of the call.
 * Nothing typed into the form goes in it but the address it goes to:
 * the form must not let anyone send their own words, from the
 * newsletter, to whatever address they type.
 */
struct web_mail {
	enum web_mail_kind kind;
	const char *email; /* normalised */
	const char *token; /* the subscriber's */
};

struct web_options {
	const struct config *cfg; /* borrowed while the server runs */
	const char *listen;       /* NULL: cfg->listen */
	unsigned threads;         /* 0: one per processor */
	/*
	 * Queues an email (called on the store writer's thread: must not
	 * wait for the network). Returns 0, or -1 when it cannot be queued.
	 */
	int (*mail)(void *ctx, const struct web_mail *m);
	const char *smtp_password; /* for the desk's sends; NULL: none */
	/*
	 * Queues a finished message to one address (the partner form's
	 * receipts); same thread rules as mail. May be NULL: none sent.
	 */
	int (*send)(void *ctx, const char *to, const struct buf *message);
	/* Access log lines and events, without a newline. */
	void (*log)(void *ctx, const char *line);
	void *ctx;
};

struct web;

/*
 * Loads the page templates, opens the store, purges stale pending
 * sign-ups (older than cfg->pending_days) and starts serving. Returns
 * the server (stop it with web_stop) or NULL with err set.
 */
struct web *web_start(const struct web_options *opt, struct err *err);

/* The address served, "127.0.0.1:8080" (borrowed). */
const char *web_address(const struct web *w);

/* Deletes pending sign-ups never confirmed within cfg->pending_days. */
int web_purge(struct web *w, long *purged, struct err *err);

/* Store writes so far, and the commits (disk flushes) they took. */
void web_stats(struct web *w, unsigned long *writes, unsigned long *commits);

/*
 * Stops accepting, lets requests in progress finish (up to a few
 * seconds), then closes the store.
 */
void web_stop(struct web *w);

/* "j•••@example.org": enough for its owner to recognise (caller owns). */
char *web_mask_address(const char *email);

#endif
