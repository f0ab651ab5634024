#ifndef CONTRIB_MAIL_H
#define CONTRIB_MAIL_H

#include <stddef.h>

#include "buf.h"
#include "contrib_text.h"
#include "image.h"

/*
 * A contribution sent by email, read into a piece: the subject is its
 * title, the body its text (text/plain preferred; text/html made
 * Markdown by html_md; a .md or .txt attachment instead, with its own
 * details), the first picture its image and the others kept, a .docx
 * left for the caller to convert. Any declared charset is converted to
 * UTF-8 (undeclared or mislabelled text that is not UTF-8 is read as
 * Windows-1252, and a note says so); RFC 2047 subjects and file names,
 * RFC 2231 file names, quoted-printable and base64 are decoded.
 *
 * What could harm or mislead is refused, with a message for the sender:
 * a broken MIME structure, a TNEF winmail.dat, an archive, a program, an
 * attachment over the limit. A refused message yields no piece.
 *
 * It only reads: who may send, where the piece goes and what to answer
 * are the inbox's business (contrib.h).
 */

enum contrib_refusal {
	CONTRIB_ACCEPTED = 0,
	CONTRIB_BROKEN,     /* the MIME structure cannot be read */
	CONTRIB_TNEF,       /* Outlook's rich text: winmail.dat */
	CONTRIB_ARCHIVE,    /* .zip, .rar, .7z, .gz, ... by name or bytes */
	CONTRIB_EXECUTABLE, /* a program or script, by name, type or bytes */
	CONTRIB_TOO_BIG,    /* an attachment over the limit */
};

/* An attachment kept: a picture or a Word document. */
struct contrib_file {
	char *name; /* as sent, decoded; "" if it had none */
	char *data; /* the decoded bytes */
	size_t len;
	struct image_info image; /* for pictures */
};

struct contrib_limits {
	size_t attachment_max; /* bytes per attachment; 0: 10 MB */
	size_t message_max;    /* bytes read of a message; 0: 50 MB */
};

struct contrib_mail {
	/* The header, decoded; strings "" when absent. */
	char *from;       /* the sender's address, lower-case */
	char *from_name;  /* their display name */
	char *message_id; /* "<...>" */
	char *references; /* References, then Message-ID: for a reply */
	char *subject;
	char **rcpts; /* To, Cc, Delivered-To, X-Original-To (lower-case) */
	size_t nrcpts;
	char *auto_submitted; /* Auto-Submitted's value, lower-case */
	char *precedence;     /* lower-case */
	int list;        /* it came through a list (List-Id, List-Post, ...) */
	int null_sender; /* Return-Path: <> (a bounce or other robot) */
	int robot;       /* X-Autoreply, X-Autorespond, MAILER-DAEMON, a
	                    multipart/report: machine-made */

	/* The piece. */
	struct contrib_subject subj;
	struct contrib_details details;
	struct buf body;       /* Markdown, cleaned (contrib_text_clean) */
	const char *body_from; /* "text/plain", "text/html", "attachment",
	                          "" (static) */
	struct contrib_file *images; /* the first is the piece's image */
	size_t nimages;
	struct contrib_file *docx; /* Word documents, for the caller */
	size_t ndocx;
	struct buf notes;    /* what the sender should know, one per line */
	struct buf problems; /* what they should fix, one per line */

	enum contrib_refusal refusal;
	struct buf refusal_text; /* why, and what to do, for the sender */
};

void contrib_mail_init(struct contrib_mail *cm);
void contrib_mail_release(struct contrib_mail *cm);

/*
 * Reads msg[0..len) (RFC 5322, any line ends) into cm, which must have
 * been initialised (what it held is released first). Never fails: a
 * message that cannot be read is CONTRIB_BROKEN.
 */
void contrib_mail_parse(struct contrib_mail *cm, const char *msg, size_t len,
                        const struct contrib_limits *lim);

/*
 * The secret in the address it came to: the first recipient whose local
 * part starts with prefix ("contribute+") and whose domain is domain
 * (any when NULL), up to the "@". Caller owns the result; NULL if none.
 */
char *contrib_mail_secret(const struct contrib_mail *cm, const char *prefix,
                          const char *domain);

/*
 * Appends text[0..n) as UTF-8 to out. charset is the declared one (NULL
 * or "" if none). Text that is not valid in it is read as Windows-1252
 * (which ISO-8859-1 and US-ASCII labels mean in practice) and *guessed
 * is set; UTF-16 with a byte-order mark is read as such.
 */
void contrib_mail_utf8(struct buf *out, const char *text, size_t n,
                       const char *charset, int *guessed);

#endif
