#ifndef BOUNCE_IDS_H
#define BOUNCE_IDS_H

/*
 * Inside the bounce module: collecting the Message-IDs that tie a report
 * to the message it is about (struct bounce's returned_ids). Not for use
 * outside src/inbox/bounce*.c.
 */
#include <stddef.h>

#include "bounce.h"

/*
 * Adds the Message-ID in the header value v ("<id@host>", with or
 * without the brackets, comments and white space around) to
 * b->returned_ids, unless it is there already, implausible, or the list
 * is full.
 */
void bounce_add_returned_id(struct bounce *b, const char *v);

/*
 * Reads the "Name: value" lines of a report part (message/delivery-status
 * or message/feedback-report) s[0..n) for Original-Message-ID and
 * X-Original-Message-ID fields and adds their Message-IDs.
 */
void bounce_report_ids(struct bounce *b, const char *s, size_t n);

#endif
