#include "campaign.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "issue.h"
#include "lifecycle.h"
#include "mime.h"
#include "store_send.h"
#include "token.h"
#include "transport.h"
#include "banned.h"

/* Rows a connection claims at once: at most this many are uncertain per
 * connection after a crash. */
#define CLAIM_BATCH 8
/*
 * A relay that cannot be reached is tried again after a wait that
 * doubles from delivery.retry_delay up to this, and set aside only when
 * it has failed at least RELAY_ROUNDS times over delivery.relay_aside_after
 * seconds without a success in between.
 */
#define RELAY_MAX_WAIT 15.0
#define RELAY_ROUNDS   3
#define MAX_BUILD      (8 << 20)
/* How often a send reports its progress: 4 times a second. */
#define PROGRESS_NS 250000000L

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Loading the compiled issue. */

static int read_build(const struct config *cfg, struct buf *b, const char *id,
                      const char *name, struct err *err)
{
	struct buf p = BUF_INIT;
	int ret = 0;

	config_path(cfg, &p, "issues/%s/build/%s", id, name);
	if (buf_read_file(b, p.data, MAX_BUILD) < 0)
		ret = err_errno(err,
		                "issues/%s/build/%s: cannot read the compiled "
		                "issue (run 'bulletin compile %s' first)",
		                id, name, id);
	buf_release(&p);
	return ret;
}

static char *issue_title(const struct config *cfg, const char *id,
                         struct err *err)
{
	struct diags d = DIAGS_INIT;
	struct issue is;
	char *title = NULL;

	if (issue_load_meta(&is, cfg, id, &d, err) == 0) {
		if (is.title && *is.title)
			title = xstrdup(is.title);
		else
			err_set(err,
			        "issues/%s/issue.yaml: the issue has no "
			        "title",
			        id);
		issue_release(&is);
	}
	diags_release(&d);
	return title;
}

/*
 * With delivery.embed_images, every image the HTML loads from the
 * issue's archive folder travels inside the message instead: its src
 * becomes cid:NAME@DOMAIN and the bytes are encoded once for everyone.
 */
#define SRC_ATTR "src=\""

static int embed_images(struct campaign_issue *ci, const struct config *cfg,
                        struct err *err)
{
	struct buf prefix = BUF_INIT, html = BUF_INIT, path = BUF_INIT,
	           raw = BUF_INIT;
	const char *p = ci->html.data;
	int ret = -1;

	buf_adds(&prefix, SRC_ATTR);
	render_issue_url(cfg, ci->id, &prefix);
	for (;;) {
		const char *hit = strstr(p, prefix.data), *name, *q;
		size_t i;

		if (!hit) {
			buf_adds(&html, p);
			break;
		}
		name = hit + prefix.len;
		q = strchr(name, '"');
		if (!q)
			q = name + strlen(name);
		/* Up to src=", then cid:... in place of the address. */
		buf_add(&html, p,
		        (size_t)(name - p) - (prefix.len - strlen(SRC_ATTR)));
		for (i = 0; i < ci->nimages; i++)
			if (!strncmp(ci->images[i].cid, name,
			             (size_t)(q - name)) &&
			    ci->images[i].cid[q - name] == '@')
				break;
		if (i == ci->nimages) {
			struct campaign_image *im;

			struct issue_image pic;

			/* The same checks as compile's, on the bytes sent: a
			 * picture swapped for a link since is refused. */
			buf_reset(&path);
			buf_addf(&path, "issues/%s", ci->id);
			buf_reset(&raw);
			buf_add(&raw, name, (size_t)(q - name));
			if (issue_image_read(path.data, raw.data, &pic, err) <
			    0) {
				issue_image_release(&pic);
				goto out;
			}
			ci->images = xrealloc(ci->images,
			                      (ci->nimages + 1) *
			                              sizeof(*ci->images));
			im = &ci->images[ci->nimages++];
			buf_reset(&path);
			buf_addf(&path, "%s@%s", raw.data, cfg->from_domain);
			im->cid = buf_detach(&path);
			im->content_type =
			        xstrdup(image_media_type(pic.info.type));
			buf_init(&im->data);
			mime_base64_encode(&im->data, pic.data, pic.len);
			issue_image_release(&pic);
		}
		buf_addf(&html, "cid:%s", ci->images[i].cid);
		p = q;
	}
	buf_release(&ci->html);
	ci->html = html;
	buf_init(&html);
	ret = 0;
out:
	buf_release(&prefix);
	buf_release(&html);
	buf_release(&path);
	buf_release(&raw);
	return ret;
}

static void encode_pieces(const struct render_split *sp, struct campaign_qp *qp)
{
	buf_init(&qp->data);
	qp->end = xcalloc(sp->n ? sp->n : 1, sizeof(*qp->end));
	for (size_t i = 0; i < sp->n; i++) {
		mime_qp_encode(&qp->data, sp->v[i].text, sp->v[i].len,
		               MIME_QP_PIECE);
		qp->end[i] = qp->data.len;
	}
}

static void qp_release(struct campaign_qp *qp)
{
	buf_release(&qp->data);
	free(qp->end);
	qp->end = NULL;
}

static int check_cids(const struct campaign_issue *ci, struct err *err)
{
	struct mime_image *images = xcalloc(ci->nimages + 1, sizeof(*images));
	int ret;

	for (size_t i = 0; i < ci->nimages; i++)
		images[i] = (struct mime_image){
		        .cid = ci->images[i].cid,
		        .content_type = ci->images[i].content_type,
		};
	ret = mime_check_cids(ci->html.data, ci->html.len, images, ci->nimages,
	                      err);
	free(images);
	return ret;
}

int campaign_issue_load(struct campaign_issue *ci, const struct config *cfg,
                        const char *id, struct err *err)
{
	memset(ci, 0, sizeof(*ci));
	buf_init(&ci->html);
	buf_init(&ci->text);
	ci->id = xstrdup(id);
	if (read_build(cfg, &ci->html, id, "email.html", err) < 0 ||
	    read_build(cfg, &ci->text, id, "email.txt", err) < 0)
		goto fail;
	/* What was previewed is what is sent: the build must come from
	 * the inputs as they are now, by content. */
	if (lifecycle_check_build(cfg, id, "sending", err) < 0)
		goto fail;
	ci->subject = issue_title(cfg, id, err);
	if (!ci->subject)
		goto fail;
	if (cfg->embed_images && embed_images(ci, cfg, err) < 0)
		goto fail;
	render_split_init(&ci->html_split, ci->html.data, ci->html.len);
	render_split_init(&ci->text_split, ci->text.data, ci->text.len);
	encode_pieces(&ci->html_split, &ci->html_qp);
	encode_pieces(&ci->text_split, &ci->text_qp);
	/* mime_write checks cid: references only in HTML it encodes. */
	if (check_cids(ci, err) < 0)
		goto fail;
	return 0;
fail:
	campaign_issue_release(ci);
	return -1;
}

void campaign_issue_release(struct campaign_issue *ci)
{
	free(ci->id);
	free(ci->subject);
	buf_release(&ci->html);
	buf_release(&ci->text);
	render_split_release(&ci->html_split);
	render_split_release(&ci->text_split);
	qp_release(&ci->html_qp);
	qp_release(&ci->text_qp);
	for (size_t i = 0; i < ci->nimages; i++) {
		free(ci->images[i].cid);
		free(ci->images[i].content_type);
		buf_release(&ci->images[i].data);
	}
	free(ci->images);
	memset(ci, 0, sizeof(*ci));
}

/* Building one message. */

#define TOKEN_MARK "{token}"

static void fill_token(const char *pattern, const char *token, struct buf *out)
{
	const char *t = strstr(pattern, TOKEN_MARK);

	if (!t) {
		buf_adds(out, pattern);
		return;
	}
	buf_add(out, pattern, (size_t)(t - pattern));
	buf_adds(out, token);
	buf_adds(out, t + strlen(TOKEN_MARK));
}

void campaign_envelope_from(const struct config *cfg, const char *token,
                            struct buf *out)
{
	fill_token(cfg->return_path, token, out);
}

/* Names go into the body and the To header: no control characters. */
static void clean_name(const char *s, struct buf *out)
{
	for (; *s; s++)
		buf_addch(out,
		          (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

/* Per-thread scratch space, reused message after message. */
struct scratch {
	struct buf html, text, name, unsub, mailto, feedback, msg, msgid;
	struct buf field;
};

/* Every buffer starts empty, not NULL: build() reads name.data even when
 * the subscriber has no name and nothing was ever added to it. */
static void scratch_init(struct scratch *s)
{
	buf_init(&s->html);
	buf_init(&s->text);
	buf_init(&s->name);
	buf_init(&s->unsub);
	buf_init(&s->mailto);
	buf_init(&s->feedback);
	buf_init(&s->msg);
	buf_init(&s->msgid);
	buf_init(&s->field);
}

static void scratch_release(struct scratch *s)
{
	buf_release(&s->html);
	buf_release(&s->text);
	buf_release(&s->name);
	buf_release(&s->unsub);
	buf_release(&s->mailto);
	buf_release(&s->feedback);
	buf_release(&s->msg);
	buf_release(&s->msgid);
	buf_release(&s->field);
}

/*
 * A recipient's copy of a body, encoded: the pieces encoded once for
 * everyone, joined by this recipient's values encoded here. Only the
 * values cost anything per message.
 */
static void personalise_qp(const struct render_split *sp,
                           const struct campaign_qp *qp,
                           const struct render_fields *f, int html,
                           struct scratch *s, struct buf *out)
{
	size_t start = 0;

	for (size_t i = 0; i < sp->n; i++) {
		buf_add(out, qp->data.data + start, qp->end[i] - start);
		start = qp->end[i];
		if (sp->v[i].field < 0)
			continue;
		buf_reset(&s->field);
		render_field(f, sp->v[i].field, html, &s->field);
		mime_qp_encode(out, s->field.data, s->field.len, MIME_QP_PIECE);
	}
}

static int build(const struct config *cfg, const struct campaign_issue *ci,
                 const struct campaign_recipient *r, int test,
                 struct scratch *s, struct err *err)
{
	struct mime_image *images = NULL;
	struct buf subject = BUF_INIT;
	char fake[TOKEN_LEN + 1];
	const char *token = r->token;
	struct render_fields f;
	int ret;

	if (!token) {
		/* A test recipient has no token: a random one leads nowhere. */
		if (token_new(fake, err) < 0)
			return -1;
		token = fake;
	}
	buf_reset(&s->html);
	buf_reset(&s->text);
	buf_reset(&s->name);
	buf_reset(&s->unsub);
	buf_reset(&s->mailto);
	buf_reset(&s->feedback);
	buf_reset(&s->msgid);
	clean_name(r->name ? r->name : "", &s->name);
	buf_addf(&s->unsub, "%s/unsubscribe/%s", cfg->base_url, token);
	buf_adds(&s->mailto, "mailto:");
	fill_token(cfg->unsubscribe_mailto, token, &s->mailto);
	buf_adds(&s->mailto, "?subject=unsubscribe");
	f = (struct render_fields){s->name.data, r->email, s->unsub.data};
	personalise_qp(&ci->html_split, &ci->html_qp, &f, 1, s, &s->html);
	personalise_qp(&ci->text_split, &ci->text_qp, &f, 0, s, &s->text);
	/* Feedback-ID (Gmail): campaign:list:kind:sender. */
	buf_addf(&s->feedback, "%s:%s:newsletter:bulletin", ci->id,
	         cfg->list_id);
	if (test)
		buf_adds(&subject, "[TEST] ");
	buf_adds(&subject, ci->subject);
	if (ci->nimages) {
		images = xcalloc(ci->nimages, sizeof(*images));
		for (size_t i = 0; i < ci->nimages; i++)
			images[i] = (struct mime_image){
			        .cid = ci->images[i].cid,
			        .content_type = ci->images[i].content_type,
			        .data = ci->images[i].data.data,
			        .len = ci->images[i].data.len,
			        .encoded = 1,
			};
	}
	struct mime_message m = {
	        .from_name = cfg->from_name,
	        .from_addr = cfg->from_addr,
	        .reply_to = *cfg->reply_to ? cfg->reply_to : NULL,
	        .to_name = s->name.data,
	        .to_addr = r->email,
	        .subject = subject.data,
	        .list_name = cfg->name,
	        .list_id = cfg->list_id,
	        .unsubscribe_url = s->unsub.data,
	        .unsubscribe_mailto = s->mailto.data,
	        .feedback_id = s->feedback.data,
	        .text = {s->text.data, s->text.len, 1},
	        .html = {s->html.data, s->html.len, 1},
	        .images = images,
	        .nimages = ci->nimages,
	};
	ret = mime_write(&s->msg, &m, &s->msgid, err);
	free(images);
	buf_release(&subject);
	return ret;
}

int campaign_build(const struct config *cfg, const struct campaign_issue *ci,
                   const struct campaign_recipient *r, int test,
                   struct buf *out, struct buf *message_id, struct err *err)
{
	struct scratch s;
	int ret;

	scratch_init(&s);
	ret = build(cfg, ci, r, test, &s, err);
	if (!ret) {
		buf_add(out, s.msg.data, s.msg.len);
		if (message_id)
			buf_add(message_id, s.msgid.data, s.msgid.len);
	}
	scratch_release(&s);
	return ret;
}

/* Transports. */

struct transport *campaign_open_relay(const struct config *cfg, size_t i,
                                      const char *password, struct err *err)
{
	struct transport_options o = {
	        .tls = !strcmp(cfg->tls, "none") ? TRANSPORT_TLS_NONE
	                                         : TRANSPORT_TLS_DEFAULT,
	        .ca_file = *cfg->ca_file ? cfg->ca_file : NULL,
	        .username = *cfg->smtp_user ? cfg->smtp_user : NULL,
	        .password = password,
	};

	return transport_open(cfg->transports[i], &o, err);
}

/*
 * Why a run is ending (RUN_GOING while it is not); the first reason
 * wins, but for RUN_FAILED, which a store failure sets over any other.
 */
enum run_stop {
	RUN_GOING = 0,
	RUN_PAUSED,  /* too many failures, or no relay left: see why */
	RUN_STOPPED, /* opts->stop was set */
	RUN_FAILED,  /* the store failed: see err */
};

/* No relay is left to send through. */
#define NO_RELAY ((size_t)-1)

/*
 * The shared state of a send. The locking rule, once: everything below
 * `lock` here, each worker's results and batch (another worker may take
 * its retries), and the store and journal are used only under run->lock.
 * A worker lets go of it to build a message, to keep the pace, to wait
 * and to talk to its relay: the slow parts, which run side by side.
 */
struct run {
	const struct config *cfg;
	const struct campaign_issue *ci;
	const struct campaign_opts *o;
	struct store *st;
	struct store_journal *j;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct transport **relays;
	struct relay_state {
		/* Since its last success: rounds of failures (each round
		 * starts a wait), and when the first failed. */
		int rounds;
		double failing_since;
		double next_try; /* no connection to it before this */
		int aside;
		char last[TRANSPORT_TEXT_MAX];
	} * relay;
	size_t nrelays;
	struct campaign_progress p;
	double started, next_slot;
	/* The last pause_window attempts: 1 = failed. */
	unsigned char *window;
	long wpos, wfilled, wfails;
	/* Recipients waiting to be tried again. */
	struct retry {
		struct store_recipient r;
		int attempts;
		double due;
	} * retries;
	size_t nretries, cap_retries;
	enum run_stop stop;
	struct buf why;
	struct err err;
	int workers_left;
	int no_more;         /* nothing left to claim */
	long unclaimed;      /* rows of the journal not claimed yet */
	struct scratch *dry; /* the dry run's buffers */
	int synced;          /* lock and changed are initialised */
};

/* What one connection thread holds. */
struct worker {
	struct run *run;
	size_t index;
	struct store_recipient batch[CLAIM_BATCH];
	int attempts[CLAIM_BATCH];
	int nbatch, next;
	/* Results not yet written to the journal (flushed with the next
	 * claim, in the same transaction). */
	struct pending_result {
		int64_t id;
		enum send_state state;
		int attempts;
		char *reply;
		char *message_id;
		int bounce; /* a 5.1.x: mark the subscriber bounced */
	} results[CLAIM_BATCH * 2];
	int nresults;
	struct scratch s;
};

static void result_free(struct pending_result *r)
{
	free(r->reply);
	free(r->message_id);
}

/* Writes the worker's results; inside the caller's transaction. */
static int flush_results(struct worker *w, struct err *err)
{
	struct run *run = w->run;
	int ret = 0;

	for (int i = 0; i < w->nresults && !ret; i++) {
		struct pending_result *r = &w->results[i];

		ret = store_journal_set(run->j, r->id, r->state, r->attempts,
		                        r->reply, r->message_id, err);
		if (!ret && r->bounce) {
			struct buf detail = BUF_INIT;

			buf_addf(&detail, "sending %s: %s", run->ci->id,
			         r->reply);
			ret = store_set_status(run->st, r->id, STORE_BOUNCED,
			                       "send", detail.data, NULL,
			                       err) < 0
			              ? -1
			              : 0;
			buf_release(&detail);
		}
	}
	for (int i = 0; i < w->nresults; i++)
		result_free(&w->results[i]);
	w->nresults = 0;
	return ret;
}

/* The store failed: the run ends, and says why (over a pause or a stop,
 * which would otherwise hide it). */
static void fail_run(struct run *run, struct err *err)
{
	if (run->stop != RUN_FAILED) {
		run->stop = RUN_FAILED;
		err_set(&run->err, "%s", err_msg(err));
	}
}

/* A step of a journal transaction (journal_write). */
typedef int journal_step(struct worker *w, void *ctx, struct err *err);

/*
 * One transaction of the journal, under the lock: w's results not yet
 * written, then step (NULL: none). Any failure rolls it all back and
 * fails the run. Returns 0 or -1.
 */
static int journal_write(struct worker *w, journal_step *step, void *ctx)
{
	struct run *run = w->run;
	struct err err = ERR_INIT;
	int ret = 0;

	if (store_begin(run->st, &err) < 0 || flush_results(w, &err) < 0 ||
	    (step && step(w, ctx, &err) < 0) ||
	    store_commit(run->st, &err) < 0) {
		store_rollback(run->st);
		fail_run(run, &err);
		ret = -1;
	}
	err_release(&err);
	return ret;
}

/* Writes and commits w's results now; under the lock. */
static void commit_results(struct worker *w)
{
	journal_write(w, NULL, NULL);
}

static void release_batch(struct worker *w)
{
	for (int k = 0; k < w->nbatch; k++)
		store_recipient_release(&w->batch[k]);
	w->nbatch = w->next = 0;
}

/* A stop asked for from outside (a signal) ends the run; under the lock. */
static int stopping(struct run *run)
{
	if (run->o->stop && *run->o->stop && !run->stop) {
		run->stop = RUN_STOPPED;
		buf_adds(&run->why, "stopped on request");
	}
	return run->stop != RUN_GOING;
}

static int mark_sending(struct worker *w, void *ctx, struct err *err)
{
	return store_journal_set(w->run->j, w->batch[0].id, SEND_SENDING, 0,
	                         NULL, NULL, err);
}

/*
 * A retry whose time has come becomes w's batch of one; under the lock.
 * 1 taken, 0 none due, -1 the journal failed (and the run with it).
 */
static int take_retry(struct worker *w)
{
	struct run *run = w->run;
	double t = now_s();

	for (size_t i = 0; i < run->nretries && !run->stop; i++) {
		if (run->retries[i].due > t)
			continue;
		release_batch(w);
		w->batch[0] = run->retries[i].r;
		w->attempts[0] = run->retries[i].attempts;
		run->retries[i] = run->retries[--run->nretries];
		w->nbatch = 1;
		if (journal_write(w, mark_sending, NULL) < 0) {
			release_batch(w);
			return -1;
		}
		return 1;
	}
	return 0;
}

struct claim {
	long want, skipped;
	int n;
};

static int claim_step(struct worker *w, void *ctx, struct err *err)
{
	struct claim *c = ctx;

	c->n = store_journal_claim(w->run->j, w->batch, (int)c->want,
	                           &c->skipped, err);
	return c->n < 0 ? -1 : 0;
}

/*
 * A new batch from the journal becomes w's; under the lock. 1 claimed,
 * 0 none left (or the journal failed, and the run with it).
 */
static int claim_batch(struct worker *w)
{
	struct run *run = w->run;
	struct claim c = {0, 0, 0};

	release_batch(w);
	if (run->stop || run->no_more)
		return 0;
	/* Smaller batches towards the end of the list, so that on a slow
	 * server no connection is left with several messages to send while
	 * the others have finished. */
	c.want = run->unclaimed / run->cfg->connections;
	c.want = c.want < 1 ? 1 : c.want > CLAIM_BATCH ? CLAIM_BATCH : c.want;
	if (journal_write(w, claim_step, &c) < 0) {
		for (int k = 0; k < c.n; k++)
			store_recipient_release(&w->batch[k]);
		c.n = 0;
		c.skipped = 0; /* rolled back */
	}
	/* People who left before their row was claimed. */
	run->p.skipped += c.skipped;
	run->p.done += c.skipped;
	run->unclaimed -= c.n + c.skipped;
	if (c.n <= 0) {
		if (!run->stop)
			run->no_more = 1;
		return 0;
	}
	for (int k = 0; k < c.n; k++)
		w->attempts[k] = 0;
	w->nbatch = c.n;
	return 1;
}

/*
 * The next recipient for w: the rest of its batch, then a due retry,
 * then a new batch; under the lock. 0 none, 1 got one. What is left of
 * a batch when the run stops goes back to 'pending' as the worker ends.
 */
static int take(struct worker *w, struct store_recipient **r, int **attempts)
{
	if (stopping(w->run))
		return 0;
	if (w->next >= w->nbatch) {
		int got = take_retry(w);

		if (got < 0 || (got == 0 && claim_batch(w) == 0))
			return 0;
	}
	*r = &w->batch[w->next];
	*attempts = &w->attempts[w->next++];
	return 1;
}

static void add_result(struct worker *w, int64_t id, enum send_state state,
                       int attempts, const char *reply, const char *msgid,
                       int bounce)
{
	struct pending_result *r = &w->results[w->nresults++];

	r->id = id;
	r->state = state;
	r->attempts = attempts;
	r->reply = reply ? xstrdup(reply) : NULL;
	r->message_id = msgid ? xstrdup(msgid) : NULL;
	r->bounce = bounce;
}

/* Counts an attempt in the failure window; pauses when it says so. */
static void count_attempt(struct run *run, int failed, const char *reply)
{
	long size = run->cfg->pause_window;

	if (run->wfilled == size)
		run->wfails -= run->window[run->wpos];
	else
		run->wfilled++;
	run->window[run->wpos] = (unsigned char)failed;
	run->wfails += failed;
	run->wpos = (run->wpos + 1) % size;
	if (run->wfilled == size &&
	    (double)run->wfails >
	            run->cfg->pause_failure_share * (double)size &&
	    !run->stop) {
		run->stop = RUN_PAUSED;
		buf_addf(&run->why,
		         "paused: %ld of the last %ld attempts failed (more "
		         "than %.0f%%); the last reply was \"%s\". Check the "
		         "relay and the list, then run the same command "
		         "again to resume",
		         run->wfails, size, run->cfg->pause_failure_share * 100,
		         reply);
	}
}

/*
 * Failing to reach the relay at all: connecting, its greeting, EHLO,
 * STARTTLS, the login. Nothing of the message was sent: it is the
 * relay's trouble, not the message's. A connection dropped in the middle
 * of one message is that message's (the soak test showed a few such
 * recipients, retried together, setting a healthy relay aside).
 */
static int relay_failure(const struct transport_result *res)
{
	return res->cls != TRANSPORT_SENT &&
	       res->stage == TRANSPORT_STAGE_CONNECT &&
	       (res->reason == TRANSPORT_CONNECTION ||
	        res->reason == TRANSPORT_TLS || res->reason == TRANSPORT_AUTH);
}

/*
 * A slow or briefly overloaded relay is not a broken one (a CPU spike on
 * the relay's machine once set the only relay aside after five refused
 * connections within a second, spread over four threads). So: after a
 * failure to reach it, nobody connects to it again before a wait that
 * doubles each round; it is set aside only after failing for
 * relay_aside_after seconds (and RELAY_ROUNDS rounds) with no success in
 * between. When it was the last relay, the run then pauses.
 */
static void relay_result(struct run *run, size_t relay,
                         const struct transport_result *res)
{
	struct relay_state *rs = &run->relay[relay];
	double t = now_s(), wait;

	if (!relay_failure(res)) {
		rs->rounds = 0;
		rs->failing_since = 0;
		rs->next_try = 0;
		return;
	}
	snprintf(rs->last, sizeof(rs->last), "%s", res->text);
	if (!rs->rounds)
		rs->failing_since = t;
	/* Connections that were already trying when the wait began belong
	 * to the round that began it. */
	if (t >= rs->next_try) {
		rs->rounds++;
		wait = run->cfg->retry_delay > 0.05 ? run->cfg->retry_delay
		                                    : 0.05;
		wait *= pow(2.0, (double)(rs->rounds - 1));
		rs->next_try =
		        t + (wait < RELAY_MAX_WAIT ? wait : RELAY_MAX_WAIT);
	}
	if (!rs->aside && rs->rounds >= RELAY_ROUNDS &&
	    t - rs->failing_since >= run->cfg->relay_aside_after) {
		rs->aside = 1;
		run->p.relays_aside++;
		snprintf(run->p.aside_reason, sizeof(run->p.aside_reason),
		         "%.250s: %s", run->cfg->transports[relay], rs->last);
	}
}

/*
 * The relay for worker i: its own unless set aside, else the next one
 * that is not; one not waiting out a failure first. *until gets when the
 * relay returned may be tried (0: now). SIZE_MAX if none is left.
 */
static size_t pick_relay(struct run *run, size_t i, double *until)
{
	size_t best = NO_RELAY;
	double t = now_s();

	*until = 0;
	for (size_t k = 0; k < run->nrelays; k++) {
		size_t r = (i + k) % run->nrelays;
		const struct relay_state *rs = &run->relay[r];

		if (rs->aside)
			continue;
		if (rs->next_try <= t) {
			*until = 0;
			return r;
		}
		if (best == NO_RELAY || rs->next_try < *until) {
			best = r;
			*until = rs->next_try;
		}
	}
	return best;
}

/* Queues r to be tried again at due (taking its strings); under the
 * lock, after its 'deferred' was added to w's results. */
static void queue_retry(struct worker *w, struct store_recipient *r,
                        int attempts, double due)
{
	struct run *run = w->run;
	struct retry *q;

	/* Any connection may take the retry and record its outcome: this
	 * 'deferred' must reach the journal first, or flushed later it
	 * would overwrite that outcome. */
	commit_results(w);

	if (run->nretries == run->cap_retries) {
		run->cap_retries = run->cap_retries * 2 + 16;
		run->retries = xrealloc(
		        run->retries, run->cap_retries * sizeof(*run->retries));
	}
	q = &run->retries[run->nretries++];
	q->r = *r;
	memset(r, 0, sizeof(*r)); /* the retry owns the strings now */
	q->attempts = attempts;
	q->due = due;
	run->p.retries++;
	run->no_more = 0;
}

/*
 * The relay could not be reached: the message went nowhere. It waits
 * for the relay rather than using up its own tries, and does not count
 * towards the pause (the relay's own failures decide, in relay_result).
 */
static void settle_unreached(struct worker *w, struct store_recipient *r,
                             int attempts, const char *reply, size_t relay)
{
	struct run *run = w->run;

	add_result(w, r->id, SEND_DEFERRED, 1, reply, NULL, 0);
	if (!run->stop) {
		queue_retry(w, r, attempts, run->relay[relay].next_try);
		return;
	}
	run->p.deferred++;
	run->p.done++;
}

/* Records what became of one message; under the lock. */
static void settle(struct worker *w, struct store_recipient *r, int *attempts,
                   size_t relay, const struct transport_result *res,
                   const char *msgid, size_t len)
{
	struct run *run = w->run;
	/* The server's whole reply, code included, or what failed when no
	 * reply came. */
	const char *reply = res->text;

	if (relay_failure(res)) {
		settle_unreached(w, r, *attempts, reply, relay);
		return;
	}
	(*attempts)++;
	count_attempt(run, res->cls != TRANSPORT_SENT, reply);
	/* The journal adds each result's attempts to the row: this one. */
	if (res->cls == TRANSPORT_SENT) {
		add_result(w, r->id, SEND_SENT, 1, reply, msgid, 0);
		run->p.sent++;
		run->p.done++;
		run->p.bytes += (long long)len;
		return;
	}
	if (res->cls == TRANSPORT_PERMANENT &&
	    res->reason != TRANSPORT_SENDER) {
		add_result(w, r->id, SEND_FAILED, 1, reply, NULL,
		           res->reason == TRANSPORT_BAD_MAILBOX);
		run->p.failed++;
		run->p.done++;
		return;
	}
	/* Temporary: deferred now, tried again after a backoff if the run
	 * has attempts left for it. */
	add_result(w, r->id, SEND_DEFERRED, 1, reply, NULL, 0);
	if (*attempts <= run->cfg->retry_attempts && !run->stop) {
		queue_retry(w, r, *attempts,
		            now_s() +
		                    run->cfg->retry_delay *
		                            pow(2.0, (double)(*attempts - 1)));
		return;
	}
	run->p.deferred++;
	run->p.done++;
}

/* Waits for the pacing slot (delivery.rate): smooth, not bursty. */
static void pace(struct run *run)
{
	double wait = 0;

	if (run->cfg->rate <= 0)
		return;
	pthread_mutex_lock(&run->lock);
	double t = now_s();
	if (run->next_slot < t)
		run->next_slot = t;
	wait = run->next_slot - t;
	run->next_slot += 1.0 / run->cfg->rate;
	pthread_mutex_unlock(&run->lock);
	sleep_s(wait);
}

/* Whether retries are still waiting for their time; under the lock. */
static double next_retry(struct run *run)
{
	double due = 0;

	for (size_t i = 0; i < run->nretries; i++)
		if (!due || run->retries[i].due < due)
			due = run->retries[i].due;
	return due;
}

/* A worker's connection, and the relay it is to. */
struct worker_conn {
	struct transport_conn *conn;
	size_t relay;
};

/* The last relay is gone: the run pauses, and r goes back unsent. */
static void no_relay_left(struct worker *w, const struct store_recipient *r)
{
	struct run *run = w->run;

	if (!run->stop) {
		run->stop = RUN_PAUSED;
		buf_addf(&run->why,
		         "paused: no relay could be reached for %.0f seconds "
		         "(last: %s); check the relay and delivery.transport, "
		         "then run the same command again to resume",
		         run->cfg->relay_aside_after, run->p.aside_reason);
	}
	/* This one was claimed and not sent: not uncertain. */
	add_result(w, r->id, SEND_DEFERRED, 0, "not sent: no relay available",
	           NULL, 0);
}

enum next { NEXT_GOT, NEXT_AGAIN, NEXT_DONE };

/*
 * The next recipient for w and the relay to send it through. NEXT_AGAIN
 * after a short wait (every relay left, or every retry, is waiting out
 * its time; a stop ends the wait) or when the last relay is gone;
 * NEXT_DONE when nothing is left for this worker.
 */
static enum next next_recipient(struct worker *w, struct store_recipient **r,
                                int **attempts, size_t *relay)
{
	struct run *run = w->run;
	enum next ret = NEXT_GOT;
	double until, wait = 0;

	pthread_mutex_lock(&run->lock);
	*relay = pick_relay(run, w->index, &until);
	if (*relay != NO_RELAY && until > now_s() && !stopping(run)) {
		ret = NEXT_AGAIN;
		wait = until - now_s();
	} else if (!take(w, r, attempts)) {
		double due = run->stop ? 0 : next_retry(run);

		ret = due ? NEXT_AGAIN : NEXT_DONE;
		wait = due - now_s();
	} else if ((*relay = pick_relay(run, w->index, &until)) == NO_RELAY) {
		no_relay_left(w, *r);
		ret = NEXT_AGAIN;
	}
	pthread_mutex_unlock(&run->lock);
	if (ret == NEXT_AGAIN)
		sleep_s(wait > 0.2 ? 0.2 : wait);
	return ret;
}

/* w's connection to relay, opened (or moved there) now if need be. On
 * failure r is recorded as not sent and the run fails. */
static int connect_relay(struct worker *w, struct worker_conn *c, size_t relay,
                         const struct store_recipient *r)
{
	struct run *run = w->run;
	struct err err = ERR_INIT;

	if (relay != c->relay && c->conn) {
		transport_conn_close(c->conn);
		c->conn = NULL;
	}
	c->relay = relay;
	if (!c->conn)
		c->conn = transport_conn_open(run->relays[relay], &err);
	if (!c->conn) {
		pthread_mutex_lock(&run->lock);
		fail_run(run, &err);
		add_result(w, r->id, SEND_DEFERRED, 0, err_msg(&err), NULL, 0);
		pthread_mutex_unlock(&run->lock);
	}
	err_release(&err);
	return c->conn ? 0 : -1;
}

/* r's message into w's scratch; a message that cannot be built fails. */
static int build_message(struct worker *w, const struct store_recipient *r)
{
	struct run *run = w->run;
	struct campaign_recipient cr = {r->email, r->name, r->token};
	struct err err = ERR_INIT;
	int ret;

	buf_reset(&w->s.msg);
	ret = build(run->cfg, run->ci, &cr, 0, &w->s, &err);
	if (ret < 0) {
		pthread_mutex_lock(&run->lock);
		add_result(w, r->id, SEND_FAILED, 1, err_msg(&err), NULL, 0);
		run->p.failed++;
		run->p.done++;
		pthread_mutex_unlock(&run->lock);
	}
	err_release(&err);
	return ret;
}

/*
 * The last moment to honour an unsubscribe: just before the message is
 * handed over. 1 still active; 0 not (recorded as skipped).
 */
static int still_active(struct worker *w, const struct store_recipient *r)
{
	struct run *run = w->run;
	struct err err = ERR_INIT;
	int active;

	pthread_mutex_lock(&run->lock);
	active = store_journal_still_active(run->j, r->id, &err);
	if (active <= 0) {
		if (active < 0)
			fail_run(run, &err);
		add_result(w, r->id, SEND_SKIPPED, 0, "left before sending",
		           NULL, 0);
		run->p.skipped++;
		run->p.done++;
	}
	pthread_mutex_unlock(&run->lock);
	err_release(&err);
	return active > 0;
}

/* Hands the built message to the relay and records what became of it. */
static void hand_over(struct worker *w, struct worker_conn *c,
                      struct store_recipient *r, int *attempts)
{
	struct run *run = w->run;
	struct transport_result res;
	struct buf from = BUF_INIT;

	campaign_envelope_from(run->cfg, r->token, &from);
	memset(&res, 0, sizeof(res));
	transport_send(c->conn, from.data, r->email, w->s.msg.data,
	               w->s.msg.len, &res);
	buf_release(&from);
	pthread_mutex_lock(&run->lock);
	relay_result(run, c->relay, &res);
	settle(w, r, attempts, c->relay, &res, w->s.msgid.data, w->s.msg.len);
	pthread_mutex_unlock(&run->lock);
}

/* Claimed but never tried (a pause or a stop): back to 'pending'. */
static int unclaim(struct worker *w, struct err *err)
{
	for (int k = w->next; k < w->nbatch; k++)
		if (store_journal_set(w->run->j, w->batch[k].id, SEND_PENDING,
		                      0, NULL, NULL, err) < 0)
			return -1;
	return 0;
}

/* The worker's last writes; its connection closed. */
static void worker_finish(struct worker *w, struct worker_conn *c)
{
	struct run *run = w->run;
	struct err err = ERR_INIT;

	pthread_mutex_lock(&run->lock);
	if (w->nresults)
		commit_results(w);
	if (unclaim(w, &err) < 0)
		fail_run(run, &err);
	release_batch(w);
	run->workers_left--;
	pthread_cond_broadcast(&run->changed);
	pthread_mutex_unlock(&run->lock);
	if (c->conn)
		transport_conn_close(c->conn);
	err_release(&err);
}

/* One connection's thread: next recipient, connect, build, check, hand
 * over, record; until nothing is left. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct worker_conn c = {NULL, NO_RELAY};
	struct store_recipient *r;
	int *attempts;
	size_t relay;
	enum next next;

	while ((next = next_recipient(w, &r, &attempts, &relay)) != NEXT_DONE) {
		if (next == NEXT_AGAIN || connect_relay(w, &c, relay, r) < 0 ||
		    build_message(w, r) < 0)
			continue;
		pace(w->run);
		if (still_active(w, r))
			hand_over(w, &c, r, attempts);
	}
	worker_finish(w, &c);
	return NULL;
}

static int dry_run_one(const struct store_subscriber *s, void *ctx)
{
	struct run *run = ctx;
	struct campaign_recipient r = {s->email, s->name, s->token};
	struct scratch *sc = run->dry;
	struct err err = ERR_INIT;

	buf_reset(&sc->msg);
	if (build(run->cfg, run->ci, &r, 0, sc, &err) < 0) {
		run->p.failed++;
		if (!run->why.len)
			buf_addf(&run->why, "%s", err_msg(&err));
	} else {
		run->p.sent++;
		run->p.bytes += (long long)sc->msg.len;
	}
	run->p.total++;
	run->p.done++;
	err_release(&err);
	return 0;
}

static int dry_run(struct run *run, struct err *err)
{
	struct scratch s;
	int ret;

	/* The dry run builds every message and hands none over. */
	scratch_init(&s);
	run->dry = &s;
	ret = store_each_active(run->st, 0, dry_run_one, run, err);
	run->dry = NULL;
	scratch_release(&s);
	return ret;
}

/* Who runs the send, for the issue's events. */
static const char *who(const struct run *run)
{
	return run->o->who ? run->o->who : "";
}

/*
 * Everything a send needs before its threads start, in order: the lock
 * on the issue's send (before the journal is touched: a second run would
 * take rows the first is handing over for ones a dead run left), the
 * campaign and its journal, the relays.
 */
static int open_run(struct run *run, struct store_campaign *c,
                    struct store_send_lock *lock, struct err *err)
{
	const struct config *cfg = run->cfg;
	long counts[SEND_NSTATES], added = 0, uncertain = 0;

	if (store_send_lock(run->st, run->ci->id, lock, err) < 0)
		return -1;
	/* Under the lock, so that nobody approves a send that another run
	 * is taking over unchecked. */
	if (lifecycle_check_send(cfg, run->st, run->ci->id, err) < 0 ||
	    store_issue_event(run->st, run->ci->id, "sending", who(run), NULL,
	                      err) < 0 ||
	    store_send_fast_commits(run->st, err) < 0 ||
	    store_campaign_open(run->st, run->ci->id, run->ci->subject, c,
	                        err) < 0 ||
	    store_journal_prepare(run->st, c->id, run->o->resend_uncertain,
	                          &uncertain, &added, err) < 0 ||
	    store_journal_counts(run->st, c->id, counts, err) < 0)
		return -1;
	run->p.uncertain = uncertain;
	run->p.total = counts[SEND_PENDING];
	run->unclaimed = run->p.total;
	run->j = store_journal_open(run->st, c->id, err);
	if (!run->j)
		return -1;
	run->nrelays = cfg->ntransports;
	run->relays = xcalloc(run->nrelays, sizeof(struct transport *));
	run->relay = xcalloc(run->nrelays, sizeof(*run->relay));
	for (size_t i = 0; i < run->nrelays; i++) {
		run->relays[i] =
		        campaign_open_relay(cfg, i, run->o->smtp_password, err);
		if (!run->relays[i])
			return -1;
	}
	run->window = xcalloc((size_t)cfg->pause_window, 1);
	pthread_mutex_init(&run->lock, NULL);
	pthread_cond_init(&run->changed, NULL);
	run->synced = 1;
	return 0;
}

/* Starts a thread per connection; returns how many started. */
static size_t start_workers(struct run *run, struct worker *w, pthread_t *t,
                            size_t n)
{
	size_t started = 0;

	run->workers_left = (int)n;
	for (size_t i = 0; i < n; i++) {
		w[i].run = run;
		w[i].index = i;
		if (pthread_create(&t[i], NULL, worker_main, &w[i])) {
			pthread_mutex_lock(&run->lock);
			run->workers_left -= (int)(n - i);
			pthread_mutex_unlock(&run->lock);
			break;
		}
		started++;
	}
	return started;
}

/* Until every worker has ended: progress a few times a second. */
static void watch(struct run *run)
{
	const struct campaign_opts *o = run->o;

	pthread_mutex_lock(&run->lock);
	while (run->workers_left > 0) {
		struct timespec ts;
		struct campaign_progress snap;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += PROGRESS_NS;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&run->changed, &run->lock, &ts);
		run->p.elapsed = now_s() - run->started;
		snap = run->p;
		if (o->progress) {
			pthread_mutex_unlock(&run->lock);
			o->progress(o->ctx, &snap);
			pthread_mutex_lock(&run->lock);
		}
	}
	pthread_mutex_unlock(&run->lock);
}

/* After the threads: the campaign's time, and finished when nobody is
 * left to try. */
static int close_campaign(struct run *run, const struct store_campaign *c,
                          struct err *err)
{
	long left[SEND_NSTATES];
	int finished;

	/* Retries never tried again (a pause or a stop) stay deferred. */
	for (size_t i = 0; i < run->nretries; i++) {
		run->p.deferred++;
		store_recipient_release(&run->retries[i].r);
	}
	run->nretries = 0;
	run->p.elapsed = now_s() - run->started;
	if (run->stop == RUN_FAILED)
		return err_set(err, "%s", err_msg(&run->err));
	if (store_journal_counts(run->st, c->id, left, err) < 0)
		return -1;
	finished = !run->stop && !left[SEND_PENDING] && !left[SEND_DEFERRED] &&
	           !left[SEND_SENDING];
	if (store_campaign_update(run->st, c->id, run->p.elapsed,
	                          finished ? (int64_t)time(NULL) : 0, err) < 0)
		return -1;
	if (finished && !c->finished)
		return store_issue_event(run->st, run->ci->id, "sent", who(run),
		                         NULL, err);
	return 0;
}

static void release_run(struct run *run)
{
	if (run->synced) {
		pthread_mutex_destroy(&run->lock);
		pthread_cond_destroy(&run->changed);
	}
	free(run->window);
	for (size_t i = 0; i < run->nretries; i++)
		store_recipient_release(&run->retries[i].r);
	free(run->retries);
	for (size_t i = 0; run->relays && i < run->nrelays; i++)
		transport_free(run->relays[i]);
	free(run->relays);
	free(run->relay);
	store_journal_close(run->j);
	buf_release(&run->why);
	err_release(&run->err);
}

int campaign_send(const struct config *cfg, struct store *st,
                  const struct campaign_issue *ci,
                  const struct campaign_opts *o, struct campaign_progress *p,
                  struct buf *why, struct err *err)
{
	struct run run = {.cfg = cfg, .ci = ci, .o = o, .st = st};
	struct store_campaign c = {0};
	struct store_send_lock lock = {-1, NULL};
	size_t n = (size_t)cfg->connections, started = 0;
	struct worker *w = xcalloc(n, sizeof(*w));
	pthread_t *threads = xcalloc(n, sizeof(*threads));
	int ret = -1;

	buf_init(&run.why);
	err_init(&run.err);
	run.started = now_s();
	for (size_t i = 0; i < n; i++)
		scratch_init(&w[i].s);
	if (o->dry_run) {
		ret = dry_run(&run, err) < 0 ? -1 : CAMPAIGN_DONE;
		run.p.elapsed = now_s() - run.started;
	} else if (open_run(&run, &c, &lock, err) == 0) {
		started = start_workers(&run, w, threads, n);
		watch(&run);
		for (size_t i = 0; i < started; i++)
			pthread_join(threads[i], NULL);
		if (close_campaign(&run, &c, err) == 0)
			ret = run.stop == RUN_PAUSED    ? CAMPAIGN_PAUSED
			      : run.stop == RUN_STOPPED ? CAMPAIGN_STOPPED
			                                : CAMPAIGN_DONE;
	}
	if (ret >= 0 || o->dry_run)
		buf_add(why, run.why.data, run.why.len);
	*p = run.p;
	for (size_t i = 0; i < n; i++)
		scratch_release(&w[i].s);
	free(w);
	free(threads);
	release_run(&run);
	store_campaign_release(&c);
	store_send_unlock(&lock);
	return ret;
}

int campaign_test_send(const struct config *cfg,
                       const struct campaign_issue *ci, const char *const *to,
                       size_t n, const char *smtp_password, struct buf *results,
                       struct err *err)
{
	struct scratch s;
	struct transport *t = campaign_open_relay(cfg, 0, smtp_password, err);
	struct transport_conn *conn = NULL;
	struct buf from = BUF_INIT;
	int failed = 0;

	if (!t)
		return -1;
	scratch_init(&s);
	conn = transport_conn_open(t, err);
	if (!conn) {
		transport_free(t);
		return -1;
	}
	campaign_envelope_from(cfg, "test", &from);
	for (size_t i = 0; i < n; i++) {
		struct campaign_recipient r = {to[i], "", NULL};
		struct transport_result res;
		struct err e = ERR_INIT;

		buf_reset(&s.msg);
		memset(&res, 0, sizeof(res));
		if (mime_check_address(to[i], &e) < 0 ||
		    build(cfg, ci, &r, 1, &s, &e) < 0) {
			buf_addf(results, "%s: not sent: %s\n", to[i],
			         err_msg(&e));
			failed++;
		} else if (transport_send(conn, from.data, to[i], s.msg.data,
		                          s.msg.len, &res) < 0) {
			buf_addf(results, "%s: not sent: %d %s\n", to[i],
			         res.code, res.text);
			failed++;
		} else {
			buf_addf(results, "%s: sent (%s)\n", to[i],
			         s.msgid.data);
		}
		err_release(&e);
	}
	buf_release(&from);
	scratch_release(&s);
	transport_conn_close(conn);
	transport_free(t);
	return failed;
}
