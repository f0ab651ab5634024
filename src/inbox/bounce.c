/*
 * The classifier: libetpan parses the MIME structure, then the parts are
 * read in order of how much they can be trusted: a feedback report
 * (ARF) makes a complaint; a delivery-status part (RFC 3464) names the
 * recipients and their status exactly; the address the message came to
 * tells an unsubscribe request; Auto-Submitted and friends tell an
 * auto-reply; only then is the human-readable text scanned
 * (bounce_text.c), and last the subject is asked whether it is a vacation
 * notice.
 */
#include "bounce.h"

#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce_ids.h"
#include "bounce_text.h"
#include "buf.h"
#include "banned.h"

/* Readable text kept per message: reports are short; quotes are not. */
#define TEXT_MAX (256u << 10)
/* Content-Type lines before the structure is judged hostile. libetpan
 * recurses once per nesting level. */
#define MAX_PARTS 256
/* Nested comment parentheses in one header field, likewise. */
#define MAX_PARENS 64

/* Header fields naming where the message was delivered, most exact
 * first: a token found in an earlier one wins. */
static const char *const delivery_headers[] = {
        "Delivered-To", "X-Original-To", "To", "Envelope-To", "X-Envelope-To",
};
#define NDELIVERY (sizeof(delivery_headers) / sizeof(delivery_headers[0]))

struct pattern {
	const char *prefix; /* "bounces+" */
	size_t prefix_len;
	const char *suffix; /* "@example.org", or "@" for any domain */
	size_t suffix_len;
};

struct walk {
	struct bounce *b;
	struct pattern return_path, unsubscribe;
	struct buf text, html, dsn, arf;
	struct buf from;          /* the From field as written */
	struct buf failed;        /* X-Failed-Recipients */
	struct buf received_by;   /* host of the last Received seen */
	struct buf returned_to;   /* To of the returned message */
	struct buf own;           /* the report's own From and To */
	struct buf autoreply_why; /* the header that made it an auto-reply */
	const char *body;         /* the raw body, below the header */
	size_t body_len;
	size_t token_rank; /* of the header the token came from */
	size_t parts;
	size_t dsn_blocks; /* DSN recipient blocks naming an address */
	int feedback;      /* multipart/report; report-type=feedback-report */
	int report;        /* report-type=delivery-status at the top */
	int empty_return;  /* Return-Path: <> */
};

void bounce_init(struct bounce *b)
{
	memset(b, 0, sizeof(*b));
	b->class = BOUNCE_OTHER;
	b->format = "";
	b->token_source = "";
}

static char *empty(void)
{
	return xstrdup("");
}

void bounce_release(struct bounce *b)
{
	for (size_t i = 0; i < b->nrcpts; i++) {
		free(b->rcpts[i].addr);
		free(b->rcpts[i].diagnostic);
	}
	free(b->rcpts);
	for (size_t i = 0; i < b->nmentioned; i++)
		free(b->mentioned[i]);
	free(b->mentioned);
	free(b->reason);
	free(b->token);
	free(b->returned_token);
	free(b->reporting_mta);
	free(b->message_id);
	free(b->subject);
	free(b->feedback_type);
	for (size_t i = 0; i < b->nreturned_ids; i++)
		free(b->returned_ids[i]);
	free(b->returned_ids);
	bounce_init(b);
}

const char *bounce_class_name(enum bounce_class c)
{
	switch (c) {
	case BOUNCE_HARD:
		return "hard";
	case BOUNCE_SOFT:
		return "soft";
	case BOUNCE_COMPLAINT:
		return "complaint";
	case BOUNCE_UNSUBSCRIBE:
		return "unsubscribe";
	case BOUNCE_AUTOREPLY:
		return "auto-reply";
	case BOUNCE_OTHER:
		break;
	}
	return "other";
}

struct bounce_rcpt *bounce_rcpt_lookup(struct bounce *b, const char *addr,
                                       size_t n)
{
	for (size_t i = 0; i < b->nrcpts; i++)
		if (strlen(b->rcpts[i].addr) == n &&
		    !strncasecmp(b->rcpts[i].addr, addr, n))
			return &b->rcpts[i];
	return NULL;
}

const struct bounce_rcpt *bounce_find_rcpt(const struct bounce *b,
                                           const char *addr)
{
	return bounce_rcpt_lookup((struct bounce *)b, addr, strlen(addr));
}

struct bounce_rcpt *bounce_add_rcpt(struct bounce *b, const char *addr,
                                    size_t n)
{
	struct bounce_rcpt *r;

	if (!n || bounce_addr_at(addr, addr + n) != n)
		return NULL;
	r = bounce_rcpt_lookup(b, addr, n);
	if (r)
		return r;
	if (b->nrcpts == BOUNCE_MAX_RCPTS)
		return NULL;
	if (!b->rcpts)
		b->rcpts = xcalloc(BOUNCE_MAX_RCPTS, sizeof(*b->rcpts));
	r = &b->rcpts[b->nrcpts++];
	memset(r, 0, sizeof(*r));
	r->addr = xstrndup(addr, n);
	r->diagnostic = empty();
	r->kind = BOUNCE_HARD;
	r->action = BOUNCE_ACTION_FAILED;
	return r;
}

void bounce_add_mentioned(struct bounce *b, const char *addr, size_t n)
{
	if (!n || bounce_addr_at(addr, addr + n) != n ||
	    bounce_rcpt_lookup(b, addr, n) ||
	    b->nmentioned == BOUNCE_MAX_MENTIONED)
		return;
	for (size_t i = 0; i < b->nmentioned; i++)
		if (strlen(b->mentioned[i]) == n &&
		    !strncasecmp(b->mentioned[i], addr, n))
			return;
	if (!b->mentioned)
		b->mentioned = xcalloc(BOUNCE_MAX_MENTIONED, sizeof(char *));
	b->mentioned[b->nmentioned++] = xstrndup(addr, n);
}

/* Every address in s goes to the mentioned list. */
static void mention_all(struct bounce *b, const char *s)
{
	size_t pos = 0, n = strlen(s), len;
	const char *a;

	while ((len = bounce_addr_next(s, n, &pos, &a)))
		bounce_add_mentioned(b, a, len);
}

/*
 * A header value fit to print and store: one line, control characters
 * gone, white space collapsed, at most max bytes.
 */
static char *clean(const char *s, size_t max)
{
	struct buf out = BUF_INIT;

	for (; *s && out.len < max; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 32 || c == 127) {
			if (out.len && out.data[out.len - 1] != ' ')
				buf_addch(&out, ' ');
		} else if (c != ' ' ||
		           (out.len && out.data[out.len - 1] != ' ')) {
			buf_addch(&out, c);
		}
	}
	while (out.len && out.data[out.len - 1] == ' ')
		buf_setlen(&out, out.len - 1);
	return buf_detach(&out);
}

static void lower_in_place(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

/* "bounces+{token}@example.org" splits at {token}. */
static void pattern_split(struct pattern *p, const char *pat,
                          const char *fallback)
{
	const char *t;

	if (!pat || !(t = strstr(pat, "{token}")))
		pat = fallback, t = strstr(pat, "{token}");
	p->prefix = pat;
	p->prefix_len = (size_t)(t - pat);
	p->suffix = t + 7;
	p->suffix_len = strlen(p->suffix);
	if (!p->suffix_len)
		p->suffix = "@", p->suffix_len = 1;
}

static int is_token_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* The token in the first address in s that fits p; caller owns. */
static char *token_in(const char *s, const struct pattern *p)
{
	size_t n = strlen(s);

	if (!p->prefix_len)
		return NULL;
	for (size_t i = 0; i + p->prefix_len <= n; i++) {
		size_t t = i + p->prefix_len, e = t;
		unsigned char before = i ? (unsigned char)s[i - 1] : ' ';

		if (strncasecmp(s + i, p->prefix, p->prefix_len) ||
		    (before != ' ' && before != '<' && before != ',' &&
		     before != ':' && before != '"' && before != '\t' &&
		     before != ';' && before != '\n'))
			continue;
		while (e < n && e - t < 64 &&
		       is_token_char((unsigned char)s[e]))
			e++;
		if (e == t || strncasecmp(s + e, p->suffix, p->suffix_len))
			continue;
		/* The domain must end where the pattern's does. */
		if (p->suffix_len > 1) {
			unsigned char after =
			        (unsigned char)s[e + p->suffix_len];

			if (is_token_char(after) || after == '.')
				continue;
		}
		return xstrndup(s + t, e - t);
	}
	return NULL;
}

static void check_token(struct walk *w, const char *value, size_t rank)
{
	struct bounce *b = w->b;
	char *t;
	enum bounce_token_kind kind = BOUNCE_TOKEN_UNSUBSCRIBE;

	if (b->token && rank >= w->token_rank)
		return;
	t = token_in(value, &w->unsubscribe);
	if (!t) {
		t = token_in(value, &w->return_path);
		kind = BOUNCE_TOKEN_RETURN_PATH;
	}
	if (!t)
		return;
	free(b->token);
	b->token = t;
	b->token_kind = kind;
	b->token_source = delivery_headers[rank];
	w->token_rank = rank;
}

static void add_mailbox(struct buf *out, const struct mailimf_mailbox *mb)
{
	if (!mb || !mb->mb_addr_spec)
		return;
	if (out->len)
		buf_adds(out, ", ");
	buf_adds(out, mb->mb_addr_spec);
}

static void add_mailbox_list(struct buf *out,
                             const struct mailimf_mailbox_list *l)
{
	if (!l || !l->mb_list)
		return;
	for (clistiter *it = clist_begin(l->mb_list); it; it = clist_next(it))
		add_mailbox(out, clist_content(it));
}

/* The addr-specs of an address list, ", "-separated, onto out. */
static void add_address_list(struct buf *out,
                             const struct mailimf_address_list *l)
{
	if (!l || !l->ad_list)
		return;
	for (clistiter *it = clist_begin(l->ad_list); it; it = clist_next(it)) {
		const struct mailimf_address *a = clist_content(it);

		if (!a)
			continue;
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX)
			add_mailbox(out, a->ad_data.ad_mailbox);
		else if (a->ad_type == MAILIMF_ADDRESS_GROUP &&
		         a->ad_data.ad_group)
			add_mailbox_list(out, a->ad_data.ad_group->grp_mb_list);
	}
}

/* The host after "by" in a Received field. */
static void received_by(struct buf *out, const char *v)
{
	const char *p = v;

	while ((p = strcasestr(p, "by"))) {
		if ((p == v || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' ||
		     p[-1] == '\r') &&
		    (p[2] == ' ' || p[2] == '\t' || p[2] == '\n' ||
		     p[2] == '\r')) {
			const char *h = p + 2, *e;

			while (*h == ' ' || *h == '\t' || *h == '\r' ||
			       *h == '\n')
				h++;
			e = h;
			while (*e && *e != ' ' && *e != '\t' && *e != ';' &&
			       *e != '(' && *e != '\r' && *e != '\n' &&
			       e - h < 255)
				e++;
			if (e > h) {
				buf_reset(out);
				buf_add(out, h, (size_t)(e - h));
			}
			return;
		}
		p += 2;
	}
}

static void set_subject(struct bounce *b, const char *raw)
{
	char *decoded = NULL;
	size_t idx = 0;

	if (*b->subject)
		return;
	free(b->subject);
	if (mailmime_encoded_phrase_parse("iso-8859-1", raw, strlen(raw), &idx,
	                                  "utf-8",
	                                  &decoded) == MAILIMF_NO_ERROR &&
	    decoded) {
		b->subject = clean(decoded, 998);
		free(decoded);
	} else {
		b->subject = clean(raw, 998);
	}
}

static void set_message_id(struct bounce *b, const char *v)
{
	char *id;
	size_t n;

	if (*b->message_id)
		return;
	id = clean(v, 998);
	n = strlen(id);
	if (n >= 2 && id[0] == '<' && id[n - 1] == '>') {
		memmove(id, id + 1, n - 2);
		id[n - 2] = '\0';
	}
	free(b->message_id);
	b->message_id = id;
}

static int named(const struct mailimf_optional_field *f, const char *name)
{
	return f->fld_name && f->fld_value && !strcasecmp(f->fld_name, name);
}

/* Headers that RFC 3834 and common responders use to say "auto-reply". */
static void autoreply_header(struct walk *w, const char *name, const char *v)
{
	char *low = clean(v, 100);
	int yes = 0;

	lower_in_place(low);
	if (!strcasecmp(name, "Auto-Submitted"))
		yes = !strncmp(low, "auto-replied", 12);
	else if (!strcasecmp(name, "Precedence"))
		yes = !strcmp(low, "auto_reply");
	else
		yes = strcmp(low, "no") && strcmp(low, "0");
	if (yes && !w->autoreply_why.len)
		buf_addf(&w->autoreply_why, "%s: %s", name, low);
	free(low);
}

static void optional_field(struct walk *w,
                           const struct mailimf_optional_field *f)
{
	static const char *const autoreply[] = {
	        "Auto-Submitted",  "X-Autoreply",  "X-Autorespond",
	        "X-Autoresponder", "X-Auto-Reply", "Precedence",
	};
	struct bounce *b = w->b;

	for (size_t i = 0; i < NDELIVERY; i++)
		if (named(f, delivery_headers[i]))
			check_token(w, f->fld_value, i);
	for (size_t i = 0; i < sizeof(autoreply) / sizeof(*autoreply); i++)
		if (named(f, autoreply[i]))
			autoreply_header(w, autoreply[i], f->fld_value);
	if (named(f, "Received"))
		received_by(&w->received_by, f->fld_value);
	else if (named(f, "X-Failed-Recipients"))
		buf_addf(&w->failed, "%s, ", f->fld_value);
	else if (named(f, "Message-ID"))
		set_message_id(b, f->fld_value);
	else if (named(f, "Subject"))
		set_subject(b, f->fld_value);
	else if (named(f, "From") && !w->from.len)
		buf_adds(&w->from, f->fld_value);
	else if (named(f, "Return-Path") && !strcmp(f->fld_value, "<>"))
		w->empty_return = 1;
}

/* The message's own header fields. */
static void top_fields(struct walk *w, const struct mailimf_fields *fields)
{
	struct bounce *b = w->b;
	struct buf list = BUF_INIT;

	if (!fields || !fields->fld_list)
		return;
	for (clistiter *it = clist_begin(fields->fld_list); it;
	     it = clist_next(it)) {
		const struct mailimf_field *f = clist_content(it);

		if (!f)
			continue;
		switch (f->fld_type) {
		case MAILIMF_FIELD_MESSAGE_ID:
			if (f->fld_data.fld_message_id &&
			    f->fld_data.fld_message_id->mid_value)
				set_message_id(
				        b,
				        f->fld_data.fld_message_id->mid_value);
			break;
		case MAILIMF_FIELD_SUBJECT:
			if (f->fld_data.fld_subject &&
			    f->fld_data.fld_subject->sbj_value)
				set_subject(b,
				            f->fld_data.fld_subject->sbj_value);
			break;
		case MAILIMF_FIELD_TO:
			buf_reset(&list);
			if (f->fld_data.fld_to)
				add_address_list(
				        &list,
				        f->fld_data.fld_to->to_addr_list);
			check_token(w, list.data, 2);
			buf_addf(&w->own, "%s, ", list.data);
			break;
		case MAILIMF_FIELD_FROM:
			if (!w->from.len && f->fld_data.fld_from)
				add_mailbox_list(
				        &w->from,
				        f->fld_data.fld_from->frm_mb_list);
			buf_addf(&w->own, "%s, ", w->from.data);
			break;
		case MAILIMF_FIELD_RETURN_PATH:
			if (!f->fld_data.fld_return_path ||
			    !f->fld_data.fld_return_path->ret_path ||
			    !f->fld_data.fld_return_path->ret_path
			             ->pt_addr_spec ||
			    !*f->fld_data.fld_return_path->ret_path
			              ->pt_addr_spec)
				w->empty_return = 1;
			break;
		case MAILIMF_FIELD_OPTIONAL_FIELD:
			if (f->fld_data.fld_optional_field)
				optional_field(w,
				               f->fld_data.fld_optional_field);
			break;
		default:
			break;
		}
	}
	buf_release(&list);
}

/*
 * The header of a returned (or reported) message: its To names the
 * subscriber, its Return-Path or List-Unsubscribe may hold the token.
 */
static void returned_fields(struct walk *w, const struct mailimf_fields *fields)
{
	struct bounce *b = w->b;
	struct buf list = BUF_INIT;

	if (!fields || !fields->fld_list)
		return;
	for (clistiter *it = clist_begin(fields->fld_list); it;
	     it = clist_next(it)) {
		const struct mailimf_field *f = clist_content(it);
		const char *v = NULL;
		char *t;

		if (!f)
			continue;
		buf_reset(&list);
		if (f->fld_type == MAILIMF_FIELD_TO && f->fld_data.fld_to) {
			add_address_list(&list,
			                 f->fld_data.fld_to->to_addr_list);
			if (!w->returned_to.len)
				buf_add(&w->returned_to, list.data, list.len);
		} else if (f->fld_type == MAILIMF_FIELD_CC &&
		           f->fld_data.fld_cc) {
			add_address_list(&list,
			                 f->fld_data.fld_cc->cc_addr_list);
		} else if (f->fld_type == MAILIMF_FIELD_MESSAGE_ID &&
		           f->fld_data.fld_message_id &&
		           f->fld_data.fld_message_id->mid_value) {
			bounce_add_returned_id(
			        b, f->fld_data.fld_message_id->mid_value);
		} else if (f->fld_type == MAILIMF_FIELD_RETURN_PATH &&
		           f->fld_data.fld_return_path &&
		           f->fld_data.fld_return_path->ret_path &&
		           f->fld_data.fld_return_path->ret_path
		                   ->pt_addr_spec) {
			v = f->fld_data.fld_return_path->ret_path->pt_addr_spec;
		} else if (f->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD &&
		           f->fld_data.fld_optional_field) {
			const struct mailimf_optional_field *o =
			        f->fld_data.fld_optional_field;

			if (named(o, "Return-Path") ||
			    named(o, "List-Unsubscribe"))
				v = o->fld_value;
			else if (named(o, "To") && !w->returned_to.len)
				buf_adds(&w->returned_to, o->fld_value);
			else if (named(o, "Message-ID"))
				bounce_add_returned_id(b, o->fld_value);
		}
		mention_all(b, list.data);
		if (v && !b->returned_token) {
			t = token_in(v, &w->return_path);
			if (!t)
				t = token_in(v, &w->unsubscribe);
			b->returned_token = t;
		}
	}
	buf_release(&list);
}

/* Header fields as text (text/rfc822-headers, a quoted original). */
static void returned_raw(struct walk *w, const char *s, size_t n)
{
	struct mailimf_fields *fields = NULL;
	size_t idx = 0;

	if (mailimf_envelope_and_optional_fields_parse(s, n, &idx, &fields) ==
	            MAILIMF_NO_ERROR &&
	    fields) {
		returned_fields(w, fields);
		mailimf_fields_free(fields);
	}
}

/* A part's main type by name ("text", "image", "multipart", an
 * extension's token), "" when unknown. */
static const char *type_name(const struct mailmime_content *ct)
{
	const struct mailmime_type *t = ct ? ct->ct_type : NULL;

	if (!t)
		return "";
	if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    t->tp_data.tp_discrete_type) {
		switch (t->tp_data.tp_discrete_type->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT:
			return "text";
		case MAILMIME_DISCRETE_TYPE_IMAGE:
			return "image";
		case MAILMIME_DISCRETE_TYPE_APPLICATION:
			return "application";
		case MAILMIME_DISCRETE_TYPE_EXTENSION:
			return t->tp_data.tp_discrete_type->dt_extension;
		default:
			return "";
		}
	}
	if (t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	    t->tp_data.tp_composite_type) {
		switch (t->tp_data.tp_composite_type->ct_type) {
		case MAILMIME_COMPOSITE_TYPE_MESSAGE:
			return "message";
		case MAILMIME_COMPOSITE_TYPE_MULTIPART:
			return "multipart";
		case MAILMIME_COMPOSITE_TYPE_EXTENSION:
			return t->tp_data.tp_composite_type->ct_token;
		default:
			return "";
		}
	}
	return "";
}

int bounce_mime_is(const struct mailmime_content *ct, const char *type,
                   const char *sub)
{
	const char *t = type_name(ct);

	return t && ct->ct_subtype && !strcasecmp(t, type) &&
	       (!sub || !strcasecmp(ct->ct_subtype, sub));
}

int bounce_mime_body(const struct mailmime *m, size_t max, struct buf *out)
{
	const struct mailmime_data *d = m->mm_data.mm_single;
	const char *s;
	size_t n;
	int cut;

	if (!d || d->dt_type != MAILMIME_DATA_TEXT ||
	    !d->dt_data.dt_text.dt_data)
		return 0;
	s = d->dt_data.dt_text.dt_data;
	n = d->dt_data.dt_text.dt_length;
	cut = n > max;
	if (cut)
		n = max;
	if (d->dt_encoded &&
	    (d->dt_encoding == MAILMIME_MECHANISM_BASE64 ||
	     d->dt_encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE)) {
		char *res = NULL;
		size_t idx = 0, rlen = 0;

		if (mailmime_part_parse(s, n, &idx, d->dt_encoding, &res,
		                        &rlen) == MAILIMF_NO_ERROR &&
		    res) {
			buf_add(out, res, rlen);
			mmap_string_unref(res);
		}
	} else {
		buf_add(out, s, n);
	}
	return cut;
}

/* Appends the decoded text of a single part, a line end after it, while
 * out holds less than max bytes. */
static void decode(const struct mailmime *m, struct buf *out, size_t max)
{
	if (out->len >= max)
		return;
	bounce_mime_body(m, max - out->len, out);
	buf_addch(out, '\n');
}

static void single(struct walk *w, const struct mailmime *m)
{
	const struct mailmime_content *ct = m->mm_content_type;

	if (bounce_mime_is(ct, "message", "delivery-status") ||
	    bounce_mime_is(ct, "message", "global-delivery-status")) {
		decode(m, &w->dsn, TEXT_MAX);
		buf_addch(&w->dsn, '\n');
	} else if (bounce_mime_is(ct, "message", "feedback-report")) {
		decode(m, &w->arf, TEXT_MAX);
		buf_addch(&w->arf, '\n');
	} else if (bounce_mime_is(ct, "text", "rfc822-headers") ||
	           bounce_mime_is(ct, "message", "rfc822-headers") ||
	           bounce_mime_is(ct, "message", "rfc822") ||
	           bounce_mime_is(ct, "message", "global")) {
		struct buf h = BUF_INIT;

		decode(m, &h, TEXT_MAX);
		returned_raw(w, h.data, h.len);
		buf_release(&h);
	} else if (!ct || bounce_mime_is(ct, "text", "plain")) {
		decode(m, &w->text, TEXT_MAX);
	} else if (bounce_mime_is(ct, "text", "html")) {
		decode(m, &w->html, TEXT_MAX);
	}
}

/* What a multipart's report-type says: a complaint, or (at the top) a
 * delivery report. */
static void report_type(struct walk *w, const struct mailmime *m, int depth)
{
	const char *rt =
	        mailmime_content_param_get(m->mm_content_type, "report-type");

	if (!rt)
		return;
	if (bounce_mime_is(m->mm_content_type, "multipart", "report") &&
	    strcasestr(rt, "feedback-report"))
		w->feedback = 1;
	if (depth <= 1 && strcasestr(rt, "delivery-status"))
		w->report = 1;
}

static void walk(struct walk *w, const struct mailmime *m, int depth)
{
	if (!m || depth > 32 || ++w->parts > 4 * MAX_PARTS)
		return;
	switch (m->mm_type) {
	case MAILMIME_MESSAGE:
		if (depth == 0) {
			top_fields(w, m->mm_data.mm_message.mm_fields);
			walk(w, m->mm_data.mm_message.mm_msg_mime, depth + 1);
		} else {
			returned_fields(w, m->mm_data.mm_message.mm_fields);
		}
		break;
	case MAILMIME_MULTIPLE:
		report_type(w, m, depth);
		if (!m->mm_data.mm_multipart.mm_mp_list)
			break;
		for (clistiter *it =
		             clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		     it; it = clist_next(it))
			walk(w, clist_content(it), depth + 1);
		break;
	case MAILMIME_SINGLE:
		single(w, m);
		break;
	default:
		break;
	}
}

/*
 * Blocks of "Name: value" lines separated by blank lines (RFC 3464 and
 * 5965 bodies): calls field() for each unfolded field and end() after
 * each block.
 */
static void fields_each(const char *s, size_t n,
                        void (*field)(void *, const char *, const char *),
                        void (*end)(void *), void *ctx)
{
	struct buf cur = BUF_INIT;
	size_t pos = 0;
	int fields = 0;

	for (;;) {
		const char *nl =
		        pos < n ? memchr(s + pos, '\n', n - pos) : NULL;
		size_t len = pos >= n ? 0
		             : nl     ? (size_t)(nl - s - pos)
		                      : n - pos;
		const char *line = s + pos;
		int done = pos >= n;

		while (len && line[len - 1] == '\r')
			len--;
		if (!done && len && (line[0] == ' ' || line[0] == '\t')) {
			buf_addch(&cur, ' ');
			buf_add(&cur, line, len);
		} else {
			char *colon = cur.len ? strchr(cur.data, ':') : NULL;

			if (colon) {
				*colon = '\0';
				field(ctx, cur.data, colon + 1);
				fields++;
			}
			buf_reset(&cur);
			if (done || !len) {
				if (fields)
					end(ctx);
				fields = 0;
			} else {
				buf_add(&cur, line, len);
			}
		}
		if (done)
			break;
		pos = nl ? (size_t)(nl - s) + 1 : n;
	}
	buf_release(&cur);
}

/* "rfc822; <Joe@Example.com>" gives the address; other types give "". */
static char *typed_address(const char *v)
{
	const char *semi = strchr(v, ';'), *a;
	size_t pos = 0, len;
	char *s;

	if (semi) {
		char *raw = xstrndup(v, (size_t)(semi - v));
		char *type = clean(raw, 40);

		lower_in_place(type);
		len = strcmp(type, "rfc822") && strcmp(type, "utf-8") &&
		      strcmp(type, "x-rfc822");
		free(type);
		free(raw);
		if (len)
			return empty();
		v = semi + 1;
	}
	s = clean(v, 998);
	len = bounce_addr_next(s, strlen(s), &pos, &a);
	if (len) {
		char *r = xstrndup(a, len);

		free(s);
		return r;
	}
	free(s);
	return empty();
}

struct dsn_rcpt {
	struct walk *w;
	char *final, *original, *action, *status, *diag;
};

static void replace(char **p, char *v)
{
	free(*p);
	*p = v;
}

static void dsn_end(void *ctx);

/*
 * Whether field name starts another recipient's block in one that
 * already has its own: some servers write the blocks with no blank line
 * between them.
 */
static int dsn_next_block(const struct dsn_rcpt *d, const char *name)
{
	if (!strcasecmp(name, "Final-Recipient"))
		return d->final != NULL;
	if (!strcasecmp(name, "Original-Recipient"))
		return d->original != NULL;
	return 0;
}

static void dsn_field(void *ctx, const char *name, const char *value)
{
	struct dsn_rcpt *d = ctx;
	struct bounce *b = d->w->b;

	if (dsn_next_block(d, name))
		dsn_end(ctx);
	if (!strcasecmp(name, "Final-Recipient"))
		replace(&d->final, typed_address(value));
	else if (!strcasecmp(name, "Original-Recipient"))
		replace(&d->original, typed_address(value));
	else if (!strcasecmp(name, "Action"))
		replace(&d->action, clean(value, 40));
	else if (!strcasecmp(name, "Status"))
		replace(&d->status, clean(value, 100));
	else if (!strcasecmp(name, "Diagnostic-Code"))
		replace(&d->diag, clean(value, 400));
	else if (!strcasecmp(name, "Reporting-MTA") && !*b->reporting_mta) {
		const char *semi = strchr(value, ';');

		replace(&b->reporting_mta, clean(semi ? semi + 1 : value, 255));
	}
}

static enum bounce_action dsn_action(const char *action, const char *status)
{
	char *a = clean(action ? action : "", 40);
	enum bounce_action r = BOUNCE_ACTION_NONE;

	lower_in_place(a);
	/* No Action (against RFC 3464): the status class tells. */
	if (!*a)
		r = status && *status == '4'   ? BOUNCE_ACTION_DELAYED
		    : status && *status == '2' ? BOUNCE_ACTION_NONE
		                               : BOUNCE_ACTION_FAILED;
	else if (!strncmp(a, "fail", 4) || !strcmp(a, "expired"))
		r = BOUNCE_ACTION_FAILED; /* "expired": SendGrid gave up */
	else if (!strncmp(a, "delay", 5))
		r = BOUNCE_ACTION_DELAYED;
	free(a);
	return r; /* NONE: delivered, relayed, expanded */
}

static void dsn_end(void *ctx)
{
	struct dsn_rcpt *d = ctx;
	struct bounce *b = d->w->b;
	const char *addr = d->original && *d->original ? d->original
	                   : d->final                  ? d->final
	                                               : "";
	enum bounce_action action = dsn_action(d->action, d->status);
	struct bounce_rcpt *r;

	if (*addr)
		d->w->dsn_blocks++;
	if (*addr && action != BOUNCE_ACTION_NONE &&
	    (r = bounce_add_rcpt(b, addr, strlen(addr)))) {
		r->action = action;
		r->status[0] = '\0';
		if (d->status)
			bounce_status_find(d->status, r->status);
		if (d->diag) {
			const char *semi = strchr(d->diag, ';');

			free(r->diagnostic);
			r->diagnostic = clean(semi ? semi + 1 : d->diag, 400);
		}
		/* A bare "553" in Status: the diagnostic may say more. */
		if (r->status[1] != '.' && *r->diagnostic) {
			char better[12];

			bounce_status_find(r->diagnostic, better);
			if (better[1] == '.')
				memcpy(r->status, better, sizeof(better));
		}
		bounce_rcpt_judge(r, NULL);
	}
	if (d->final && *d->final)
		bounce_add_mentioned(b, d->final, strlen(d->final));
	replace(&d->final, NULL);
	replace(&d->original, NULL);
	replace(&d->action, NULL);
	replace(&d->status, NULL);
	replace(&d->diag, NULL);
}

struct arf {
	struct walk *w;
	size_t rcpts;
};

static void arf_field(void *ctx, const char *name, const char *value)
{
	struct arf *a = ctx;
	struct bounce *b = a->w->b;

	if (!strcasecmp(name, "Feedback-Type") && !*b->feedback_type) {
		replace(&b->feedback_type, clean(value, 60));
		lower_in_place(b->feedback_type);
	} else if (!strcasecmp(name, "Original-Rcpt-To") ||
	           !strcasecmp(name, "Removal-Recipient")) {
		char *addr = typed_address(value);

		if (bounce_add_rcpt(b, addr, strlen(addr)))
			a->rcpts++;
		free(addr);
	} else if (!strcasecmp(name, "Reporting-MTA") && !*b->reporting_mta) {
		const char *semi = strchr(value, ';');

		replace(&b->reporting_mta, clean(semi ? semi + 1 : value, 255));
	}
}

static void no_end(void *ctx)
{
	(void)ctx;
}

static void complaint(struct walk *w)
{
	struct bounce *b = w->b;
	struct arf a = {w, 0};
	/* Reports that are not the recipient's doing. */
	int policy;

	fields_each(w->arf.data, w->arf.len, arf_field, no_end, &a);
	if (!a.rcpts) {
		/* The reported message's To, unless redacted. */
		size_t pos = 0, len;
		const char *addr;

		while ((len = bounce_addr_next(w->returned_to.data,
		                               w->returned_to.len, &pos,
		                               &addr)))
			bounce_add_rcpt(b, addr, len);
		b->rcpts_from_returned_to = b->nrcpts > 0;
	}
	policy = !strcmp(b->feedback_type, "auth-failure") ||
	         !strcmp(b->feedback_type, "not-spam") ||
	         !strcmp(b->feedback_type, "virus");
	for (size_t i = 0; i < b->nrcpts; i++) {
		b->rcpts[i].kind = BOUNCE_COMPLAINT;
		b->rcpts[i].action = BOUNCE_ACTION_NONE;
		b->rcpts[i].policy = policy;
		replace(&b->rcpts[i].diagnostic,
		        xstrdup(*b->feedback_type ? b->feedback_type
		                                  : "abuse"));
	}
	b->class = BOUNCE_COMPLAINT;
	b->format = "arf";
	replace(&b->reason, NULL);
	{
		struct buf r = BUF_INIT;

		buf_addf(&r, "feedback report (Feedback-Type: %s)",
		         *b->feedback_type ? b->feedback_type : "none given");
		b->reason = buf_detach(&r);
	}
}

static enum bounce_class class_of(const struct bounce *b, int delay)
{
	int soft = 0;

	for (size_t i = 0; i < b->nrcpts; i++) {
		if (b->rcpts[i].kind == BOUNCE_HARD)
			return BOUNCE_HARD;
		soft |= b->rcpts[i].kind == BOUNCE_SOFT;
	}
	return soft || delay ? BOUNCE_SOFT : BOUNCE_HARD;
}

static void set_reason(struct bounce *b, const char *fmt, const char *arg)
{
	struct buf r = BUF_INIT;

	buf_addf(&r, fmt, arg);
	replace(&b->reason, buf_detach(&r));
}

/* HTML reduced to its text, for reports that have no text/plain. */
static void html_text(struct buf *out, const char *s, size_t n)
{
	int in_tag = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (in_tag) {
			if (c == '>')
				in_tag = 0;
			continue;
		}
		if (c == '<') {
			/* Block ends become line ends, so lists stay lists. */
			if (i + 3 < n && (!strncasecmp(s + i, "<br", 3) ||
			                  !strncasecmp(s + i, "</p", 3) ||
			                  !strncasecmp(s + i, "</d", 3) ||
			                  !strncasecmp(s + i, "</t", 3) ||
			                  !strncasecmp(s + i, "<li", 3)))
				buf_addch(out, '\n');
			in_tag = 1;
		} else if (c == '&' && i + 3 < n &&
		           !strncmp(s + i, "&lt;", 4)) {
			buf_addch(out, '<');
			i += 3;
		} else if (c == '&' && i + 3 < n &&
		           !strncmp(s + i, "&gt;", 4)) {
			buf_addch(out, '>');
			i += 3;
		} else if (c == '&' && i + 5 < n &&
		           !strncmp(s + i, "&nbsp;", 6)) {
			buf_addch(out, ' ');
			i += 5;
		} else {
			buf_addch(out, c);
		}
	}
}

/*
 * A multipart/report whose header lost its Content-Type reads as one
 * text: find the delivery-status part in it by its own header.
 */
static int dsn_in_text(struct walk *w, const struct buf *text)
{
	struct bounce *b = w->b;
	const char *p = text->data, *start, *end;
	struct dsn_rcpt d = {w, NULL, NULL, NULL, NULL, NULL};

	while ((p = strcasestr(p, "content-type: message/delivery-status"))) {
		start = strstr(p, "\n\n");
		end = strstr(p, "\n\r\n");
		if (end && (!start || end < start))
			start = end + 1;
		if (!start)
			break;
		start += 2;
		end = strstr(start, "\n--");
		if (!end)
			end = text->data + text->len;
		fields_each(start, (size_t)(end - start), dsn_field, dsn_end,
		            &d);
		p = end;
	}
	if (!b->nrcpts)
		return 0;
	b->class = class_of(b, 0);
	b->format = "rfc3464";
	set_reason(b, "delivery-status report (%s)",
	           "found in the text: the message has no MIME header");
	return 1;
}

/*
 * A report whose header says report-type=delivery-status but whose
 * parts did not come apart (no boundary, or the wrong one): its
 * delivery-status part is found in the raw body.
 */
static int dsn_in_body(struct walk *w)
{
	struct buf body = BUF_INIT;
	int r;

	if (!w->report || !w->body_len)
		return 0;
	buf_add(&body, w->body, w->body_len);
	r = dsn_in_text(w, &body);
	buf_release(&body);
	return r;
}

/* Whether the From or the subject says a mail system wrote this. */
static int from_robot(const struct walk *w, const char *subject)
{
	char *from = clean(w->from.data, 300);
	int r;

	lower_in_place(from);
	r = !strcmp(from, "<>") || strstr(from, "mailer-daemon") ||
	    strstr(from, "postmaster") || strstr(from, "post_master") ||
	    strstr(from, "mail delivery") || strstr(from, "mdaemon") ||
	    w->failed.len || bounce_subject_failure(subject);
	free(from);
	return r;
}

static void autoreply(struct walk *w)
{
	struct bounce *b = w->b;

	b->class = BOUNCE_AUTOREPLY;
	b->format = "headers";
	if (w->autoreply_why.len)
		set_reason(b, "auto-reply (%s)", w->autoreply_why.data);
	else
		set_reason(b, "auto-reply (Subject: %s)", b->subject);
}

/*
 * A feedback report (ARF) makes a complaint; so does Microsoft's older
 * format (JMRP): "complaint about message from 192.0.2.1" with the
 * message complained of attached.
 */
static int decide_complaint(struct walk *w, const char *subject)
{
	int jmrp = !strncmp(subject, "complaint about message from", 28) &&
	           w->returned_to.len;

	if (!w->arf.len && !w->feedback && !jmrp)
		return 0;
	complaint(w);
	return 1;
}

/*
 * A delivery-status part names the recipients exactly; one that names
 * only successes (delivered, relayed, expanded) is no bounce, whatever
 * its text says.
 */
static int decide_dsn(struct walk *w)
{
	struct bounce *b = w->b;
	struct dsn_rcpt d = {w, NULL, NULL, NULL, NULL, NULL};

	if (!w->dsn.len)
		return 0;
	fields_each(w->dsn.data, w->dsn.len, dsn_field, dsn_end, &d);
	if (b->nrcpts) {
		b->class = class_of(b, 0);
		b->format = "rfc3464";
		set_reason(b, "delivery-status report (%s)",
		           b->nrcpts == 1 ? "1 recipient"
		                          : "several recipients");
		return 1;
	}
	if (!w->dsn_blocks)
		return 0;
	b->class = BOUNCE_OTHER;
	b->format = "";
	set_reason(b, "%s",
	           "delivery-status report without failed or delayed "
	           "recipients");
	return 1;
}

/* What a challenge-response notice says comes first: so much is read. */
#define CHALLENGE_HEAD 4096

/* The head of text[0..n), up to a returned message quoted in it, to out. */
static void add_report_head(struct buf *out, const char *text, size_t n)
{
	if (n > CHALLENGE_HEAD)
		n = CHALLENGE_HEAD;
	buf_add(out, text, bounce_text_report_len(text, n));
	buf_addch(out, '\n');
}

/*
 * A challenge-response request (Boxbe, Bluebottle, a server that
 * "requires confirmation") asks the sender to prove itself: the address
 * is good, whatever the delivery-status part around it says.
 */
static int decide_challenge(struct walk *w)
{
	struct bounce *b = w->b;
	struct buf all = BUF_INIT;
	const char *phrase;

	add_report_head(&all, w->text.data, w->text.len);
	if (!w->text.len && w->html.len) {
		struct buf html = BUF_INIT;

		html_text(&html, w->html.data,
		          w->html.len < 4 * CHALLENGE_HEAD
		                  ? w->html.len
		                  : 4 * CHALLENGE_HEAD);
		add_report_head(&all, html.data, html.len);
		buf_release(&html);
	}
	add_report_head(&all, w->dsn.data, w->dsn.len);
	lower_in_place(all.data);
	phrase = bounce_says_challenge(all.data);
	if (phrase) {
		b->class = BOUNCE_AUTOREPLY;
		b->format = "challenge";
		set_reason(b, "challenge-response request (\"%s\")", phrase);
	}
	buf_release(&all);
	return phrase != NULL;
}

static int decide_unsubscribe(struct walk *w)
{
	struct bounce *b = w->b;

	if (b->token_kind != BOUNCE_TOKEN_UNSUBSCRIBE || w->autoreply_why.len)
		return 0;
	b->class = BOUNCE_UNSUBSCRIBE;
	b->format = "token";
	set_reason(b, "sent to the unsubscribe address (%s)", b->token_source);
	return 1;
}

/*
 * Exim and Postfix mark their bounces "Auto-Submitted: auto-replied"
 * too: a mail system's message is read first.
 */
static int decide_autoreply_header(struct walk *w, const char *subject)
{
	if (!w->autoreply_why.len || from_robot(w, subject))
		return 0;
	autoreply(w);
	return 1;
}

/*
 * The text to scan: the plain text, else the HTML's text, else, when
 * the MIME structure gave no readable part at all (a multipart whose
 * boundary is missing or wrong), the raw body.
 */
static const struct buf *report_text(struct walk *w, struct buf *spare)
{
	if (w->text.len)
		return &w->text;
	if (w->html.len)
		html_text(spare, w->html.data, w->html.len);
	else if (!w->dsn.len && !w->arf.len)
		buf_add(spare, w->body, w->body_len);
	return spare;
}

/* Whether the report's From address is at domain (ignoring case). */
static int from_domain(const struct walk *w, const char *domain)
{
	const char *at = strrchr(w->from.data, '@');
	size_t n = strlen(domain);

	if (!at || strncasecmp(at + 1, domain, n))
		return 0;
	return !at[1 + n] || at[1 + n] == '>' || at[1 + n] == ' ';
}

/* Amazon SES's JSON notice of a bounce or complaint. */
static int ses_notice(struct walk *w, const struct buf *text)
{
	struct bounce *b = w->b;
	enum bounce_class c = bounce_text_ses(b, text->data, text->len);

	if (c == BOUNCE_OTHER)
		return 0;
	b->class = c;
	b->format = "text";
	for (size_t i = 0; i < b->nrcpts; i++)
		if (c != BOUNCE_COMPLAINT)
			bounce_rcpt_judge(&b->rcpts[i], NULL);
	set_reason(b, "%s",
	           c == BOUNCE_COMPLAINT ? "Amazon SES complaint notice"
	                                 : "Amazon SES bounce notice");
	return 1;
}

/* The returned message quoted below the report, from text[cut..]. */
static void quoted_original(struct walk *w, const struct buf *text, size_t cut)
{
	size_t start = cut;
	const char *nl;

	if (cut >= text->len)
		return;
	nl = memchr(text->data + cut, '\n', text->len - cut);
	if (strncasecmp(text->data + cut, "received:", 9) &&
	    strncasecmp(text->data + cut, "return-path:", 12))
		start = nl ? (size_t)(nl - text->data) + 1 : text->len;
	while (start < text->len &&
	       (text->data[start] == '\n' || text->data[start] == '\r'))
		start++;
	returned_raw(w, text->data + start, text->len - start);
}

/* Exim names the failed recipients in a header too. */
static int failed_header(struct walk *w, int found)
{
	struct bounce *b = w->b;
	size_t pos = 0, len;
	const char *addr;

	if (!w->failed.len)
		return found;
	while (b->nrcpts == 0 &&
	       (len = bounce_addr_next(w->failed.data, w->failed.len, &pos,
	                               &addr))) {
		struct bounce_rcpt *r = bounce_add_rcpt(b, addr, len);

		if (r)
			bounce_rcpt_judge(r, NULL);
	}
	if (found)
		return found;
	set_reason(b, "failure report (%s)", "X-Failed-Recipients");
	return 1;
}

/*
 * The human-readable report: the scanner's list phrases first; for a
 * mail system's report that names no one that way, its looser shapes.
 */
static int decide_text(struct walk *w, const char *subject)
{
	struct bounce *b = w->b;
	struct buf spare = BUF_INIT;
	const struct buf *text = report_text(w, &spare);
	int daemon = w->empty_return || from_robot(w, subject);
	size_t cut;
	int found;

	if ((!w->dsn.len && (dsn_in_text(w, text) || dsn_in_body(w))) ||
	    ses_notice(w, text)) {
		buf_release(&spare);
		return 1;
	}
	found = bounce_text_scan(b, text->data, text->len, subject, daemon,
	                         &cut);
	quoted_original(w, text, cut);
	found = failed_header(w, found);
	if (!b->nrcpts && found && from_domain(w, "aol.com"))
		bounce_text_screen_names(b, text->data, cut, "aol.com");
	if (!b->nrcpts && (from_robot(w, subject) || (daemon && found))) {
		int loose = bounce_text_loose(b, text->data, cut, w->own.data,
		                              subject);

		found = found ? found : loose;
	}
	buf_release(&spare);
	if (!found)
		return 0;
	b->class = class_of(b, found == 2);
	b->format = "text";
	return 1;
}

static void decide_rest(struct walk *w, const char *subject)
{
	struct bounce *b = w->b;

	if (w->autoreply_why.len && from_robot(w, subject)) {
		set_reason(b, "%s",
		           "a mail system's notice naming no recipient");
		return;
	}
	if (w->autoreply_why.len || bounce_subject_autoreply(subject)) {
		autoreply(w);
		return;
	}
	b->class = BOUNCE_OTHER;
	b->format = "";
	set_reason(b, "%s",
	           w->dsn.len ? "delivery-status report without failed or "
	                        "delayed recipients"
	                      : "no delivery report, feedback report, "
	                        "unsubscribe address or auto-reply found");
}

/* The message's class: each step in order of trust, until one decides. */
static void decide(struct walk *w)
{
	struct bounce *b = w->b;
	char *subject = xstrdup(b->subject);

	lower_in_place(subject);
	if (!decide_complaint(w, subject) && !decide_challenge(w) &&
	    !decide_dsn(w) && !decide_unsubscribe(w) &&
	    !decide_autoreply_header(w, subject) && !decide_text(w, subject))
		decide_rest(w, subject);
	if (!*b->reporting_mta && w->received_by.len)
		replace(&b->reporting_mta, clean(w->received_by.data, 255));
	mention_all(b, w->returned_to.data);
	free(subject);
}

/*
 * libetpan's parsers recurse once per nested part and per nested
 * comment: refuse what would take them deep enough to matter.
 */
static const char *too_deep(const char *msg, size_t len)
{
	size_t types = 0;
	int depth = 0, max = 0;

	for (size_t i = 0; i < len; i++) {
		char c = msg[i];

		if (c == '\n') {
			if (i + 1 < len && msg[i + 1] != ' ' &&
			    msg[i + 1] != '\t')
				depth = 0;
			if (i + 13 < len &&
			    !strncasecmp(msg + i + 1, "content-type:", 13) &&
			    ++types > MAX_PARTS)
				return "more than 256 MIME parts";
		} else if (c == '(') {
			if (++depth > max)
				max = depth;
		} else if (c == ')' && depth) {
			depth--;
		}
	}
	if (max > MAX_PARENS)
		return "parentheses nested more than 64 deep";
	return NULL;
}

/* The raw body: what follows the first empty line. */
static void body_of(const char *msg, size_t len, const char **body, size_t *n)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (msg[i] != '\n')
			continue;
		if (msg[i + 1] == '\n' ||
		    (msg[i + 1] == '\r' && i + 2 < len && msg[i + 2] == '\n')) {
			i += msg[i + 1] == '\n' ? 2 : 3;
			*body = msg + i;
			*n = len - i;
			return;
		}
	}
	*body = msg + len;
	*n = 0;
}

void bounce_classify(struct bounce *b, const char *msg, size_t len,
                     const struct bounce_patterns *pat)
{
	struct walk w;
	struct mailmime *mime = NULL;
	const char *hostile;
	size_t idx = 0;
	int r;

	bounce_release(b);
	b->reason = empty();
	b->reporting_mta = empty();
	b->message_id = empty();
	b->subject = empty();
	b->feedback_type = empty();
	if (len > BOUNCE_MAX)
		len = BOUNCE_MAX;
	/* An mbox "From " line before the header hides the whole header
	 * from libetpan. */
	if (len > 5 && !memcmp(msg, "From ", 5)) {
		const char *nl = memchr(msg, '\n', len);

		len -= nl ? (size_t)(nl + 1 - msg) : len;
		msg = nl ? nl + 1 : msg + len;
	}
	hostile = too_deep(msg, len);
	if (hostile) {
		set_reason(b, "cannot read the message: %s", hostile);
		return;
	}
	r = mailmime_parse(msg, len, &idx, &mime);
	if (r != MAILIMF_NO_ERROR || !mime) {
		set_reason(b, "cannot read the message: %s",
		           r == MAILIMF_ERROR_MEMORY ? "out of memory"
		                                     : "no MIME structure");
		return;
	}
	memset(&w, 0, sizeof(w));
	w.b = b;
	pattern_split(&w.return_path, pat ? pat->return_path : NULL,
	              "bounces+{token}@");
	pattern_split(&w.unsubscribe, pat ? pat->unsubscribe : NULL,
	              "unsubscribe+{token}@");
	buf_init(&w.text);
	buf_init(&w.html);
	buf_init(&w.dsn);
	buf_init(&w.arf);
	buf_init(&w.from);
	buf_init(&w.failed);
	buf_init(&w.received_by);
	buf_init(&w.returned_to);
	buf_init(&w.own);
	buf_init(&w.autoreply_why);
	body_of(msg, len, &w.body, &w.body_len);
	walk(&w, mime, 0);
	decide(&w);
	bounce_report_ids(b, w.dsn.data, w.dsn.len);
	bounce_report_ids(b, w.arf.data, w.arf.len);
	mailmime_free(mime);
	buf_release(&w.text);
	buf_release(&w.html);
	buf_release(&w.dsn);
	buf_release(&w.arf);
	buf_release(&w.from);
	buf_release(&w.failed);
	buf_release(&w.received_by);
	buf_release(&w.returned_to);
	buf_release(&w.own);
	buf_release(&w.autoreply_why);
}
