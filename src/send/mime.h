#ifndef MIME_H
#define MIME_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

/*
 * Building one complete newsletter message (RFC 5322, MIME, RFC 2369 and
 * 8058 list headers) into a buffer, fast enough to run once per recipient.
 *
 * The message is multipart/alternative: text/plain first, then text/html
 * (or, with inline images, a multipart/related holding the HTML and the
 * images), UTF-8, quoted-printable. Boundaries start with "=_", which can
 * occur neither in quoted-printable nor in base64 text, so they never
 * occur in a part. Lines end in CRLF. A line beginning with "." is left
 * alone: the SMTP client (libcurl) dot-stuffs on the wire.
 */

/* A body, raw UTF-8 text (any line ends) or already quoted-printable. */
struct mime_body {
	const char *data; /* borrowed */
	size_t len;
	/*
	 * 1: data came from mime_qp_encode (possibly several MIME_QP_PIECE
	 * outputs joined): it is written as is. Lets a caller encode the
	 * parts of a body shared by all recipients once.
	 */
	int encoded;
};

/* An image shown inline by the HTML part through src="cid:CID". */
struct mime_image {
	const char *cid; /* Content-ID without <>, e.g. "logo@ex.org" */
	const char *content_type; /* "image/png" */
	const char *filename;     /* optional; left out unless plain ASCII */
	const char *data;         /* borrowed: bytes, or base64 when encoded */
	size_t len;
	int encoded; /* 1: data came from mime_base64_encode */
};

/*
 * What goes into one message. Strings are borrowed. Addresses, URLs and
 * ids are checked (an unsafe one is an error, never cleaned); names and
 * the subject are cleaned and encoded by rfc2047.
 */
struct mime_message {
	time_t date; /* 0: now; written in local time with a numeric zone */
	const char *from_name, *from_addr;
	const char *reply_to;          /* optional address */
	const char *to_name, *to_addr; /* to_name may be NULL or "" */
	const char *subject;
	/* "<id@domain>", or NULL to make one on from_addr's domain. */
	const char *message_id;
	/* List-Id: list_name <list_id>, list_id like "news.example.org". */
	const char *list_name, *list_id; /* optional */
	/* List-Unsubscribe: <unsubscribe_url>, <unsubscribe_mailto>, and
	 * List-Unsubscribe-Post when unsubscribe_url is set. */
	const char *unsubscribe_url;    /* optional, "https://..." */
	const char *unsubscribe_mailto; /* optional, "mailto:..." */
	const char *feedback_id;        /* optional, RFC-free but Gmail's */
	struct mime_body text, html;
	const struct mime_image *images; /* optional, nimages of them */
	size_t nimages;
};

/*
 * Appends the whole message to out. When message_id is not NULL it
 * receives (replacing its content) the Message-ID written, "<...@...>".
 * Raw HTML is checked for cid: references that no image provides.
 * Returns 0, or -1 with err naming the bad field.
 */
int mime_write(struct buf *out, const struct mime_message *m,
               struct buf *message_id, struct err *err);

/* Flags for mime_qp_encode. */
enum {
	/*
	 * End at the start of a line (with a soft line break if the text
	 * does not end with a line end), so encoded pieces can be joined.
	 */
	MIME_QP_PIECE = 1,
};

/*
 * Appends s encoded as quoted-printable: lines of at most 76 characters
 * with soft breaks, LF, CRLF or a lone CR becoming CRLF, whitespace before
 * a line end encoded, "From " at a line start encoded (mbox readers), and
 * a leading "." left as it is.
 */
void mime_qp_encode(struct buf *out, const char *s, size_t n, int flags);

/*
 * Appends "Date: ..." for t with CRLF: RFC 5322 form, English names
 * whatever the locale, local time with its numeric zone.
 */
void mime_add_date(struct buf *out, time_t t);

/* Appends base64 of p in lines of 76 characters, each ending in CRLF. */
void mime_base64_encode(struct buf *out, const void *p, size_t n);

/*
 * Checks that addr is a plain ASCII address that is safe in a header and
 * an SMTP envelope: local@domain, dot-atom local part of at most 64
 * octets, domain of letters, digits, hyphens and dots of at most 255,
 * 254 in all. Returns 0, or -1 with err saying what is wrong.
 */
int mime_check_address(const char *addr, struct err *err);

/*
 * Checks that every cid: reference in html (src="cid:..", url(cid:..))
 * names one of the images. Returns 0, or -1 naming the first missing one.
 */
int mime_check_cids(const char *html, size_t n, const struct mime_image *images,
                    size_t nimages, struct err *err);

/*
 * Appends a new "<random@domain>" Message-ID: 128 random bits from
 * getrandom(). (The token module is to provide token_message_id; this is
 * the stand-in until it does.) Returns 0, or -1 when the kernel has no
 * randomness to give.
 */
int mime_message_id(struct buf *out, const char *domain, struct err *err);

#endif
