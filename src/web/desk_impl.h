#ifndef DESK_IMPL_H
#define DESK_IMPL_H

/*
 * Between the desk's parts only (desk.c: sessions, the router and the
 * page helpers; desk_issue.c: issues; desk_send.c: full sends;
 * desk_people.c: subscribers and the activity log; desk_partners.c:
 * partners and the call for contributions).
 */

#include <pthread.h>
#include <stdint.h>

#include "desk.h"
#include "form.h"
#include "issuecache.h"
#include "issuelist.h"
#include "role.h"
#include "store.h"
#include "store_desk.h"
#include "template.h"

#define DESK_CSRF_HEX 65 /* hex HMAC-SHA256 and a NUL */

struct desk_send;

struct desk {
	const struct config *cfg;
	struct desk_options opt;
	struct pages *pages;
	struct ratelimit *logins; /* attempts per client address */
	const char *cookie_name;  /* "__Host-desk" over https, else "desk" */
	int https;
	pthread_mutex_t lock; /* guards sends */
	struct desk_send *sends;
	struct issuecache *issues;    /* what the issues' files say */
	struct issuelist_cache *list; /* the issues page's rows */
};

/* One request, from the router to the answer. */
struct desk_req {
	struct desk *d;
	struct http_exchange *ex;
	struct store *st; /* for this request */
	struct store_desk_user user;
	char sid_hash[STORE_DESK_HASH_HEX];
	char csrf[DESK_CSRF_HEX];
	struct form form; /* a POST's fields */
	const char *arg2; /* the route's second '*' segment, or "" */
	struct tmpl_data *data;
	struct tmpl_value *root; /* the page's data (desk_page) */
};

void desk_say(struct desk *d, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* A form field of the POST, "" when absent (borrowed). */
const char *desk_field(const struct desk_req *r, const char *name);

/* Starts the page's data with what every page has; returns the root. */
struct tmpl_value *desk_page(struct desk_req *r, const char *title);

/* Renders template name (e.g. "desk/issues.html") with r->root. */
void desk_render(struct desk_req *r, int status, const char *name);

/* A page saying what went wrong (status 400, 403, 404, 409, 500). */
void desk_message(struct desk_req *r, int status, const char *title,
                  const char *message);

/* 303 See Other to a path (printf-style; percent-escaped here). */
void desk_redirect(struct desk_req *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Records an action of the user; a failure is logged, not fatal. */
void desk_event(struct desk_req *r, const char *kind, const char *subject,
                const char *detail);

/* Sets "may_X" flags for every action, for the templates. */
void desk_may(struct desk_req *r, struct tmpl_value *map);

/* Handlers: arg is the route's '*' segment (an issue id, ...) or NULL. */
void desk_issues_page(struct desk_req *r, const char *arg);
void desk_new_issue(struct desk_req *r, const char *arg);
void desk_issue_page(struct desk_req *r, const char *arg);
void desk_preview(struct desk_req *r, const char *arg);
void desk_preview_text(struct desk_req *r, const char *arg);
void desk_issue_file(struct desk_req *r, const char *arg);
void desk_compile(struct desk_req *r, const char *arg);
void desk_test_send(struct desk_req *r, const char *arg);
void desk_approve(struct desk_req *r, const char *arg);
void desk_publish(struct desk_req *r, const char *arg);
void desk_unpublish(struct desk_req *r, const char *arg);
void desk_send_confirm(struct desk_req *r, const char *arg);
void desk_send_start(struct desk_req *r, const char *arg);
void desk_send_progress(struct desk_req *r, const char *arg);
void desk_subscribers_page(struct desk_req *r, const char *arg);
void desk_subscriber_page(struct desk_req *r, const char *arg);
void desk_subscriber_add(struct desk_req *r, const char *arg);
void desk_subscriber_status(struct desk_req *r, const char *arg);
void desk_activity_page(struct desk_req *r, const char *arg);
void desk_import_upload(struct desk_req *r, const char *arg);
void desk_import_confirm(struct desk_req *r, const char *arg);
void desk_export(struct desk_req *r, const char *arg);
void desk_erase(struct desk_req *r, const char *arg);
void desk_partners_page(struct desk_req *r, const char *arg);
void desk_partner_add(struct desk_req *r, const char *arg);
void desk_partners_call(struct desk_req *r, const char *arg);
void desk_partner_page(struct desk_req *r, const char *arg);
void desk_partner_contacts(struct desk_req *r, const char *arg);
void desk_partner_rotate(struct desk_req *r, const char *arg);

/* desk_send.c: stops and frees every send of the desk. */
void desk_sends_stop(struct desk *d);

#endif
