#ifndef WEB_IMPL_H
#define WEB_IMPL_H

#include "form.h"
#include "http.h"
#include "store.h"
#include "template.h"
#include "web.h"
#include "writer.h"

/*
 * Between web.c and the route modules beside it (contribute.c): the
 * server's shared parts, so that every page is rendered, every store
 * read made and every write queued the same way.
 */

/* The settings the server runs with (borrowed). */
const struct config *web_config(const struct web *w);

/* A store connection for reads (give it back with web_reader_put). */
struct store *web_reader_get(struct web *w, struct err *err);
void web_reader_put(struct web *w, struct store *st);

/* The data every page has (newsletter, title); returns the root map. */
struct tmpl_value *web_page_data(struct web *w, struct tmpl_data *d,
                                 const char *title);

/* Renders page name with root into ex's response (500 if it fails). */
void web_render(struct web *w, struct http_exchange *ex, int status,
                const char *name, const struct tmpl_value *root);

void web_not_found(struct web *w, struct http_exchange *ex);
void web_server_error(struct web *w, struct http_exchange *ex);
void web_error_page(struct web *w, struct http_exchange *ex, int status,
                    const char *title, const char *message);
void web_method_not_allowed(struct web *w, struct http_exchange *ex,
                            const char *allow);

/* Reads a POST's form into f: 1, or 0 when it could not and has answered
 * the request itself (400 or 415). */
int web_got_form(struct web *w, struct http_exchange *ex, struct form *f);

/* A line for the log (no newline). */
void web_say(struct web *w, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Suspends ex and queues job on the store's writer: its done answers. */
void web_defer(struct web *w, struct http_exchange *ex, struct writer_job *job);

/*
 * Hands a finished message to the mail thread (web_options.send).
 * Returns 0, or -1 when it cannot be queued.
 */
int web_send(struct web *w, const char *to, const struct buf *message);

/* Seconds on a clock that never goes back. */
double web_monotonic(void);

#endif
