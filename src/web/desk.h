#ifndef DESK_H
#define DESK_H

#include "config.h"
#include "err.h"
#include "http.h"

/*
 * The comms desk: the newsletter run from a browser, under /desk/ on
 * `bulletin serve`, over the same library functions the commands use
 * (build_issue, issuelist_load, lifecycle_approve, campaign_send, ...).
 *
 * Every page but the login page and the style sheet needs a session: a
 * GET without one is sent to the login page, a POST without one is
 * refused (403). Every POST carries the session's anti-forgery token
 * (403 without it). What a user may do is asked of role_may, once, in
 * the router, for every route. Every action is an event naming the
 * user (store_desk_event). A full send runs in this process, on its own
 * thread, under the same one-send-per-issue lock as `bulletin send`.
 */

struct store;

/* The largest CSV the import takes (POST /desk/subscribers/import). */
#define DESK_UPLOAD_MAX (16 << 20)

struct desk_options {
	const struct config *cfg; /* borrowed while the desk runs */
	/* A store connection for one request, and back (any thread). */
	struct store *(*store_get)(void *ctx, struct err *err);
	void (*store_put)(void *ctx, struct store *st);
	/* Events for the server's log, without a newline. */
	void (*log)(void *ctx, const char *line);
	const char *smtp_password; /* for sends; NULL: none */
	void *ctx;
};

struct desk;

/* Loads the desk's pages. NULL with err when a template is broken. */
struct desk *desk_start(const struct desk_options *o, struct err *err);

/* Whether path is the desk's (/desk or under /desk/). */
int desk_owns(const char *path);

/* Answers a request for a desk path; returns HTTP_ANSWER. */
int desk_handle(struct desk *d, struct http_exchange *ex);

/* Stops sends running here (they can be resumed) and frees the desk. */
void desk_stop(struct desk *d);

#endif
