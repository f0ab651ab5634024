#ifndef BOUNCE_H
#define BOUNCE_H

#include <stddef.h>

/*
 * The classifier for mail that comes back to a newsletter: delivery
 * failures (RFC 3464 delivery-status notifications and the plain-text
 * reports of common servers: Postfix, Exim, qmail, Sendmail, Exchange,
 * Yahoo, ...), complaints (RFC 5965 ARF feedback reports), unsubscribe
 * requests sent to the unsubscribe address, and auto-replies (RFC 3834,
 * vacation notices). It only reads one message; what to do about it is
 * the inbox's business.
 *
 * Any bytes give a result: a message that cannot be made sense of is
 * BOUNCE_OTHER with a reason, never an error.
 */

/*
 * Longer messages are classified on their first BOUNCE_MAX bytes: a
 * report always comes before the returned message it quotes.
 */
#define BOUNCE_MAX (4u << 20)

enum bounce_class {
	BOUNCE_OTHER,       /* nothing recognised; reason says why */
	BOUNCE_HARD,        /* permanent failure (a recipient is hard) */
	BOUNCE_SOFT,        /* delay, or a temporary cause (mailbox full) */
	BOUNCE_COMPLAINT,   /* ARF feedback report */
	BOUNCE_UNSUBSCRIBE, /* sent to the unsubscribe address */
	BOUNCE_AUTOREPLY,   /* auto-reply or vacation notice: ignored */
};

enum bounce_action {
	BOUNCE_ACTION_NONE,    /* not stated (complaints) */
	BOUNCE_ACTION_FAILED,  /* the reporting server gave up */
	BOUNCE_ACTION_DELAYED, /* it is still trying */
};

/* One address a report is about. */
struct bounce_rcpt {
	char *addr;             /* as the report wrote it; compare ignoring
	                           case */
	enum bounce_class kind; /* BOUNCE_HARD, BOUNCE_SOFT or
	                           BOUNCE_COMPLAINT */
	enum bounce_action action;
	char status[12];  /* enhanced status "5.1.1", else an SMTP reply code
	                     "550", else "" */
	char *diagnostic; /* what the server said, on one line; "" if nothing */
	/*
	 * The failure is about the sender, not this address (5.7.x, "blocked
	 * as spam", a DMARC failure report): it must not change the
	 * subscriber.
	 */
	int policy;
	int mailbox_full; /* X.2.2 or said so: the reason kind is soft */
};

enum bounce_token_kind {
	BOUNCE_TOKEN_NONE,
	BOUNCE_TOKEN_RETURN_PATH, /* sent to bounces+TOKEN@... */
	BOUNCE_TOKEN_UNSUBSCRIBE, /* sent to unsubscribe+TOKEN@... */
};

/*
 * The addresses bulletin sends from, each with "{token}" where the
 * subscriber's token stands: config's return_path and
 * unsubscribe_mailto. NULL members mean "bounces+{token}@" and
 * "unsubscribe+{token}@" at any domain.
 */
struct bounce_patterns {
	const char *return_path;
	const char *unsubscribe;
};

struct bounce {
	enum bounce_class class;
	/*
	 * How it was recognised: "rfc3464", "arf", "rfc3834", "text",
	 * "headers" (an auto-reply by its headers or subject), "token" (an
	 * unsubscribe request) or "" (other). Static.
	 */
	const char *format;
	char *reason; /* one line: what decided the class, or why none */

	struct bounce_rcpt *rcpts; /* the recipients reported, no duplicates */
	size_t nrcpts;
	/*
	 * Other addresses the message names (the returned message's To and
	 * Cc, addresses in the report's text): evidence only when one of
	 * them is a subscriber.
	 */
	char **mentioned;
	size_t nmentioned;

	/* The token in the address the message was delivered to, or NULL. */
	char *token;
	enum bounce_token_kind token_kind;
	const char *token_source; /* "Delivered-To", ...; static; "" if none */
	/* A token in the returned message's Return-Path, or NULL. */
	char *returned_token;

	char *reporting_mta; /* Reporting-MTA, else the first Received host;
	                        "" if none */
	char *message_id;    /* without <>; "" if none */
	char *subject;       /* decoded to UTF-8; "" if none */
	char *feedback_type; /* ARF Feedback-Type; "" if none */

	/*
	 * What ties the report to a message that was sent (collected by
	 * bounce_ids.c, looked up by the inbox): the Message-IDs, without
	 * <>, of the returned or reported message's header and of the
	 * report's Original-Message-ID fields, at most
	 * BOUNCE_MAX_RETURNED_IDS.
	 */
	char **returned_ids;
	size_t nreturned_ids;
	/*
	 * The recipients are only the reported message's To (a feedback
	 * report naming nobody itself): often redacted, so they name nobody
	 * for certain.
	 */
	int rcpts_from_returned_to;
};

#define BOUNCE_MAX_RETURNED_IDS 8

/*
 * Whether a MIME part's content type is type/sub (any case; sub NULL:
 * any subtype), as the bounce reader and the contribution reader ask it.
 */
struct mailmime_content;
int bounce_mime_is(const struct mailmime_content *ct, const char *type,
                   const char *sub);

/*
 * Appends the body of the single MIME part m with its transfer encoding
 * (base64, quoted-printable) undone, reading at most max bytes of the
 * encoded body. Returns 1 when the body was longer (the rest not read),
 * else 0. The bounce reader and the contribution reader share it.
 */
struct buf;
struct mailmime;
int bounce_mime_body(const struct mailmime *m, size_t max, struct buf *out);

void bounce_init(struct bounce *b);
/* Frees what b holds and leaves it as bounce_init did. */
void bounce_release(struct bounce *b);

/*
 * Classifies the raw message msg[0..len) (RFC 5322, any line endings)
 * into b, which must have been initialised; what it held is released
 * first. pat may be NULL.
 */
void bounce_classify(struct bounce *b, const char *msg, size_t len,
                     const struct bounce_patterns *pat);

/* "hard", "soft", "complaint", "unsubscribe", "auto-reply", "other". */
const char *bounce_class_name(enum bounce_class c);

/* The recipient with addr (ignoring case), or NULL (borrowed). */
const struct bounce_rcpt *bounce_find_rcpt(const struct bounce *b,
                                           const char *addr);

#endif
