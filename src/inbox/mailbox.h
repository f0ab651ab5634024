#ifndef MAILBOX_H
#define MAILBOX_H

#include <stddef.h>

#include "err.h"

/*
 * A mailbox to read returned mail from, through libetpan's drivers:
 *
 *   maildir:DIR
 *   imap://USER@HOST[:PORT]/MAILBOX    STARTTLS when the server offers
 *                                      it; without it, only to a server
 *                                      on this machine (loopback)
 *   imaps://USER@HOST[:PORT]/MAILBOX   TLS from the start (port 993)
 *   pop3://USER@HOST[:PORT]            as imap://
 *   pop3s://USER@HOST[:PORT]           as imaps:// (port 995)
 *
 * USER and MAILBOX may be percent-encoded ("bounces%40example.org");
 * MAILBOX defaults to INBOX. A TLS server's certificate chain is checked
 * against the trust store and the host name before the password is
 * sent.
 *
 * The messages offered are the ones not yet marked processed: in a
 * Maildir those without the S flag, on IMAP those without \Seen, on POP3
 * all. Marking a message processed sets S (moving it to cur/), or sets
 * \Seen and moves it to the processed folder, or on POP3 deletes it when
 * asked to and otherwise leaves it.
 */

struct mailbox_options {
	const char *password;         /* IMAP and POP3; NULL: none */
	const char *ca_file;          /* PEM; NULL or "": system trust store */
	const char *processed_folder; /* IMAP; NULL or "": leave in place */
	int delete_processed;         /* POP3: delete what was processed */
	int timeout;                  /* seconds per network wait; 0: 60 */
};

/* An open mailbox; the caller owns the struct, the fields are private. */
struct mailbox {
	int kind;
	struct mailsession *session;
	int connected; /* a server greeted us: log out when closing */
	struct mailmessage_list *list;
	size_t *todo; /* indices into list of the messages offered */
	size_t ntodo;
	char *marked; /* per offered message: marked processed */
	char *folder;
	char *processed_folder;
	int delete_processed;
	char *fetched; /* the last message fetched, until the next fetch */
	struct mailmessage *fetched_msg;
	char *name; /* the source as given, for messages */
};

/*
 * Opens the mailbox named by source (connecting and logging in).
 * Messages name the source, never the password.
 */
int mailbox_open(struct mailbox *mb, const char *source,
                 const struct mailbox_options *o, struct err *err);

/* Lists the messages not yet processed: *n gets how many. */
int mailbox_scan(struct mailbox *mb, size_t *n, struct err *err);

/*
 * The raw bytes of offered message i (0 <= i < n), borrowed until the
 * next fetch or close.
 */
int mailbox_fetch(struct mailbox *mb, size_t i, const char **data, size_t *len,
                  struct err *err);

/*
 * The name of offered message i in its mailbox, for reports: a Maildir
 * file's unique name, an IMAP or POP3 UID; "" when it has none
 * (borrowed, valid until the next scan or close).
 */
const char *mailbox_message_name(struct mailbox *mb, size_t i);

/*
 * Marks offered message i processed (on the server at the next flush).
 * Returns 1, or 0 when this mailbox keeps no mark (POP3 without
 * delete_processed), or -1.
 */
int mailbox_mark(struct mailbox *mb, size_t i, struct err *err);

/* Applies the marks made since the last flush. */
int mailbox_flush(struct mailbox *mb, struct err *err);

/* Logs out (committing POP3 deletions) and frees everything. */
void mailbox_close(struct mailbox *mb);

#endif
