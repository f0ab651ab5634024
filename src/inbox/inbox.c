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
	struct buf key, action, evidence, detail, reason, email, idkey;
	const char *file; /* the current message's name in the mailbox */

	/* What tied the current message to a message sent (verify()). */
	struct store_subscriber sub; /* owned when have_sub */
	int have_sub;
	const struct bounce_rcpt *r; /* what the report says of sub */
	const char *verified;        /* "token", "message-id", "none" */
	const char *done;            /* "bounced", ..., "counted", "none" */
	struct buf tie;              /* how it was tied, or why not */
	int64_t named;               /* unverified: a subscriber it names */

	struct contrib *desk; /* contributions by mail, or NULL */
	const struct contrib_outcome *contrib; /* the current one's */
};

static void say(struct pass *p, size_t i, const struct bounce *b,
                const char *address, const char *action, int changed,
                int seen_before, const char *error)
{
	struct inbox_outcome oc = {
	        .index = i,
	        .total = p->total,
	        .file = p->file ? p->file : "",
	        .b = b,
	        .address = address ? address : "",
	        .subscriber = p->have_sub ? p->sub.email : NULL,
	        .verified = p->verified,
	        .done = p->done,
	        .action = action,
	        .reason = p->reason.len ? p->reason.data : action,
	        .changed = changed,
	        .seen_before = seen_before,
	        .error = error,
	        .contrib = p->contrib,
	};

	if (p->report)
		p->report(p->ctx, &oc);
}

/* The message's Message-ID (without <>), or a digest of it when it has
 * none. */
static void message_key(struct buf *key, const char *id, const char *data,
                        size_t len)
{
	unsigned char d[SHA256_LEN];

	buf_reset(key);
	if (*id && strlen(id) < 900) {
		buf_addf(key, "<%s>", id);
		return;
	}
	sha256_digest(data, len, d);
	buf_adds(key, "sha256:");
	for (size_t i = 0; i < SHA256_LEN; i++)
		buf_addf(key, "%02x", d[i]);
}

static void forget_sub(struct pass *p)
{
	if (p->have_sub)
		store_subscriber_release(&p->sub);
	p->have_sub = 0;
	p->r = NULL;
}

/*
 * Whether the report names someone and not s: then the token or
 * Message-ID that points at s does not tie the report to s (subscriber
 * A's token on a report about B is a forgery or a forward). The To of a
 * reported message that a complaint falls back on names nobody for
 * certain: feedback loops redact it.
 */
static int names_other(const struct bounce *b, const char *email)
{
	return b->nrcpts && !b->rcpts_from_returned_to &&
	       !bounce_find_rcpt(b, email);
}

/*
 * Takes s (found by its token or Message-ID, described by what) as the
 * one the message is about, unless the report names someone else.
 * Returns 1 taken, 0 not (s released, the mismatch noted in p->tie).
 */
static int take(struct pass *p, struct store_subscriber *s, const char *how,
                const char *what)
{
	const struct bounce *b = &p->b;

	if (names_other(b, s->email)) {
		if (!p->tie.len)
			buf_addf(&p->tie,
			         "%s points at %s, but the report is about "
			         "%s",
			         what, s->email, b->rcpts[0].addr);
		store_subscriber_release(s);
		return 0;
	}
	p->sub = *s;
	p->have_sub = 1;
	p->r = bounce_find_rcpt(b, s->email);
	p->verified = how;
	buf_reset(&p->tie);
	buf_addf(&p->tie, "tied to the message sent to %s by %s", s->email,
	         what);
	return 1;
}

static int by_token(struct pass *p, const char *token, const char *where,
                    struct err *err)
{
	struct store_subscriber s;
	struct buf what = BUF_INIT;
	int r;

	if (!token || p->have_sub)
		return 0;
	r = store_find_token(p->st, token, &s, err);
	if (r < 0)
		return -1;
	buf_addf(&what, "the token in %s", where);
	if (r > 0)
		take(p, &s, "token", what.data);
	else if (!p->tie.len)
		buf_addf(&p->tie, "%s is nobody's (erased, or not this list's)",
		         what.data);
	buf_release(&what);
	return 0;
}

static int by_message_id(struct pass *p, const char *id, struct err *err)
{
	struct store_subscriber s;
	struct buf what = BUF_INIT;
	int r;

	if (p->have_sub)
		return 0;
	buf_reset(&p->idkey);
	buf_addf(&p->idkey, "<%s>", id);
	r = store_inbox_sent_to(p->in, p->idkey.data, &p->email, err);
	if (r > 0)
		r = store_find_email(p->st, p->email.data, &s, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		buf_addf(&what, "the returned Message-ID %s", p->idkey.data);
		take(p, &s, "message-id", what.data);
		buf_release(&what);
	}
	return 0;
}

/* Why an unverified message was not acted on, and whom it names. */
static int not_tied(struct pass *p, struct err *err)
{
	const struct bounce *b = &p->b;
	struct store_subscriber s;
	struct buf why = BUF_INIT;

	buf_adds(&why, "not tied to a message bulletin sent: ");
	if (p->tie.len)
		buf_add(&why, p->tie.data, p->tie.len);
	else if (b->class == BOUNCE_UNSUBSCRIBE)
		buf_adds(&why, "no token in the address it came to");
	else
		buf_addf(&why, "no token in the address it came to, and %s",
		         b->nreturned_ids ? "no Message-ID it quotes is one "
		                            "bulletin sent"
		                          : "no returned Message-ID");
	for (size_t i = 0; i < b->nrcpts && !p->named; i++) {
		int r = store_find_email(p->st, b->rcpts[i].addr, &s, err);

		if (r < 0) {
			buf_release(&why);
			return -1;
		}
		if (r > 0) {
			p->named = s.id;
			buf_addf(&why, " (%s is a subscriber)", s.email);
			store_subscriber_release(&s);
		}
	}
	buf_reset(&p->tie);
	buf_add(&p->tie, why.data, why.len);
	buf_release(&why);
	return 0;
}

/*
 * Ties the message to a message sent (see inbox.h): fills p->sub and
 * p->verified, or leaves p->have_sub 0 with the reason in p->tie.
 */
static int verify(struct pass *p, struct err *err)
{
	const struct bounce *b = &p->b;

	forget_sub(p);
	p->verified = "none";
	p->named = 0;
	buf_reset(&p->tie);
	if (by_token(p, b->token, b->token_source, err) < 0 ||
	    by_token(p, b->returned_token, "the returned message's header",
	             err) < 0)
		return -1;
	/* An unsubscribe request has no returned message to quote. */
	if (b->class != BOUNCE_UNSUBSCRIBE)
		for (size_t i = 0; i < b->nreturned_ids; i++)
			if (by_message_id(p, b->returned_ids[i], err) < 0)
				return -1;
	if (p->have_sub)
		return 0;
	return not_tied(p, err);
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
                          const struct bounce_rcpt *r, const struct buf *tie)
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
	if (tie->len)
		buf_addf(e, ", %s", tie->data);
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

static int set_status(struct pass *p, enum store_status to, int *changed,
                      struct err *err)
{
	p->done = to == STORE_BOUNCED      ? "bounced"
	          : to == STORE_COMPLAINED ? "complained"
	                                   : "unsubscribed";
	if (p->o->dry_run) {
		*changed = 1;
		return 0;
	}
	return store_set_status(p->st, p->sub.id, to, "inbox", p->evidence.data,
	                        changed, err) < 0
	               ? -1
	               : 0;
}

/* How an action is worded on a dry run, which changes nothing. */
static const char *would(const struct pass *p)
{
	return p->o->dry_run ? "would be " : "";
}

/*
 * Counts a soft bounce: 1 when it is the one that reaches soft_limit
 * within soft_days (the address bounces), 0 when it is only counted,
 * -1 on error.
 */
static int soft_limit_reached(struct pass *p, struct err *err)
{
	const struct inbox_options *o = p->o;
	long count;

	if (store_inbox_soft_bounce(p->in, p->sub.id, (int64_t)time(NULL),
	                            o->soft_days, p->evidence.data, o->dry_run,
	                            &count, err) < 0)
		return -1;
	if (count < o->soft_limit) {
		buf_addf(&p->action, "soft bounce %ld of %ld within %ld days",
		         count, o->soft_limit, o->soft_days);
		p->stats->soft_counted++;
		p->done = "counted";
		return 0;
	}
	buf_addf(&p->evidence, " (soft bounce %ld within %ld days)", count,
	         o->soft_days);
	buf_addf(&p->action, "%sbounced: %ld soft bounces within %ld days",
	         would(p), count, o->soft_days);
	return 1;
}

/* A policy failure (a block, a DMARC rejection) says nothing of the
 * address, so it bounces nobody. */
static int act_bounce(struct pass *p, enum bounce_class kind, int open,
                      int *changed, struct err *err)
{
	const struct bounce_rcpt *r = p->r;

	if (r && r->policy) {
		buf_addf(&p->action,
		         "none: a policy failure (%s), not the address's",
		         *r->status ? r->status : "blocked");
		return 0;
	}
	if (!open) {
		buf_addf(&p->action, "none: already %s",
		         store_status_name(p->sub.status));
		return 0;
	}
	if (kind == BOUNCE_SOFT) {
		int reached = soft_limit_reached(p, err);

		if (reached <= 0)
			return reached;
	} else {
		buf_addf(&p->action, "%sbounced", would(p));
	}
	return set_status(p, STORE_BOUNCED, changed, err);
}

static int act_complaint(struct pass *p, int *changed, struct err *err)
{
	if (!complaint_counts(&p->b, p->r)) {
		buf_addf(&p->action,
		         "none: Feedback-Type %s is not a complaint",
		         p->b.feedback_type);
		return 0;
	}
	if (p->sub.status == STORE_COMPLAINED) {
		buf_adds(&p->action, "none: already complained");
		return 0;
	}
	buf_addf(&p->action, "%scomplained", would(p));
	return set_status(p, STORE_COMPLAINED, changed, err);
}

static int act_unsubscribe(struct pass *p, int open, int *changed,
                           struct err *err)
{
	if (!open) {
		buf_addf(&p->action, "none: already %s",
		         store_status_name(p->sub.status));
		return 0;
	}
	buf_addf(&p->action, "%sunsubscribed", would(p));
	return set_status(p, STORE_UNSUBSCRIBED, changed, err);
}

/*
 * Acts on the subscriber the message is tied to; the action taken is
 * written to p->action and p->done.
 */
static int act(struct pass *p, int *changed, struct err *err)
{
	const struct bounce *b = &p->b;
	const struct bounce_rcpt *r = p->r;
	enum bounce_class kind = r ? r->kind : b->class;
	enum store_status now = p->sub.status;
	int open = now == STORE_PENDING || now == STORE_ACTIVE;

	*changed = 0;
	p->done = "none";
	buf_reset(&p->action);
	make_evidence(&p->evidence, b, r, &p->tie);
	if (b->class == BOUNCE_UNSUBSCRIBE)
		kind = BOUNCE_UNSUBSCRIBE;
	switch (kind) {
	case BOUNCE_HARD:
	case BOUNCE_SOFT:
		return act_bounce(p, kind, open, changed, err);
	case BOUNCE_COMPLAINT:
		return act_complaint(p, changed, err);
	case BOUNCE_UNSUBSCRIBE:
		return act_unsubscribe(p, open, changed, err);
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

/* Records the current message (p->key) in the run: m's key and run
 * filled here. */
static int record_message(struct pass *p, struct store_inbox_message *m,
                          struct err *err)
{
	if (p->o->dry_run)
		return 0;
	if (!p->run &&
	    store_inbox_run_begin(p->in, p->o->source, &p->run, err) < 0)
		return -1;
	m->key = p->key.data;
	return store_inbox_record(p->in, p->run, m, err);
}

static int record(struct pass *p, int64_t subscriber, const char *address,
                  const char *outcome, const struct bounce_rcpt *r,
                  const char *verified, struct err *err)
{
	struct store_inbox_message m;

	record_detail(&p->detail, &p->b, r);
	m.class = bounce_class_name(p->b.class);
	m.subscriber = subscriber;
	m.address = address;
	m.outcome = outcome;
	m.detail = p->detail.data;
	m.verified = verified;
	return record_message(p, &m, err);
}

/* A message that is not tied to a message sent: reported, not acted on. */
static int unverified(struct pass *p, size_t i, struct err *err)
{
	const struct bounce *b = &p->b;
	const char *addr = b->nrcpts ? b->rcpts[0].addr : "";

	p->stats->unverified++;
	buf_reset(&p->action);
	if (b->class == BOUNCE_UNSUBSCRIBE && b->token)
		buf_adds(&p->action, "none: unknown token");
	else
		buf_addf(&p->action, "unverified, not acted on: %s",
		         p->tie.data);
	buf_reset(&p->reason);
	buf_add(&p->reason, p->tie.data, p->tie.len);
	say(p, i, b, addr, p->action.data, 0, 0, NULL);
	return record(p, p->named, p->named ? "" : addr, p->action.data,
	              b->nrcpts ? &b->rcpts[0] : NULL, "none", err);
}

/* A mail to a contribution address: the desk's (contrib.h). */
static int contribution(struct pass *p, size_t i, const char *data, size_t len,
                        struct err *err)
{
	const char *mid = contrib_read(p->desk, data, len);
	struct contrib_outcome oc;
	struct store_inbox_message m;
	size_t n = strlen(mid);
	int seen;

	buf_reset(&p->idkey);
	if (n > 2)
		buf_add(&p->idkey, mid + 1, n - 2);
	message_key(&p->key, p->idkey.data, data, len);
	seen = store_inbox_seen(p->in, p->key.data, err);
	if (seen < 0)
		return -1;
	if (seen) {
		p->stats->seen_before++;
		contrib_seen(p->desk, &oc);
		p->contrib = &oc;
		buf_adds(&p->reason, oc.reason);
		say(p, i, NULL, oc.from, "none: read before", 0, 1, NULL);
		p->contrib = NULL;
		return 0;
	}
	if (contrib_act(p->desk, &oc, err) < 0)
		return -1;
	p->stats->contributions++;
	p->stats->pieces += strcmp(oc.action, "added") == 0 ||
	                    strcmp(oc.action, "replaced") == 0 ||
	                    strcmp(oc.action, "withdrawn") == 0;
	p->stats->held += strcmp(oc.action, "held") == 0;
	p->contrib = &oc;
	buf_adds(&p->reason, oc.reason);
	say(p, i, NULL, oc.from, oc.action, 0, 0, NULL);
	p->contrib = NULL;
	buf_reset(&p->detail);
	buf_addf(&p->detail, "%s; issue %s; %s; answer: %s",
	         *oc.partner ? oc.partner : "no partner",
	         *oc.issue ? oc.issue : "none", oc.reason, oc.reply);
	m.class = "contribution";
	m.subscriber = 0;
	m.address = oc.from;
	m.outcome = oc.action;
	m.detail = p->detail.data;
	m.verified = "";
	return record_message(p, &m, err);
}

/* Fetches offered message i afresh: 1, or 0 when it cannot be read
 * (said, counted, left in the mailbox). */
static int fetch(struct pass *p, size_t i, const char **data, size_t *len)
{
	struct err why = ERR_INIT;

	p->file = mailbox_message_name(&p->mb, i);
	p->verified = "none";
	p->done = "none";
	forget_sub(p);
	buf_reset(&p->reason);
	if (mailbox_fetch(&p->mb, i, data, len, &why) < 0) {
		p->stats->unreadable++;
		say(p, i, NULL, "", "left in the mailbox", 0, 0, err_msg(&why));
		err_release(&why);
		return 0;
	}
	return 1;
}

/* Deals with offered message i; *mark says whether to mark it. */
static int one(struct pass *p, size_t i, int *mark, struct err *err)
{
	struct bounce *b = &p->b;
	const char *data;
	size_t len;
	int seen, changed, actionable;

	*mark = 0;
	if (!fetch(p, i, &data, &len))
		return 0;
	if (p->desk && contrib_addressed(data, len, p->o->contrib->prefix)) {
		*mark = 1;
		return contribution(p, i, data, len, err);
	}
	bounce_classify(b, data, len, &p->o->patterns);
	message_key(&p->key, b->message_id, data, len);
	seen = store_inbox_seen(p->in, p->key.data, err);
	if (seen < 0)
		return -1;
	/* What other messages say is for a person to read: leave them. */
	*mark = b->class != BOUNCE_OTHER;
	actionable = b->class != BOUNCE_OTHER && b->class != BOUNCE_AUTOREPLY;
	/* Recognising a report and trusting it are separate questions: the
	 * tie is looked for (and reported) whatever else is done. */
	if (actionable && verify(p, err) < 0)
		return -1;
	if (seen) {
		p->stats->seen_before++;
		buf_adds(&p->reason, "read in an earlier run: nothing done");
		say(p, i, b, "", "none: read before", 0, 1, NULL);
		return 0;
	}
	p->stats->classes[b->class]++;
	if (!actionable) {
		const char *what = b->class == BOUNCE_OTHER
		                           ? "left in the mailbox"
		                           : "ignored";

		buf_adds(&p->reason, b->reason);
		say(p, i, b, b->nrcpts ? b->rcpts[0].addr : "", what, 0, 0,
		    NULL);
		return record(p, 0, b->nrcpts ? b->rcpts[0].addr : "", what,
		              NULL, "", err);
	}
	if (!p->have_sub)
		return unverified(p, i, err);
	if (act(p, &changed, err) < 0)
		return -1;
	p->stats->changed += changed;
	buf_addf(&p->reason, "%s: %s", p->tie.data, p->action.data);
	say(p, i, b, p->sub.email, p->action.data, changed, 0, NULL);
	return record(p, p->sub.id, "", p->action.data, p->r, p->verified, err);
}

/* Commits the batch, then marks its messages in the mailbox. */
static int end_batch(struct pass *p, struct err *err)
{
	if (p->o->dry_run) {
		p->nmark = 0;
		return 0;
	}
	/* The answers and held copies first: a crash between the two sends
	 * the batch's answers again, never loses one. */
	if (contrib_commit(p->desk, err) < 0 || store_commit(p->st, err) < 0)
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

/*
 * Reads offered messages in batches of BATCH, one store transaction each,
 * marking a batch's messages in the mailbox only once it is committed.
 */
static int read_messages(struct pass *p, size_t n, struct err *err)
{
	int in_txn = 0;

	for (size_t i = 0; i < n; i++) {
		int mark;

		if (!p->o->dry_run && !in_txn) {
			if (store_begin(p->st, err) < 0)
				goto fail;
			in_txn = 1;
		}
		if (one(p, i, &mark, err) < 0)
			goto fail;
		if (mark)
			p->to_mark[p->nmark++] = i;
		if (in_txn && ((i + 1) % BATCH == 0 || i + 1 == n)) {
			in_txn = 0;
			if (end_batch(p, err) < 0)
				goto fail;
		}
	}
	return 0;
fail:
	if (in_txn)
		store_rollback(p->st);
	return -1;
}

static void pass_release(struct pass *p)
{
	bounce_release(&p->b);
	free(p->to_mark);
	buf_release(&p->key);
	buf_release(&p->action);
	buf_release(&p->evidence);
	buf_release(&p->detail);
	buf_release(&p->reason);
	buf_release(&p->email);
	buf_release(&p->idkey);
	buf_release(&p->tie);
	forget_sub(p);
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
	        .reason = BUF_INIT,
	        .email = BUF_INIT,
	        .idkey = BUF_INIT,
	        .verified = "none",
	        .done = "none",
	        .tie = BUF_INIT,
	};
	size_t n = 0;
	int ret = -1;

	memset(stats, 0, sizeof(*stats));
	bounce_init(&p.b);
	p.in = store_inbox_open(st, err);
	if (!p.in)
		return -1;
	if (o->contrib) {
		p.desk = contrib_open(st, o->contrib, err);
		if (!p.desk) {
			store_inbox_close(p.in);
			pass_release(&p);
			return -1;
		}
	}
	if (mailbox_open(&p.mb, o->source, &o->mailbox, err) < 0)
		goto close_store;
	if (mailbox_scan(&p.mb, &n, err) < 0)
		goto out;
	stats->messages = (long)n;
	p.total = n;
	p.to_mark = xcalloc(n ? n : 1, sizeof(*p.to_mark));
	if (read_messages(&p, n, err) < 0)
		goto out;
	if (p.run && store_inbox_run_end(p.in, p.run, err) < 0)
		goto out;
	ret = 0;
out:
	mailbox_close(&p.mb);
close_store:
	contrib_close(p.desk);
	store_inbox_close(p.in);
	pass_release(&p);
	return ret;
}
