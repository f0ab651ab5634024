#ifndef TRANSPORT_H
#define TRANSPORT_H

#include <stddef.h>

#include "err.h"

/*
 * Delivery of finished messages: to a Maildir (the embedded default, no
 * mail server needed) or to an SMTP relay through libcurl. A transport is
 * opened once from a URL; each connection (one per sending thread) is a
 * transport_conn, reused message after message. The transport itself is
 * read-only once open, so threads share it; a connection belongs to one
 * thread at a time.
 *
 *   maildir:DIR        DIR/tmp, DIR/new, DIR/cur are made if missing
 *   smtp://HOST[:PORT] STARTTLS required unless HOST is loopback
 *                      (127.0.0.0/8, ::1, localhost) or tls is NONE
 *   smtps://HOST[:PORT] implicit TLS (port 465 by default)
 */

enum transport_tls {
	TRANSPORT_TLS_DEFAULT,  /* required, except on loopback */
	TRANSPORT_TLS_REQUIRED, /* required, on loopback too */
	TRANSPORT_TLS_NONE,     /* never (smtp:// only), said explicitly */
};

struct transport_options {
	enum transport_tls tls;
	const char *ca_file; /* CA bundle; NULL: the system's. Copied. */
	/* AUTH is used only when username is set, and only inside TLS. */
	const char *username; /* copied */
	/* Taken by the caller from BULLETIN_SMTP_PASSWORD; copied, wiped on
	 * transport_free, never put in a message or a result. */
	const char *password;
	const char *helo;        /* name for EHLO; NULL: the local host name */
	long connect_timeout_ms; /* 0: 30 s */
	/* Longest wait for any reply; 0: 600 s, the 10 minutes RFC 5321
	 * §4.5.3.2.6 gives the reply to the end of DATA. */
	long reply_timeout_ms;
	/*
	 * Maildir only: messages handed over wait in DIR/tmp until
	 * transport_conn_commit flushes them all at once and moves them into
	 * DIR/new (one flush for many messages instead of two each); those
	 * not committed when the connection closes are removed. SMTP hands
	 * each message over at once whatever this says.
	 */
	int group_commit;
};

/*
 * What became of one message. A refusal before MAIL FROM (greeting,
 * EHLO, STARTTLS, AUTH) or a TLS failure is the relay's, not the
 * message's: TRANSIENT, whatever the code.
 */
enum transport_class {
	TRANSPORT_SENT,
	TRANSPORT_TRANSIENT, /* 4xx, 421, no reply, timeout: try again */
	TRANSPORT_PERMANENT, /* 5xx: do not repeat */
};

/* Why, beyond the class: what the caller does about the address. */
enum transport_reason {
	TRANSPORT_OK,
	TRANSPORT_BAD_MAILBOX,  /* x.1.x for the recipient: suppress it
	                         * when the class is PERMANENT */
	TRANSPORT_MAILBOX_FULL, /* x.2.2 */
	TRANSPORT_POLICY,       /* x.7.x: not the recipient's fault */
	TRANSPORT_SENDER,       /* the envelope sender was refused: every
	                         * message would be, not the recipient's
	                         * fault */
	TRANSPORT_SERVER,       /* any other reply */
	TRANSPORT_CONNECTION,   /* refused, dropped, timed out, or 421 */
	TRANSPORT_TLS,          /* TLS failed or the certificate was refused */
	TRANSPORT_AUTH,         /* the server refused the login */
	TRANSPORT_LOCAL,        /* a local failure (disk, memory, arguments) */
};

/* How far the transaction got. */
enum transport_stage {
	TRANSPORT_STAGE_CONNECT, /* greeting, EHLO, STARTTLS, AUTH */
	TRANSPORT_STAGE_MAIL,
	TRANSPORT_STAGE_RCPT,
	TRANSPORT_STAGE_DATA, /* the DATA command or the message going out */
	/*
	 * The whole message was handed over and the reply to the final "."
	 * is what failed: when no reply came, the server may have accepted
	 * the message.
	 */
	TRANSPORT_STAGE_DOT,
};

#define TRANSPORT_TEXT_MAX 512

struct transport_result {
	enum transport_class cls;
	enum transport_reason reason;
	enum transport_stage stage;
	int code;          /* the SMTP reply code; 0 when no reply came */
	char enhanced[16]; /* RFC 3463 code such as "5.1.1", or "" */
	/* The server's reply (lines joined by spaces) or, without one, what
	 * failed; printable ASCII, cut at TRANSPORT_TEXT_MAX - 1. */
	char text[TRANSPORT_TEXT_MAX];
	/*
	 * The connection is gone or unusable (421, no reply, TLS): the next
	 * transport_send on the same conn opens a new one. (libcurl also
	 * starts afresh after any failed transaction; this says the failure
	 * was the connection's, not the message's.)
	 */
	int reopen;
};

struct transport;
struct transport_conn;

/*
 * Opens a transport from url (see above). Nothing is connected yet.
 * Returns the transport (caller frees with transport_free) or NULL with
 * err naming the url and the fix.
 */
struct transport *transport_open(const char *url,
                                 const struct transport_options *opt,
                                 struct err *err);
void transport_free(struct transport *t);

/*
 * A connection of t (an SMTP session, kept open between messages; for a
 * Maildir, a handle on its folders). Caller closes it with
 * transport_conn_close before freeing t. NULL with err on failure.
 */
struct transport_conn *transport_conn_open(struct transport *t,
                                           struct err *err);
void transport_conn_close(struct transport_conn *c);

/*
 * With group_commit, makes every message sent on c since the last commit
 * durable and visible (DIR/new). Returns 0 (at once when there is nothing
 * to do), or -1 with err; those not moved yet are removed when c
 * closes.
 */
int transport_conn_commit(struct transport_conn *c, struct err *err);

/*
 * Sends one message (msg, len bytes, CRLF lines, not dot-stuffed) from
 * the envelope sender to one recipient, both checked addresses (the
 * sender may be "", the null reverse-path of automatic answers). Fills
 * res. Returns 0 when sent, -1 otherwise.
 */
int transport_send(struct transport_conn *c, const char *envelope_from,
                   const char *rcpt, const char *msg, size_t len,
                   struct transport_result *res);

/*
 * Sets res->cls, reason and reopen from res->code, enhanced and stage
 * (and reason, when it was already set for a failure without a reply).
 */
void transport_classify(struct transport_result *res);

/* Fills res->code, enhanced and text from a reply "550 5.1.1 No such"
 * (n bytes, lines joined or not). */
void transport_parse_reply(struct transport_result *res, const char *reply,
                           size_t n);

/* Short names for logs and status output: "sent", "bad-mailbox", ... */
const char *transport_class_name(enum transport_class cls);
const char *transport_reason_name(enum transport_reason reason);

#endif
