/*
 * The desk's subscribers (counts, a chart by month drawn here as SVG,
 * search, one subscriber's history, add, unsubscribe, resubscribe) and
 * its activity log. Changes go through the store's own rules
 * (store_subscribe, store_set_status, store_resubscribe).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desk_impl.h"
#include "http.h"
#include "issuelist.h"
#include "banned.h"

#define SEARCH_MAX   50 /* subscribers a search lists */
#define CHART_MONTHS 12
#define EVENTS_SHOWN 200 /* activity rows on a page */
#define REASON_MAX   200

static void add_num(struct desk_req *r, struct tmpl_value *m, const char *k,
                    long long n)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", n);
	tmpl_map_set(m, k, tmpl_number(r->data, text));
}

static void add_when(struct desk_req *r, struct tmpl_value *m, const char *k,
                     long long t)
{
	struct buf b = BUF_INIT;

	issuelist_when(t, &b);
	tmpl_map_str(r->data, m, k, b.data);
	buf_release(&b);
}

/* The chart: joined (up) and left (down) bars per month, with text. */
static void chart_svg(const struct store_desk_month *v, int n, struct buf *out)
{
	long top = 1;
	const int w = 40, h = 100, pad = 20;

	for (int i = 0; i < n; i++) {
		if (v[i].joined > top)
			top = v[i].joined;
		if (v[i].left > top)
			top = v[i].left;
	}
	buf_addf(out,
	         "<svg role=\"img\" aria-labelledby=\"chart-title\" "
	         "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">"
	         "<title id=\"chart-title\">Sign-ups (green, up) and "
	         "departures (red, down) by month</title>",
	         n * w + pad, 2 * h + 2 * pad, n * w + pad, 2 * h + 2 * pad);
	buf_addf(out,
	         "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	         "stroke=\"#0b0c0c\"/>",
	         h + pad, n * w + pad, h + pad);
	for (int i = 0; i < n; i++) {
		long up = v[i].joined * h / top, down = v[i].left * h / top;
		int x = pad / 2 + i * w;

		buf_addf(
		        out,
		        "<rect x=\"%d\" y=\"%ld\" width=\"%d\" height=\"%ld\" "
		        "fill=\"#00703c\"><title>%s: %ld joined</title></rect>",
		        x + 4, h + pad - up, w - 8, up, v[i].month,
		        v[i].joined);
		buf_addf(out,
		         "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%ld\" "
		         "fill=\"#d4351c\"><title>%s: %ld left</title></rect>",
		         x + 4, h + pad, w - 8, down, v[i].month, v[i].left);
		buf_addf(out,
		         "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
		         "text-anchor=\"middle\" fill=\"#0b0c0c\">%s</text>",
		         x + w / 2, 2 * h + 2 * pad - 4, v[i].month + 5);
	}
	buf_adds(out, "</svg>");
}

static int overview(struct desk_req *r, struct tmpl_value *root,
                    struct err *err)
{
	long counts[STORE_NSTATUS], erased;
	struct store_desk_month *months;
	struct tmpl_value *list = tmpl_list(r->data);
	struct buf svg = BUF_INIT;

	if (store_counts(r->st, counts, &erased, err) < 0 ||
	    store_desk_months(r->st, (int64_t)time(NULL), CHART_MONTHS, &months,
	                      err) < 0)
		return -1;
	for (int i = 0; i < STORE_NSTATUS; i++)
		add_num(r, root, store_status_name((enum store_status)i),
		        counts[i]);
	add_num(r, root, "erased", erased);
	chart_svg(months, CHART_MONTHS, &svg);
	tmpl_map_str(r->data, root, "chart", svg.data);
	for (int i = 0; i < CHART_MONTHS; i++) {
		struct tmpl_value *m = tmpl_map(r->data);

		tmpl_map_str(r->data, m, "month", months[i].month);
		add_num(r, m, "joined", months[i].joined);
		add_num(r, m, "left", months[i].left);
		tmpl_list_add(list, m);
	}
	tmpl_map_set(root, "months", list);
	free(months);
	buf_release(&svg);
	return 0;
}

static void person_map(struct desk_req *r, struct tmpl_value *m,
                       const struct store_desk_person *p)
{
	add_num(r, m, "id", p->id);
	tmpl_map_str(r->data, m, "email", p->email);
	tmpl_map_str(r->data, m, "name", p->name);
	tmpl_map_str(r->data, m, "organisation", p->organisation);
	tmpl_map_str(r->data, m, "status", p->status);
	add_when(r, m, "joined", p->created);
}

static int search(struct desk_req *r, struct tmpl_value *root, const char *q,
                  struct err *err)
{
	struct store_desk_person *v;
	struct tmpl_value *list = tmpl_list(r->data);
	size_t n;

	if (store_desk_search(r->st, q, SEARCH_MAX, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_value *m = tmpl_map(r->data);

		person_map(r, m, &v[i]);
		tmpl_list_add(list, m);
		store_desk_person_release(&v[i]);
	}
	free(v);
	tmpl_map_set(root, "found", list);
	tmpl_map_bool(r->data, root, "searched", 1);
	tmpl_map_bool(r->data, root, "none_found", n == 0);
	return 0;
}

static void subscribers(struct desk_req *r, int status, const char *notice,
                        const char *error)
{
	const char *q = http_query(r->ex, "q");
	struct tmpl_value *root =
	        desk_page(r, error ? "Error: subscribers" : "Subscribers");
	struct err err = ERR_INIT;
	int ret;

	tmpl_map_str(r->data, root, "notice", notice);
	tmpl_map_str(r->data, root, "error", error);
	tmpl_map_str(r->data, root, "q", q ? q : "");
	/* A search lists; without one, the counts and the chart. */
	ret = q && *q ? search(r, root, q, &err) : overview(r, root, &err);
	if (ret < 0)
		desk_message(r, 500, "Something went wrong", err_msg(&err));
	else
		desk_render(r, status, "desk/subscribers.html");
	err_release(&err);
}

void desk_subscribers_page(struct desk_req *r, const char *arg)
{
	(void)arg;
	subscribers(r, 200, NULL, NULL);
}

/* One subscriber. */

struct history {
	struct desk_req *r;
	struct tmpl_value *list;
};

static int add_event(const struct store_event *ev, void *ctx)
{
	struct history *h = ctx;
	struct tmpl_value *m = tmpl_map(h->r->data);

	add_when(h->r, m, "at", ev->at);
	tmpl_map_str(
	        h->r->data, m, "from",
	        ev->old_status < 0
	                ? ""
	                : store_status_name((enum store_status)ev->old_status));
	tmpl_map_str(h->r->data, m, "to", store_status_name(ev->new_status));
	tmpl_map_str(h->r->data, m, "source", ev->source);
	tmpl_map_str(h->r->data, m, "detail", ev->detail);
	tmpl_list_add(h->list, m);
	return 0;
}

static int64_t subscriber_id(const char *arg)
{
	char *end;
	long long id;

	if (!arg || !*arg || strspn(arg, "0123456789") != strlen(arg) ||
	    strlen(arg) > 15)
		return 0;
	id = strtoll(arg, &end, 10);
	return (int64_t)id;
}

static void subscriber(struct desk_req *r, const char *arg, int status,
                       const char *notice, const char *error)
{
	struct store_desk_person p;
	struct err err = ERR_INIT;
	struct history h = {r, NULL};
	struct tmpl_value *root, *m;
	int found = store_desk_person(r->st, subscriber_id(arg), &p, &err);

	if (found <= 0) {
		desk_message(r, found < 0 ? 500 : 404,
		             found < 0 ? "Something went wrong"
		                       : "No such subscriber",
		             found < 0 ? err_msg(&err)
		                       : "There is no such subscriber: search "
		                         "for them on the subscribers page.");
		err_release(&err);
		return;
	}
	root = desk_page(r, error ? "Error: a subscriber" : "A subscriber");
	m = tmpl_map(r->data);
	person_map(r, m, &p);
	tmpl_map_bool(r->data, m, "active",
	              !strcmp(p.status, "active") ||
	                      !strcmp(p.status, "pending"));
	tmpl_map_set(root, "person", m);
	tmpl_map_str(r->data, root, "notice", notice);
	tmpl_map_str(r->data, root, "error", error);
	h.list = tmpl_list(r->data);
	if (store_each_event(r->st, p.id, add_event, &h, &err) < 0)
		desk_message(r, 500, "Something went wrong", err_msg(&err));
	else {
		tmpl_map_set(root, "events", h.list);
		desk_render(r, status, "desk/subscriber.html");
	}
	store_desk_person_release(&p);
	err_release(&err);
}

void desk_subscriber_page(struct desk_req *r, const char *arg)
{
	subscriber(r, arg, 200, NULL, NULL);
}

/* A reason: required, one line, short. NULL, or what is wrong. */
static const char *bad_reason(const char *s)
{
	if (!*s)
		return "Reason: say why (e.g. \"asked by phone on 3 "
		       "December\")";
	if (strlen(s) > REASON_MAX)
		return "Reason: keep it under 200 characters";
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			return "Reason: write it on one line";
	return NULL;
}

void desk_subscriber_add(struct desk_req *r, const char *arg)
{
	const char *reason = desk_field(r, "reason"), *bad = bad_reason(reason);
	struct buf detail = BUF_INIT;
	struct err err = ERR_INIT;
	struct store_signup su = {.email = desk_field(r, "email"),
	                          .name = desk_field(r, "name"),
	                          .source = "cli",
	                          .status = STORE_ACTIVE};
	enum store_outcome outcome;
	int64_t id = 0;

	(void)arg;
	buf_addf(&detail, "added at the desk by %s: %s", r->user.name, reason);
	su.detail = detail.data;
	su.consent_text = detail.data;
	su.consent_at = (int64_t)time(NULL);
	if (bad)
		subscribers(r, 400, NULL, bad);
	else if (store_subscribe(r->st, &su, &outcome, &id, &err) < 0)
		subscribers(r, 400, NULL, err_msg(&err));
	else if (outcome == STORE_SUPPRESSED || outcome == STORE_ERASED)
		subscribers(r, 409, NULL,
		            "That address left the list (or asked to be "
		            "erased): only resubscribing, with their own "
		            "request as the reason, brings them back.");
	else {
		desk_event(r, "subscriber-add", su.email, reason);
		buf_reset(&detail);
		buf_addf(&detail, "%lld", (long long)id);
		desk_redirect(r, "/desk/subscribers/%s", detail.data);
	}
	buf_release(&detail);
	err_release(&err);
}

void desk_subscriber_status(struct desk_req *r, const char *arg)
{
	const char *action = desk_field(r, "action"),
	           *reason = desk_field(r, "reason"), *bad = bad_reason(reason);
	struct store_desk_person p;
	struct buf detail = BUF_INIT;
	struct err err = ERR_INIT;
	int found = store_desk_person(r->st, subscriber_id(arg), &p, &err), ok;

	if (found <= 0) {
		subscriber(r, arg, 404, NULL, NULL);
		err_release(&err);
		return;
	}
	buf_addf(&detail, "at the desk by %s: %s", r->user.name, reason);
	if (bad)
		ok = err_set(&err, "%s", bad);
	else if (!strcmp(action, "unsubscribe"))
		ok = store_set_status(r->st, p.id, STORE_UNSUBSCRIBED, "desk",
		                      detail.data, NULL, &err);
	else if (!strcmp(action, "resubscribe"))
		ok = store_resubscribe(r->st, p.email, "desk", detail.data,
		                       NULL, &err);
	else
		ok = err_set(&err, "Choose unsubscribe or resubscribe");
	if (ok > 0) {
		desk_event(r,
		           !strcmp(action, "unsubscribe") ? "unsubscribe"
		                                          : "resubscribe",
		           p.email, reason);
		subscriber(r, arg, 200, "Done.", NULL);
	} else {
		subscriber(r, arg, 400, NULL, err_msg(&err));
	}
	store_desk_person_release(&p);
	buf_release(&detail);
	err_release(&err);
}

/* Activity. */

struct activity {
	struct desk_req *r;
	struct tmpl_value *list;
};

static int add_activity(const struct store_desk_event *e, void *ctx,
                        struct err *err)
{
	struct activity *a = ctx;
	struct tmpl_value *m = tmpl_map(a->r->data);

	(void)err;
	add_when(a->r, m, "at", e->at);
	tmpl_map_str(a->r->data, m, "who", e->who);
	tmpl_map_str(a->r->data, m, "kind", e->kind);
	tmpl_map_str(a->r->data, m, "subject", e->subject);
	tmpl_map_str(a->r->data, m, "detail", e->detail);
	tmpl_list_add(a->list, m);
	return 0;
}

/* A select's options, the chosen one marked. */
static struct tmpl_value *options(struct desk_req *r, char **v, size_t n,
                                  const char *chosen)
{
	struct tmpl_value *list = tmpl_list(r->data);

	for (size_t i = 0; i < n; i++) {
		struct tmpl_value *m = tmpl_map(r->data);

		tmpl_map_str(r->data, m, "value", v[i]);
		tmpl_map_bool(r->data, m, "selected", !strcmp(v[i], chosen));
		tmpl_list_add(list, m);
	}
	return list;
}

static int filters(struct desk_req *r, struct tmpl_value *root,
                   const char *kind, const char *who, struct err *err)
{
	struct store_desk_user *users;
	char **kinds, **names;
	size_t nk, nu;

	if (store_desk_event_kinds(r->st, &kinds, &nk, err) < 0)
		return -1;
	if (store_desk_users(r->st, &users, &nu, err) < 0) {
		for (size_t i = 0; i < nk; i++)
			free(kinds[i]);
		free(kinds);
		return -1;
	}
	names = xcalloc(nu + 1, sizeof(*names));
	for (size_t i = 0; i < nu; i++)
		names[i] = users[i].name;
	tmpl_map_set(root, "kinds", options(r, kinds, nk, kind));
	tmpl_map_set(root, "users", options(r, names, nu, who));
	for (size_t i = 0; i < nk; i++)
		free(kinds[i]);
	free(kinds);
	for (size_t i = 0; i < nu; i++)
		store_desk_user_release(&users[i]);
	free(users);
	free(names);
	return 0;
}

void desk_activity_page(struct desk_req *r, const char *arg)
{
	const char *kind = http_query(r->ex, "kind"),
	           *who = http_query(r->ex, "who");
	struct tmpl_value *root = desk_page(r, "Activity");
	struct activity a = {r, tmpl_list(r->data)};
	struct err err = ERR_INIT;

	(void)arg;
	kind = kind ? kind : "";
	who = who ? who : "";
	if (filters(r, root, kind, who, &err) < 0 ||
	    store_desk_events(r->st, kind, who, 0, EVENTS_SHOWN, add_activity,
	                      &a, &err) < 0) {
		desk_message(r, 500, "Something went wrong", err_msg(&err));
	} else {
		tmpl_map_set(root, "events", a.list);
		desk_render(r, 200, "desk/activity.html");
	}
	err_release(&err);
}
