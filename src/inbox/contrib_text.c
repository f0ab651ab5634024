#include "contrib_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

/* Longest detail value kept (a summary is a sentence or two). */
#define VALUE_MAX 2000

static char *empty(void)
{
	return xstrdup("");
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A copy of s[0..n) without the spaces around it. */
static char *trimmed(const char *s, size_t n)
{
	while (n && is_space((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && is_space((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n > VALUE_MAX ? VALUE_MAX : n);
}

/* The prefixes that mean a forward, not a reply. */
static int is_forward_word(const char *w)
{
	static const char *const fwd[] = {"fwd", "fw",     "wg",    "tr",
	                                  "vb",  "doorst", "rv",    "enc",
	                                  "pd",  "i",      "reenv", "fs"};
	for (size_t i = 0; i < sizeof(fwd) / sizeof(*fwd); i++)
		if (!strcmp(w, fwd[i]))
			return 1;
	return 0;
}

/*
 * The reply and forward prefixes of the mail clients of Europe: "Re",
 * "Fwd", "Fw", German "AW"/"WG", French "TR"/"RE", Nordic "SV"/"VS"/"VB",
 * Dutch "Antw"/"Doorst", Spanish "RV"/"ENC", Polish "Odp"/"PD", Italian
 * "R"/"I", each optionally numbered ("RE[2]:", "Re(3):"), then ":".
 * Returns the length of the prefix at s (with the spaces after), or 0.
 */
static size_t reply_prefix(const char *s, int *forward)
{
	static const char *const words[] = {
	        "re", "fwd",  "fw",     "aw",  "wg",    "tr",  "sv",  "vs",
	        "vb", "antw", "doorst", "rv",  "enc",   "odp", "pd",  "r",
	        "i",  "ref",  "tr",     "rif", "reenv", "rép", "réf", "fs",
	};
	for (size_t k = 0; k < sizeof(words) / sizeof(*words); k++) {
		size_t w = strlen(words[k]), i;

		if (strncasecmp(s, words[k], w))
			continue;
		i = w;
		if (s[i] == '[' || s[i] == '(') {
			char close = s[i] == '[' ? ']' : ')';
			size_t j = i + 1;

			while (isdigit((unsigned char)s[j]))
				j++;
			if (j == i + 1 || s[j] != close)
				continue;
			i = j + 1;
		}
		while (s[i] == ' ')
			i++;
		if (s[i] != ':' && strncmp(s + i, "\xef\xbc\x9a", 3))
			continue;
		i += s[i] == ':' ? 1 : 3;
		while (is_space((unsigned char)s[i]))
			i++;
		*forward |= is_forward_word(words[k]);
		return i;
	}
	return 0;
}

/* "[2027-01]": an issue tag of 4 digits, '-', then letters or digits. */
static size_t issue_tag(const char *s, const char **id, size_t *idlen)
{
	size_t i = 1;

	if (s[0] != '[')
		return 0;
	for (int k = 0; k < 4; k++, i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	if (s[i] != '-')
		return 0;
	i++;
	while (isalnum((unsigned char)s[i]) || s[i] == '-')
		i++;
	if (s[i] != ']' || i > 40)
		return 0;
	*id = s + 1;
	*idlen = i - 1;
	return i + 1;
}

/* Takes the tag out of t (anywhere), keeping the first one found. */
static void take_tag(struct buf *t, struct contrib_subject *s)
{
	for (size_t i = 0; i < t->len; i++) {
		const char *id;
		size_t idlen, n = issue_tag(t->data + i, &id, &idlen);

		if (!n)
			continue;
		if (!*s->issue) {
			free(s->issue);
			s->issue = xstrndup(id, idlen);
		}
		memmove(t->data + i, t->data + i + n, t->len - i - n);
		buf_setlen(t, t->len - n);
		i--;
	}
}

void contrib_subject_parse(struct contrib_subject *s, const char *subject)
{
	struct buf t = BUF_INIT;
	const char *p = subject ? subject : "";
	size_t n;

	s->issue = empty();
	s->withdraw = 0;
	s->forward = 0;
	buf_adds(&t, p);
	take_tag(&t, s);
	p = t.data;
	for (;;) {
		while (is_space((unsigned char)*p))
			p++;
		n = reply_prefix(p, &s->forward);
		if (n) {
			p += n;
			continue;
		}
		if (!strncasecmp(p, "withdraw", 8)) {
			size_t i = 8;

			while (p[i] == ' ')
				i++;
			if (p[i] == ':') {
				s->withdraw = 1;
				p += i + 1;
				continue;
			}
		}
		break;
	}
	s->title = trimmed(p, strlen(p));
	buf_release(&t);
}

void contrib_subject_release(struct contrib_subject *s)
{
	free(s->title);
	free(s->issue);
	s->title = s->issue = NULL;
}

/* The fields of d, in one order, for the functions below. */
#define NFIELDS 10
static void fields_of(struct contrib_details *d, char **f[NFIELDS])
{
	f[0] = &d->title;
	f[1] = &d->section;
	f[2] = &d->type;
	f[3] = &d->summary;
	f[4] = &d->alt;
	f[5] = &d->author;
	f[6] = &d->event;
	f[7] = &d->start;
	f[8] = &d->end;
	f[9] = &d->location;
}

void contrib_details_init(struct contrib_details *d)
{
	char **f[NFIELDS];

	fields_of(d, f);
	for (size_t i = 0; i < NFIELDS; i++)
		*f[i] = empty();
}

void contrib_details_release(struct contrib_details *d)
{
	char **f[NFIELDS];

	fields_of(d, f);
	for (size_t i = 0; i < NFIELDS; i++) {
		free(*f[i]);
		*f[i] = NULL;
	}
}

void contrib_details_merge(struct contrib_details *d,
                           const struct contrib_details *from)
{
	char **to[NFIELDS], **fr[NFIELDS];

	fields_of(d, to);
	fields_of((struct contrib_details *)from, fr);
	for (size_t i = 0; i < NFIELDS; i++)
		if (!**to[i] && **fr[i]) {
			free(*to[i]);
			*to[i] = xstrdup(*fr[i]);
		}
}

/* ---- lines ---- */

/* The lines of a text, LF-ended, each without its line end. */
struct lines {
	const char *s;
	size_t n, pos;
};

static int next_line(struct lines *l, const char **line, size_t *len)
{
	const char *nl;

	if (l->pos >= l->n)
		return 0;
	*line = l->s + l->pos;
	nl = memchr(*line, '\n', l->n - l->pos);
	*len = nl ? (size_t)(nl - *line) : l->n - l->pos;
	l->pos += *len + (nl ? 1 : 0);
	if (*len && (*line)[*len - 1] == '\r')
		(*len)--;
	return 1;
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_space((unsigned char)s[i]))
			return 0;
	return 1;
}

static int starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && !strncasecmp(s, prefix, k);
}

static int ends(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	while (n && is_space((unsigned char)s[n - 1]))
		n--;
	return n >= k && !strncasecmp(s + n - k, suffix, k);
}

/* A line of only c (at least 8 of them), e.g. Outlook's "____". */
static int rule_of(const char *s, size_t n, char c)
{
	size_t k = 0;

	while (n && is_space((unsigned char)s[n - 1]))
		n--;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != c)
			return 0;
		k++;
	}
	return k >= 8;
}

/* The marker a forward starts with, in the clients that matter. */
static int forward_marker(const char *s, size_t n)
{
	return starts(s, n, "---------- Forwarded message") ||
	       starts(s, n, "-------- Forwarded Message") ||
	       starts(s, n, "Begin forwarded message:") ||
	       starts(s, n, "-----Forwarded Message-----") ||
	       starts(s, n, "---------- Weitergeleitete Nachricht");
}

/* "On Tue, 1 Dec 2026, Ann <ann@x> wrote:" (maybe over two lines), and
 * the same in German, French, Dutch and Spanish. */
static int reply_header(const struct lines *all, const char *s, size_t n)
{
	static const char *const opens[] = {"On ", "Am ", "Le ", "Op ", "El "};
	static const char *const says[] = {"wrote", "schrieb", "a écrit",
	                                   "geschreven", "escribió"};
	struct lines l = *all;
	const char *next = "";
	size_t nlen = 0;
	int open = 0;
	struct buf both = BUF_INIT;
	int r = 0;

	for (size_t i = 0; i < sizeof(opens) / sizeof(*opens); i++)
		open |= starts(s, n, opens[i]);
	if (!open)
		return 0;
	next_line(&l, &next, &nlen);
	buf_add(&both, s, n);
	if (!ends(s, n, ":")) {
		buf_addch(&both, ' ');
		buf_add(&both, next, nlen);
	}
	if (ends(both.data, both.len, ":"))
		for (size_t i = 0; i < sizeof(says) / sizeof(*says); i++)
			r |= strstr(both.data, says[i]) != NULL;
	buf_release(&both);
	return r;
}

/* Outlook's header of the message replied to: "From: ..." then "Sent:"
 * or "Date:" within the next lines. */
static int outlook_header(const struct lines *all, const char *s, size_t n)
{
	struct lines l = *all;
	const char *next = "";
	size_t nlen = 0;

	if (!starts(s, n, "From:") && !starts(s, n, "**From:**") &&
	    !starts(s, n, "Von:") && !starts(s, n, "De :") &&
	    !starts(s, n, "De:"))
		return 0;
	for (int k = 0; k < 3 && next_line(&l, &next, &nlen); k++)
		if (starts(next, nlen, "Sent:") ||
		    starts(next, nlen, "**Sent:**") ||
		    starts(next, nlen, "Date:") ||
		    starts(next, nlen, "Gesendet:") ||
		    starts(next, nlen, "Envoyé :"))
			return 1;
	return 0;
}

/* The header of an earlier message (replied to or, after "FW:",
 * forwarded). */
static int earlier_message(const struct lines *rest, const char *s, size_t n)
{
	if (starts(s, n, "-----Original Message-----") ||
	    starts(s, n, "-----Ursprüngliche Nachricht-----") ||
	    starts(s, n, "-------- Original Message --------") ||
	    starts(s, n, "-----Message d'origine-----"))
		return 1;
	if (rule_of(s, n, '_')) {
		struct lines l = *rest;
		const char *next = "";
		size_t nlen = 0;

		while (next_line(&l, &next, &nlen) && blank(next, nlen))
			;
		return outlook_header(&l, next, nlen) ||
		       starts(next, nlen, "From:");
	}
	return reply_header(rest, s, n) || outlook_header(rest, s, n);
}

/* Where the partner's own words end: a signature or a quoted message. */
static int end_of_words(const struct lines *rest, const char *s, size_t n)
{
	return (n == 3 && !memcmp(s, "-- ", 3)) ||
	       (n == 2 && !memcmp(s, "--", 2)) || earlier_message(rest, s, n);
}

/* What phones and webmail add under every message. */
static int client_tagline(const char *s, size_t n)
{
	return starts(s, n, "Sent from my ") ||
	       starts(s, n, "Sent from Outlook") ||
	       starts(s, n, "Sent from Mail for") ||
	       starts(s, n, "Get Outlook for ") ||
	       starts(s, n, "Von meinem iPhone gesendet");
}

/* Appends the partner's own lines of text[0..n) to out, up to where
 * their words end. */
static void own_words(struct buf *out, const char *text, size_t n)
{
	struct lines l = {text, n, 0};
	const char *s;
	size_t len;

	while (next_line(&l, &s, &len)) {
		if (end_of_words(&l, s, len))
			break;
		if ((len && s[0] == '>') || client_tagline(s, len))
			continue;
		buf_add(out, s, len);
		buf_addch(out, '\n');
	}
}

/* Skips the forwarded message's header block ("From: ...", "Date: ...",
 * "Subject: ...", "To: ..." and their continuations). */
static void skip_forward_header(struct lines *l)
{
	const char *s;
	size_t len, at = l->pos;
	int seen = 0;

	while (next_line(l, &s, &len)) {
		const char *colon = memchr(s, ':', len);
		int field = colon && colon > s && colon - s < 30 &&
		            !memchr(s, ' ',
		                    (size_t)(colon - s) > 1
		                            ? (size_t)(colon - s) - 1
		                            : 0);

		if (blank(s, len)) {
			if (seen)
				return;
		} else if (field || starts(s, len, "**From:**") ||
		           (seen && (s[0] == ' ' || s[0] == '\t'))) {
			seen = 1;
		} else {
			/* Not a header block after all. */
			l->pos = at;
			return;
		}
		at = l->pos;
	}
}

/* ---- details at the top ---- */

static void set_field(char **f, const char *v, size_t n)
{
	/* A value in quotes, as in the details block of a .md file. */
	while (n && is_space((unsigned char)*v)) {
		v++;
		n--;
	}
	while (n && is_space((unsigned char)v[n - 1]))
		n--;
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	free(*f);
	*f = trimmed(v, n);
}

/*
 * The field a detail line names (its name compared ignoring case,
 * spaces, '-' and '_'), or NULL. strict: only the names for the top of
 * a mail; otherwise also those of a details block.
 */
static char **field_named(struct contrib_details *d, const char *name, size_t n,
                          int block)
{
	char norm[24];
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < sizeof(norm); i++)
		if (name[i] != ' ' && name[i] != '-' && name[i] != '_')
			norm[k++] = (char)tolower((unsigned char)name[i]);
	norm[k] = 0;
	if (!strcmp(norm, "section"))
		return &d->section;
	if (!strcmp(norm, "type"))
		return &d->type;
	if (!strcmp(norm, "summary"))
		return &d->summary;
	if (!strcmp(norm, "event"))
		return &d->event;
	if (!strcmp(norm, "alt") || !strcmp(norm, "alttext") ||
	    !strcmp(norm, "imagealt") || !strcmp(norm, "imagedescription"))
		return &d->alt;
	if (!block)
		return NULL;
	if (!strcmp(norm, "title"))
		return &d->title;
	if (!strcmp(norm, "author"))
		return &d->author;
	if (!strcmp(norm, "start"))
		return &d->start;
	if (!strcmp(norm, "end"))
		return &d->end;
	if (!strcmp(norm, "location") || !strcmp(norm, "place"))
		return &d->location;
	return NULL;
}

/*
 * One "Name: value" line: 1 taken (into *f unless already given), 0 not
 * a detail line.
 */
static int detail_line(struct contrib_details *d, const char *s, size_t n,
                       int block)
{
	const char *colon = memchr(s, ':', n);
	char **f;

	if (!colon || colon == s)
		return 0;
	f = field_named(d, s, (size_t)(colon - s), block);
	if (!f) {
		/* Unknown names inside a details block are passed over. */
		return block;
	}
	if (!**f)
		set_field(f, colon + 1, n - (size_t)(colon + 1 - s));
	return 1;
}

/*
 * Takes the details at the top of text (a "---" block, or detail lines
 * with blank lines between them) into d; returns where the rest starts.
 */
static size_t take_details(struct contrib_details *d, const char *text,
                           size_t n)
{
	struct lines l = {text, n, 0};
	const char *s;
	size_t len, rest = 0;
	int block = 0, first = 1;

	while (next_line(&l, &s, &len)) {
		if (blank(s, len) && !block) {
			rest = l.pos;
			continue;
		}
		if (first && len == 3 && !memcmp(s, "---", 3)) {
			block = 1;
			first = 0;
			continue;
		}
		first = 0;
		if (block && len == 3 && !memcmp(s, "---", 3))
			return l.pos;
		if (!detail_line(d, s, len, block))
			break;
		rest = l.pos;
	}
	return block ? 0 : rest;
}

static void trim_blank_lines(struct buf *b)
{
	size_t start = 0;

	while (start < b->len && is_space((unsigned char)b->data[start]))
		start++;
	/* Keep the indent of the first line. */
	while (start && b->data[start - 1] != '\n')
		start--;
	memmove(b->data, b->data + start, b->len - start);
	buf_setlen(b, b->len - start);
	while (b->len && is_space((unsigned char)b->data[b->len - 1]))
		buf_setlen(b, b->len - 1);
	if (b->len)
		buf_addch(b, '\n');
}

void contrib_text_clean(struct buf *out, const char *text, size_t n,
                        int forward, struct contrib_details *d,
                        struct buf *problems)
{
	struct lines l = {text, n, 0};
	struct buf words = BUF_INIT;
	const char *s;
	size_t len, rest;
	int forwarded = 0;

	/* A forward: the partner's note (details only), then the
	 * forwarded text as the piece. */
	while (next_line(&l, &s, &len)) {
		if (!forward_marker(s, len) &&
		    !(forward && earlier_message(&l, s, len)))
			continue;
		/* Outlook's rule line comes before its header block. */
		if (rule_of(s, len, '_'))
			while (next_line(&l, &s, &len) && blank(s, len))
				;
		take_details(d, text, (size_t)(s - text));
		skip_forward_header(&l);
		own_words(&words, text + l.pos, n - l.pos);
		forwarded = 1;
		break;
	}
	if (!forwarded)
		own_words(&words, text, n);
	rest = take_details(d, words.data, words.len);
	if (*d->event && !*d->start)
		contrib_event_parse(d, d->event, problems);
	buf_add(out, words.data + rest, words.len - rest);
	trim_blank_lines(out);
	buf_release(&words);
}

/* ---- the Event line ---- */

static void skip_spaces(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static int number(const char **p, int min_digits, int max_digits, int *v)
{
	int k = 0;

	*v = 0;
	while (isdigit((unsigned char)**p) && k < max_digits) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		k++;
	}
	return k >= min_digits && !isdigit((unsigned char)**p);
}

static int month_named(const char **p)
{
	static const char *const names[] = {"jan", "feb", "mar", "apr",
	                                    "may", "jun", "jul", "aug",
	                                    "sep", "oct", "nov", "dec"};
	for (int m = 0; m < 12; m++)
		if (!strncasecmp(*p, names[m], 3)) {
			while (isalpha((unsigned char)**p))
				(*p)++;
			if (**p == '.')
				(*p)++;
			return m + 1;
		}
	return 0;
}

/* Skips a weekday ("Thursday", "Thu,") before a date. */
static void skip_weekday(const char **p)
{
	static const char *const days[] = {"mon", "tue", "wed", "thu",
	                                   "fri", "sat", "sun"};
	for (int k = 0; k < 7; k++)
		if (!strncasecmp(*p, days[k], 3)) {
			while (isalpha((unsigned char)**p))
				(*p)++;
			if (**p == ',')
				(*p)++;
			skip_spaces(p);
			return;
		}
}

/* 2027-01-21, 21/01/2027, 21 January 2027, Thursday 21st Jan 2027. */
static int read_date(const char **p, int *py, int *pm, int *pd)
{
	const char *q = *p;
	int a, yy, mm = 0, dd = 0, *y = &yy, *m = &mm, *d = &dd;

	skip_weekday(&q);
	if (!isdigit((unsigned char)*q))
		return 0;
	if (number(&q, 4, 4, y) && *q == '-') {
		q++;
		if (!number(&q, 1, 2, m) || *q++ != '-' || !number(&q, 1, 2, d))
			return 0;
	} else {
		q = *p;
		skip_weekday(&q);
		if (!number(&q, 1, 2, &a))
			return 0;
		*d = a;
		if (*q == '/' || *q == '.') {
			q++;
			if (!number(&q, 1, 2, m) || (*q != '/' && *q != '.'))
				return 0;
			q++;
		} else {
			if (!strncasecmp(q, "st", 2) ||
			    !strncasecmp(q, "nd", 2) ||
			    !strncasecmp(q, "rd", 2) ||
			    !strncasecmp(q, "th", 2))
				q += 2;
			skip_spaces(&q);
			*m = month_named(&q);
			if (!*m)
				return 0;
			skip_spaces(&q);
		}
		if (!number(&q, 4, 4, y))
			return 0;
	}
	if (*m < 1 || *m > 12 || *d < 1 || *d > 31)
		return 0;
	*p = q;
	*py = yy;
	*pm = mm;
	*pd = dd;
	return 1;
}

/* 10:00, 10.00, 10am, 2:30pm, 14:30. */
static int read_time(const char **p, int *h, int *min)
{
	const char *q = *p;
	int has_min = 0;

	if (!number(&q, 1, 2, h))
		return 0;
	*min = 0;
	if ((*q == ':' || *q == '.') && isdigit((unsigned char)q[1])) {
		q++;
		if (!number(&q, 2, 2, min))
			return 0;
		has_min = 1;
	}
	skip_spaces(&q);
	if (!strncasecmp(q, "am", 2) || !strncasecmp(q, "pm", 2)) {
		if (*h < 1 || *h > 12)
			return 0;
		*h = *h % 12 + (tolower((unsigned char)*q) == 'p' ? 12 : 0);
		q += 2;
	} else if (!has_min) {
		return 0; /* a bare number is not a time */
	}
	if (*h > 23 || *min > 59)
		return 0;
	*p = q;
	return 1;
}

static int read_to(const char **p)
{
	const char *q = *p;

	skip_spaces(&q);
	if (!strncasecmp(q, "to ", 3) || !strncasecmp(q, "until ", 6))
		q += q[0] == 't' || q[0] == 'T' ? 3 : 6;
	else if (*q == '-')
		q++;
	else if (!strncmp(q, "\xe2\x80\x93", 3) ||
	         !strncmp(q, "\xe2\x80\x94", 3))
		q += 3;
	else
		return 0;
	skip_spaces(&q);
	*p = q;
	return 1;
}

static void set_when(char **f, int y, int m, int d, int h, int min, int time)
{
	struct buf b = BUF_INIT;

	if (time)
		buf_addf(&b, "%04d-%02d-%02dT%02d:%02d", y, m, d, h, min);
	else
		buf_addf(&b, "%04d-%02d-%02d", y, m, d);
	free(*f);
	*f = buf_detach(&b);
}

int contrib_event_parse(struct contrib_details *d, const char *line,
                        struct buf *problems)
{
	const char *p = line;
	int y, m, day, h = 0, min = 0, y2, m2, d2, h2, min2, time;

	skip_spaces(&p);
	if (!read_date(&p, &y, &m, &day)) {
		buf_addf(
		        problems,
		        "Event: I could not read the date in \"%.100s\". Write "
		        "it like this: Event: 2027-01-21 10:00 to 12:00, Luton "
		        "Town Hall\n",
		        line);
		return -1;
	}
	skip_spaces(&p);
	if (*p == ',' && isdigit((unsigned char)p[1 + strspn(p + 1, " ")]))
		p++;
	skip_spaces(&p);
	if (!strncasecmp(p, "at ", 3) || !strncasecmp(p, "from ", 5))
		p += p[0] == 'a' || p[0] == 'A' ? 3 : 5;
	skip_spaces(&p);
	time = read_time(&p, &h, &min);
	set_when(&d->start, y, m, day, h, min, time);
	if (read_to(&p)) {
		y2 = y, m2 = m, d2 = day;
		if (read_date(&p, &y2, &m2, &d2))
			skip_spaces(&p);
		if (read_time(&p, &h2, &min2))
			set_when(&d->end, y2, m2, d2, h2, min2, 1);
		else
			set_when(&d->end, y2, m2, d2, 0, 0, 0);
	}
	skip_spaces(&p);
	if (*p == ',' || *p == ';')
		p++;
	skip_spaces(&p);
	if (!strncasecmp(p, "at ", 3))
		p += 3;
	if (*p && !*d->location)
		set_field(&d->location, p, strlen(p));
	return 0;
}
