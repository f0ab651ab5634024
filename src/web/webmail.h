#ifndef WEBMAIL_H
#define WEBMAIL_H

#include "buf.h"
#include "config.h"
#include "err.h"
#include "web.h"

/*
 * The web endpoint's own emails: the answer to a sign-up (the link to
 * confirm, "you are subscribed already", or how to come back after
 * unsubscribing), from templates/confirm-email.txt and .html, sent
 * through the first configured transport by a thread of their own, so
 * that a slow relay never holds up a web page.
 */

struct webmail_options {
	const struct config *cfg;  /* borrowed while it runs */
	const char *smtp_password; /* NULL: none (copied by the transport) */
	/* What went wrong with a message, without a newline. May be NULL. */
	void (*log)(void *ctx, const char *line);
	void *ctx;
};

/* Messages waiting at most; more are refused (and logged by the caller). */
#define WEBMAIL_QUEUE_MAX 1000

struct webmail;

/* Opens the transport and starts the thread; NULL with err on failure. */
struct webmail *webmail_start(const struct webmail_options *o, struct err *err);

/* Queues a message (copied). Returns 0, or -1 when the queue is full. */
int webmail_queue(struct webmail *wm, const struct web_mail *m);

/*
 * Queues a finished message to one address (copied), sent with the
 * newsletter's own address as the envelope sender. 0, or -1 when full.
 */
int webmail_queue_message(struct webmail *wm, const char *to,
                          const struct buf *message);

/* Sends what is queued (each tried once more at most), then stops. */
void webmail_stop(struct webmail *wm);

/* Appends the subject line of a message of this kind. */
void webmail_subject(const struct config *cfg, enum web_mail_kind kind,
                     struct buf *out);

/*
 * Builds the complete message for m into out (appending). Returns 0, or
 * -1 with err set.
 */
int webmail_build(const struct config *cfg, const struct web_mail *m,
                  struct buf *out, struct err *err);

#endif
