#ifndef CAMPAIGN_H
#define CAMPAIGN_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "render.h"
#include "store.h"
#include "transport.h"

/*
 * One send of a compiled issue: every active subscriber × the message,
 * through the configured transports, one thread per connection, with the
 * journal in the store, retries with backoff, pacing, and a pause when
 * too many attempts fail.
 */

/* A compiled issue, loaded once and personalised per recipient. */
struct campaign_issue {
	char *id, *subject;
	struct buf html, text; /* build/email.html and .txt */
	struct render_split html_split, text_split;
	/*
	 * The text of each piece of html_split and text_split, encoded
	 * quoted-printable once for everyone (MIME_QP_PIECE, so a recipient's
	 * encoded values join them): piece i is data[end[i - 1], end[i]).
	 */
	struct campaign_qp {
		struct buf data;
		size_t *end;
	} html_qp, text_qp;
	/* Inline images (delivery.embed_images), base64 once for all. */
	struct campaign_image {
		char *cid, *content_type;
		struct buf data; /* base64 */
	} * images;
	size_t nimages;
};

/*
 * Loads issues/ID/build/ for sending. Refuses an issue that was never
 * compiled, or whose contributions, images, issue.yaml or templates
 * changed since (compile it first): what was previewed is what is sent.
 */
int campaign_issue_load(struct campaign_issue *ci, const struct config *cfg,
                        const char *id, struct err *err);
void campaign_issue_release(struct campaign_issue *ci);

/* Who a message is for. token may be NULL for a test send. */
struct campaign_recipient {
	const char *email, *name, *token;
};

/*
 * Builds one complete message for r into out (appending), and its
 * Message-ID into message_id. test prefixes the subject "[TEST] ".
 * Returns 0, or -1 with err naming the recipient.
 */
int campaign_build(const struct config *cfg, const struct campaign_issue *ci,
                   const struct campaign_recipient *r, int test,
                   struct buf *out, struct buf *message_id, struct err *err);

/*
 * Opens relay i of cfg's delivery.transport with its TLS, CA and AUTH
 * settings (password from the environment, or NULL). NULL with err.
 */
struct transport *campaign_open_relay(const struct config *cfg, size_t i,
                                      const char *password, struct err *err);

/* The envelope sender for a token (return_path with "{token}"). */
void campaign_envelope_from(const struct config *cfg, const char *token,
                            struct buf *out);

struct campaign_progress {
	long total; /* recipients in this run */
	long done;  /* handed over or settled in this run */
	long sent, deferred, failed, skipped;
	long uncertain; /* left 'sending' by an earlier run */
	long retries;
	long long bytes;
	double elapsed; /* seconds in this run */
	int relays_aside;
	/* The last failure of the last relay set aside ("" if none). */
	char aside_reason[TRANSPORT_TEXT_MAX + 256];
};

struct campaign_opts {
	int dry_run;
	int resend_uncertain;
	const char *smtp_password; /* from the environment, or NULL */
	const char *who; /* who runs the send, for the issue's events */
	/* Called about four times a second from the calling thread. */
	void (*progress)(void *ctx, const struct campaign_progress *p);
	void *ctx;
	/* Set (e.g. by a signal handler) to stop taking new recipients. */
	volatile sig_atomic_t *stop;
};

enum campaign_outcome {
	CAMPAIGN_DONE,    /* every recipient settled (some may be deferred) */
	CAMPAIGN_PAUSED,  /* too many failures: stopped early, see why */
	CAMPAIGN_STOPPED, /* opts->stop was set */
};

/*
 * Sends ci to every active subscriber not yet sent to; a full send (not
 * dry_run) first checks the approval (lifecycle_check_send) and records
 * the issue's 'sending' event, and 'sent' when every recipient is
 * settled. Fills p and, for a
 * pause or a stop, why (a sentence for the user). Returns the outcome,
 * or -1 with err when the send could not run at all.
 */
int campaign_send(const struct config *cfg, struct store *st,
                  const struct campaign_issue *ci,
                  const struct campaign_opts *o, struct campaign_progress *p,
                  struct buf *why, struct err *err);

/*
 * A test send to addresses that need not be subscribers: subject
 * "[TEST] ...", nothing recorded. results[i] gets "sent" or the failure.
 * Returns the number that failed, or -1 with err.
 */
int campaign_test_send(const struct config *cfg,
                       const struct campaign_issue *ci, const char *const *to,
                       size_t n, const char *smtp_password, struct buf *results,
                       struct err *err);

#endif
