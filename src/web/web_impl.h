#ifndef WEB_IMPL_H
#define WEB_IMPL_H

/*
 * Between web.c and the routes kept in their own files (prefs.c,
 * contribute.c): the server's state, a request waiting for the store's
 * writer, and the page helpers every route answers with, so that every
 * page is rendered, every store read made and every write queued the
 * same way. Nothing outside src/web/ uses it.
 */
#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "form.h"
#include "http.h"
#include "store.h"
#include "store_topics.h"
#include "template.h"
#include "token.h"
#include "web.h"
#include "writer.h"

struct contribute;
struct desk;
struct redirect;

#define SPARE_READERS 16 /* store connections kept open for reads */

/* Store connections for reads, one per request at a time. */
struct readers {
	pthread_mutex_t lock;
	struct store *spare[SPARE_READERS];
	size_t nspare;
	const char *path;
};

struct web {
	const struct config *cfg;
	struct web_options opt;
	struct pages *pages;
	struct writer *writer;
	struct redirect *redirect; /* GET /r/ISSUE/N */
	struct readers readers;
	struct ratelimit *signups; /* per client address */
	struct http_server *http;
	struct desk *desk;
	const char *contact; /* where people write to (borrowed from cfg) */
	char *public_dir;    /* the workspace's public/ */
	char *store_path;    /* the workspace's store */
	struct contribute *contribute; /* the partner form's routes */
	struct store_topics topics;    /* bulletin.yaml's, with their bits */
};

enum pending_kind { P_SUBSCRIBE, P_CONFIRM, P_UNSUBSCRIBE, P_PREFERENCES };

struct pending {
	struct writer_job job; /* first: converts back */
	struct web *w;
	struct http_exchange *ex;
	enum pending_kind kind;
	char token[TOKEN_PUBLIC_LEN + 1];
	const char *source, *detail;
	/* sign-up and preferences: the fields, checked */
	struct buf email, name, organisation;
	int64_t consent_at;
	int64_t topics; /* ticked (0: none offered) */
	int forget;     /* preferences: forget name and organisation */
	/* outputs of run() */
	int found; /* the token or address is known */
	int mail;  /* sign-up: the address may be sent an email now */
	/* sign-up of someone who left: their link to come back */
	char back[TOKEN_PUBLIC_LEN + 1];
	struct store_subscriber sub;
};

void web_say(struct web *w, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* The data every page has; returns the root map. */
struct tmpl_value *web_page_data(struct web *w, struct tmpl_data *d,
                                 const char *title);
/* Renders a page into the response; a failure becomes a plain 500. */
void web_render(struct web *w, struct http_exchange *ex, int status,
                const char *name, const struct tmpl_value *root);
/* A page with no data beyond the common: errors and simple notices. */
void web_simple(struct web *w, struct http_exchange *ex, int status,
                const char *name, const char *title);
void web_not_found(struct web *w, struct http_exchange *ex);
void web_server_error(struct web *w, struct http_exchange *ex);
void web_error_page(struct web *w, struct http_exchange *ex, int status,
                    const char *title, const char *message);
void web_bad_request(struct web *w, struct http_exchange *ex, const char *why);
void web_suppressed_page(struct web *w, struct http_exchange *ex);
void web_method_not_allowed(struct web *w, struct http_exchange *ex,
                            const char *allow);
/* Reads a POST's form into f: 1, or 0 when it could not and has answered
 * the request itself (400 or 415). */
int web_got_form(struct web *w, struct http_exchange *ex, struct form *f);

/* The settings the server runs with (borrowed). */
const struct config *web_config(const struct web *w);

/* A store connection for reads (give it back with web_reader_put). */
struct store *web_reader_get(struct web *w, struct err *err);
void web_reader_put(struct web *w, struct store *st);

struct pending *web_pending_new(struct web *w, struct http_exchange *ex,
                                enum pending_kind kind);
/* A POST on a token's page, to be done by the writer. */
struct pending *web_token_job(struct web *w, struct http_exchange *ex,
                              enum pending_kind kind, const char *token);
/* Suspends the exchange and queues the job: the writer answers. */
int web_defer(struct web *w, struct pending *p);
/* Hands the answer back to the server; p is gone afterwards. */
void web_answer(struct pending *p);
/* Suspends ex and queues a route's own job on the writer: its done
 * answers (contribute.c's saves). */
void web_defer_job(struct web *w, struct http_exchange *ex,
                   struct writer_job *job);

/*
 * Hands a finished message to the mail thread (web_options.send).
 * Returns 0, or -1 when it cannot be queued.
 */
int web_send(struct web *w, const char *to, const struct buf *message);

/* Seconds on a clock that never goes back. */
double web_monotonic(void);

/*
 * Looks a token up with a reader connection: 1 found (*out filled), 0
 * not, -1 on a store error (logged). returning: as below.
 */
int web_find_token(struct web *w, const char *token,
                   struct store_subscriber *out, int *returning);

/*
 * The GET or HEAD side of a token's page: finds the subscriber. Returns 1
 * with *s filled, or 0 after answering (405 for another method, 404 for
 * an unknown token, 500 when the store fails). With returning, the link
 * of someone who left and asked to come back is found too (*returning
 * says it was).
 */
int web_token_page_lookup(struct web *w, struct http_exchange *ex,
                          const char *token, struct store_subscriber *s,
                          int *returning);

/*
 * A form field's error on a page: FIELD_error for the message beside it,
 * and, when message is not NULL, an entry in the error summary errors
 * linking to id (NULL: the field's own).
 */
void web_field_error(struct tmpl_data *d, struct tmpl_value *root,
                     struct tmpl_value *errors, const char *field,
                     const char *id, const char *message);
/* The id the summary links to for the topics: their first box. */
const char *web_topics_id(const struct web *w);

/* A name and organisation typed in: each error NULL when fine, else
 * what is wrong, in the form's words. */
void web_check_details(const char *name, const char *organisation,
                       const char **name_error,
                       const char **organisation_error);

/*
 * The topics offered, as a list for a page ({{#topics}}: key, title,
 * description, checked by ticked) set on root as "topics", with
 * "has_topics".
 */
void web_topics_data(struct web *w, struct tmpl_data *d,
                     struct tmpl_value *root, int64_t ticked);
/* The topics ticked in a form (every "topic" field naming one). */
int64_t web_form_topics(const struct web *w, const struct form *f);

/* Whether token has the shape of a public token (id and secret). */
int web_token_shaped(const char *token);

/* GET and POST /preferences/TOKEN (prefs.c). */
int web_preferences_route(struct web *w, struct http_exchange *ex,
                          const char *token);

#endif
