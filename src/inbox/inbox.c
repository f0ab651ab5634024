#include "inbox.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "sha256.h"
#include "store_inbox.h"
#include "banned.h"

/* Messages per store transaction (and per round of marks). */
#define BATCH 256
/* Subscribers one message may concern, at most. */
#define MAX_TARGETS 8

struct target {
	struct store_subscriber sub; /* owned */
	const struct bounce_rcpt *r; /* what the report says of them */
};

struct pass {
	struct store *st;
	struct store_inbox *in;
	const struct inbox_options *o;
	struct mailbox mb;
	struct inbox_stats *stats;
	void (*report)(void *ctx, const struct inbox_outcome *oc);
	void *ctx;
	int64_t run;     /* 0 until the first new message is recorded */
	size_t *to_mark; /* offered messages to mark after the commit */
	size_t nmark;
	size_t total;
	struct bounce b;
	struct buf key, action, evidence, detail;
};

static void say(struct pass *p, size_t i, const struct bounce *b,
                const char *address, const char *action, int changed,
                int seen_before, const char *error)
{
	struct inbox_outcome oc = {
	        .index = i,
	        .total = p->total,
	        .b = b,
	        .address = address ? address : "",
	        .action = action,
	        .changed = changed,
	        .seen_before = seen_before,
	        .error = error,
	};

	if (p->report)
		p->report(p->ctx, &oc);
}

/* The message's Message-ID, or a digest of it when it has none. */
static void message_key(struct buf *key, const struct bounce *b,
                        const char *data, size_t len)
{
	unsigned char d[SHA256_LEN];

	buf_reset(key);
	if (*b->message_id && strlen(b->message_id) < 900) {
		buf_addf(key, "<%s>", b->message_id);
		return;
	}
	sha256_digest(data, len, d);
	buf_adds(key, "sha256:");
	for (size_t i = 0; i < SHA256_LEN; i++)
		buf_addf(key, "%02x", d[i]);
}

static int add_target(struct target *t, size_t *n, struct store_subscriber *s,
                      const struct bounce_rcpt *r)
{
	for (size_t i = 0; i < *n; i++) {
		if (t[i].sub.id == s->id) {
			if (!t[i].r)
				t[i].r = r;
			store_subscriber_release(s);
			return 0;
		}
	}
	if (*n == MAX_TARGETS) {
		store_subscriber_release(s);
		return 0;
	}
	t[*n].sub = *s;
	t[*n].r = r;
	(*n)++;
	return 1;
}

/* The recipient the report names for address email, else its only one. */
static const struct bounce_rcpt *rcpt_for(const struct bounce *b,
                                          const char *email)
{
	const struct bounce_rcpt *r = bounce_find_rcpt(b, email);

	return r ? r : b->nrcpts ? &b->rcpts[0] : NULL;
}

static int by_token(struct pass *p, const char *token, struct target *t,
                    size_t *n, struct err *err)
{
	struct store_subscriber s;
	int r;

	if (!token)
		return 0;
	r = store_find_token(p->st, token, &s, err);
	if (r > 0)
		add_target(t, n, &s, rcpt_for(&p->b, s.email));
	return r < 0 ? -1 : 0;
}

static int by_email(struct pass *p, const char *email,
                    const struct bounce_rcpt *rc, struct target *t, size_t *n,
                    struct err *err)
{
	struct store_subscriber s;
	int r = store_find_email(p->st, email, &s, err);

	if (r > 0)
		add_target(t, n, &s, rc);
	return r < 0 ? -1 : 0;
}

/*
 * Who the message is about: the token in the address it was sent to (or
 * in the returned message), then the recipients it reports, then, for a
 * report naming nobody known, the one subscriber among the addresses it
 * mentions.
 */
static int attribute(struct pass *p, struct target *t, size_t *n,
                     struct err *err)
{
	const struct bounce *b = &p->b;
	size_t before;

	*n = 0;
	if (by_token(p, b->token, t, n, err) < 0)
		return -1;
	if (!*n && by_token(p, b->returned_token, t, n, err) < 0)
		return -1;
	if (b->class == BOUNCE_UNSUBSCRIBE)
		return 0; /* only the token says who asked */
	for (size_t i = 0; i < b->nrcpts; i++)
		if (by_email(p, b->rcpts[i].addr, &b->rcpts[i], t, n, err) < 0)
			return -1;
	if (*n)
		return 0;
	before = *n;
	for (size_t i = 0; i < b->nmentioned; i++)
		if (by_email(p, b->mentioned[i],
		             b->nrcpts == 1 ? &b->rcpts[0] : NULL, t, n,
		             err) < 0)
			return -1;
	/* Two subscribers in one report: no telling which it is about. */
	if (*n - before > 1) {
		for (size_t i = before; i < *n; i++)
			store_subscriber_release(&t[i].sub);
		*n = before;
	}
	return 0;
}

static const char *class_label(const struct bounce *b)
{
	switch (b->class) {
	case BOUNCE_HARD:
		return "hard bounce";
	case BOUNCE_SOFT:
		return "soft bounce";
	case BOUNCE_COMPLAINT:
		return "complaint";
	case BOUNCE_UNSUBSCRIBE:
		return "unsubscribe request by mail";
	default:
		return bounce_class_name(b->class);
	}
}

/* The event's detail: what was reported, by whom, in which message. */
static void make_evidence(struct buf *e, const struct bounce *b,
                          const struct bounce_rcpt *r)
{
	buf_reset(e);
	buf_adds(e, class_label(b));
	if (b->class == BOUNCE_COMPLAINT && *b->feedback_type)
		buf_addf(e, " (%s)", b->feedback_type);
	if (r && *r->status)
		buf_addf(e, " %s", r->status);
	if (*b->reporting_mta)
		buf_addf(e, " from %s", b->reporting_mta);
	if (b->class == BOUNCE_UNSUBSCRIBE)
		buf_addf(e, " to the unsubscribe address (%s)",
		         b->token_source);
	if (*b->message_id)
		buf_addf(e, ", Message-ID <%s>", b->message_id);
	if (r && *r->diagnostic && b->class != BOUNCE_COMPLAINT)
		buf_addf(e, ": %.300s", r->diagnostic);
}

/* Whether a complaint is the reader's doing (not a DMARC report). */
static int complaint_counts(const struct bounce *b, const struct bounce_rcpt *r)
{
	if (r)
		return !r->policy;
	return strcmp(b->feedback_type, "auth-failure") &&
	       strcmp(b->feedback_type, "not-spam") &&
	       strcmp(b->feedback_type, "virus");
}

static int set_status(struct pass *p, struct target *t, enum store_status to,
                      int *changed, struct err *err)
{
	if (p->o->dry_run) {
		*changed = 1;
		return 0;
	}
	return store_set_status(p->st, t->sub.id, to, "inbox", p->evidence.data,
	                        changed, err) < 0
	               ? -1
	               : 0;
}

/*
 * Acts on one subscriber the message is about; the action taken is
 * written to p->action.
 */
static int act(struct pass *p, struct target *t, int *changed, struct err *err)
{
	const struct bounce *b = &p->b;
	const struct bounce_rcpt *r = t->r;
	enum bounce_class kind = r ? r->kind : b->class;
	enum store_status now = t->sub.status;
	int open = now == STORE_PENDING || now == STORE_ACTIVE;
	const char *would = p->o->dry_run ? "would be " : "";

	*changed = 0;
	buf_reset(&p->action);
	make_evidence(&p->evidence, b, r);
	if (b->class == BOUNCE_UNSUBSCRIBE)
		kind = BOUNCE_UNSUBSCRIBE;
	switch (kind) {
	case BOUNCE_HARD:
	case BOUNCE_SOFT:
		if (r && r->policy) {
			buf_addf(&p->action,
			         "none: a policy failure (%s), not the "
			         "address's",
			         *r->status ? r->status : "blocked");
			return 0;
		}
		if (!open) {
			buf_addf(&p->action, "none: already %s",
			         store_status_name(now));
			return 0;
		}
		if (kind == BOUNCE_SOFT) {
			long count;

			if (store_inbox_soft_bounce(
			            p->in, t->sub.id, (int64_t)time(NULL),
			            p->o->soft_days, p->evidence.data,
			            p->o->dry_run, &count, err) < 0)
				return -1;
			if (count < p->o->soft_limit) {
				buf_addf(&p->action,
				         "soft bounce %ld of %ld within %ld "
				         "days",
				         count, p->o->soft_limit,
				         p->o->soft_days);
				p->stats->soft_counted++;
				return 0;
			}
			buf_addf(&p->evidence,
			         " (soft bounce %ld within %ld days)", count,
			         p->o->soft_days);
			buf_addf(&p->action,
			         "%sbounced: %ld soft bounces within "
			         "%ld days",
			         would, count, p->o->soft_days);
		} else {
			buf_addf(&p->action, "%sbounced", would);
		}
		return set_status(p, t, STORE_BOUNCED, changed, err);
	case BOUNCE_COMPLAINT:
		if (!complaint_counts(b, r)) {
			buf_addf(&p->action,
			         "none: Feedback-Type %s is not a complaint",
			         b->feedback_type);
			return 0;
		}
		if (now == STORE_COMPLAINED) {
			buf_adds(&p->action, "none: already complained");
			return 0;
		}
		buf_addf(&p->action, "%scomplained", would);
		return set_status(p, t, STORE_COMPLAINED, changed, err);
	case BOUNCE_UNSUBSCRIBE:
		if (!open) {
			buf_addf(&p->action, "none: already %s",
			         store_status_name(now));
			return 0;
		}
		buf_addf(&p->action, "%sunsubscribed", would);
		return set_status(p, t, STORE_UNSUBSCRIBED, changed, err);
	default:
		buf_adds(&p->action, "ignored");
		return 0;
	}
}

/* The detail kept with the message record: no addresses in it. */
static void record_detail(struct buf *d, const struct bounce *b,
                          const struct bounce_rcpt *r)
{
	buf_reset(d);
	buf_adds(d, *b->format ? b->format : "unrecognised");
	if (r && *r->status)
		buf_addf(d, " %s", r->status);
	if (*b->reporting_mta)
		buf_addf(d, " from %.200s", b->reporting_mta);
}

static int record(struct pass *p, int64_t subscriber, const char *address,
                  const char *outcome, const struct bounce_rcpt *r,
                  struct err *err)
{
	struct store_inbox_message m;

	if (p->o->dry_run)
		return 0;
	if (!p->run &&
	    store_inbox_run_begin(p->in, p->o->source, &p->run, err) < 0)
		return -1;
	record_detail(&p->detail, &p->b, r);
	m.key = p->key.data;
	m.class = bounce_class_name(p->b.class);
	m.subscriber = subscriber;
	m.address = address;
	m.outcome = outcome;
	m.detail = p->detail.data;
	return store_inbox_record(p->in, p->run, &m, err);
}

/* Deals with offered message i; *mark says whether to mark it. */
static int one(struct pass *p, size_t i, int *mark, struct err *err)
{
	struct bounce *b = &p->b;
	struct target t[MAX_TARGETS];
	size_t nt = 0;
	const char *data;
	size_t len;
	int seen, ret = -1;
	struct err why = ERR_INIT;

	*mark = 0;
	if (mailbox_fetch(&p->mb, i, &data, &len, &why) < 0) {
		p->stats->unreadable++;
		say(p, i, NULL, "", "left in the mailbox", 0, 0, err_msg(&why));
		err_release(&why);
		return 0;
	}
	bounce_classify(b, data, len, &p->o->patterns);
	message_key(&p->key, b, data, len);
	seen = store_inbox_seen(p->in, p->key.data, err);
	if (seen < 0)
		return -1;
	/* What other messages say is for a person to read: leave them. */
	*mark = b->class != BOUNCE_OTHER;
	if (seen) {
		p->stats->seen_before++;
		say(p, i, b, "", "none: read before", 0, 1, NULL);
		return 0;
	}
	p->stats->classes[b->class]++;
	if (b->class == BOUNCE_OTHER || b->class == BOUNCE_AUTOREPLY) {
		const char *what = b->class == BOUNCE_OTHER
		                           ? "left in the mailbox"
		                           : "ignored";

		say(p, i, b, b->nrcpts ? b->rcpts[0].addr : "", what, 0, 0,
		    NULL);
		return record(p, 0, b->nrcpts ? b->rcpts[0].addr : "", what,
		              NULL, err);
	}
	if (attribute(p, t, &nt, err) < 0)
		goto out;
	if (!nt) {
		const char *addr = b->nrcpts ? b->rcpts[0].addr : "";
		const char *what = b->class == BOUNCE_UNSUBSCRIBE && b->token
		                           ? "none: unknown token"
		                           : "none: not a subscriber";

		say(p, i, b, addr, what, 0, 0, NULL);
		ret = record(p, 0, addr, what, b->nrcpts ? &b->rcpts[0] : NULL,
		             err);
		goto out;
	}
	for (size_t k = 0; k < nt; k++) {
		int changed;

		if (act(p, &t[k], &changed, err) < 0)
			goto out;
		p->stats->changed += changed;
		say(p, i, b, t[k].sub.email, p->action.data, changed, 0, NULL);
		/* One record per message: the first subscriber's. */
		if (k == 0 &&
		    record(p, t[k].sub.id, "", p->action.data, t[k].r, err) < 0)
			goto out;
	}
	ret = 0;
out:
	for (size_t k = 0; k < nt; k++)
		store_subscriber_release(&t[k].sub);
	return ret;
}

/* Commits the batch, then marks its messages in the mailbox. */
static int end_batch(struct pass *p, struct err *err)
{
	if (p->o->dry_run) {
		p->nmark = 0;
		return 0;
	}
	if (store_commit(p->st, err) < 0)
		return -1;
	for (size_t k = 0; k < p->nmark; k++) {
		int r = mailbox_mark(&p->mb, p->to_mark[k], err);

		if (r < 0)
			return -1;
		p->stats->marked += r;
	}
	p->nmark = 0;
	return mailbox_flush(&p->mb, err);
}

int inbox_run(struct store *st, const struct inbox_options *o,
              void (*report)(void *ctx, const struct inbox_outcome *oc),
              void *ctx, struct inbox_stats *stats, struct err *err)
{
	struct pass p = {
	        .st = st,
	        .o = o,
	        .stats = stats,
	        .report = report,
	        .ctx = ctx,
	        .key = BUF_INIT,
	        .action = BUF_INIT,
	        .evidence = BUF_INIT,
	        .detail = BUF_INIT,
	};
	size_t n = 0;
	int ret = -1, in_txn = 0;

	memset(stats, 0, sizeof(*stats));
	bounce_init(&p.b);
	p.in = store_inbox_open(st, err);
	if (!p.in)
		return -1;
	if (mailbox_open(&p.mb, o->source, &o->mailbox, err) < 0)
		goto close_store;
	if (mailbox_scan(&p.mb, &n, err) < 0)
		goto out;
	stats->messages = (long)n;
	p.total = n;
	p.to_mark = xcalloc(n ? n : 1, sizeof(*p.to_mark));
	for (size_t i = 0; i < n; i++) {
		int mark;

		if (!o->dry_run && !in_txn) {
			if (store_begin(st, err) < 0)
				goto out;
			in_txn = 1;
		}
		if (one(&p, i, &mark, err) < 0)
			goto out;
		if (mark)
			p.to_mark[p.nmark++] = i;
		if (in_txn && ((i + 1) % BATCH == 0 || i + 1 == n)) {
			in_txn = 0;
			if (end_batch(&p, err) < 0)
				goto out;
		}
	}
	if (p.run && store_inbox_run_end(p.in, p.run, err) < 0)
		goto out;
	ret = 0;
out:
	if (in_txn)
		store_rollback(st);
	mailbox_close(&p.mb);
close_store:
	store_inbox_close(p.in);
	bounce_release(&p.b);
	free(p.to_mark);
	buf_release(&p.key);
	buf_release(&p.action);
	buf_release(&p.evidence);
	buf_release(&p.detail);
	return ret;
}
