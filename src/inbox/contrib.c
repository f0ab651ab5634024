#include "contrib.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "contrib_reply.h"
#include "docx.h"
#include "file.h"
#include "issue.h"
#include "lifecycle.h"
#include "markdown.h"
#include "submission.h"
#include "store_partner.h"
#include "suggest.h"
#include "transport.h"
#include "banned.h"

#define HOUR 3600

struct contrib {
	struct store *st;
	const struct contrib_options *o;
	const char *own[4]; /* the newsletter's addresses (see reply rules) */
	struct buf own_family;
	struct transport *out, *held;
	struct transport_conn *out_conn, *held_conn;

	/* The message read last. */
	const char *msg;
	size_t len;
	struct contrib_mail cm;
	struct store_partner partner;
	int have_partner;

	/* Answers per partner in the last hour, counted from the events
	 * once per run and kept up here (a walk per mail grows with them). */
	struct sent {
		int64_t partner;
		long n;
	} * sent;
	size_t nsent;

	/* Issue folders saved in since the last commit, to flush then. */
	char **unflushed;
	size_t nunflushed;

	/* What became of it: the outcome's strings. */
	struct buf action, issue, path, reason, reply, title, text;
	char *secret;
};

static time_t now_of(const struct contrib *c)
{
	return c->o->now ? c->o->now : time(NULL);
}

struct contrib *contrib_open(struct store *st, const struct contrib_options *o,
                             struct err *err)
{
	struct contrib *c = xcalloc(1, sizeof(*c));
	const struct config *cfg = o->cfg;

	c->st = st;
	c->o = o;
	buf_init(&c->own_family);
	buf_addf(&c->own_family, "%s@%s", o->prefix, cfg->from_domain);
	c->own[0] = cfg->from_addr;
	c->own[1] = cfg->reply_to;
	c->own[2] = c->own_family.data;
	c->own[3] = "bounces+@";
	buf_init(&c->action);
	buf_init(&c->issue);
	buf_init(&c->path);
	buf_init(&c->reason);
	buf_init(&c->reply);
	buf_init(&c->title);
	buf_init(&c->text);
	contrib_mail_init(&c->cm);
	(void)err;
	return c;
}

/* Notes that the folder of issue id needs a flush at the commit. */
static void unflushed(struct contrib *c, const char *id)
{
	for (size_t i = 0; i < c->nunflushed; i++)
		if (!strcmp(c->unflushed[i], id))
			return;
	c->unflushed = xrealloc(c->unflushed,
	                        (c->nunflushed + 1) * sizeof(*c->unflushed));
	c->unflushed[c->nunflushed++] = xstrdup(id);
}

static void forget_unflushed(struct contrib *c)
{
	for (size_t i = 0; i < c->nunflushed; i++)
		free(c->unflushed[i]);
	free(c->unflushed);
	c->unflushed = NULL;
	c->nunflushed = 0;
}

/* Flushes the issue folders saved in, so the names of their new files
 * are on disk (the files themselves were flushed when written). */
static int flush_folders(struct contrib *c, struct err *err)
{
	struct buf path = BUF_INIT;
	int ret = 0;

	for (size_t i = 0; i < c->nunflushed && !ret; i++) {
		int fd;

		buf_reset(&path);
		config_path(c->o->cfg, &path, "issues/%s", c->unflushed[i]);
		fd = open(path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) < 0)
			ret = err_errno(err,
			                "issues/%s: cannot flush the folder",
			                c->unflushed[i]);
		if (fd >= 0)
			close(fd);
	}
	buf_release(&path);
	if (!ret)
		forget_unflushed(c);
	return ret;
}

int contrib_commit(struct contrib *c, struct err *err)
{
	if (!c)
		return 0;
	if (flush_folders(c, err) < 0 ||
	    transport_conn_commit(c->out_conn, err) < 0 ||
	    transport_conn_commit(c->held_conn, err) < 0)
		return -1;
	return 0;
}

static void forget_partner(struct contrib *c)
{
	if (c->have_partner)
		store_partner_release(&c->partner);
	c->have_partner = 0;
}

void contrib_close(struct contrib *c)
{
	if (!c)
		return;
	if (c->out_conn)
		transport_conn_close(c->out_conn);
	if (c->held_conn)
		transport_conn_close(c->held_conn);
	transport_free(c->out);
	transport_free(c->held);
	forget_partner(c);
	forget_unflushed(c);
	contrib_mail_release(&c->cm);
	buf_release(&c->own_family);
	buf_release(&c->action);
	buf_release(&c->issue);
	buf_release(&c->path);
	buf_release(&c->reason);
	buf_release(&c->reply);
	buf_release(&c->title);
	buf_release(&c->text);
	free(c->secret);
	free(c->sent);
	free(c);
}

/* ---- reading ---- */

/* The header of msg: up to the first empty line. */
static size_t header_len(const char *msg, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (msg[i] == '\n' &&
		    (msg[i + 1] == '\n' ||
		     (msg[i + 1] == '\r' && i + 2 < len && msg[i + 2] == '\n')))
			return i + 1;
	return len;
}

int contrib_addressed(const char *msg, size_t len, const char *prefix)
{
	static const char *const fields[] = {"to:", "cc:", "delivered-to:",
	                                     "x-original-to:", "envelope-to:"};
	size_t h = header_len(msg, len), k = strlen(prefix);
	int in_field = 0;

	for (size_t i = 0; i < h; i++) {
		if (i == 0 || msg[i - 1] == '\n') {
			if (msg[i] != ' ' && msg[i] != '\t') {
				in_field = 0;
				for (size_t f = 0; f < 5; f++)
					in_field |=
					        !strncasecmp(msg + i, fields[f],
					                     strlen(fields[f]));
			}
		}
		if (in_field && i + k <= h &&
		    !strncasecmp(msg + i, prefix, k) &&
		    (i == 0 || strchr(" \t<,:\"", msg[i - 1])))
			return 1;
	}
	return 0;
}

const char *contrib_read(struct contrib *c, const char *msg, size_t len)
{
	struct contrib_limits lim = {c->o->attachment_max, 0};

	c->msg = msg;
	c->len = len;
	contrib_mail_parse(&c->cm, msg, len, &lim);
	return c->cm.message_id;
}

/* ---- sections and types ---- */

/* s without case, spaces, dashes or punctuation, into out. */
static void squash(const char *s, struct buf *out)
{
	buf_reset(out);
	for (; *s; s++)
		if (isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
			buf_addch(out, tolower((unsigned char)*s));
}

const char *contrib_section_key(const struct config *cfg, const char *s)
{
	struct buf want = BUF_INIT, key = BUF_INIT, title = BUF_INIT;
	const char *found = NULL, **cands;
	size_t n = cfg->nsections;

	squash(s, &want);
	for (size_t i = 0; i < n && !found && want.len; i++) {
		squash(cfg->sections[i].key, &key);
		squash(cfg->sections[i].title, &title);
		if (!strcmp(want.data, key.data) ||
		    !strcmp(want.data, title.data) ||
		    (want.len >= 5 && strstr(title.data, want.data)))
			found = cfg->sections[i].key;
	}
	if (!found && want.len) {
		cands = xcalloc(n ? n : 1, sizeof(*cands));
		for (size_t i = 0; i < n; i++)
			cands[i] = cfg->sections[i].key;
		found = suggest_nearest(s, cands, n);
		free((void *)cands);
	}
	buf_release(&want);
	buf_release(&key);
	buf_release(&title);
	return found;
}

/* "Case study", "case-study", "CaseStudy" -> "case-study"; else as is. */
static const char *type_key(const char *s)
{
	struct buf want = BUF_INIT, t = BUF_INIT;
	const char *found = s;

	squash(s, &want);
	for (size_t i = 0; i < 4; i++) {
		squash(issue_types[i], &t);
		if (!strcmp(want.data, t.data) ||
		    (!strcmp(issue_types[i], "event") &&
		     !strcmp(want.data, "events")))
			found = issue_types[i];
	}
	buf_release(&want);
	buf_release(&t);
	return found;
}

/* ---- the issue ---- */

/*
 * The issue the piece goes to (into c->issue): the one the subject names,
 * else the open one with the nearest deadline. 1 found and open; 0 not
 * (the reason in c->reason for the sender); -1 error.
 */
static int choose_issue(struct contrib *c, struct err *err)
{
	const struct config *cfg = c->o->cfg;
	const char *named = c->cm.subj.issue;
	struct lifecycle_window w;
	int64_t now = (int64_t)now_of(c);
	int found;

	buf_reset(&c->issue);
	if (!*named) {
		found = lifecycle_open_issue(cfg, c->st, now, &c->issue, err);
		if (found == 0)
			buf_adds(&c->reason,
			         "no issue is open for pieces just now");
		return found;
	}
	if (!lifecycle_issue_exists(cfg, named)) {
		buf_addf(&c->reason,
		         "there is no issue %s: check the [...] in your "
		         "subject",
		         named);
		return 0;
	}
	if (lifecycle_partner_window(cfg, c->st, named, now, &w, err) < 0)
		return -1;
	if (!w.open) {
		buf_addf(&c->reason, "issue %s is closed to new pieces (%s)",
		         named, w.why);
		return 0;
	}
	buf_adds(&c->issue, named);
	return 1;
}

/* ---- the partner's piece of a title ---- */

/*
 * The slug of the partner's piece titled title in the issue (into slug):
 * 1 found, 0 none, -1 error. The names piece_save gives a title are
 * tried in turn ("title", "title-2", ...) until one is free.
 */
static int find_piece(struct contrib *c, const char *title, struct buf *slug,
                      struct err *err)
{
	const struct config *cfg = c->o->cfg;
	struct buf base = BUF_INIT, name = BUF_INIT, path = BUF_INIT;
	int r = 0;

	submission_slug(title, &base);
	for (int i = 1; i < 50 && !r; i++) {
		struct issue is;
		struct diags d = DIAGS_INIT;
		const struct contribution *k;
		struct stat sb;

		buf_reset(&name);
		buf_add(&name, base.data, base.len);
		if (i > 1)
			buf_addf(&name, "-%d", i);
		buf_reset(&path);
		config_path(cfg, &path, "issues/%s/%s.md", c->issue.data,
		            name.data);
		if (lstat(path.data, &sb) < 0)
			break;
		buf_adds(&name, ".md");
		if (issue_load_one(&is, cfg, c->issue.data, name.data, &d,
		                   err) < 0) {
			r = -1;
			diags_release(&d);
			break;
		}
		k = submission_of(&is);
		if (k && store_partner_owns(&c->partner, k->partner) &&
		    k->title && !strcasecmp(k->title, title)) {
			buf_reset(slug);
			buf_add(slug, name.data, name.len - 3);
			r = 1;
		}
		issue_release(&is);
		diags_release(&d);
	}
	buf_release(&base);
	buf_release(&name);
	buf_release(&path);
	return r;
}

/* ---- mail out: the held folder and the answers ---- */

/* Opens url (a relative maildir: in the workspace) once. */
static int open_once(struct contrib *c, const char *url, struct transport **t,
                     struct transport_conn **conn, struct err *err)
{
	const struct config *cfg = c->o->cfg;
	struct transport_options to = {
	        .tls = !strcmp(cfg->tls, "none") ? TRANSPORT_TLS_NONE
	                                         : TRANSPORT_TLS_DEFAULT,
	        .ca_file = *cfg->ca_file ? cfg->ca_file : NULL,
	        .username = *cfg->smtp_user ? cfg->smtp_user : NULL,
	        .password = getenv("BULLETIN_SMTP_PASSWORD"),
	        /* Made durable by contrib_commit, with the store's batch. */
	        .group_commit = 1,
	};
	struct buf u = BUF_INIT;

	if (*conn)
		return 0;
	if (!strncmp(url, "maildir:", 8) && url[8] != '/') {
		buf_adds(&u, "maildir:");
		config_path(cfg, &u, "%s", url + 8);
	} else {
		buf_adds(&u, url);
	}
	*t = transport_open(u.data, &to, err);
	buf_release(&u);
	if (!*t)
		return -1;
	*conn = transport_conn_open(*t, err);
	return *conn ? 0 : -1;
}

/* Keeps a copy of the message in the held Maildir (not on a dry run). */
static int hold(struct contrib *c, struct err *err)
{
	struct transport_result res;
	struct buf url = BUF_INIT;
	int r;

	buf_adds(&c->action, "held");
	if (c->o->dry_run)
		return 0;
	buf_addf(&url, "maildir:%s", c->o->held);
	r = open_once(c, url.data, &c->held, &c->held_conn, err);
	buf_release(&url);
	if (r < 0)
		return -1;
	memset(&res, 0, sizeof(res));
	if (transport_send(c->held_conn, c->o->cfg->from_addr,
	                   c->o->cfg->from_addr, c->msg, c->len, &res) < 0)
		return err_set(err, "cannot keep the message in %s: %s",
		               c->o->held, res.text);
	return 0;
}

struct count {
	int64_t since;
	long n;
};

static int count_reply(const struct store_partner_ev *ev, void *ctx)
{
	struct count *k = ctx;

	if (ev->at >= k->since && !strcmp(ev->what, "mail-replied"))
		k->n++;
	return 0;
}

/* The partner's count of answers in the last hour, or NULL on error. */
static long *sent_count(struct contrib *c, struct err *err)
{
	struct count k = {(int64_t)now_of(c) - HOUR, 0};

	for (size_t i = 0; i < c->nsent; i++)
		if (c->sent[i].partner == c->partner.id)
			return &c->sent[i].n;
	if (store_partner_each_event(c->st, c->partner.id, count_reply, &k,
	                             err) < 0)
		return NULL;
	c->sent = xrealloc(c->sent, (c->nsent + 1) * sizeof(*c->sent));
	c->sent[c->nsent].partner = c->partner.id;
	c->sent[c->nsent].n = k.n;
	return &c->sent[c->nsent++].n;
}

/* Whether the partner may get another answer this hour: 1, 0, -1. */
static int reply_allowed(struct contrib *c, struct err *err)
{
	long *n = sent_count(c, err);

	return n ? *n < c->o->replies_per_hour : -1;
}

/* Sends text to one contact, as an answer to the message read. */
static int send_one(struct contrib *c, const char *to, const char *subject,
                    const char *text, struct err *err)
{
	const struct config *cfg = c->o->cfg;
	struct contrib_reply r = {
	        .date = now_of(c),
	        .from_name = *cfg->from_name ? cfg->from_name : cfg->name,
	        .from_addr = cfg->from_addr,
	        .to_addr = to,
	        .subject = subject,
	        .in_reply_to = c->cm.message_id,
	        .references = c->cm.references,
	        .text = text,
	};
	struct buf msg = BUF_INIT;
	struct transport_result res;
	int ret = -1;

	if (contrib_reply_write(&msg, &r, NULL, err) < 0)
		goto out;
	if (!cfg->ntransports) {
		err_set(err, "bulletin.yaml: delivery.transport is empty");
		goto out;
	}
	if (open_once(c, cfg->transports[0], &c->out, &c->out_conn, err) < 0)
		goto out;
	memset(&res, 0, sizeof(res));
	/* RFC 3834 §3.3: an automatic answer goes with a null sender, so
	 * nothing answers it in turn. */
	if (transport_send(c->out_conn, "", to, msg.data, msg.len, &res) < 0) {
		err_set(err, "the answer to %s was not sent: %s", to, res.text);
		goto out;
	}
	ret = store_partner_event(c->st, c->partner.id, "mail-replied", "mail",
	                          to, err);
	if (!ret)
		(*sent_count(c, err))++;
out:
	buf_release(&msg);
	return ret;
}

/*
 * Answers the partner's contacts in to[] (n of them) within the hourly
 * allowance; c->reply says what was done. A failed send is reported,
 * not an error of the run.
 */
static int answer(struct contrib *c, const char *const *to, size_t n,
                  const char *subject, const char *text, struct err *err)
{
	int ok = c->have_partner ? reply_allowed(c, err) : 0;

	buf_reset(&c->reply);
	if (ok < 0)
		return -1;
	if (!ok) {
		buf_addf(&c->reply,
		         "none: %ld answers to this partner in the "
		         "last hour already",
		         c->o->replies_per_hour);
		return 0;
	}
	buf_adds(&c->reply, c->o->dry_run ? "would be sent to" : "sent to");
	for (size_t i = 0; i < n; i++) {
		struct err why = ERR_INIT;

		buf_addf(&c->reply, "%s %s", i ? "," : "", to[i]);
		if (!c->o->dry_run &&
		    send_one(c, to[i], subject, text, &why) < 0) {
			buf_reset(&c->reply);
			buf_addf(&c->reply, "failed: %s", err_msg(&why));
			err_release(&why);
			return 0;
		}
		err_release(&why);
	}
	return 0;
}

/* "Re: SUBJECT" for an answer. */
static void re_subject(const struct contrib *c, struct buf *out)
{
	buf_addf(out, "Re: %.200s",
	         *c->cm.subject ? c->cm.subject : "your piece");
}

/* Answers the sender alone (a contact: checked before). */
static int answer_sender(struct contrib *c, const char *text, struct err *err)
{
	struct buf subject = BUF_INIT;
	const char *to[1] = {c->cm.from};
	int r;

	re_subject(c, &subject);
	r = answer(c, to, 1, subject.data, text, err);
	buf_release(&subject);
	return r;
}

/* ---- the answer's text ---- */

static void add_lines(struct buf *out, const char *head, const char *lines)
{
	const char *p = lines;

	if (!*lines)
		return;
	buf_addf(out, "%s\n", head);
	while (*p) {
		size_t k = strcspn(p, "\n");

		buf_adds(out, "  - ");
		buf_add(out, p, k);
		buf_addch(out, '\n');
		p += k + (p[k] == '\n');
	}
	buf_addch(out, '\n');
}

/* The piece as the text version of the newsletter shows it. */
static void text_version(struct buf *out, const struct contribution *k)
{
	struct markdown_opts mo;
	size_t at = out->len, tl;

	memset(&mo, 0, sizeof(mo));
	mo.width = 72;
	buf_adds(out, k->title ? k->title : "");
	tl = out->len - at;
	buf_addch(out, '\n');
	for (size_t i = 0; i < tl && i < 72; i++)
		buf_addch(out, '=');
	buf_adds(out, "\n\n");
	if (k->summary && *k->summary)
		buf_addf(out, "%s\n\n", k->summary);
	if (k->image)
		buf_addf(out, "[Image: %s]\n\n",
		         k->image_alt && *k->image_alt ? k->image_alt
		                                       : "no description yet");
	if (k->doc)
		markdown_text(k->doc, &mo, out);
}

/* The sections, as a partner would write them: "Best start (best-start), ...".
 */
static void section_names(const struct config *cfg, struct buf *out)
{
	for (size_t i = 0; i < cfg->nsections; i++)
		buf_addf(out, "%s%s", i ? "; " : "", cfg->sections[i].title);
}

/*
 * A check in the words of someone who sent the piece by email: the
 * compiler's messages name lines of a file ('section: ', "the details at
 * the top"), which this partner never saw; they wrote an email, whose
 * subject is the title and whose first lines may be Section:, Type:,
 * Event: and Alt:. Others read as they are.
 */
static void mail_message(const struct config *cfg, const struct diag *g,
                         const struct contribution *k, struct buf *out)
{
	const char *code = g->code;

	if (!strcmp(code, "missing-title")) {
		buf_adds(out, "your email had no subject: the subject is the "
		              "piece's title, so send it again with one");
	} else if (!strcmp(code, "missing-section") ||
	           !strcmp(code, "unknown-section")) {
		if (k && k->section && *k->section)
			buf_addf(out,
			         "we could not tell which section \"%s\" "
			         "is. ",
			         k->section);
		buf_adds(out, "Say which section your piece is for: start "
		              "your email with a line like 'Section: ");
		buf_adds(out, cfg->nsections ? cfg->sections[0].title : "");
		buf_adds(out, "'. The sections are: ");
		section_names(cfg, out);
	} else if (!strcmp(code, "unknown-type")) {
		buf_addf(out,
		         "we do not know the kind of piece \"%s\": start your "
		         "email with a line 'Type: ' and one of news, case "
		         "study, event or opportunity",
		         k && k->type ? k->type : "");
	} else if (!strcmp(code, "event-start") || !strcmp(code, "event-end")) {
		buf_adds(out, "an event needs its day and times: start your "
		              "email with a line like 'Event: 2027-01-21 10:00 "
		              "to 12:00, Town Hall, Luton'");
	} else if (!strcmp(code, "image-alt")) {
		buf_addf(out,
		         "describe what the picture shows, for people who "
		         "cannot see it (%s): start your email with a line "
		         "'Alt: ' and a few words",
		         k && k->image ? k->image : "the picture");
	} else {
		buf_adds(out, g->msg);
	}
}

/* The checks, the text version, the link: the answer to a saved piece. */
static int piece_answer(struct contrib *c, const char *slug, int replaced,
                        struct err *err)
{
	struct issue is;
	struct diags d = DIAGS_INIT;
	struct buf fix = BUF_INIT, *t = &c->text;
	const struct contribution *k;
	int r = submission_check(c->o->cfg, c->issue.data, slug, &is, &d, err);

	if (r < 0)
		goto out;
	k = r ? submission_of(&is) : NULL;
	buf_reset(t);
	buf_addf(t,
	         "Hello,\n\nThank you. %s your piece \"%s\" %s issue "
	         "%s%s%s.\n\n",
	         replaced ? "We have replaced" : "We have added", c->title.data,
	         replaced ? "in" : "to", c->issue.data, is.title ? ", " : "",
	         is.title ? is.title : "");
	if (replaced)
		buf_adds(t, "The version you sent before is kept, in case you "
		            "need it.\n\n");
	for (size_t i = 0; i < d.n; i++) {
		buf_adds(&fix,
		         d.v[i].level == DIAG_ERROR ? "Please fix: " : "");
		mail_message(c->o->cfg, &d.v[i], k, &fix);
		buf_addch(&fix, '\n');
	}
	buf_add(&fix, c->cm.problems.data, c->cm.problems.len);
	if (fix.len)
		add_lines(t, "What to check:", fix.data);
	else
		buf_adds(t, "Our checks found nothing to fix.\n\n");
	add_lines(t, "Good to know:", c->cm.notes.data);
	if (k) {
		buf_adds(t, "Your piece as it will read in the text version of "
		            "the newsletter:\n\n------------------------------"
		            "------------------------------\n");
		text_version(t, k);
		buf_adds(t, "------------------------------------------------"
		            "------------\n\n");
	}
	r = 0;
	issue_release(&is);
out:
	diags_release(&d);
	buf_release(&fix);
	return r;
}

/* The end of every answer to a partner: how to change or withdraw. */
static void answer_footer(struct contrib *c)
{
	buf_addf(&c->text,
	         "To change it, send the whole piece again with the same "
	         "subject, or use your page:\n%s/contribute/%s\n\n"
	         "To take it out, send an email with the subject:\n"
	         "Withdraw: %s\n\n"
	         "This is an automatic answer from %s.\n",
	         c->o->cfg->base_url, c->partner.secret, c->title.data,
	         c->o->cfg->name);
}

/* ---- acting ---- */

static int is_contact(const struct store_partner *p, const char *addr)
{
	for (size_t i = 0; i < p->ncontacts; i++)
		if (!strcasecmp(p->contacts[i], addr))
			return 1;
	return 0;
}

static int event(struct contrib *c, const char *what, const char *detail,
                 struct err *err)
{
	if (c->o->dry_run)
		return 0;
	return store_partner_event(c->st, c->partner.id, what, "mail", detail,
	                           err);
}

/* A valid secret from an address not on file: held, the contacts told. */
static int stranger(struct contrib *c, struct err *err)
{
	struct buf detail = BUF_INIT, subject = BUF_INIT;
	int r;

	buf_addf(&c->reason,
	         "%s is not a contact of %s: held for the comms "
	         "team",
	         c->cm.from, c->partner.name);
	buf_addf(&detail, "held: from %.200s, subject \"%.200s\"", c->cm.from,
	         c->cm.subject);
	buf_reset(&c->text);
	buf_addf(&c->text,
	         "Hello,\n\nSomeone sent a piece to %s's contribution address "
	         "from %s, which is not one of the addresses we have for "
	         "%s.\nThe subject was: %s\n\nNothing has been published. The "
	         "message is waiting for the communications team.\nIf a "
	         "colleague sent it, ask the team to add their address. If "
	         "you don't know who sent it, ask the team for a new "
	         "contribution address.\n\nThis is an automatic message from "
	         "%s.\n",
	         c->partner.name, c->cm.from, c->partner.name, c->cm.subject,
	         c->o->cfg->name);
	buf_adds(&subject, "Someone else used your contribution address");
	r = hold(c, err) < 0 || event(c, "mail-held", detail.data, err) < 0 ||
	                    answer(c, (const char *const *)c->partner.contacts,
	                           c->partner.ncontacts, subject.data,
	                           c->text.data, err) < 0
	            ? -1
	            : 0;
	buf_release(&detail);
	buf_release(&subject);
	return r;
}

/* Refused, or no issue to go to: held, the sender told why. */
static int held_told(struct contrib *c, const char *what, const char *why,
                     struct err *err)
{
	struct buf detail = BUF_INIT;
	int r;

	buf_addf(&detail, "%s: %.300s", what, c->reason.data);
	buf_reset(&c->text);
	buf_addf(&c->text,
	         "Hello,\n\nThank you for your email \"%s\". We "
	         "could not use it: %s\n\nNothing has been "
	         "changed. The communications team can see your "
	         "message.\n\nThis is an automatic answer from %s.\n",
	         c->cm.subject, why, c->o->cfg->name);
	r = hold(c, err) < 0 || event(c, what, detail.data, err) < 0 ||
	                    answer_sender(c, c->text.data, err) < 0
	            ? -1
	            : 0;
	buf_release(&detail);
	return r;
}

static int withdraw(struct contrib *c, struct err *err)
{
	struct buf slug = BUF_INIT;
	struct submission_saved saved;
	int r = find_piece(c, c->title.data, &slug, err);

	memset(&saved, 0, sizeof(saved));
	buf_reset(&c->text);
	if (r <= 0) {
		buf_adds(&c->action, "none");
		buf_addf(&c->reason, "no piece of %s titled \"%s\" in issue %s",
		         c->partner.name, c->title.data, c->issue.data);
		buf_addf(&c->text,
		         "Hello,\n\nYou asked us to take out \"%s\", "
		         "but we have no piece of yours with that "
		         "title in issue %s. Nothing has been "
		         "changed.\n\n",
		         c->title.data, c->issue.data);
	} else {
		buf_adds(&c->action, "withdrawn");
		buf_addf(&c->reason, "withdrawn by mail from %s", c->cm.from);
		if (!c->o->dry_run &&
		    (submission_withdraw(c->o->cfg, c->issue.data, slug.data,
		                         "withdrawn by email", &saved,
		                         err) < 0 ||
		     submission_record(c->st, c->issue.data, &saved, "mail",
		                       err) < 0 ||
		     event(c, "piece-withdrawn", saved.path, err) < 0))
			r = -1;
		buf_addf(&c->text,
		         "Hello,\n\nWe have taken out your piece "
		         "\"%s\" from issue %s. It is kept, so the "
		         "communications team can bring it back if "
		         "you ask.\n\n",
		         c->title.data, c->issue.data);
		if (saved.path)
			buf_adds(&c->path, saved.path);
	}
	buf_addf(&c->text, "This is an automatic answer from %s.\n",
	         c->o->cfg->name);
	if (r >= 0)
		r = answer_sender(c, c->text.data, err);
	submission_saved_release(&saved);
	buf_release(&slug);
	return r < 0 ? -1 : 0;
}

/* The piece's fields from the mail (borrowed from c). */
static void fields(struct contrib *c, struct submission *p)
{
	const struct contrib_details *d = &c->cm.details;
	const char *section =
	        *d->section ? contrib_section_key(c->o->cfg, d->section) : NULL;

	memset(p, 0, sizeof(*p));
	p->title = c->title.data;
	p->partner = c->partner.name;
	p->author = *d->author ? d->author : NULL;
	/* Not near any section: as written, for the check to name. */
	p->section = section ? section : d->section;
	/* An Event line makes an event unless the type says otherwise. */
	p->type = *d->type ? type_key(d->type) : *d->start ? "event" : NULL;
	p->summary = d->summary;
	p->image_alt = d->alt;
	p->start = d->start;
	p->end = d->end;
	p->location = d->location;
	p->body = c->cm.body.data;
	/* Once for the batch, by contrib_commit. */
	p->folder_flushed_by_caller = 1;
}

/* Pictures after the first, kept beside the piece for the partner under
 * generated names (never a name from the mail or the document). */
static int keep_pictures(struct contrib *c, const char *slug, struct err *err)
{
	const struct contrib_mail *cm = &c->cm;
	struct buf path = BUF_INIT, names = BUF_INIT;
	int ret = 0;

	for (size_t i = 1; i < cm->nimages && !ret; i++) {
		const char *ext =
		        cm->images[i].image.type == IMAGE_PNG    ? "png"
		        : cm->images[i].image.type == IMAGE_JPEG ? "jpg"
		        : cm->images[i].image.type == IMAGE_GIF  ? "gif"
		                                                 : "webp";
		size_t at;

		buf_reset(&path);
		config_path(c->o->cfg, &path, "issues/%s/", c->issue.data);
		at = path.len;
		buf_addf(&path, "%s-photo-%zu.%s", slug, i + 1, ext);
		/* One already there from an earlier version stays. */
		if (access(path.data, F_OK) < 0 &&
		    file_write_atomic(path.data, cm->images[i].data,
		                      cm->images[i].len, 0644, FILE_DURABLE,
		                      err) < 0)
			ret = -1;
		buf_addf(&names, "%s%s", i > 1 ? ", " : "", path.data + at);
	}
	if (cm->nimages > 1 && !ret)
		buf_addf(&c->cm.notes,
		         "%zu more %s kept beside your piece for you to place: "
		         "%s (to use one, write ![what it shows](its name) "
		         "where it belongs in your piece)\n",
		         cm->nimages - 1,
		         cm->nimages > 2 ? "pictures were" : "picture was",
		         names.data);
	buf_release(&path);
	buf_release(&names);
	return ret;
}

/* The pictures of a Word file, after the mail's own: taken out of its
 * text (the first of all becomes the piece's image, the others wait for
 * the partner to place them). */
static void word_pictures(struct contrib *c, struct docx *x, const char *name)
{
	struct contrib_mail *cm = &c->cm;
	size_t dropped = 0;

	docx_unplace_pictures(x);
	for (size_t i = 0; i < x->npictures; i++) {
		struct docx_picture *p = &x->pictures[i];
		struct contrib_file *f;
		struct image_info info;
		struct err why = ERR_INIT;
		struct buf label = BUF_INIT;

		if (!p->ext || image_probe(p->data, p->len, &info, &why) < 0) {
			dropped++;
			err_release(&why);
			continue;
		}
		cm->images = xrealloc(cm->images,
		                      (cm->nimages + 1) * sizeof(*cm->images));
		f = &cm->images[cm->nimages++];
		buf_addf(&label, "picture %zu of %s", i + 1, name);
		f->name = buf_detach(&label);
		f->data = p->data;
		f->len = p->len;
		f->image = info;
		p->data = NULL;
	}
	if (dropped)
		buf_addf(&cm->problems,
		         "%zu %s in %s %s in a format email cannot show, so "
		         "%s left out: send %s as JPEG or PNG\n",
		         dropped, dropped > 1 ? "pictures" : "picture", name,
		         dropped > 1 ? "are" : "is",
		         dropped > 1 ? "they were" : "it was",
		         dropped > 1 ? "them" : "it");
}

/* A Word file's text (and pictures) as the piece, when the mail has no
 * text. */
static void word_body(struct contrib *c)
{
	struct contrib_mail *cm = &c->cm;
	const struct contrib_file *w = cm->docx;
	struct err why = ERR_INIT;
	struct docx x;

	if (cm->body.len || !cm->ndocx)
		return;
	if (docx_convert(w->data, w->len, &x, &why) < 0) {
		buf_addf(&cm->problems, "%s could not be read: %s\n", w->name,
		         err_msg(&why));
	} else {
		word_pictures(c, &x, w->name);
		buf_add(&cm->body, x.markdown.data, x.markdown.len);
	}
	docx_release(&x);
	err_release(&why);
}

static int save(struct contrib *c, struct err *err)
{
	struct buf slug = BUF_INIT;
	struct submission p;
	struct submission_image img = {SUBMISSION_IMAGE_KEEP, NULL, 0};
	struct submission_saved saved;
	int found = find_piece(c, c->title.data, &slug, err), r = -1;

	memset(&saved, 0, sizeof(saved));
	if (found < 0)
		goto out;
	buf_adds(&c->action, found ? "replaced" : "added");
	buf_addf(&c->reason, "%s piece of %s by mail from %s",
	         found ? "a new version of a" : "a new", c->partner.name,
	         c->cm.from);
	if (c->o->dry_run) {
		buf_addf(&c->reply, "would be sent to %s", c->cm.from);
		r = 0;
		goto out;
	}
	fields(c, &p);
	if (c->cm.nimages) {
		img.change = SUBMISSION_IMAGE_REPLACE;
		img.data = c->cm.images[0].data;
		img.len = c->cm.images[0].len;
	}
	unflushed(c, c->issue.data);
	if (submission_save(c->o->cfg, c->issue.data, found ? slug.data : NULL,
	                    &p, &img, c->o->attachment_max, &saved, err) < 0 ||
	    submission_record(c->st, c->issue.data, &saved, "mail", err) < 0 ||
	    event(c, found ? "piece-replaced" : "piece-added", saved.path,
	          err) < 0 ||
	    keep_pictures(c, saved.slug, err) < 0)
		goto out;
	buf_adds(&c->path, saved.path);
	if (piece_answer(c, saved.slug, found, err) < 0)
		goto out;
	answer_footer(c);
	r = answer_sender(c, c->text.data, err);
out:
	submission_saved_release(&saved);
	buf_release(&slug);
	return r;
}

static void outcome(struct contrib *c, struct contrib_outcome *oc)
{
	oc->action = c->action.len ? c->action.data : "none";
	oc->partner = c->have_partner ? c->partner.name : "";
	oc->from = c->cm.from;
	oc->title = c->title.data;
	oc->issue = c->issue.data;
	oc->path = c->path.data;
	oc->reason = c->reason.data;
	oc->reply = c->reply.len ? c->reply.data : "none";
	oc->message_id = c->cm.message_id;
}

static void reset(struct contrib *c)
{
	forget_partner(c);
	buf_reset(&c->action);
	buf_reset(&c->issue);
	buf_reset(&c->path);
	buf_reset(&c->reason);
	buf_reset(&c->reply);
	buf_reset(&c->title);
	buf_reset(&c->text);
	free(c->secret);
	c->secret = contrib_mail_secret(&c->cm, c->o->prefix, NULL);
	buf_adds(&c->title,
	         *c->cm.details.title ? c->cm.details.title : c->cm.subj.title);
}

void contrib_seen(struct contrib *c, struct contrib_outcome *oc)
{
	reset(c);
	buf_adds(&c->action, "none");
	buf_adds(&c->reason, "read in an earlier run: nothing done");
	outcome(c, oc);
}

/* Who sent it and whether they may: 1 go on, 0 dealt with, -1 error. */
static int sender(struct contrib *c, struct err *err)
{
	const char *quiet = contrib_reply_refused(&c->cm, c->own, 4);
	int r;

	if (quiet) {
		/* No piece, no answer, no copy: nothing to loop on. */
		buf_adds(&c->action, "ignored");
		buf_addf(&c->reason, "%s: no piece, no answer", quiet);
		return 0;
	}
	r = c->secret ? store_partner_find_secret(c->st, c->secret, &c->partner,
	                                          err)
	              : 0;
	if (r < 0)
		return -1;
	if (!r) {
		buf_adds(&c->reason, "the contribution address it came to is "
		                     "no partner's (mistyped, or an old one)");
		return hold(c, err) < 0 ? -1 : 0;
	}
	c->have_partner = 1;
	if (!is_contact(&c->partner, c->cm.from))
		return stranger(c, err) < 0 ? -1 : 0;
	return 1;
}

int contrib_act(struct contrib *c, struct contrib_outcome *oc, struct err *err)
{
	struct contrib_mail *cm = &c->cm;
	int r;

	reset(c);
	r = sender(c, err);
	if (r <= 0)
		goto out;
	if (cm->refusal) {
		buf_addf(&c->reason, "refused: %s", cm->refusal_text.data);
		r = held_told(c, "mail-refused", cm->refusal_text.data, err);
		goto out;
	}
	r = choose_issue(c, err);
	if (r <= 0) {
		if (r == 0)
			r = held_told(c, "mail-held", c->reason.data, err);
		goto out;
	}
	if (cm->subj.withdraw) {
		r = withdraw(c, err);
		goto out;
	}
	word_body(c);
	if (!cm->body.len) {
		buf_adds(&c->reason, "no text for the piece");
		r = held_told(
		        c, "mail-held",
		        "it had no text we could use as the piece. Please "
		        "write the piece in the email, or attach it as a "
		        "Word or text file.",
		        err);
		goto out;
	}
	r = save(c, err);
out:
	outcome(c, oc);
	return r < 0 ? -1 : 0;
}
