#include "desk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "defaults.h"
#include "desk_impl.h"
#include "pages.h"
#include "password.h"
#include "ratelimit.h"
#include "sha256.h"
#include "token.h"
#include "banned.h"

#define LOGINS_PER_CLIENT 10  /* attempts per client address ... */
#define LOGIN_PERIOD      600 /* ... per this many seconds */
#define LOGIN_KEYS        4096
#define SID_LEN           (2 * TOKEN_LEN) /* two tokens: 256 bits */

/*
 * The desk's pages may frame this site's own preview; the rest is the
 * server's policy: nothing from elsewhere, no script, no inline style.
 */
static const char desk_csp[] =
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'";

static const char *const page_names[] = {
        "desk/login.html",
        "desk/message.html",
        "desk/issues.html",
        "desk/issue.html",
        "desk/send.html",
        "desk/progress.html",
        "desk/subscribers.html",
        "desk/subscriber.html",
        "desk/activity.html",
        "desk/import.html",
        "desk/partners.html",
        "desk/partner.html",
        NULL,
};
static const char *const partial_names[] = {
        "desk/head.html",
        "desk/foot.html",
        NULL,
};

void desk_say(struct desk *d, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;

	if (!d->opt.log)
		return;
	va_start(ap, fmt);
	buf_vaddf(&line, fmt, ap);
	va_end(ap);
	d->opt.log(d->opt.ctx, line.data);
	buf_release(&line);
}

/* Pages. */

const char *desk_field(const struct desk_req *r, const char *name)
{
	const char *v = form_get(&r->form, name);

	return v ? v : "";
}

void desk_may(struct desk_req *r, struct tmpl_value *map)
{
	static const struct {
		const char *key;
		enum role_action a;
	} flags[] = {
	        {"may_compile", ROLE_COMPILE}, {"may_test", ROLE_TEST_SEND},
	        {"may_approve", ROLE_APPROVE}, {"may_send", ROLE_SEND},
	        {"may_publish", ROLE_PUBLISH}, {"may_change", ROLE_SUBSCRIBERS},
	        {"may_import", ROLE_IMPORT},   {"may_export", ROLE_EXPORT},
	        {"may_erase", ROLE_ERASE},
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		tmpl_map_bool(r->data, map, flags[i].key,
		              role_may(r->user.role, flags[i].a));
}

struct tmpl_value *desk_page(struct desk_req *r, const char *title)
{
	struct tmpl_value *nl, *user;

	if (r->data)
		tmpl_data_free(r->data);
	r->data = tmpl_data_new();
	r->root = tmpl_map(r->data);
	nl = tmpl_map(r->data);
	tmpl_map_str(r->data, nl, "name", r->d->cfg->name);
	tmpl_map_str(r->data, nl, "language", r->d->cfg->language);
	tmpl_map_set(r->root, "newsletter", nl);
	tmpl_map_str(r->data, r->root, "title", title);
	if (r->user.name) {
		user = tmpl_map(r->data);
		tmpl_map_str(r->data, user, "name", r->user.name);
		tmpl_map_str(r->data, user, "role", role_name(r->user.role));
		tmpl_map_set(r->root, "user", user);
		tmpl_map_str(r->data, r->root, "csrf", r->csrf);
		desk_may(r, r->root);
	}
	return r->root;
}

void desk_render(struct desk_req *r, int status, const char *name)
{
	struct http_response *resp = &r->ex->resp;
	struct err err = ERR_INIT;

	buf_reset(&resp->body);
	resp->status = status;
	resp->csp = desk_csp;
	if (pages_render(r->d->pages, name, r->root, &resp->body, &err) < 0) {
		desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
		buf_reset(&resp->body);
		buf_adds(&resp->body, "Internal error\n");
		resp->status = 500;
		resp->content_type = "text/plain; charset=utf-8";
	}
	err_release(&err);
}

void desk_message(struct desk_req *r, int status, const char *title,
                  const char *message)
{
	struct tmpl_value *root = desk_page(r, title);

	tmpl_map_str(r->data, root, "message", message);
	desk_render(r, status, "desk/message.html");
}

void desk_redirect(struct desk_req *r, const char *fmt, ...)
{
	struct buf path = BUF_INIT, loc = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&path, fmt, ap);
	va_end(ap);
	for (const unsigned char *p = (const unsigned char *)path.data; *p;
	     p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~?=&#", *p))
			buf_addch(&loc, *p);
		else
			buf_addf(&loc, "%%%02X", *p);
	}
	r->ex->resp.status = 303;
	free(r->ex->resp.location);
	r->ex->resp.location = buf_detach(&loc);
	r->ex->resp.content_type = "text/plain; charset=utf-8";
	buf_release(&path);
}

void desk_event(struct desk_req *r, const char *kind, const char *subject,
                const char *detail)
{
	struct err err = ERR_INIT;

	if (store_desk_event(r->st, r->user.name ? r->user.name : "-", kind,
	                     subject, detail, &err) < 0)
		desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
	err_release(&err);
}

/* Sessions. */

/* The value of cookie name in a Cookie header, into out; 1 found. */
static int cookie_value(const char *header, const char *name, char *out,
                        size_t size)
{
	size_t n = strlen(name);

	while (header && *header) {
		header += strspn(header, " ;");
		if (!strncmp(header, name, n) && header[n] == '=') {
			const char *v = header + n + 1;
			size_t len = strcspn(v, ";");

			if (len >= size)
				return 0;
			memcpy(out, v, len);
			out[len] = '\0';
			return 1;
		}
		header += strcspn(header, ";");
	}
	return 0;
}

static void hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* What the store keeps of a session id: its SHA-256. */
static void sid_hash(const char *sid, char out[STORE_DESK_HASH_HEX])
{
	unsigned char md[SHA256_LEN];

	sha256_digest(sid, strlen(sid), md);
	hex(md, sizeof(md), out);
}

/* The anti-forgery token of a secret (a session id, a login nonce). */
static void csrf_of(const char *secret, char out[DESK_CSRF_HEX])
{
	static const char what[] = "bulletin desk anti-forgery";
	struct sha256_hmac h;
	unsigned char md[SHA256_LEN];

	sha256_hmac_init(&h, secret, strlen(secret));
	sha256_hmac(&h, what, sizeof(what) - 1, md);
	hex(md, sizeof(md), out);
}

static int csrf_ok(const char *want, const char *got)
{
	return strlen(got) == DESK_CSRF_HEX - 1 &&
	       token_equal(want, got, DESK_CSRF_HEX - 1);
}

/* A new random id of 256 bits (two tokens), into sid. */
static int new_sid(char sid[SID_LEN + 1], struct err *err)
{
	if (token_new(sid, err) < 0 || token_new(sid + TOKEN_LEN, err) < 0)
		return -1;
	sid[SID_LEN] = '\0';
	return 0;
}

/* "NAME=VALUE; Path=/; ..." for a cookie; max_age 0 deletes it. */
static char *cookie_header(const struct desk *d, const char *suffix,
                           const char *value, long max_age)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict",
	         d->cookie_name, suffix, value, max_age);
	if (d->https)
		buf_adds(&b, "; Secure");
	return buf_detach(&b);
}

static void set_cookie(struct desk_req *r, const char *suffix,
                       const char *value, long max_age)
{
	free(r->ex->resp.set_cookie);
	r->ex->resp.set_cookie = cookie_header(r->d, suffix, value, max_age);
}

/*
 * The user of the request's session: 1 (r->user, sid_hash, csrf
 * filled), 0 none, -1 store error (logged).
 */
static int find_session(struct desk_req *r)
{
	const struct config *cfg = r->d->cfg;
	char sid[SID_LEN + 1];
	struct err err = ERR_INIT;
	int found;

	if (!cookie_value(r->ex->req.cookie, r->d->cookie_name, sid,
	                  sizeof(sid)) ||
	    strlen(sid) != SID_LEN)
		return 0;
	sid_hash(sid, r->sid_hash);
	found = store_desk_session_find(r->st, r->sid_hash, (int64_t)time(NULL),
	                                cfg->desk_idle_minutes * 60,
	                                cfg->desk_session_hours * 3600,
	                                &r->user, &err);
	if (found < 0)
		desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
	if (found > 0)
		csrf_of(sid, r->csrf);
	err_release(&err);
	return found;
}

/* Login. */

static void login_page(struct desk_req *r, int status, const char *error)
{
	char nonce[TOKEN_LEN + 1], csrf[DESK_CSRF_HEX];
	struct err err = ERR_INIT;
	struct tmpl_value *root;

	/* A nonce in a cookie, its token in the form: a login from another
	 * site's page carries neither (SameSite=Strict). */
	if (token_new(nonce, &err) < 0) {
		desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
		err_release(&err);
		desk_message(r, 500, "Something went wrong",
		             "Something went wrong on our side: try again.");
		return;
	}
	csrf_of(nonce, csrf);
	root = desk_page(r, error ? "Error: log in to the desk"
	                          : "Log in to the desk");
	tmpl_map_str(r->data, root, "login_csrf", csrf);
	tmpl_map_str(r->data, root, "error", error);
	tmpl_map_str(r->data, root, "name", desk_field(r, "name"));
	desk_render(r, status, "desk/login.html");
	set_cookie(r, "-login", nonce, 3600);
}

/* One message for every failure: it says nothing of which it was. */
static const char login_failed[] =
        "The name or the password is not right, or the account is locked "
        "for a while after too many attempts. Check them and try again "
        "in a minute, or ask an admin to set a new password.";

/* A new session for user: the cookie, the event, off to the issues. */
static void begin_session(struct desk_req *r, const struct store_desk_user *u)
{
	char sid[SID_LEN + 1], hash[STORE_DESK_HASH_HEX];
	struct err err = ERR_INIT;
	int64_t now = (int64_t)time(NULL);

	/* A new id whatever the browser sent: a planted one never logs in. */
	if (new_sid(sid, &err) == 0)
		sid_hash(sid, hash);
	if (err.set ||
	    store_desk_session_add(r->st, hash, u->name, now, &err) < 0 ||
	    store_desk_login_ok(r->st, u->name, r->ex->req.client, &err) < 0) {
		desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
		desk_message(r, 500, "Something went wrong",
		             "Something went wrong on our side: try again.");
	} else {
		desk_say(r->d, "bulletin: desk: %s logged in from %s", u->name,
		         r->ex->req.client);
		set_cookie(r, "", sid, r->d->cfg->desk_session_hours * 3600);
		desk_redirect(r, "/desk/");
	}
	explicit_bzero(sid, sizeof(sid));
	err_release(&err);
}

/* A failed attempt: counted (the lock grows), logged, the one message. */
static void login_refused(struct desk_req *r, const struct store_desk_user *u,
                          int found, int locked_now)
{
	struct err err = ERR_INIT;
	int locked = 0;

	if (found && !locked_now &&
	    store_desk_login_failed(r->st, u->name, (int64_t)time(NULL),
	                            r->ex->req.client, &locked, &err) < 0)
		desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
	/* Known or not, the same write: the answer takes as long. */
	if (store_desk_event(r->st, found ? u->name : "-", "login-failed",
	                     found ? u->name : "", r->ex->req.client, &err) < 0)
		desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
	if (locked)
		desk_say(r->d, "bulletin: desk: %s locked after failed logins",
		         u->name);
	err_release(&err);
	login_page(r, 200, login_failed);
}

static void login_post(struct desk_req *r)
{
	struct store_desk_user u;
	struct err err = ERR_INIT;
	char nonce[TOKEN_LEN + 1], csrf[DESK_CSRF_HEX];
	const char *name = desk_field(r, "name");
	struct buf cookie = BUF_INIT;
	long wait;
	int found, ok, locked;

	/* The nonce's cookie is the session's name and "-login". */
	buf_addf(&cookie, "%s-login", r->d->cookie_name);
	if (!cookie_value(r->ex->req.cookie, cookie.data, nonce, sizeof(nonce)))
		nonce[0] = '\0';
	buf_release(&cookie);
	csrf_of(nonce, csrf);
	if (!nonce[0] || !csrf_ok(csrf, desk_field(r, "csrf"))) {
		desk_message(r, 403, "The form has expired",
		             "The login form has expired: open the desk's "
		             "login page again and log in from there.");
		return;
	}
	if (!ratelimit_take(r->d->logins, r->ex->req.client, ratelimit_now(),
	                    &wait)) {
		desk_message(r, 429, "Too many attempts",
		             "There have been too many attempts to log in from "
		             "your address: wait a few minutes, then try "
		             "again.");
		r->ex->resp.retry_after = wait;
		return;
	}
	found = store_desk_bad_name(name)
	                ? 0
	                : store_desk_user_find(r->st, name, &u, &err);
	if (found <= 0)
		memset(&u, 0, sizeof(u));
	if (found < 0)
		desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
	/* The same Argon2id work for a name nobody has (u.phc NULL). */
	ok = password_verify(found > 0 ? u.phc : NULL,
	                     desk_field(r, "password"));
	locked = found > 0 && u.locked_until > (int64_t)time(NULL);
	if (found > 0 && ok && !locked)
		begin_session(r, &u);
	else
		login_refused(r, &u, found > 0, locked);
	store_desk_user_release(&u);
	err_release(&err);
}

static void logout(struct desk_req *r, const char *arg)
{
	struct err err = ERR_INIT;

	(void)arg;
	desk_event(r, "logout", r->user.name, NULL);
	if (store_desk_session_end(r->st, r->sid_hash, &err) < 0)
		desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
	err_release(&err);
	set_cookie(r, "", "", 0);
	desk_redirect(r, "/desk/login");
}

/* The router. */

struct route {
	enum http_method method;
	const char *pattern; /* '*': one path segment */
	enum role_action needs;
	void (*fn)(struct desk_req *r, const char *arg);
};

static const struct route routes[] = {
        {HTTP_GET, "/desk/", ROLE_READ, desk_issues_page},
        {HTTP_POST, "/desk/new", ROLE_COMPILE, desk_new_issue},
        {HTTP_POST, "/desk/logout", ROLE_READ, logout},
        {HTTP_GET, "/desk/issues/*", ROLE_READ, desk_issue_page},
        {HTTP_GET, "/desk/issues/*/preview", ROLE_READ, desk_preview},
        {HTTP_GET, "/desk/issues/*/text", ROLE_READ, desk_preview_text},
        {HTTP_GET, "/desk/issues/*/files/*", ROLE_READ, desk_issue_file},
        {HTTP_POST, "/desk/issues/*/compile", ROLE_COMPILE, desk_compile},
        {HTTP_POST, "/desk/issues/*/test", ROLE_TEST_SEND, desk_test_send},
        {HTTP_POST, "/desk/issues/*/approve", ROLE_APPROVE, desk_approve},
        {HTTP_GET, "/desk/issues/*/send", ROLE_SEND, desk_send_confirm},
        {HTTP_POST, "/desk/issues/*/send", ROLE_SEND, desk_send_start},
        {HTTP_GET, "/desk/issues/*/progress", ROLE_READ, desk_send_progress},
        {HTTP_POST, "/desk/issues/*/publish", ROLE_PUBLISH, desk_publish},
        {HTTP_POST, "/desk/issues/*/unpublish", ROLE_PUBLISH, desk_unpublish},
        {HTTP_GET, "/desk/subscribers", ROLE_READ, desk_subscribers_page},
        {HTTP_POST, "/desk/subscribers/add", ROLE_SUBSCRIBERS,
         desk_subscriber_add},
        {HTTP_POST, "/desk/subscribers/import", ROLE_IMPORT,
         desk_import_upload},
        {HTTP_POST, "/desk/subscribers/import/confirm", ROLE_IMPORT,
         desk_import_confirm},
        {HTTP_POST, "/desk/subscribers/export", ROLE_EXPORT, desk_export},
        {HTTP_GET, "/desk/subscribers/*", ROLE_READ, desk_subscriber_page},
        {HTTP_POST, "/desk/subscribers/*/erase", ROLE_ERASE, desk_erase},
        {HTTP_POST, "/desk/subscribers/*/status", ROLE_SUBSCRIBERS,
         desk_subscriber_status},
        {HTTP_GET, "/desk/activity", ROLE_READ, desk_activity_page},
        {HTTP_GET, "/desk/partners", ROLE_READ, desk_partners_page},
        {HTTP_POST, "/desk/partners/add", ROLE_PARTNERS, desk_partner_add},
        {HTTP_POST, "/desk/partners/call", ROLE_PARTNERS, desk_partners_call},
        {HTTP_GET, "/desk/partners/*", ROLE_READ, desk_partner_page},
        {HTTP_POST, "/desk/partners/*/contacts", ROLE_PARTNERS,
         desk_partner_contacts},
        {HTTP_POST, "/desk/partners/*/rotate", ROLE_PARTNERS,
         desk_partner_rotate},
};

#define ARG_MAX 256

/*
 * Whether path matches pattern; the first '*' segment goes to args[0],
 * the second to args[1].
 */
static int match(const char *pattern, const char *path, char args[2][ARG_MAX])
{
	int k = 0;

	args[0][0] = args[1][0] = '\0';
	while (*pattern) {
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");

			if (!n || n >= ARG_MAX || k > 1)
				return 0;
			memcpy(args[k], path, n);
			args[k++][n] = '\0';
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return *path == '\0';
}

/* The route for the request: 1 found, 0 none for the path, -1 the path
 * is known but not for this method. */
static int find_route(const struct http_request *q, const struct route **rt,
                      char args[2][ARG_MAX])
{
	enum http_method m = q->method == HTTP_HEAD ? HTTP_GET : q->method;
	int known = 0;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].pattern, q->path, args))
			continue;
		if (routes[i].method == m) {
			*rt = &routes[i];
			return 1;
		}
		known = 1;
	}
	return known ? -1 : 0;
}

/* Reads the POST's form; answers 400 or 415 itself (returns -1). */
static int read_form(struct desk_req *r)
{
	struct err err = ERR_INIT;
	int ret = form_parse(&r->form, r->ex->req.content_type, r->ex->req.body,
	                     r->ex->req.body_len, &err);

	if (ret < 0)
		desk_message(r, ret == FORM_UNSUPPORTED ? 415 : 400,
		             "The form could not be read",
		             "The form was sent in a way the desk cannot read: "
		             "reload the page and try again.");
	err_release(&err);
	return ret < 0 ? -1 : 0;
}

static void needs_role(struct desk_req *r, enum role_action a)
{
	struct buf msg = BUF_INIT;

	/* editor, approver, admin: "an" for each */
	buf_addf(&msg,
	         "This needs an %s (you are an %s): ask one to do it, or an "
	         "admin to change your role. Nothing was changed.",
	         role_name(role_needed(a)), role_name(r->user.role));
	desk_message(r, 403, "Not allowed", msg.data);
	buf_release(&msg);
}

/* A request with a session: the checks every route shares, then it. */
static void routed(struct desk_req *r)
{
	const struct route *rt = NULL;
	char args[2][ARG_MAX];
	int found = find_route(&r->ex->req, &rt, args);

	if (r->ex->req.method == HTTP_POST) {
		if (read_form(r) < 0)
			return;
		if (!csrf_ok(r->csrf, desk_field(r, "csrf"))) {
			desk_message(
			        r, 403, "The form has expired",
			        "The form has expired or did not come from "
			        "the desk: nothing was changed. Go back, "
			        "reload the page and try again.");
			return;
		}
	}
	if (found == 0) {
		desk_message(r, 404, "Page not found",
		             "There is no such page on the desk.");
	} else if (found < 0) {
		desk_message(r, 405, "Method not allowed",
		             "This page cannot be used that way.");
	} else if (!role_may(r->user.role, rt->needs)) {
		needs_role(r, rt->needs);
	} else {
		r->arg2 = args[1];
		rt->fn(r, args[0][0] ? args[0] : NULL);
	}
}

static void css(struct http_exchange *ex)
{
	const struct default_file *f = defaults_find("templates/desk/desk.css");

	if (f)
		buf_add(&ex->resp.body, f->data, f->len);
	ex->resp.content_type = "text/css; charset=utf-8";
	ex->resp.cache_control = "no-cache";
}

int desk_owns(const char *path)
{
	return !strncmp(path, "/desk", 5) && (!path[5] || path[5] == '/');
}

static void without_session(struct desk_req *r)
{
	if (r->ex->req.method == HTTP_GET || r->ex->req.method == HTTP_HEAD)
		desk_redirect(r, "/desk/login");
	else
		desk_message(r, 403, "Log in first",
		             "Your session has ended or you have not logged "
		             "in: nothing was changed. Log in, then try "
		             "again.");
}

static void handle_store(struct desk_req *r)
{
	const char *path = r->ex->req.path;
	int found;

	if (!strcmp(path, "/desk/login")) {
		if (r->ex->req.method != HTTP_POST)
			login_page(r, 200, NULL);
		else if (read_form(r) == 0)
			login_post(r);
		return;
	}
	found = find_session(r);
	if (found < 0)
		desk_message(r, 500, "Something went wrong",
		             "The desk could not read its store: try again in "
		             "a minute.");
	else if (!found)
		without_session(r);
	else
		routed(r);
}

int desk_handle(struct desk *d, struct http_exchange *ex)
{
	struct desk_req r = {.d = d, .ex = ex};
	struct err err = ERR_INIT;

	form_init(&r.form);
	if (!strcmp(ex->req.path, "/desk")) {
		desk_redirect(&r, "/desk/");
	} else if (!strcmp(ex->req.path, "/desk/desk.css")) {
		css(ex);
	} else if (!(r.st = d->opt.store_get(d->opt.ctx, &err))) {
		desk_say(d, "bulletin: desk: %s", err_msg(&err));
		desk_message(&r, 500, "Something went wrong",
		             "The desk could not open its store: try again in "
		             "a minute.");
	} else {
		handle_store(&r);
		d->opt.store_put(d->opt.ctx, r.st);
	}
	store_desk_user_release(&r.user);
	form_release(&r.form);
	if (r.data)
		tmpl_data_free(r.data);
	explicit_bzero(r.csrf, sizeof(r.csrf));
	err_release(&err);
	return HTTP_ANSWER;
}

struct desk *desk_start(const struct desk_options *o, struct err *err)
{
	struct desk *d = xcalloc(1, sizeof(*d));

	d->opt = *o;
	d->cfg = o->cfg;
	d->https = !strncmp(d->cfg->base_url, "https://", 8);
	/* __Host-: only over https, for this host, path /, never shared. */
	d->cookie_name = d->https ? "__Host-desk" : "desk";
	pthread_mutex_init(&d->lock, NULL);
	d->issues = issuecache_new(ISSUECACHE_RACY_NS);
	d->list = issuelist_cache_new(d->issues, d->cfg);
	d->pages = pages_load(d->cfg, page_names, partial_names, err);
	if (!d->pages) {
		desk_stop(d);
		return NULL;
	}
	d->logins = ratelimit_new(LOGINS_PER_CLIENT, LOGIN_PERIOD, LOGIN_KEYS);
	return d;
}

void desk_stop(struct desk *d)
{
	if (!d)
		return;
	desk_sends_stop(d);
	issuelist_cache_free(d->list);
	issuecache_free(d->issues);
	pthread_mutex_destroy(&d->lock);
	pages_free(d->pages);
	ratelimit_free(d->logins);
	free(d);
}
