/*
 * /preferences/TOKEN: a subscriber's own page, linked from every email
 * beside unsubscribe. The GET shows their topics ticked and changes
 * nothing; the POST, whose proof is the token in the path, changes their
 * topics, name or organisation through the writer (store_prefs_set: an
 * event for each change) and answers once it is on disk. The name and
 * organisation held are never shown: whoever an email is forwarded to
 * holds the link too.
 */
#include <stdlib.h>
#include <string.h>

#include "store_prefs.h"
#include "web_impl.h"
#include "banned.h"

/* What the form asked, and what is wrong with it. */
struct prefs_form {
	int64_t topics;
	const char *name_error, *organisation_error, *topics_error;
	int saved;
};

static void prefs_page(struct web *w, struct http_exchange *ex, int status,
                       const char *token, const char *email,
                       const struct prefs_form *pf)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *errors = tmpl_list(d), *root;
	int has_errors =
	        pf->name_error || pf->organisation_error || pf->topics_error;
	char *masked = web_mask_address(email);

	root = web_page_data(w, d,
	                     has_errors ? "Error: choose what you receive"
	                                : "Choose what you receive");
	tmpl_map_str(d, root, "masked_email", masked);
	tmpl_map_str(d, root, "token", token);
	web_field_error(d, root, errors, "topics", web_topics_id(w),
	                pf->topics_error);
	web_field_error(d, root, errors, "name", NULL, pf->name_error);
	web_field_error(d, root, errors, "organisation", NULL,
	                pf->organisation_error);
	tmpl_map_set(root, "errors", errors);
	tmpl_map_bool(d, root, "has_errors", has_errors);
	tmpl_map_bool(d, root, "saved", pf->saved);
	web_topics_data(w, d, root, pf->topics);
	web_render(w, ex, status, "web/preferences.html", root);
	tmpl_data_free(d);
	free(masked);
}

static void forbidden(struct web *w, struct http_exchange *ex)
{
	web_error_page(w, ex, 403, "This link does not work",
	               "This page needs the whole link from one of our "
	               "emails. Open the link in the latest email you "
	               "received from us.");
}

static int run_prefs(struct store *st, struct writer_job *job, struct err *err)
{
	struct pending *p = (struct pending *)job;
	struct buf words = BUF_INIT;
	struct store_prefs sp = {
	        .topics = p->topics,
	        .name = p->forget     ? ""
	                : p->name.len ? p->name.data
	                              : NULL,
	        .organisation = p->forget             ? ""
	                        : p->organisation.len ? p->organisation.data
	                                              : NULL,
	        .source = "web",
	        .detail = "preferences page",
	};
	int r;

	store_topics_keys(&p->w->topics, p->topics, ", ", &words);
	sp.topics_words = words.data;
	r = store_prefs_set(st, p->token, &sp, NULL, err);
	buf_release(&words);
	p->found = r == 1;
	store_subscriber_release(&p->sub);
	if (r == 1)
		r = store_find_token(st, p->token, &p->sub, err);
	return r < 0 ? -1 : 0;
}

static void done_prefs(struct writer_job *job, int ret, const struct err *err)
{
	struct pending *p = (struct pending *)job;
	struct web *w = p->w;

	if (ret < 0) {
		web_say(w, "bulletin: saving preferences failed: %s",
		        err_msg(err));
		web_server_error(w, p->ex);
	} else if (!p->found) {
		/* unknown, or left since: no proof of a subscriber here */
		forbidden(w, p->ex);
	} else {
		struct prefs_form pf = {.topics = p->sub.topics, .saved = 1};

		prefs_page(w, p->ex, 200, p->token, p->sub.email, &pf);
	}
	web_answer(p);
}

/* Checks the form; the page again with its errors when it is wrong. */
static int check_prefs(struct web *w, const struct form *f,
                       struct prefs_form *pf)
{
	const char *name = form_get(f, "name"),
	           *org = form_get(f, "organisation");

	pf->topics = web_form_topics(w, f);
	if (w->topics.n && !pf->topics)
		pf->topics_error = "Choose at least one topic, or unsubscribe "
		                   "below to receive nothing";
	web_check_details(name ? name : "", org ? org : "", &pf->name_error,
	                  &pf->organisation_error);
	return pf->topics_error || pf->name_error || pf->organisation_error ? -1
	                                                                    : 0;
}

/* The page again, with what is wrong; only for a token that is known. */
static void prefs_errors(struct web *w, struct http_exchange *ex,
                         const char *token, const struct prefs_form *pf)
{
	struct store_subscriber s = {0};
	int r = web_find_token(w, token, &s, NULL);

	if (r < 0)
		web_server_error(w, ex);
	else if (r == 0 || store_status_suppressed(s.status))
		forbidden(w, ex);
	else
		prefs_page(w, ex, 400, token, s.email, pf);
	store_subscriber_release(&s);
}

static int prefs_post(struct web *w, struct http_exchange *ex,
                      const char *token)
{
	struct prefs_form pf = {0};
	struct pending *p;
	struct form f;
	const char *v;

	form_init(&f);
	if (!web_got_form(w, ex, &f)) {
		form_release(&f);
		return HTTP_ANSWER;
	}
	if (check_prefs(w, &f, &pf) < 0) {
		prefs_errors(w, ex, token, &pf);
		form_release(&f);
		return HTTP_ANSWER;
	}
	p = web_token_job(w, ex, P_PREFERENCES, token);
	p->topics = pf.topics;
	buf_adds(&p->name, (v = form_get(&f, "name")) ? v : "");
	buf_adds(&p->organisation, (v = form_get(&f, "organisation")) ? v : "");
	p->forget = (v = form_get(&f, "forget")) && !strcmp(v, "yes");
	form_release(&f);
	p->job.run = run_prefs;
	p->job.done = done_prefs;
	return web_defer(w, p);
}

int web_preferences_route(struct web *w, struct http_exchange *ex,
                          const char *token)
{
	struct store_subscriber s = {0};

	if (ex->req.method == HTTP_POST) {
		/* A change needs the proof: a token that is one. */
		if (!web_token_shaped(token)) {
			forbidden(w, ex);
			return HTTP_ANSWER;
		}
		return prefs_post(w, ex, token);
	}
	if (!web_token_shaped(token)) {
		web_not_found(w, ex);
		return HTTP_ANSWER;
	}
	if (!web_token_page_lookup(w, ex, token, &s, NULL))
		return HTTP_ANSWER;
	if (store_status_suppressed(s.status)) {
		web_suppressed_page(w, ex);
	} else {
		struct prefs_form pf = {.topics = s.topics};

		prefs_page(w, ex, 200, token, s.email, &pf);
	}
	store_subscriber_release(&s);
	return HTTP_ANSWER;
}
