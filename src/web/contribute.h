#ifndef CONTRIBUTE_H
#define CONTRIBUTE_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "http.h"

/*
 * The partner contribution form, under /contribute/SECRET (the secret in
 * the path is the partner's credential, from the store's partner
 * registry; a wrong or rotated one is a 404, and the server's log never
 * shows it):
 *
 *   GET  /contribute/SECRET                   the partner's page: the
 *        issues open to partners, their pieces in each with the checks
 *   GET  /contribute/SECRET/ISSUE/new         a new piece's form
 *   POST /contribute/SECRET/ISSUE/new         saves it (piece_save)
 *   GET  /contribute/SECRET/ISSUE/SLUG        the piece: the form, the
 *        compiler's checks beside the fields, a preview as in the email
 *   GET  /contribute/SECRET/ISSUE/SLUG/saved  the same, after a save
 *   POST /contribute/SECRET/ISSUE/SLUG        saves it (action=save) or
 *        withdraws it (action=withdraw)
 *   GET  /contribute/SECRET/ISSUE/SLUG/image  the piece's picture
 *
 * A partner sees and changes only their own pieces (piece_belongs).
 * While the issue is open to partners (lifecycle_partner_window) they
 * may save; after, the pages are read-only and a POST is refused (403).
 * Every POST carries the anti-forgery token bound to the secret
 * (store_web_form_token): without it, 403 and nothing written. Saves
 * are limited per partner and per client address (web.saves_per_hour).
 * A save writes the files, records the events on the store's writer,
 * queues a receipt to each of the partner's contacts, and answers 303 to
 * the piece's page.
 */

struct web;
struct contribute;

/* The routes' state for the server w. NULL with err on failure. */
struct contribute *contribute_new(struct web *w, struct err *err);
void contribute_free(struct contribute *c);

/*
 * Answers a request whose path is "/contribute/" followed by rest.
 * Returns HTTP_ANSWER or HTTP_LATER as a handler does.
 */
int contribute_route(struct contribute *c, struct http_exchange *ex,
                     const char *rest);

/* The largest request body the form takes: a picture and the text. */
size_t contribute_body_max(const struct config *cfg);

#endif
