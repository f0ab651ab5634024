/*
 * Full sends from the desk: campaign_send on a thread of the server
 * process, with its own store connection, under the same lock as
 * `bulletin send` (taken inside campaign_send); its progress kept here
 * for the page that refreshes itself; the status read from the journal.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campaign.h"
#include "desk_impl.h"
#include "lifecycle.h"
#include "site.h"
#include "store_send.h"
#include "store_site.h"
#include "banned.h"

#define FAILURES_SHOWN 500 /* rows of failures on the status page */

struct desk_send {
	struct desk_send *next;
	struct desk *d;
	char *id, *who;
	pthread_t thread;
	struct campaign_issue ci;
	/* Under d->lock: */
	struct campaign_progress p;
	int finished, outcome;
	struct buf why; /* a pause or a stop, or the error */
	volatile sig_atomic_t stop;
};

static void progress(void *ctx, const struct campaign_progress *p)
{
	struct desk_send *s = ctx;

	pthread_mutex_lock(&s->d->lock);
	s->p = *p;
	pthread_mutex_unlock(&s->d->lock);
}

/* Every recipient settled, none deferred: the issue goes public. */
static void publish_sent(struct desk_send *s, struct store *st, struct buf *why)
{
	struct site_report rep;
	struct err err = ERR_INIT;

	memset(&rep, 0, sizeof(rep));
	if (store_site_publish(st, s->id, s->who, &err) < 0 ||
	    site_build(s->d->cfg, st, time(NULL), &rep, &err) < 0)
		buf_addf(why, "sent, but the public site was not rebuilt: %s",
		         err_msg(&err));
	site_report_release(&rep);
	err_release(&err);
}

static void *run_send(void *arg)
{
	struct desk_send *s = arg;
	struct campaign_opts o = {.smtp_password = s->d->opt.smtp_password,
	                          .who = s->who,
	                          .progress = progress,
	                          .ctx = s,
	                          .stop = &s->stop};
	struct campaign_progress p;
	struct buf why = BUF_INIT, summary = BUF_INIT;
	struct err err = ERR_INIT;
	struct store st;
	struct buf path = BUF_INIT;
	int outcome = -1;

	memset(&p, 0, sizeof(p));
	config_path(s->d->cfg, &path, "%s", s->d->cfg->store);
	if (store_open(&st, path.data, &err) == 0) {
		/* -1: it could not run; else how it ended (p.outcome). */
		outcome = campaign_send(s->d->cfg, &st, &s->ci, &o, &p, &why,
		                        &err) < 0
		                  ? -1
		                  : (int)p.outcome;
		if (outcome == CAMPAIGN_DONE && !p.deferred &&
		    (p.total || p.uncertain))
			publish_sent(s, &st, &why);
		buf_addf(&summary, "%ld sent, %ld failed, %ld deferred of %ld",
		         p.sent, p.failed, p.deferred, p.total);
		if (outcome < 0)
			buf_addf(&summary, ": %s", err_msg(&err));
		store_desk_event(&st, s->who, "send-ended", s->id, summary.data,
		                 &err);
		store_close(&st);
	}
	if (outcome < 0 && !why.len)
		buf_adds(&why, err_msg(&err));
	pthread_mutex_lock(&s->d->lock);
	s->p = p;
	s->outcome = outcome;
	buf_add(&s->why, why.data, why.len);
	s->finished = 1;
	pthread_mutex_unlock(&s->d->lock);
	desk_say(s->d, "bulletin: desk: send of %s by %s ended: %s", s->id,
	         s->who, summary.len ? summary.data : why.data);
	buf_release(&why);
	buf_release(&summary);
	buf_release(&path);
	err_release(&err);
	return NULL;
}

static void send_free(struct desk_send *s)
{
	pthread_join(s->thread, NULL);
	campaign_issue_release(&s->ci);
	buf_release(&s->why);
	free(s->id);
	free(s->who);
	free(s);
}

/* The desk's send of id, under d->lock (NULL: none since the start). */
static struct desk_send *find_send(struct desk *d, const char *id)
{
	for (struct desk_send *s = d->sends; s; s = s->next)
		if (!strcmp(s->id, id))
			return s;
	return NULL;
}

void desk_sends_stop(struct desk *d)
{
	struct desk_send *s, *next;

	pthread_mutex_lock(&d->lock);
	for (s = d->sends; s; s = s->next)
		s->stop = 1;
	s = d->sends;
	d->sends = NULL;
	pthread_mutex_unlock(&d->lock);
	for (; s; s = next) {
		next = s->next;
		send_free(s);
	}
}

/* Whether issue id may be sent now: 0, or -1 after answering why not. */
static int may_send(struct desk_req *r, const char *id)
{
	struct buf who = BUF_INIT, msg = BUF_INIT;
	struct err err = ERR_INIT;
	int running = store_send_running(r->st, id, &who, &err), ret = -1;

	if (running > 0) {
		buf_addf(&msg,
		         "Another send of %s is running (%s); one send of an "
		         "issue runs at a time: wait for it to finish.",
		         id, who.data);
		desk_message(r, 409, "A send is running", msg.data);
	} else if (running < 0 ||
	           lifecycle_check_build(r->d->cfg, id, "sending", &err) < 0 ||
	           lifecycle_check_send(r->d->cfg, r->st, id, &err) < 0) {
		desk_message(r, 409, "Not ready to send", err_msg(&err));
	} else {
		ret = 0;
	}
	buf_release(&who);
	buf_release(&msg);
	err_release(&err);
	return ret;
}

static void add_count(struct desk_req *r, struct tmpl_value *m, const char *k,
                      long n)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld", n);
	tmpl_map_set(m, k, tmpl_number(r->data, text));
}

void desk_send_confirm(struct desk_req *r, const char *id)
{
	long counts[STORE_NSTATUS], erased;
	struct err err = ERR_INIT;
	struct tmpl_value *root;
	struct buf title = BUF_INIT;

	if (!id || may_send(r, id) < 0)
		return;
	if (store_counts(r->st, counts, &erased, &err) < 0) {
		desk_message(r, 500, "Something went wrong", err_msg(&err));
		err_release(&err);
		return;
	}
	buf_addf(&title, "Send issue %s", id);
	root = desk_page(r, title.data);
	tmpl_map_str(r->data, root, "id", id);
	add_count(r, root, "recipients", counts[STORE_ACTIVE]);
	tmpl_map_bool(r->data, root, "one", counts[STORE_ACTIVE] == 1);
	desk_render(r, 200, "desk/send.html");
	buf_release(&title);
}

/* A new send of id by the user, on its thread. 0, or -1 (answered). */
static int start(struct desk_req *r, const char *id)
{
	struct desk_send *s = xcalloc(1, sizeof(*s)), **pp;
	struct buf who = BUF_INIT;
	struct err err = ERR_INIT;

	if (campaign_issue_load(&s->ci, r->d->cfg, id, &err) < 0) {
		desk_message(r, 409, "Not ready to send", err_msg(&err));
		err_release(&err);
		free(s);
		return -1;
	}
	s->d = r->d;
	s->id = xstrdup(id);
	buf_addf(&who, "%s (desk)", r->user.name);
	s->who = buf_detach(&who);
	buf_init(&s->why);
	pthread_mutex_lock(&r->d->lock);
	/* A finished send of the same issue gives way to this one. */
	for (pp = &r->d->sends; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->id, id)) {
			struct desk_send *old = *pp;

			*pp = old->next;
			send_free(old); /* finished: joins at once */
			break;
		}
	}
	s->next = r->d->sends;
	r->d->sends = s;
	if (pthread_create(&s->thread, NULL, run_send, s) != 0)
		abort();
	pthread_mutex_unlock(&r->d->lock);
	return 0;
}

void desk_send_start(struct desk_req *r, const char *id)
{
	struct desk_send *s;
	int running;

	if (!id || may_send(r, id) < 0)
		return;
	pthread_mutex_lock(&r->d->lock);
	s = find_send(r->d, id);
	running = s && !s->finished;
	pthread_mutex_unlock(&r->d->lock);
	if (!running && start(r, id) < 0)
		return;
	if (!running)
		desk_event(r, "send", id, NULL);
	desk_redirect(r, "/desk/issues/%s/progress", id);
}

/* The status. */

struct failures {
	struct desk_req *r;
	struct tmpl_value *list;
	size_t n;
};

static int add_failure(const struct store_journal_row *row, void *ctx)
{
	struct failures *f = ctx;
	struct tmpl_value *m;

	if (f->n++ >= FAILURES_SHOWN)
		return 0;
	m = tmpl_map(f->r->data);
	tmpl_map_str(f->r->data, m, "email", row->email);
	tmpl_map_str(f->r->data, m, "state", store_send_state_name(row->state));
	tmpl_map_str(f->r->data, m, "reply", row->reply);
	tmpl_list_add(f->list, m);
	return 0;
}

/* The journal's counts and every failure; 0, or -1 with err. */
static int journal_status(struct desk_req *r, struct tmpl_value *root,
                          const char *id, struct err *err)
{
	struct store_campaign c;
	long counts[SEND_NSTATES];
	struct failures f = {r, tmpl_list(r->data), 0};
	int found = store_campaign_find(r->st, id, &c, err);

	if (found <= 0)
		return found;
	tmpl_map_bool(r->data, root, "has_campaign", 1);
	tmpl_map_bool(r->data, root, "campaign_finished", c.finished != 0);
	if (store_journal_counts(r->st, c.id, counts, err) < 0 ||
	    store_journal_each(r->st, c.id, SEND_FAILED, add_failure, &f, err) <
	            0 ||
	    store_journal_each(r->st, c.id, SEND_DEFERRED, add_failure, &f,
	                       err) < 0 ||
	    store_journal_each(r->st, c.id, SEND_UNCERTAIN, add_failure, &f,
	                       err) < 0) {
		store_campaign_release(&c);
		return -1;
	}
	for (int i = 0; i < SEND_NSTATES; i++)
		add_count(r, root, store_send_state_name((enum send_state)i),
		          counts[i]);
	tmpl_map_set(root, "failures", f.list);
	tmpl_map_bool(r->data, root, "has_failures", f.n > 0);
	store_campaign_release(&c);
	return 0;
}

/* The desk's own run: its live figures; whether it is still going. */
static int live(struct desk_req *r, struct tmpl_value *root, const char *id)
{
	struct desk_send *s;
	char rate[32];
	int going = 0;

	pthread_mutex_lock(&r->d->lock);
	s = find_send(r->d, id);
	if (s) {
		struct tmpl_value *m = tmpl_map(r->data);

		going = !s->finished;
		add_count(r, m, "total", s->p.total);
		add_count(r, m, "done", s->p.done);
		add_count(r, m, "sent", s->p.sent);
		add_count(r, m, "failed", s->p.failed);
		add_count(r, m, "deferred", s->p.deferred);
		snprintf(rate, sizeof(rate), "%.0f",
		         s->p.elapsed > 0 ? (double)s->p.done / s->p.elapsed
		                          : 0.0);
		tmpl_map_str(r->data, m, "rate", rate);
		tmpl_map_str(r->data, m, "who", s->who);
		tmpl_map_bool(r->data, m, "going", going);
		tmpl_map_str(r->data, m, "why", s->why.data);
		tmpl_map_bool(r->data, m, "done_ok",
		              s->finished && s->outcome == CAMPAIGN_DONE);
		tmpl_map_set(root, "run", m);
	}
	pthread_mutex_unlock(&r->d->lock);
	return going;
}

void desk_send_progress(struct desk_req *r, const char *id)
{
	struct buf title = BUF_INIT, who = BUF_INIT;
	struct err err = ERR_INIT;
	struct tmpl_value *root;
	int going, elsewhere;

	if (!id)
		return;
	buf_addf(&title, "Sending issue %s", id);
	root = desk_page(r, title.data);
	tmpl_map_str(r->data, root, "id", id);
	going = live(r, root, id);
	elsewhere = !going && store_send_running(r->st, id, &who, &err) > 0;
	tmpl_map_str(r->data, root, "elsewhere", elsewhere ? who.data : NULL);
	/* A page that refreshes itself while the send runs: no script. */
	tmpl_map_bool(r->data, root, "refresh", going || elsewhere);
	/* The journal's status once the desk's own run has ended: while it
	 * runs, its live figures say the same without reading the journal
	 * (a page that refreshes itself must not slow the send it shows). */
	if (!going && journal_status(r, root, id, &err) < 0)
		desk_message(r, 500, "Something went wrong", err_msg(&err));
	else
		desk_render(r, 200, "desk/progress.html");
	buf_release(&title);
	buf_release(&who);
	err_release(&err);
}
