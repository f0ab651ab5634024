#ifndef CONTRIB_TEXT_H
#define CONTRIB_TEXT_H

#include <stddef.h>

#include "buf.h"

/*
 * The words of a contribution sent by email, as a person typed them:
 * the subject made a title, the body freed of what the mail client
 * added (a signature after "-- ", the quoted earlier message of a reply,
 * the header block of a forward), and the few optional lines at the top
 * ("Section: ...", "Type: ...", "Summary: ...", "Event: ...", "Alt: ...")
 * taken out as details. Text in, text out (UTF-8); nothing here knows
 * MIME, the store or the settings.
 */

/* What the subject says. Strings are caller-owned ("" when absent). */
struct contrib_subject {
	char *title;  /* without Re:/Fwd:/AW:/TR:/SV:/RE[2]: ... and the tag */
	char *issue;  /* "2027-01" from a "[2027-01]" tag, else "" */
	int withdraw; /* "Withdraw: TITLE": title is TITLE */
	int forward;  /* it had a forward prefix (Fwd:, FW:, WG:, TR:...) */
};

void contrib_subject_parse(struct contrib_subject *s, const char *subject);
void contrib_subject_release(struct contrib_subject *s);

/*
 * Details a partner may give at the top of the body (or of a .md/.txt
 * attachment, as "Name: value" lines or between "---" lines). Values are
 * caller-owned, trimmed, "" when not given; start and end are
 * "YYYY-MM-DDTHH:MM" (or "YYYY-MM-DD") read from the Event line.
 */
struct contrib_details {
	char *title, *section, *type, *summary, *alt, *author;
	char *event; /* the Event line as written */
	char *start, *end, *location;
};

void contrib_details_init(struct contrib_details *d);
void contrib_details_release(struct contrib_details *d);
/* Fills what d lacks from from (details of an attachment, then mail). */
void contrib_details_merge(struct contrib_details *d,
                           const struct contrib_details *from);

/*
 * Cleans a body: LF line ends, the forwarded message's own text kept
 * (without its From:/Date:/Subject: block; with forward set, as after a
 * "FW:" subject, Outlook's "From: ... Sent: ..." block and "-----Original
 * Message-----" start a forward too), the signature after "-- "
 * and "Sent from my ..." lines dropped, a reply's quoted earlier message
 * ("On ... wrote:", "-----Original Message-----", Outlook's "From: ...
 * Sent: ..." block, lines starting with ">") dropped; then the detail
 * lines at the top are taken into d (fields already set are kept).
 * Problems with them, in the partner's words, are appended to problems,
 * one per line. The rest is appended to out.
 */
void contrib_text_clean(struct buf *out, const char *text, size_t n,
                        int forward, struct contrib_details *d,
                        struct buf *problems);

/*
 * Reads an Event line "2027-01-21 10:00 to 12:00, Place" (dates also as
 * 21/01/2027 or 21 January 2027; "to" also "-"; the end may have its own
 * date; the place is optional) into d->start, d->end, d->location.
 * Returns 0, or -1 with a message for the partner in problems.
 */
int contrib_event_parse(struct contrib_details *d, const char *line,
                        struct buf *problems);

#endif
