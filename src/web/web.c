#include "web.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "contribute.h"
#include "defaults.h"
#include "desk.h"
#include "form.h"
#include "text.h"
#include "http.h"
#include "pages.h"
#include "publicdir.h"
#include "ratelimit.h"
#include "redirect.h"
#include "store.h"
#include "store_prefs.h"
#include "store_web.h"
#include "template.h"
#include "token.h"
#include "web_impl.h"
#include "writer.h"
#include "banned.h"

#define NAME_MAX_LEN  100   /* characters a name or organisation may have */
#define LIMIT_KEYS    65536 /* clients and networks remembered */
#define NETWORK_SHARE 8     /* a network's sign-ups, in clients' */
#define STOP_GRACE    10.0

static const char *const page_names[] = {
        "web/subscribe.html",   "web/check-inbox.html",
        "web/confirm.html",     "web/confirmed.html",
        "web/unsubscribe.html", "web/unsubscribed.html",
        "web/suppressed.html",  "web/preferences.html",
        "web/400.html",         "web/404.html",
        "web/413.html",         "web/429.html",
        "web/error.html",       "web/partner.html",
        "web/piece.html",       NULL,
};
static const char *const partial_names[] = {
        "web/head.html",
        "web/foot.html",
        NULL,
};
/* Kept out of the access log; "/r/": which link someone followed is
 * theirs (the counts say how many did, never who). */
static const char *const secret_prefixes[] = {
        "/contribute/",  "/confirm/", "/unsubscribe/",
        "/preferences/", "/r/",       NULL,
};

static void vsay(struct web *w, const char *fmt, va_list ap)
{
	struct buf line = BUF_INIT;

	if (!w->opt.log)
		return;
	buf_vaddf(&line, fmt, ap);
	w->opt.log(w->opt.ctx, line.data);
	buf_release(&line);
}

void web_say(struct web *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(w, fmt, ap);
	va_end(ap);
}

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads. */

static struct store *reader_get(struct web *w, struct err *err)
{
	struct readers *r = &w->readers;
	struct store *st = NULL;

	pthread_mutex_lock(&r->lock);
	if (r->nspare)
		st = r->spare[--r->nspare];
	pthread_mutex_unlock(&r->lock);
	if (st)
		return st;
	st = xmalloc(sizeof(*st));
	if (store_open(st, r->path, err) < 0) {
		free(st);
		return NULL;
	}
	return st;
}

static void reader_put(struct web *w, struct store *st)
{
	struct readers *r = &w->readers;

	pthread_mutex_lock(&r->lock);
	if (r->nspare < SPARE_READERS) {
		r->spare[r->nspare++] = st;
		st = NULL;
	}
	pthread_mutex_unlock(&r->lock);
	if (st) {
		store_close(st);
		free(st);
	}
}

/*
 * Looks up a token with a reader. Returns 1 found (*out filled), 0 not,
 * -1 on a store error (logged).
 */
int web_find_token(struct web *w, const char *token,
                   struct store_subscriber *out, int *returning)
{
	struct err err = ERR_INIT;
	struct store *st = reader_get(w, &err);
	int r = -1;

	if (st) {
		r = store_find_token(st, token, out, &err);
		if (returning)
			*returning = 0;
		/* Or the link of someone who left, to come back. */
		if (r == 0 && returning) {
			r = store_return_find(st, token, out, &err);
			*returning = r == 1;
		}
		reader_put(w, st);
	}
	if (r < 0)
		web_say(w, "bulletin: %s", err_msg(&err));
	err_release(&err);
	return r;
}

/* Pages. */

char *web_mask_address(const char *email)
{
	struct buf b = BUF_INIT;
	const char *at = strrchr(email, '@');
	size_t first = 1;

	if (!at || at == email)
		return xstrdup("•••");
	/* The whole first character, however many bytes it has. */
	while (email + first < at &&
	       ((unsigned char)email[first] & 0xC0) == 0x80)
		first++;
	buf_add(&b, email, first);
	buf_adds(&b, "•••");
	buf_adds(&b, at);
	return buf_detach(&b);
}

/* The data every page has; returns the root map. */
struct tmpl_value *web_page_data(struct web *w, struct tmpl_data *d,
                                 const char *title)
{
	struct tmpl_value *root = tmpl_map(d), *nl = tmpl_map(d);
	char days[32];

	/* How long a confirmation link works, for the pages that say so. */
	snprintf(days, sizeof(days), "%ld", w->cfg->pending_days);
	tmpl_map_set(nl, "pending_days", tmpl_number(d, days));
	tmpl_map_str(d, nl, "name", w->cfg->name);
	tmpl_map_str(d, nl, "language", w->cfg->language);
	tmpl_map_str(d, nl, "base_url", w->cfg->base_url);
	tmpl_map_str(d, nl, "contact", w->contact);
	tmpl_map_set(root, "newsletter", nl);
	tmpl_map_str(d, root, "title", title);
	return root;
}

/* Renders a page into the response; a failure becomes a plain 500. */
void web_render(struct web *w, struct http_exchange *ex, int status,
                const char *name, const struct tmpl_value *root)
{
	struct err err = ERR_INIT;

	buf_reset(&ex->resp.body);
	ex->resp.status = status;
	if (pages_render(w->pages, name, root, &ex->resp.body, &err) < 0) {
		web_say(w, "bulletin: %s", err_msg(&err));
		buf_reset(&ex->resp.body);
		buf_adds(&ex->resp.body, "Internal error\n");
		ex->resp.status = 500;
		ex->resp.content_type = "text/plain; charset=utf-8";
	}
	err_release(&err);
}

/* A page with no data beyond the common: errors and simple notices. */
void web_simple(struct web *w, struct http_exchange *ex, int status,
                const char *name, const char *title)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *root = web_page_data(w, d, title);

	web_render(w, ex, status, name, root);
	tmpl_data_free(d);
}

void web_not_found(struct web *w, struct http_exchange *ex)
{
	web_simple(w, ex, 404, "web/404.html", "Page not found");
}

void web_error_page(struct web *w, struct http_exchange *ex, int status,
                    const char *title, const char *message)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *root = web_page_data(w, d, title);

	tmpl_map_str(d, root, "message", message);
	tmpl_map_str(d, root, "status",
	             status == 403   ? "403"
	             : status == 405 ? "405"
	             : status == 415 ? "415"
	             : status == 503 ? "503"
	                             : "500");
	web_render(w, ex, status, "web/error.html", root);
	tmpl_data_free(d);
}

void web_server_error(struct web *w, struct http_exchange *ex)
{
	web_error_page(
	        w, ex, 500, "Something went wrong",
	        "Something went wrong on our side. Please try again in a "
	        "few minutes.");
}

static void method_not_allowed(struct web *w, struct http_exchange *ex,
                               const char *allow)
{
	web_error_page(w, ex, 405, "Method not allowed",
	               "This address cannot be used that way.");
	ex->resp.allow = allow;
}

void web_bad_request(struct web *w, struct http_exchange *ex, const char *why)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *root = web_page_data(w, d, "Bad request");

	tmpl_map_str(d, root, "message", why);
	web_render(w, ex, 400, "web/400.html", root);
	tmpl_data_free(d);
}

static void refuse(void *ctx, struct http_exchange *ex, int status)
{
	struct web *w = ctx;

	if (status == 413)
		web_simple(w, ex, 413, "web/413.html", "Too much data");
	else
		web_bad_request(w, ex, "The address of the page is not valid.");
}

/*
 * Reads the form in a POST body into f. When it cannot, it answers the
 * request itself (400 or 415) and says so by returning 0 (then return
 * HTTP_ANSWER): the caller then only releases f. 1 when f holds the form.
 */
static int got_form(struct web *w, struct http_exchange *ex, struct form *f)
{
	struct err err = ERR_INIT;
	int r = form_parse(f, ex->req.content_type, ex->req.body,
	                   ex->req.body_len, &err);

	if (r == FORM_UNSUPPORTED)
		web_error_page(w, ex, 415, "Unsupported form data",
		               "The form was sent in a way this site does not "
		               "accept.");
	else if (r < 0)
		web_bad_request(w, ex, "The form data could not be read.");
	err_release(&err);
	return r >= 0;
}

/* Waiting for the writer. */

static void pending_free(struct pending *p)
{
	store_subscriber_release(&p->sub);
	buf_release(&p->email);
	buf_release(&p->name);
	buf_release(&p->organisation);
	free(p);
}

static int run_unsubscribe(struct store *st, struct writer_job *job,
                           struct err *err)
{
	struct pending *p = (struct pending *)job;
	int r = store_unsubscribe_by_token(st, p->token, p->source, p->detail,
	                                   NULL, err);

	p->found = r == 1;
	return r < 0 ? -1 : 0;
}

static int run_confirm(struct store *st, struct writer_job *job,
                       struct err *err)
{
	struct pending *p = (struct pending *)job;
	int r;

	store_subscriber_release(&p->sub);
	r = store_find_token(st, p->token, &p->sub, err);
	/* The link of someone who left, signed up again: back they come. */
	if (r == 0)
		r = store_return_confirm(st, p->token, "web",
		                         "came back: signed up again on the "
		                         "form and confirmed from the emailed "
		                         "link",
		                         &p->sub, err);
	p->found = r == 1;
	if (r <= 0)
		return r;
	if (p->sub.status != STORE_PENDING)
		return 0; /* active already, or left: nothing to do */
	if (store_confirm(st, p->sub.id, "web",
	                  "confirmed from the emailed link", err) < 0)
		return -1;
	p->sub.status = STORE_ACTIVE;
	return 0;
}

/*
 * After store_subscribe: p->sub as it is now, and the write a sign-up of
 * someone known makes. Someone who left may come back, as anyone new
 * does: by the link in the email (the request waits; they stay as they
 * are until they confirm). Known otherwise: write what adding it would
 * have written.
 */
static int signed_up(struct store *st, struct pending *p,
                     enum store_outcome outcome, struct err *err)
{
	int r = store_find_email(st, p->email.data, &p->sub, err);

	if (r < 0)
		return -1;
	/* An erased address is held pending as anyone new is (the form
	 * asks store_subscribe so): STORE_ERASED does not come back here. */
	p->found = r == 1 && outcome != STORE_ERASED;
	if (p->found && outcome == STORE_SUPPRESSED)
		return store_return_request(st, p->sub.id, p->topics,
		                            p->w->cfg->consent, p->consent_at,
		                            p->back, err) < 0
		               ? -1
		               : 0;
	if (p->found && outcome != STORE_ADDED)
		return store_web_touch(st, p->sub.id, err);
	return 0;
}

/*
 * A sign-up, in the writer's transaction. Whatever is known about the
 * address (nothing, pending, active, left, bounced, erased), it does the
 * same look-ups and writes at least the address's email allowance, so
 * that the answer takes no longer for one than for another: a commit
 * that writes waits for the disk, one that writes nothing does not.
 */
static int run_subscribe(struct store *st, struct writer_job *job,
                         struct err *err)
{
	struct pending *p = (struct pending *)job;
	const struct config *cfg = p->w->cfg;
	struct store_signup su = {
	        .email = p->email.data,
	        .name = p->name.data,
	        .organisation = p->organisation.data,
	        .source = "web",
	        .detail = "sign-up form",
	        .consent_text = cfg->consent,
	        .consent_at = p->consent_at,
	        .status = STORE_PENDING,
	        .topics = p->topics,
	        .detail_topics = "topics chosen again on the sign-up form",
	        .normalised = 1,
	        .erased_may_return = 1,
	};
	enum store_outcome outcome;
	int r, allowed = 0;

	store_subscriber_release(&p->sub);
	p->found = p->mail = 0;
	r = store_find_email(st, p->email.data, &p->sub, err);
	if (r < 0)
		return -1;
	/*
	 * Anyone can type anyone's address: the form may name a sign-up
	 * still waiting for its confirmation, but not change the details
	 * of a subscriber who has confirmed (or left).
	 */
	if (r == 1 && p->sub.status != STORE_PENDING) {
		su.name = su.organisation = NULL;
		su.topics = 0;
	}
	store_subscriber_release(&p->sub);
	if (store_subscribe(st, &su, &outcome, NULL, err) < 0)
		return -1;
	if (signed_up(st, p, outcome, err) < 0)
		return -1;
	if (store_web_take_mail(st, p->email.data, cfg->confirmations_per_day,
	                        86400, (int64_t)time(NULL), &allowed, err) < 0)
		return -1;
	p->mail = p->found && allowed;
	return 0;
}

/* Hands the answer back to the server; p is gone afterwards. */
void web_answer(struct pending *p)
{
	struct http_exchange *ex = p->ex;

	pending_free(p);
	http_resume(ex);
}

static void unsubscribed_page(struct web *w, struct http_exchange *ex)
{
	web_simple(w, ex, 200, "web/unsubscribed.html",
	           "You have unsubscribed");
}

static void done_unsubscribe(struct writer_job *job, int ret,
                             const struct err *err)
{
	struct pending *p = (struct pending *)job;
	struct web *w = p->w;

	if (ret < 0) {
		web_say(w, "bulletin: unsubscribe failed: %s", err_msg(err));
		web_server_error(w, p->ex);
	} else if (!p->found) {
		web_not_found(w, p->ex);
	} else {
		unsubscribed_page(w, p->ex);
	}
	web_answer(p);
}

void web_suppressed_page(struct web *w, struct http_exchange *ex)
{
	web_simple(w, ex, 200, "web/suppressed.html",
	           "This address has left the list");
}

static void confirmed_page(struct web *w, struct http_exchange *ex)
{
	web_simple(w, ex, 200, "web/confirmed.html",
	           "Your subscription is confirmed");
}

static void done_confirm(struct writer_job *job, int ret, const struct err *err)
{
	struct pending *p = (struct pending *)job;
	struct web *w = p->w;

	if (ret < 0) {
		web_say(w, "bulletin: confirming failed: %s", err_msg(err));
		web_server_error(w, p->ex);
	} else if (!p->found) {
		web_not_found(w, p->ex);
	} else if (p->sub.status == STORE_ACTIVE) {
		confirmed_page(w, p->ex);
	} else {
		web_suppressed_page(w, p->ex);
	}
	web_answer(p);
}

static void check_inbox_page(struct web *w, struct http_exchange *ex,
                             const char *email)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *root = web_page_data(w, d, "Check your inbox");

	tmpl_map_str(d, root, "email", email);
	web_render(w, ex, 200, "web/check-inbox.html", root);
	tmpl_data_free(d);
}

/*
 * Mails the person who signed up, whatever their state, so that the page
 * (the same for everyone) gives nothing away; at most
 * confirmations_per_day emails an address (counted in the store by
 * run_subscribe), so the form cannot be used to flood someone's inbox.
 */
static void mail_signup(struct web *w, const struct store_subscriber *s,
                        const char *back, int allowed)
{
	struct web_mail m = {.email = s->email, .token = s->token};

	if (s->status == STORE_PENDING) {
		m.kind = WEB_MAIL_CONFIRM;
	} else if (s->status == STORE_ACTIVE) {
		m.kind = WEB_MAIL_ALREADY;
	} else {
		/* Left (unsubscribed, bounced, complained): the link to
		 * come back, which only the mailbox's owner receives. */
		m.kind = WEB_MAIL_REJOIN;
		m.token = back;
		if (!*back)
			return;
	}
	if (!allowed) {
		web_say(w,
		        "bulletin: sign-up email not sent: the address had "
		        "%ld today already",
		        w->cfg->confirmations_per_day);
		return;
	}
	if (!w->opt.mail || w->opt.mail(w->opt.ctx, &m) < 0)
		web_say(w, "bulletin: sign-up email not queued");
}

static void done_subscribe(struct writer_job *job, int ret,
                           const struct err *err)
{
	struct pending *p = (struct pending *)job;
	struct web *w = p->w;

	if (ret < 0) {
		web_say(w, "bulletin: sign-up failed: %s", err_msg(err));
		web_server_error(w, p->ex);
	} else {
		if (p->found)
			mail_signup(w, &p->sub, p->back, p->mail);
		check_inbox_page(w, p->ex, p->email.data);
	}
	web_answer(p);
}

struct pending *web_pending_new(struct web *w, struct http_exchange *ex,
                                enum pending_kind kind)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	p->w = w;
	p->ex = ex;
	p->kind = kind;
	buf_init(&p->email);
	buf_init(&p->name);
	buf_init(&p->organisation);
	return p;
}

/* Suspends the exchange and queues the job: the writer answers. */
int web_defer(struct web *w, struct pending *p)
{
	http_suspend(p->ex);
	writer_submit(w->writer, &p->job);
	return HTTP_LATER;
}

/* Routes. */

/*
 * A page about one subscriber reached by a token: it names them only by a
 * masked address (whoever holds a forwarded link learns no more).
 */
static void masked_page(struct web *w, struct http_exchange *ex,
                        const char *title, const char *page, const char *email)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *root = web_page_data(w, d, title);
	char *masked = web_mask_address(email);

	tmpl_map_str(d, root, "masked_email", masked);
	free(masked);
	web_render(w, ex, 200, page, root);
	tmpl_data_free(d);
}

/*
 * The GET or HEAD side of a token's page: finds the subscriber. Returns 1
 * with *s filled, or 0 after answering (405 for another method, 404 for
 * an unknown token, 500 when the store fails).
 */
int web_token_page_lookup(struct web *w, struct http_exchange *ex,
                          const char *token, struct store_subscriber *s,
                          int *returning)
{
	int r;

	if (ex->req.method != HTTP_GET && ex->req.method != HTTP_HEAD) {
		method_not_allowed(w, ex, "GET, HEAD, POST");
		return 0;
	}
	r = web_find_token(w, token, s, returning);
	if (r < 0)
		web_server_error(w, ex);
	else if (r == 0)
		web_not_found(w, ex);
	return r > 0;
}

/* A POST on a token's page, to be done by the writer. */
struct pending *web_token_job(struct web *w, struct http_exchange *ex,
                              enum pending_kind kind, const char *token)
{
	struct pending *p = web_pending_new(w, ex, kind);

	memcpy(p->token, token, TOKEN_PUBLIC_LEN + 1);
	return p;
}

static int confirm_route(struct web *w, struct http_exchange *ex,
                         const char *token)
{
	struct store_subscriber s = {0};
	struct form f;
	int r, returning = 0;

	if (ex->req.method == HTTP_POST) {
		struct pending *p;

		form_init(&f);
		r = got_form(w, ex, &f);
		form_release(&f);
		if (!r)
			return HTTP_ANSWER;
		p = web_token_job(w, ex, P_CONFIRM, token);
		p->job.run = run_confirm;
		p->job.done = done_confirm;
		return web_defer(w, p);
	}
	if (!web_token_page_lookup(w, ex, token, &s, &returning))
		return HTTP_ANSWER;
	if (s.status == STORE_PENDING || returning)
		masked_page(w, ex, "Confirm your subscription",
		            "web/confirm.html", s.email);
	else if (s.status == STORE_ACTIVE)
		confirmed_page(w, ex);
	else
		web_suppressed_page(w, ex);
	store_subscriber_release(&s);
	return HTTP_ANSWER;
}

static int unsubscribe_route(struct web *w, struct http_exchange *ex,
                             const char *token)
{
	struct store_subscriber s = {0};

	if (ex->req.method == HTTP_POST) {
		struct pending *p;
		struct form f;
		const char *oneclick;

		form_init(&f);
		if (!got_form(w, ex, &f)) {
			form_release(&f);
			return HTTP_ANSWER;
		}
		p = web_token_job(w, ex, P_UNSUBSCRIBE, token);
		/* RFC 8058: the mail client's button, not our page's. */
		oneclick = form_get(&f, "List-Unsubscribe");
		if (oneclick && !strcmp(oneclick, "One-Click")) {
			p->source = "one-click";
			p->detail = "List-Unsubscribe-Post";
		} else {
			p->source = "web";
			p->detail = "unsubscribe page";
		}
		form_release(&f);
		p->job.run = run_unsubscribe;
		p->job.done = done_unsubscribe;
		return web_defer(w, p);
	}
	if (!web_token_page_lookup(w, ex, token, &s, NULL))
		return HTTP_ANSWER;
	if (store_status_suppressed(s.status))
		unsubscribed_page(w, ex);
	else
		masked_page(w, ex, "Unsubscribe", "web/unsubscribe.html",
		            s.email);
	store_subscriber_release(&s);
	return HTTP_ANSWER;
}

/* The sign-up form, with what was typed and what is wrong with it. */
struct signup_form {
	const char *email, *name, *organisation;
	int consent;
	int64_t topics; /* ticked */
	const char *email_error, *name_error, *organisation_error,
	        *consent_error, *topics_error;
};

void web_field_error(struct tmpl_data *d, struct tmpl_value *root,
                     struct tmpl_value *errors, const char *field,
                     const char *id, const char *message)
{
	struct buf key = BUF_INIT;
	struct tmpl_value *m;

	buf_addf(&key, "%s_error", field);
	tmpl_map_str(d, root, key.data, message);
	buf_release(&key);
	if (!message)
		return;
	m = tmpl_map(d);
	tmpl_map_str(d, m, "id", id ? id : field);
	tmpl_map_str(d, m, "message", message);
	tmpl_list_add(errors, m);
}

const char *web_topics_id(const struct web *w)
{
	/* an error summary's link needs a real id: the first box */
	return w->topics.n ? w->cfg->topics[0].key : "topics";
}

static void subscribe_page(struct web *w, struct http_exchange *ex, int status,
                           const struct signup_form *sf)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *errors = tmpl_list(d);
	struct tmpl_value *root;
	int has_errors = sf->email_error || sf->name_error ||
	                 sf->organisation_error || sf->consent_error ||
	                 sf->topics_error;

	root = web_page_data(w, d,
	                     has_errors ? "Error: subscribe to the newsletter"
	                                : "Subscribe to the newsletter");
	tmpl_map_str(d, root, "consent", w->cfg->consent);
	tmpl_map_str(d, root, "email", sf->email);
	tmpl_map_str(d, root, "name", sf->name);
	tmpl_map_str(d, root, "organisation", sf->organisation);
	tmpl_map_bool(d, root, "consent_given", sf->consent);
	web_field_error(d, root, errors, "email", NULL, sf->email_error);
	web_field_error(d, root, errors, "name", NULL, sf->name_error);
	web_field_error(d, root, errors, "organisation", NULL,
	                sf->organisation_error);
	web_field_error(d, root, errors, "topics", web_topics_id(w),
	                sf->topics_error);
	web_field_error(d, root, errors, "consent", NULL, sf->consent_error);
	tmpl_map_set(root, "errors", errors);
	tmpl_map_bool(d, root, "has_errors", has_errors);
	web_topics_data(w, d, root, sf->topics);
	web_render(w, ex, status, "web/subscribe.html", root);
	tmpl_data_free(d);
}

/* Characters, and whether there is a control character among them. */
static size_t text_length(const char *s, int *control)
{
	size_t n = 0;

	*control = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*control = 1;
		n += (*p & 0xC0) != 0x80;
	}
	return n;
}

static const char *check_text(const char *s, const char *what_too_long,
                              const char *what_turns)
{
	int control;

	if (text_length(s, &control) > NAME_MAX_LEN)
		return what_too_long;
	if (control)
		return "Use letters, numbers and punctuation only";
	if (text_bidi_control(s, strlen(s)))
		return what_turns;
	return NULL;
}

void web_check_details(const char *name, const char *organisation,
                       const char **name_error, const char **organisation_error)
{
	*name_error = check_text(
	        name, "Your name must be 100 characters or fewer",
	        "Your name has a hidden character that changes the direction "
	        "of the text: delete the name and type it again");
	*organisation_error = check_text(
	        organisation,
	        "The organisation must be 100 characters or fewer",
	        "The organisation has a hidden character that changes the "
	        "direction of the text: delete it and type it again");
}

void web_topics_data(struct web *w, struct tmpl_data *d,
                     struct tmpl_value *root, int64_t ticked)
{
	struct tmpl_value *list = tmpl_list(d);

	for (size_t i = 0; i < w->topics.n; i++) {
		const struct config_topic *t = &w->cfg->topics[i];
		struct tmpl_value *m = tmpl_map(d);

		tmpl_map_str(d, m, "key", t->key);
		tmpl_map_str(d, m, "title", t->title);
		tmpl_map_str(d, m, "description", t->description);
		tmpl_map_bool(d, m, "checked",
		              (ticked & w->topics.bit[i]) != 0);
		tmpl_list_add(list, m);
	}
	tmpl_map_set(root, "topics", list);
	tmpl_map_bool(d, root, "has_topics", w->topics.n > 0);
}

int64_t web_form_topics(const struct web *w, const struct form *f)
{
	int64_t mask = 0;

	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->fields[i].name, "topic"))
			mask |= store_topics_bit(&w->topics,
			                         f->fields[i].value);
	return mask;
}

/*
 * Takes a sign-up from the client's allowance and from its network's
 * (its IPv4 /24, its IPv6 /48: NETWORK_SHARE times as much), so that
 * made-up addresses from one network share one limit.
 */
static int take_signup(struct web *w, const char *client, long *wait)
{
	char keys[2][RATELIMIT_KEY_MAX];
	const char *names[2] = {keys[0], keys[1]};
	long limits[2] = {w->cfg->signups_per_hour,
	                  w->cfg->signups_per_hour * NETWORK_SHARE};
	size_t n = ratelimit_client_keys(client, keys);

	return ratelimit_take_keys(w->signups, names, limits, n,
	                           ratelimit_now(), wait);
}

static int honeypot_filled(const struct form *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->fields[i].name, "website") &&
		    f->fields[i].value[0])
			return 1;
	return 0;
}

static int subscribe_post(struct web *w, struct http_exchange *ex)
{
	struct signup_form sf = {0};
	struct err err = ERR_INIT;
	struct buf email = BUF_INIT;
	struct pending *p;
	struct form f;
	long wait;
	const char *consent;

	if (!take_signup(w, ex->req.client, &wait)) {
		web_simple(w, ex, 429, "web/429.html", "Too many sign-ups");
		ex->resp.retry_after = wait;
		return HTTP_ANSWER;
	}
	form_init(&f);
	if (!got_form(w, ex, &f))
		goto answered;
	sf.email = form_get(&f, "email");
	sf.name = form_get(&f, "name");
	sf.organisation = form_get(&f, "organisation");
	consent = form_get(&f, "consent");
	sf.email = sf.email ? sf.email : "";
	sf.name = sf.name ? sf.name : "";
	sf.organisation = sf.organisation ? sf.organisation : "";
	sf.consent = consent && !strcmp(consent, "yes");
	sf.topics = web_form_topics(w, &f);
	/* Only a robot fills in the field people cannot see. */
	if (honeypot_filled(&f)) {
		web_say(w, "bulletin: sign-up ignored: the hidden field was "
		           "filled in");
		check_inbox_page(w, ex, sf.email);
		goto answered;
	}
	if (!*sf.email)
		sf.email_error = "Enter your email address";
	else if (address_normalise(sf.email, strlen(sf.email), &email, &err) <
	         0)
		sf.email_error = "Enter an email address in the correct "
		                 "format, like name@example.org";
	web_check_details(sf.name, sf.organisation, &sf.name_error,
	                  &sf.organisation_error);
	if (w->topics.n && !sf.topics)
		sf.topics_error = "Choose at least one topic";
	if (!sf.consent)
		sf.consent_error = "Tick the box to agree to receive the "
		                   "newsletter";
	if (sf.email_error || sf.name_error || sf.organisation_error ||
	    sf.topics_error || sf.consent_error) {
		subscribe_page(w, ex, 400, &sf);
		goto answered;
	}
	p = web_pending_new(w, ex, P_SUBSCRIBE);
	buf_add(&p->email, email.data, email.len);
	buf_adds(&p->name, sf.name);
	buf_adds(&p->organisation, sf.organisation);
	p->topics = sf.topics;
	p->consent_at = (int64_t)time(NULL);
	p->job.run = run_subscribe;
	p->job.done = done_subscribe;
	form_release(&f);
	buf_release(&email);
	err_release(&err);
	return web_defer(w, p);
answered:
	form_release(&f);
	buf_release(&email);
	err_release(&err);
	return HTTP_ANSWER;
}

static int subscribe_route(struct web *w, struct http_exchange *ex)
{
	struct signup_form sf = {.email = "",
	                         .name = "",
	                         .organisation = "",
	                         .topics = w->topics.defaults};

	if (ex->req.method == HTTP_POST)
		return subscribe_post(w, ex);
	if (ex->req.method != HTTP_GET && ex->req.method != HTTP_HEAD)
		method_not_allowed(w, ex, "GET, HEAD, POST");
	else
		subscribe_page(w, ex, 200, &sf);
	return HTTP_ANSWER;
}

/* Percent-encodes a path for a Location header. */
static void add_path_escaped(struct buf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
			buf_addch(out, *p);
		else
			buf_addf(out, "%%%02X", *p);
	}
}

static void builtin_css(struct http_exchange *ex)
{
	const struct default_file *css = defaults_find("templates/style.css");

	buf_add(&ex->resp.body, css->data, css->len);
	ex->resp.content_type = "text/css; charset=utf-8";
	ex->resp.cache_control = "no-cache";
}

/*
 * The public site: /X is public/X. An issue's files live in
 * public/issues/ID/ (the canonical address); /ID/... are the addresses
 * they had before and are looked up there too.
 */
static int archive_route(struct web *w, struct http_exchange *ex)
{
	const char *path = ex->req.path, *rel = path + 1;
	struct publicdir_file file;
	enum publicdir_result r;

	if (ex->req.method != HTTP_GET && ex->req.method != HTTP_HEAD) {
		method_not_allowed(w, ex, "GET, HEAD");
		return HTTP_ANSWER;
	}
	r = publicdir_find(w->public_dir, rel, &file);
	if (r == PUBLICDIR_NOT_FOUND && *rel && strncmp(rel, "issues/", 7)) {
		struct buf alt = BUF_INIT;

		buf_addf(&alt, "issues/%s", rel);
		r = publicdir_find(w->public_dir, alt.data, &file);
		buf_release(&alt);
	}
	if (r == PUBLICDIR_FOUND) {
		ex->resp.fd = file.fd;
		ex->resp.fd_size = file.size;
		ex->resp.content_type = file.content_type;
		ex->resp.cache_control = file.cache_control;
		memcpy(ex->resp.etag, file.etag, sizeof(ex->resp.etag));
	} else if (r == PUBLICDIR_IS_DIR) {
		struct buf loc = BUF_INIT;

		add_path_escaped(&loc, path);
		buf_addch(&loc, '/');
		ex->resp.status = 301;
		ex->resp.location = buf_detach(&loc);
		ex->resp.content_type = "text/plain; charset=utf-8";
	} else if (!strcmp(rel, "style.css")) {
		builtin_css(ex); /* nothing compiled yet */
	} else {
		web_not_found(w, ex);
	}
	return HTTP_ANSWER;
}

/* The rest of path after prefix when it is a token; else NULL. */
static const char *token_after(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return NULL;
	return path + n;
}

/* Whether token has the shape of a public token (id and secret). */
int web_token_shaped(const char *token)
{
	char secret[TOKEN_LEN + 1];
	int64_t id;

	return token_split(token, &id, secret) == 0;
}

static int handle(void *ctx, struct http_exchange *ex)
{
	struct web *w = ctx;
	const char *path = ex->req.path, *token;

	if (!strcmp(path, "/subscribe"))
		return subscribe_route(w, ex);
	if (desk_owns(path))
		return desk_handle(w->desk, ex);
	if ((token = token_after(path, "/contribute/")))
		return contribute_route(w->contribute, ex, token);
	if ((token = token_after(path, "/confirm/")) ||
	    (token = token_after(path, "/unsubscribe/"))) {
		/* A forged or cut token is a page that does not exist. */
		if (!web_token_shaped(token)) {
			web_not_found(w, ex);
			return HTTP_ANSWER;
		}
		return path[1] == 'c' ? confirm_route(w, ex, token)
		                      : unsubscribe_route(w, ex, token);
	}
	if ((token = token_after(path, "/preferences/")))
		return web_preferences_route(w, ex, token);
	switch (redirect_route(w->redirect, ex)) {
	case REDIRECT_NOT_MINE:
		return archive_route(w, ex);
	case REDIRECT_NOT_FOUND:
		web_not_found(w, ex);
		break;
	case REDIRECT_ANSWERED:
		break;
	}
	return HTTP_ANSWER;
}

/* Life cycle. */

struct purge {
	int64_t older_than;
	long purged;
};

static int run_purge(struct store *st, void *ctx, struct err *err)
{
	struct purge *pg = ctx;

	if (store_web_purge_mails(st, 86400, (int64_t)time(NULL), NULL, err) <
	    0)
		return -1;
	return store_purge_pending(st, pg->older_than, &pg->purged, err);
}

int web_purge(struct web *w, long *purged, struct err *err)
{
	struct purge pg = {(int64_t)w->cfg->pending_days * 86400, 0};
	int ret = writer_run(w->writer, run_purge, &pg, err);

	if (ret == 0 && purged)
		*purged = pg.purged;
	return ret;
}

static struct store *desk_store_get(void *ctx, struct err *err)
{
	return reader_get(ctx, err);
}

static void desk_store_put(void *ctx, struct store *st)
{
	reader_put(ctx, st);
}

/* Uploads come to the partner form and the desk's import, nowhere else. */
static size_t body_max(void *ctx, const char *path)
{
	struct web *w = ctx;

	if (!strncmp(path, "/contribute/", 12))
		return contribute_body_max(w->cfg);
	if (!strcmp(path, "/desk/subscribers/import"))
		return DESK_UPLOAD_MAX;
	return 0;
}

static void log_access(void *ctx, const char *line)
{
	struct web *w = ctx;

	if (w->opt.log)
		w->opt.log(w->opt.ctx, line);
}

/* The topics' bits, once (the store gives new topics theirs). */
static int load_topics(struct store *st, void *ctx, struct err *err)
{
	struct web *w = ctx;

	return store_topics_load(st, w->cfg, &w->topics, err);
}

struct web *web_start(const struct web_options *opt, struct err *err)
{
	struct web *w = xcalloc(1, sizeof(*w));
	const struct config *cfg = opt->cfg;
	struct http_config hc = {
	        .listen = opt->listen ? opt->listen : cfg->listen,
	        .threads = opt->threads,
	        .handle = handle,
	        .refuse = refuse,
	        .log = log_access,
	        .secret_prefixes = secret_prefixes,
	        .body_max = body_max,
	        .ctx = w,
	};
	struct desk_options dopt = {
	        .cfg = cfg,
	        .store_get = desk_store_get,
	        .store_put = desk_store_put,
	        .log = log_access,
	        .smtp_password = opt->smtp_password,
	        .ctx = w,
	};
	long purged = 0;

	w->cfg = cfg;
	{
		struct buf pub = BUF_INIT;

		config_path(cfg, &pub, "public");
		w->public_dir = buf_detach(&pub);
		config_path(cfg, &pub, "%s", cfg->store);
		w->store_path = buf_detach(&pub);
	}
	w->opt = *opt;
	w->contact = *cfg->reply_to ? cfg->reply_to : cfg->from_addr;
	pthread_mutex_init(&w->readers.lock, NULL);
	w->readers.path = w->store_path;
	w->pages = pages_load(w->cfg, page_names, partial_names, err);
	if (!w->pages)
		goto fail;
	w->writer = writer_start(w->store_path, err);
	if (!w->writer || writer_run(w->writer, load_topics, w, err) < 0)
		goto fail;
	if (web_purge(w, &purged, err) < 0)
		goto fail;
	w->redirect = redirect_start(cfg, w->writer, err);
	if (!w->redirect)
		goto fail;
	if (purged)
		web_say(w,
		        "bulletin: purged %ld pending sign-up(s) older than "
		        "%ld "
		        "days",
		        purged, cfg->pending_days);
	w->signups = ratelimit_new(cfg->signups_per_hour, 3600, LIMIT_KEYS);
	w->desk = desk_start(&dopt, err);
	if (!w->desk)
		goto fail;
	w->contribute = contribute_new(w, err);
	if (!w->contribute)
		goto fail;
	w->http = http_start(&hc, err);
	if (!w->http)
		goto fail;
	return w;
fail:
	web_stop(w);
	return NULL;
}

void web_stats(struct web *w, unsigned long *writes, unsigned long *commits)
{
	writer_stats(w->writer, commits, writes);
}

const char *web_address(const struct web *w)
{
	return http_address(w->http);
}

void web_stop(struct web *w)
{
	if (!w)
		return;
	/* The writer keeps answering suspended requests until they are done. */
	http_stop(w->http, STOP_GRACE);
	/* Its last counts go through the writer, so before it stops. */
	redirect_stop(w->redirect);
	desk_stop(w->desk);
	writer_stop(w->writer);
	for (size_t i = 0; i < w->readers.nspare; i++) {
		store_close(w->readers.spare[i]);
		free(w->readers.spare[i]);
	}
	pthread_mutex_destroy(&w->readers.lock);
	ratelimit_free(w->signups);
	contribute_free(w->contribute);
	store_topics_release(&w->topics);
	pages_free(w->pages);
	free(w->public_dir);
	free(w->store_path);
	free(w);
}

/* For the route modules (web_impl.h). */

const struct config *web_config(const struct web *w)
{
	return w->cfg;
}

struct store *web_reader_get(struct web *w, struct err *err)
{
	return reader_get(w, err);
}

void web_reader_put(struct web *w, struct store *st)
{
	reader_put(w, st);
}

void web_method_not_allowed(struct web *w, struct http_exchange *ex,
                            const char *allow)
{
	method_not_allowed(w, ex, allow);
}

int web_got_form(struct web *w, struct http_exchange *ex, struct form *f)
{
	return got_form(w, ex, f);
}

void web_defer_job(struct web *w, struct http_exchange *ex,
                   struct writer_job *job)
{
	http_suspend(ex);
	writer_submit(w->writer, job);
}

int web_send(struct web *w, const char *to, const struct buf *message)
{
	if (!w->opt.send)
		return -1;
	return w->opt.send(w->opt.ctx, to, message);
}

double web_monotonic(void)
{
	return monotonic();
}
