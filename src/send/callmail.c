#include "callmail.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campaign.h"
#include "issue.h"
#include "lifecycle.h"
#include "letter.h"
#include "render.h"
#include "template.h"
#include "transport.h"
#include "banned.h"

static const char *const kind_names[] = {"call", "remind"};
static const char *const event_names[] = {"called", "reminded"};

/* One run: what every partner's messages share. */
struct run {
	const struct config *cfg;
	struct store *st;
	const struct callmail_options *o;
	struct callmail_counts *counts;
	struct issue is;
	char *deadline; /* "Thursday 21 January 2027", or NULL */
	char day[16];   /* the call log's day, "YYYY-MM-DD" (UTC) */
	struct transport *t;
	struct transport_conn *conn;
	struct buf envelope;
};

static const char *const result_words[] = {
        "sent", "would send", "failed", "already had it today", "has a piece"};

const char *callmail_result_name(enum callmail_result r)
{
	return (unsigned)r < sizeof(result_words) / sizeof(result_words[0])
	               ? result_words[r]
	               : "?";
}

void callmail_summary(const struct callmail_counts *c, int dry_run,
                      struct buf *out)
{
	if (dry_run)
		buf_addf(out, "%ld message%s would be sent", c->would_send,
		         c->would_send == 1 ? "" : "s");
	else
		buf_addf(out, "%ld message%s sent", c->sent,
		         c->sent == 1 ? "" : "s");
	buf_addf(out, " to %ld partner%s", c->partners,
	         c->partners == 1 ? "" : "s");
	if (c->done_today)
		buf_addf(out, "; %ld already had it today", c->done_today);
	if (c->has_piece)
		buf_addf(out, "; %ld already sent a piece", c->has_piece);
	if (c->failed)
		buf_addf(out, "; %ld failed", c->failed);
	if (dry_run)
		buf_adds(out, " (dry run: nothing sent)");
}

void callmail_subject(const struct config *cfg, enum callmail_kind kind,
                      const char *title, struct buf *out)
{
	buf_addf(out, "%s%s: call for contributions", kind ? "Reminder: " : "",
	         cfg->name);
	if (title && *title)
		buf_addf(out, " for %s", title);
}

static void note(struct run *r, const struct store_partner *p,
                 const char *contact, enum callmail_result result,
                 const char *detail)
{
	struct callmail_note n = {p, contact, result, detail ? detail : ""};
	long *count[] = {&r->counts->sent, &r->counts->would_send,
	                 &r->counts->failed, &r->counts->done_today,
	                 &r->counts->has_piece};

	(*count[result])++;
	if (r->o->note)
		r->o->note(&n, r->o->ctx);
}

static struct tmpl_value *
mail_data(struct run *r, const struct store_partner *p, struct tmpl_data *d)
{
	const struct config *cfg = r->cfg;
	struct tmpl_value *root = tmpl_map(d), *nl = tmpl_map(d);
	struct buf b = BUF_INIT;

	tmpl_map_str(d, nl, "name", cfg->name);
	tmpl_map_str(d, nl, "language", cfg->language);
	tmpl_map_str(d, nl, "base_url", cfg->base_url);
	tmpl_map_str(d, nl, "contact",
	             *cfg->reply_to ? cfg->reply_to : cfg->from_addr);
	tmpl_map_set(root, "newsletter", nl);
	tmpl_map_str(d, root, "partner", p->name);
	tmpl_map_str(d, root, "issue_id", r->is.id);
	if (r->is.title && *r->is.title)
		tmpl_map_str(d, root, "issue_title", r->is.title);
	if (r->deadline)
		tmpl_map_str(d, root, "deadline", r->deadline);
	store_partner_link(cfg->base_url, p->secret, &b);
	tmpl_map_str(d, root, "link", b.data);
	buf_reset(&b);
	callmail_subject(cfg, r->o->kind, r->is.title, &b);
	tmpl_map_str(d, root, "subject", b.data);
	buf_reset(&b);
	buf_addf(&b, "%ld", cfg->word_limit);
	tmpl_map_set(root, "word_limit", tmpl_number(d, b.data));
	tmpl_map_bool(d, root, "remind", r->o->kind == CALLMAIL_REMIND);
	tmpl_map_set(root, "sections", render_sections(cfg, d));
	buf_release(&b);
	return root;
}

/* The whole message for one contact of p, appended to out. */
static int build(struct run *r, const struct store_partner *p,
                 const char *contact, struct buf *out, struct err *err)
{
	struct tmpl_data *d = tmpl_data_new();
	struct buf subject = BUF_INIT;
	struct letter l = {
	        .templates = "call-email",
	        .data = mail_data(r, p, d),
	        .to_name = p->name,
	        .to_addr = contact,
	};
	int ret;

	callmail_subject(r->cfg, r->o->kind, r->is.title, &subject);
	l.subject = subject.data;
	ret = letter_build(r->cfg, &l, out, err);
	buf_release(&subject);
	tmpl_data_free(d);
	return ret;
}

/* Sends one message; 0 sent, -1 with why in detail. */
static int deliver(struct run *r, const char *contact, const struct buf *msg,
                   struct buf *detail)
{
	struct transport_result res;
	struct err err = ERR_INIT;

	if (!r->conn)
		r->conn = transport_conn_open(r->t, &err);
	if (!r->conn) {
		buf_adds(detail, err_msg(&err));
		err_release(&err);
		return -1;
	}
	if (transport_send(r->conn, r->envelope.data, contact, msg->data,
	                   msg->len, &res) == 0)
		return 0;
	if (res.reopen) {
		transport_conn_close(r->conn);
		r->conn = NULL;
	}
	buf_addf(detail, "%s (%s): %s", transport_class_name(res.cls),
	         transport_reason_name(res.reason), res.text);
	return -1;
}

/* Sends to every contact of p; returns how many were sent. */
static int send_partner(struct run *r, const struct store_partner *p,
                        struct buf *sent_to)
{
	struct buf msg = BUF_INIT, detail = BUF_INIT;
	struct err one = ERR_INIT;
	int sent = 0;

	for (size_t i = 0; i < p->ncontacts; i++) {
		const char *to = p->contacts[i];

		buf_reset(&msg);
		buf_reset(&detail);
		if (build(r, p, to, &msg, &one) < 0) {
			buf_adds(&detail, err_msg(&one));
			err_release(&one);
		} else if (deliver(r, to, &msg, &detail) == 0) {
			note(r, p, to, CALLMAIL_SENT, NULL);
			buf_addf(sent_to, "%s%s", sent ? ", " : "", to);
			sent++;
			continue;
		}
		note(r, p, to, CALLMAIL_FAILED, detail.data);
	}
	buf_release(&msg);
	buf_release(&detail);
	return sent;
}

const char *callmail_piece_of(const struct issue *is,
                              const struct store_partner *p)
{
	for (size_t i = 0; i < is->n; i++)
		if (store_partner_owns(p, is->v[i].partner))
			return is->v[i].path;
	for (size_t i = 0; i < is->nwithdrawn; i++)
		if (store_partner_owns(p, is->withdrawn[i].partner))
			return is->withdrawn[i].path;
	return NULL;
}

static int one_partner(struct run *r, const struct store_partner *p,
                       struct err *err)
{
	const char *kind = kind_names[r->o->kind], *piece = NULL;
	struct buf sent_to = BUF_INIT;
	int claim, sent;

	if (r->o->kind == CALLMAIL_REMIND &&
	    (piece = callmail_piece_of(&r->is, p))) {
		note(r, p, NULL, CALLMAIL_HAS_PIECE, piece);
		return 0;
	}
	/* A dry run only looks; a real one claims the day first. */
	if (r->o->dry_run)
		claim = store_partner_call_on(r->st, p->id, r->is.id, kind,
		                              r->day, err);
	else
		claim = store_partner_call_claim(r->st, p->id, r->is.id, kind,
		                                 r->day, err);
	if (claim < 0)
		return -1;
	/* Had it today: found claimed (dry run), or not claimable (real). */
	if (r->o->dry_run ? claim == 1 : claim == 0) {
		note(r, p, NULL, CALLMAIL_DONE_TODAY, NULL);
		return 0;
	}
	for (size_t i = 0; r->o->dry_run && i < p->ncontacts; i++)
		note(r, p, p->contacts[i], CALLMAIL_WOULD_SEND, NULL);
	if (r->o->dry_run)
		return 0;
	sent = send_partner(r, p, &sent_to);
	if (sent == 0)
		sent = store_partner_call_unclaim(r->st, p->id, r->is.id, kind,
		                                  r->day, err);
	else
		buf_addf(&sent_to, " (issue %s)", r->is.id);
	if (sent > 0)
		sent = store_partner_event(r->st, p->id,
		                           event_names[r->o->kind], r->o->who,
		                           sent_to.data, err);
	buf_release(&sent_to);
	return sent < 0 ? -1 : 0;
}

/* The issue loaded, open to partners, the date worded; -1 with err. */
static int prepare(struct run *r, struct err *err)
{
	struct lifecycle_window w;
	struct diags d = DIAGS_INIT;
	int64_t now = r->o->now ? r->o->now : (int64_t)time(NULL);
	time_t t = (time_t)now;
	struct tm tm;
	int ret = -1;

	gmtime_r(&t, &tm);
	strftime(r->day, sizeof(r->day), "%Y-%m-%d", &tm);
	if (lifecycle_partner_window(r->cfg, r->st, r->o->issue, now, &w, err) <
	            0 ||
	    issue_load(&r->is, r->cfg, r->o->issue, &d, err) < 0)
		goto out;
	if (!w.open) {
		err_set(err,
		        w.sent ? "issue %s has been sent: partners can no "
		                 "longer add to it"
		               : "the deadline of issue %s has passed: reopen "
		                 "it first with 'bulletin reopen %s --until "
		                 "DATE'",
		        r->o->issue, r->o->issue);
		goto out;
	}
	if (r->is.deadline && *r->is.deadline)
		r->deadline = issue_format_date(r->is.deadline);
	ret = 0;
out:
	diags_release(&d);
	return ret;
}

static int run_partners(struct run *r, struct err *err)
{
	struct store_partners ps;
	int ret = 0;

	if (store_partner_list(r->st, &ps, err) < 0)
		return -1;
	if (!ps.n)
		ret = err_set(err,
		              "there are no partners to write to: add them "
		              "with 'bulletin partners add NAME --contact "
		              "ADDRESS'");
	if (!ret && !r->o->dry_run) {
		r->t = campaign_open_relay(r->cfg, 0, r->o->smtp_password, err);
		if (!r->t)
			ret = -1;
		campaign_envelope_from(r->cfg, "call", &r->envelope);
	}
	r->counts->partners = (long)ps.n;
	for (size_t i = 0; !ret && i < ps.n; i++)
		ret = one_partner(r, &ps.v[i], err);
	store_partners_release(&ps);
	return ret;
}

int callmail_run(const struct config *cfg, struct store *st,
                 const struct callmail_options *o,
                 struct callmail_counts *counts, struct err *err)
{
	struct run r = {.cfg = cfg, .st = st, .o = o, .counts = counts};
	int ret = -1;

	memset(counts, 0, sizeof(*counts));
	buf_init(&r.envelope);
	if (!cfg->ntransports && !o->dry_run)
		err_set(err, "bulletin.yaml: delivery.transport is empty");
	else if (prepare(&r, err) == 0)
		ret = run_partners(&r, err);
	if (r.conn)
		transport_conn_close(r.conn);
	if (r.t)
		transport_free(r.t);
	buf_release(&r.envelope);
	free(r.deadline);
	issue_release(&r.is);
	return ret;
}
