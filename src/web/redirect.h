#ifndef REDIRECT_H
#define REDIRECT_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "http.h"
#include "writer.h"

/*
 * GET /r/ISSUE/N (tracking.clicks): a 302 to link N of ISSUE, counted.
 *
 * Only an issue's own links are answered: the table recorded in the
 * store when the issue was sent (store/clicks; loaded at the start and
 * by this module's thread within a second of a send starting, so that
 * no request reads the store), or, for an issue not sent yet (a test
 * send, the preview) or not loaded yet, its build/links, uncounted.
 * Anything else is a 404: an unknown issue or number, a path that is not
 * exactly "/r/" ID "/" digits (the server has already percent-decoded
 * it, so %2F%2F, backslashes and the like fall here too). The Location
 * is never built from the request.
 *
 * Counts are kept in memory (atomic adds on the request threads) and
 * written to the store by a thread of this module once a second, and
 * on redirect_stop, through the web endpoint's writer: a crash loses at
 * most the last second. Each click is one of three counts (clicks.h):
 * a known scanner's User-Agent (or none), else early (while the issue is
 * being sent or within REDIRECT_EARLY seconds after), else people. HEAD
 * requests are answered and not counted.
 */

#define REDIRECT_EARLY 60

struct redirect;

/* Starts the flushing thread; cfg and writer borrowed until stop. */
struct redirect *redirect_start(const struct config *cfg, struct writer *writer,
                                struct err *err);

enum redirect_result {
	REDIRECT_NOT_MINE,  /* not a /r/ path */
	REDIRECT_ANSWERED,  /* ex->resp filled (302, 405) */
	REDIRECT_NOT_FOUND, /* the caller answers its 404 page */
};

/* Handles ex when its path is /r/...; any request thread. */
enum redirect_result redirect_route(struct redirect *r,
                                    struct http_exchange *ex);

/* Writes the counts so far to the store now. 0, or -1 with err. */
int redirect_flush(struct redirect *r, struct err *err);

/* Stops the thread after a last flush (before the writer stops). */
void redirect_stop(struct redirect *r);

/*
 * Splits "/r/ID/N": 1 (id copied, NUL-terminated, into id[size]; *n set)
 * or 0 when path is not exactly that (ID of letters, digits, '-', '_'
 * and inner '.'; N from 1, no leading zero).
 */
int redirect_parse_path(const char *path, char *id, size_t size, size_t *n);

/* Whether user_agent (NULL: none sent) is a known mail scanner's. */
int redirect_is_scanner(const char *user_agent);

#endif
