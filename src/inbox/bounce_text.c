/*
 * Plain-text delivery reports. Servers that predate RFC 3464, or that
 * add a human-readable part to it, all follow one of a few shapes:
 *
 *   Postfix, qmail    "<addr>: reason" lines
 *   Exim              "The following address(es) failed:" then
 *                     indented addresses, each followed by its reason
 *   Sendmail          "----- The following addresses had permanent
 *                     fatal errors -----" then addresses
 *   Exchange, Domino  "did not reach the following recipient(s):",
 *                     "was not delivered to:" then addresses
 *   Yahoo, SMTP32...  a phrase with the address on the same line
 *
 * So the scanner looks for a trigger phrase, takes addresses that start
 * a line after it (or stand right after it on its line), and gathers
 * the lines below each address as what the server said about it.
 * Addresses inside sentences are never taken as recipients: they are the
 * sender, the postmaster or the returned message's headers.
 */
#include "bounce_text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "banned.h"

/* What the scanner keeps of what a server said about one recipient. */
#define DIAG_MAX 400

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	       c == '\v';
}

/* RFC 5322 atext plus '.', as found in dot-atom local parts. */
static int is_local_char(int c)
{
	return c && (is_alnum(c) || strchr("!#$%&'*+-/=?^_`{|}~.", c));
}

static int is_domain_char(int c)
{
	return is_alnum(c) || c == '-' || c == '.';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* The end of a quoted local part starting at p ('"'), or NULL. */
static const char *quoted_end(const char *p, const char *end)
{
	const char *q = p + 1;

	while (q < end && *q != '"' && q - p <= 66) {
		if (*q == '\\' && q + 1 < end)
			q++;
		if ((unsigned char)*q < 32 || *q == 127)
			return NULL;
		q++;
	}
	return q < end && *q == '"' && q - p <= 66 ? q + 1 : NULL;
}

size_t bounce_addr_at(const char *p, const char *end)
{
	const char *q = p, *d, *dend, *label;
	int letter = 0;

	if (p < end && *p == '"') {
		q = quoted_end(p, end);
		if (!q || q - p < 3 || q >= end || *q != '@')
			return 0;
	} else {
		while (q < end && is_local_char((unsigned char)*q))
			q++;
		if (q == p || q - p > 64 || q >= end || *q != '@' ||
		    *p == '.' || q[-1] == '.')
			return 0;
	}
	d = q + 1;
	dend = d;
	while (dend < end && is_domain_char((unsigned char)*dend))
		dend++;
	/* A sentence may end right after the address. */
	while (dend > d && (dend[-1] == '.' || dend[-1] == '-'))
		dend--;
	if (dend == d || dend - d > 253 || *d == '.' || *d == '-' ||
	    !memchr(d, '.', (size_t)(dend - d)))
		return 0;
	label = d;
	for (const char *c = d; c < dend; c++) {
		if (*c == '.') {
			if (c == label)
				return 0; /* ".." */
			label = c + 1;
		}
	}
	for (const char *c = label; c < dend; c++)
		letter |= is_alpha((unsigned char)*c);
	return letter ? (size_t)(dend - p) : 0;
}

/*
 * Where the local part around the '@' at s[at] begins: back over local
 * characters, then past the junk that free text glues on (quotes, and
 * the "SMTP=" of X.400 addresses in Exchange reports).
 */
static size_t local_start(const char *s, size_t at)
{
	size_t i = at;

	if (at >= 3 && s[at - 1] == '"') {
		for (i = at - 2; i > 0 && at - i <= 66 && s[i] != '"'; i--)
			;
		if (s[i] == '"')
			return i;
		i = at;
	}

	while (i > 0 && at - i < 64 && is_local_char((unsigned char)s[i - 1]))
		i--;
	/* ("=?utf-8?..." is an encoded word: its '=' is its own.) */
	while (i < at && (s[i] == '\'' || s[i] == '`' || s[i] == '.' ||
	                  (s[i] == '=' && s[i + 1] != '?') || s[i] == '/'))
		i++;
	if (at - i > 5 && !strncasecmp(s + i, "smtp=", 5))
		i += 5;
	return i;
}

size_t bounce_addr_next(const char *s, size_t n, size_t *pos,
                        const char **start)
{
	while (*pos < n) {
		const char *at = memchr(s + *pos, '@', n - *pos);
		size_t i, len;

		if (!at)
			break;
		i = local_start(s, (size_t)(at - s));
		len = bounce_addr_at(s + i, s + n);
		*pos = (size_t)(at - s) + 1;
		if (len) {
			*start = s + i;
			*pos = i + len;
			return len;
		}
	}
	*pos = n;
	return 0;
}

/*
 * A status code at s: "d.d.d" with class 2, 4 or 5 (digits, not part
 * of a longer number or of an IP address). Returns its length or 0.
 */
static size_t enhanced_at(const char *s, const char *start)
{
	size_t i = 1;
	int parts = 1;

	if (*s != '2' && *s != '4' && *s != '5')
		return 0;
	if (s > start && (is_digit((unsigned char)s[-1]) || s[-1] == '.'))
		return 0;
	while (parts < 3) {
		int digits = 0;

		if (s[i] != '.')
			return 0;
		i++;
		while (is_digit((unsigned char)s[i]) && digits < 4) {
			i++;
			digits++;
		}
		if (!digits || digits > 3)
			return 0;
		parts++;
	}
	if (is_digit((unsigned char)s[i]) ||
	    (s[i] == '.' && is_digit((unsigned char)s[i + 1])))
		return 0;
	return i;
}

void bounce_status_find(const char *s, char out[12])
{
	out[0] = '\0';
	for (const char *p = s; *p; p++) {
		size_t n = enhanced_at(p, s);

		if (n && n < 12) {
			memcpy(out, p, n);
			out[n] = '\0';
			return;
		}
	}
	/* No enhanced code: a reply code standing as a word, "550 ...". */
	for (const char *p = s; *p; p++) {
		int word = p == s || (!is_alnum((unsigned char)p[-1]) &&
		                      p[-1] != '.' && p[-1] != '#');

		if (word && (*p == '4' || *p == '5') && p[1] >= '0' &&
		    p[1] <= '5' && is_digit((unsigned char)p[2]) &&
		    (p[3] == ' ' || p[3] == '-' || p[3] == '\0')) {
			memcpy(out, p, 3);
			out[3] = '\0';
			return;
		}
	}
}

/*
 * Whether lower-case word w occurs in lower-case s starting a word (so
 * "rbl" is not found in "garbled"), and ending one when whole is set.
 */
static int has_word(const char *s, const char *w, int whole)
{
	size_t n = strlen(w);

	for (const char *p = strstr(s, w); p; p = strstr(p + 1, w)) {
		if (p > s && is_alnum((unsigned char)p[-1]))
			continue;
		if (whole && is_alnum((unsigned char)p[n]))
			continue;
		return 1;
	}
	return 0;
}

static int has_any(const char *s, const char *const *words, int whole)
{
	for (; *words; words++)
		if (has_word(s, *words, whole))
			return 1;
	return 0;
}

static const char *const mailbox_full_words[] = {
        "quota",
        "mailbox is full",
        "mailbox full",
        "mailbox was full",
        "mail box full",
        "mailfolder is full",
        "mailbox is over",
        "exceeded storage",
        "storage allocation",
        "over its limit",
        "mailbox size limit",
        NULL,
};

/* Failures that are about the sending server or the message, not the
 * recipient's address (RFC 3463 X.7.x and its plain-language kin). */
static const char *const policy_words[] = {
        "spam",
        "blacklist",
        "black list",
        "blocklist",
        "block list",
        "denylist",
        "blocked",
        "rbl",
        "dnsbl",
        "spamhaus",
        "spamcop",
        "barracuda",
        "reputation",
        "reverse dns",
        "ptr record",
        "ptr",
        "dmarc",
        "spf",
        "dkim",
        "policy",
        "junk mail",
        "bulk mail",
        "not allowed to send",
        NULL,
};

static int lower_has(const char *s, const char *const *words, int whole)
{
	struct buf low = BUF_INIT;
	int r;

	buf_adds(&low, s);
	for (size_t i = 0; i < low.len; i++)
		low.data[i] = (char)lower((unsigned char)low.data[i]);
	r = has_any(low.data, words, whole);
	buf_release(&low);
	return r;
}

void bounce_rcpt_judge(struct bounce_rcpt *r, const char *text)
{
	const char *said = *r->diagnostic ? r->diagnostic : text ? text : "";
	const char *st = r->status;
	char quoted[12];
	int enhanced;

	if (!*st && *said)
		bounce_status_find(said, r->status);
	enhanced = st[0] && st[1] == '.';
	/* The server's own words may carry a more exact code than Status. */
	bounce_status_find(said, quoted);
	r->policy = (enhanced && st[2] == '7' && st[3] == '.') ||
	            (quoted[0] && quoted[1] == '.' && quoted[2] == '7' &&
	             quoted[3] == '.') ||
	            lower_has(said, policy_words, 1);
	r->mailbox_full = (enhanced && !strcmp(st + 1, ".2.2")) ||
	                  (quoted[0] && !strcmp(quoted + 1, ".2.2")) ||
	                  lower_has(said, mailbox_full_words, 0);
	if (r->action == BOUNCE_ACTION_DELAYED || r->mailbox_full)
		r->kind = BOUNCE_SOFT;
	else
		r->kind = BOUNCE_HARD;
}

static const char *const delay_words[] = {
        "not yet been delivered",
        "has not been delivered yet",
        "delivery attempts will continue",
        "will continue to attempt",
        "will continue trying",
        "will keep trying",
        "will be retried",
        "will retry",
        "still trying",
        "this is just a warning",
        "this is only a warning",
        "warning: message",
        "delivery has been delayed",
        "has been delayed",
        "message is delayed",
        "delayed delivery",
        NULL,
};

int bounce_says_delay(const char *s)
{
	return has_any(s, delay_words, 0);
}

int bounce_subject_autoreply(const char *s)
{
	static const char *const anywhere[] = {
	        "out of office",
	        "out of the office",
	        "automatic reply",
	        "auto reply",
	        "auto-reply",
	        "autoreply",
	        "auto response",
	        "auto-response",
	        "autoresponse",
	        "vacation",
	        "abwesenheitsnotiz",
	        "automatische antwort",
	        "r\xc3\xa9ponse automatique",
	        "respuesta autom\xc3\xa1tica",
	        "risposta automatica",
	        NULL,
	};
	static const char *const starting[] = {"away", "ooo", "auto:", NULL};

	for (const char *const *w = starting; *w; w++)
		if (!strncmp(s, *w, strlen(*w)) &&
		    !is_alnum((unsigned char)s[strlen(*w)]))
			return 1;
	return has_any(s, anywhere, 0);
}

int bounce_subject_failure(const char *s)
{
	static const char *const words[] = {
	        "undeliver",
	        "undelivered",
	        "returned mail",
	        "delivery fail",
	        "failure notice",
	        "delivery status",
	        "not delivered",
	        "mail delivery",
	        "failed delivery",
	        "delivery problem",
	        "returning message",
	        "non-delivery",
	        "nondeliverable",
	        "could not be delivered",
	        "permanent",
	        "warning: message",
	        "delayed",
	        "failure delivery",
	        NULL,
	};

	return has_any(s, words, 0);
}

/*
 * Phrases after which a list of failed addresses follows (or the
 * address itself, on the same line), lower-case.
 */
static const char *const triggers[] = {
        "following address",
        "following recipient",
        "following destination",
        "following user",
        "following list",
        "list of recipients",
        "one or more destinations",
        "could not be delivered",
        "couldn't be delivered",
        "cannot be delivered",
        "can't be delivered",
        "could not deliver",
        "not be delivered to",
        "was not delivered to",
        "wasn't delivered to",
        "did not reach the following",
        "failed recipient",
        "failed addresses",
        "addresses failed",
        "delivery to the following",
        "delivery has failed",
        "delivery failed",
        "failed permanently",
        "unable to deliver",
        "not able to deliver",
        "wasn't able to deliver",
        "undeliverable address",
        "undeliverable to",
        "was undeliverable",
        "intended recipient",
        "invalid final delivery userid",
        "error-for:",
        "permanent fatal error",
        "not yet been delivered",
        "your message to:",
        "did not receive a copy",
        "mailbox is full:",
        "n'a pas pu etre delivre",
        "no pudo ser entregado",
        "delivery problems",
        "error delivering",
        "rejected recipient",
        NULL,
};

/* The end of the trigger phrase found in s, or NULL. */
static const char *find_trigger(const char *s, const char **which)
{
	for (const char *const *t = triggers; *t; t++) {
		const char *p = strstr(s, *t);

		if (p) {
			*which = *t;
			return p + strlen(*t);
		}
	}
	return NULL;
}

/*
 * Whether a lower-cased line marks where the returned message starts:
 * "------ This is a copy of the message, including all the headers.",
 * "--- Below this line is a copy of the message.", "Original message
 * follows.", or the returned header block itself.
 */
static int is_cut_line(const char *s)
{
	static const char *const after_rule[] = {
	        "original",
	        "copy",
	        "returned",
	        "message text",
	        "message header",
	        "header of",
	        "undelivered message",
	        "message follows",
	        "mensaje",
	        "rfc822",
	        "headers follow",
	        "unsent message",
	        NULL,
	};
	static const char *const phrases[] = {
	        "original message follows",
	        "below this line is a copy",
	        "your message reads",
	        "old message:",
	        "copy of the original message",
	        "message header follows",
	        "original message attached",
	        "returned message follows",
	        "original message:",
	        "content-type: message/rfc822",
	        "content-type: text/rfc822-headers",
	        NULL,
	};
	const char *p = s;
	int rule = 0;

	if (!strncmp(s, "received: ", 10) || !strncmp(s, "return-path:", 12))
		return 1;
	while (*p == ' ' || *p == '\t' || *p == '|')
		p++;
	while (*p == '-' || *p == '=' || *p == '*' || *p == '_') {
		p++;
		rule++;
	}
	if (rule >= 2)
		for (const char *const *w = after_rule; *w; w++)
			if (strstr(p, *w))
				return 1;
	for (const char *const *w = phrases; *w; w++)
		if (strstr(s, *w))
			return 1;
	return 0;
}

/*
 * A line listing one recipient: the address first, after indentation,
 * quoting marks, a bullet or "<". Returns its length, with *at where it
 * starts, or 0.
 */
static size_t addr_starting(const char *line, const char *end, const char **at)
{
	const char *p = line;

	while (p < end && (is_space((unsigned char)*p) || *p == '>' ||
	                   *p == '*' || *p == '|' || *p == '"' || *p == '\''))
		p++;
	if (p + 1 < end && *p == '-' && p[1] == ' ')
		p += 2;
	if (p < end && *p == '<')
		p++;
	/* Exchange writes X.400 and SMTP forms: "c=US;a= ;...;dda:SMTP=x" */
	if (end - p > 2 && lower((unsigned char)p[0]) == 'c' && p[1] == '=') {
		const char *s = memmem(p, (size_t)(end - p), "SMTP=", 5);

		if (!s)
			return 0;
		p = s + 5;
	}
	*at = p;
	return bounce_addr_at(p, end);
}

/*
 * "(expanded from: X)", "(generated from X)", "(Originally addressed to
 * X)": the address that was really sent to, which the line names after
 * an alias was rewritten. Returns its length with *at, or 0.
 */
static size_t addr_alias(const char *low, const char *line, const char *end,
                         const char **at)
{
	static const char *const words[] = {
	        "expanded from",
	        "generated from",
	        "originally addressed to",
	        NULL,
	};

	for (const char *const *w = words; *w; w++) {
		const char *p = strstr(low, *w);
		size_t pos;

		if (!p)
			continue;
		pos = (size_t)(p - low) + strlen(*w);
		return bounce_addr_next(line, (size_t)(end - line), &pos, at);
	}
	return 0;
}

/* qmail and Postfix: "<addr>:" or "<addr> (expanded from <x>):". */
static size_t addr_angle_colon(const char *line, const char *end,
                               const char **at)
{
	size_t n;

	if (line >= end || *line != '<')
		return 0;
	n = bounce_addr_at(line + 1, end);
	if (!n || line + 1 + n >= end || line[1 + n] != '>')
		return 0;
	if (line + 2 + n < end &&
	    (line[2 + n] == ':' || !strncmp(line + 2 + n, " (expanded", 10))) {
		*at = line + 1;
		return n;
	}
	return 0;
}

static void diag_add(struct buf *diag, const char *s, size_t n)
{
	for (size_t i = 0; i < n && diag->len < DIAG_MAX; i++) {
		int c = (unsigned char)s[i];

		if (is_space(c) || c < 32 || c == 127) {
			if (diag->len && diag->data[diag->len - 1] != ' ')
				buf_addch(diag, ' ');
		} else {
			buf_addch(diag, c);
		}
	}
	if (diag->len && diag->data[diag->len - 1] != ' ')
		buf_addch(diag, ' ');
}

struct scan {
	struct bounce *b;
	struct buf *diags;       /* one per recipient the scan added */
	size_t first;            /* b->rcpts[first..] are the scan's */
	struct bounce_rcpt *cur; /* the one the lines below are about */
	int daemon;              /* the sender looks like a mail system */
	int in_block;            /* inside a list of failed addresses */
	int prev_trigger;        /* the line before named a failure */
	const char *trigger;     /* the first failure phrase found */
	const char *angle;       /* set when "<addr>: reason" lines counted */
	struct buf prev, pair;   /* the line before; it and this one */
};

static struct buf *diag_of(struct scan *sc, struct bounce_rcpt *r)
{
	return &sc->diags[r - sc->b->rcpts - sc->first];
}

/* A recipient the scan found; NULL when not plausible or known from a
 * DSN already (which says more than the text). */
static struct bounce_rcpt *take(struct scan *sc, const char *a, size_t n)
{
	struct bounce_rcpt *r = bounce_add_rcpt(sc->b, a, n);

	if (r && (size_t)(r - sc->b->rcpts) < sc->first)
		return NULL;
	return r;
}

/*
 * An alias line names the address that was really sent to: it takes the
 * place of the one just listed, which is kept as mentioned.
 */
static void retarget(struct scan *sc, const char *a, size_t n)
{
	struct bounce *b = sc->b;
	struct bounce_rcpt *cur = sc->cur, *dup;

	if (!cur || cur != &b->rcpts[b->nrcpts - 1]) {
		sc->cur = take(sc, a, n);
		return;
	}
	dup = bounce_rcpt_lookup(b, a, n);
	if (dup == cur)
		return;
	bounce_add_mentioned(b, cur->addr, strlen(cur->addr));
	if (dup) {
		free(cur->addr);
		free(cur->diagnostic);
		buf_reset(diag_of(sc, cur));
		b->nrcpts--;
		sc->cur = (size_t)(dup - b->rcpts) >= sc->first ? dup : NULL;
		return;
	}
	free(cur->addr);
	cur->addr = xstrndup(a, n);
}

/*
 * Whether the address at low[at] follows "from" ("not accepting mail
 * from x@y"): the sender, not a recipient.
 */
static int after_from(const char *low, size_t at)
{
	while (at && is_space((unsigned char)low[at - 1]))
		at--;
	if (at && low[at - 1] == '<')
		at--;
	while (at && is_space((unsigned char)low[at - 1]))
		at--;
	return at >= 4 && !strncmp(low + at - 4, "from", 4);
}

static void set_loose_reason(struct bounce *b)
{
	free(b->reason);
	b->reason = xstrdup("failure report: an address the mail system "
	                    "says failed");
}

/* The text lower-cased, a NUL read as a space so that lines stay strings. */
static void lower_copy(struct buf *low, const char *text, size_t len)
{
	buf_grow(low, len);
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)text[i];

		buf_addch(low, c ? lower(c) : ' ');
	}
}

static void start_block(struct scan *sc, const char *which)
{
	sc->trigger = sc->trigger ? sc->trigger : which;
	sc->in_block = 1;
	sc->cur = NULL;
}

/* A failure phrase may name its address on the same line, after it. */
static void trigger_line(struct scan *sc, const char *line, size_t p,
                         const char *ts, size_t n)
{
	const char *a;
	size_t alen = bounce_addr_next(ts, n, &p, &a);

	if (alen && !after_from(line, (size_t)(a - ts))) {
		sc->cur = take(sc, a, alen);
		if (sc->cur)
			diag_add(diag_of(sc, sc->cur), ts, n);
	}
}

/* "<addr>: reason", or the alias it was expanded from when the line names
 * one: the rest of the line is what the server said. */
static void angle_line(struct scan *sc, const char *line, const char *ts,
                       const char *te, const char *a, size_t alen)
{
	const char *al;
	size_t aln = addr_alias(line, ts, te, &al);

	sc->angle = "<address>: reason";
	sc->in_block = 1;
	sc->cur = aln ? take(sc, al, aln) : take(sc, a, alen);
	if (sc->cur)
		diag_add(diag_of(sc, sc->cur), a + alen + 1,
		         (size_t)(te - a - alen - 1));
}

/* One line of the report: line is it lower-cased, ts[0..n) as written. */
static void scan_line(struct scan *sc, const char *line, const char *ts,
                      size_t n)
{
	const char *te = ts + n, *a, *which, *after;
	size_t alen;

	if (strstr(line, "transcript of session"))
		sc->in_block = 0, sc->cur = NULL;
	buf_reset(&sc->pair);
	buf_addf(&sc->pair, "%s %s", sc->prev.data, line);
	after = find_trigger(line, &which);
	if (after) {
		start_block(sc, which);
		trigger_line(sc, line, (size_t)(after - line), ts, n);
	} else if (!sc->prev_trigger && find_trigger(sc->pair.data, &which)) {
		/* The phrase was broken over two lines. */
		start_block(sc, which);
	} else if ((alen = addr_angle_colon(ts, te, &a)) &&
	           (sc->daemon || sc->in_block)) {
		angle_line(sc, line, ts, te, a, alen);
	} else if (sc->in_block && (alen = addr_starting(ts, te, &a))) {
		sc->cur = take(sc, a, alen);
		if (sc->cur)
			diag_add(diag_of(sc, sc->cur), a + alen,
			         (size_t)(te - a - alen));
	} else if (sc->in_block && (alen = addr_alias(line, ts, te, &a))) {
		retarget(sc, a, alen);
	} else if (sc->cur && n) {
		diag_add(diag_of(sc, sc->cur), ts, n);
	}
	sc->prev_trigger = after != NULL;
	buf_reset(&sc->prev);
	buf_add(&sc->prev, line, n);
}

/* Scans low (text lower-cased) line by line up to the line where a quoted
 * message begins; returns where that is (len when none). */
static size_t scan_lines(struct scan *sc, const char *low, const char *text,
                         size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *ls = low + pos;
		const char *nl = memchr(ls, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - ls) : len - pos;
		struct buf line = BUF_INIT;

		while (n && ls[n - 1] == '\r')
			n--;
		buf_add(&line, ls, n);
		if (is_cut_line(line.data)) {
			buf_release(&line);
			return pos;
		}
		scan_line(sc, line.data, text + pos, n);
		buf_release(&line);
		pos += (nl ? (size_t)(nl - ls) + 1 : len - pos);
	}
	return len;
}

static int report_says_delay(const char *low, const char *subject)
{
	return bounce_says_delay(low) ||
	       (subject && bounce_says_delay(subject)) ||
	       (subject &&
	        (strstr(subject, "delayed") || strstr(subject, "(delay)") ||
	         !strncmp(subject, "warning:", 8)));
}

/* Each recipient the scan found gets what was said about it, and is judged
 * by the whole report when it is the only one. */
static void give_diagnostics(struct scan *sc, const char *low, int delay)
{
	struct bounce *b = sc->b;

	for (size_t i = sc->first; i < b->nrcpts; i++) {
		struct bounce_rcpt *r = &b->rcpts[i];
		struct buf *d = &sc->diags[i - sc->first];

		while (d->len && d->data[d->len - 1] == ' ')
			buf_setlen(d, d->len - 1);
		free(r->diagnostic);
		r->diagnostic = buf_detach(d);
		r->action =
		        delay ? BOUNCE_ACTION_DELAYED : BOUNCE_ACTION_FAILED;
		bounce_rcpt_judge(r, b->nrcpts == 1 ? low : NULL);
	}
}

/* Every address in the report's text may name the subscriber. */
static void mention_all(struct bounce *b, const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *a;
		size_t alen = bounce_addr_next(text, len, &pos, &a);

		if (alen)
			bounce_add_mentioned(b, a, alen);
	}
}

static void set_phrase_reason(struct bounce *b, const char *phrase, int delay)
{
	struct buf r = BUF_INIT;

	buf_addf(&r, "%s report: \"%s\"", delay ? "delay" : "failure", phrase);
	free(b->reason);
	b->reason = buf_detach(&r);
}

int bounce_text_scan(struct bounce *b, const char *text, size_t len,
                     const char *subject, int daemon, size_t *cut)
{
	struct buf low = BUF_INIT;
	struct buf diags[BOUNCE_MAX_RCPTS];
	struct scan sc = {.b = b,
	                  .diags = diags,
	                  .first = b->nrcpts,
	                  .daemon = daemon,
	                  .prev = BUF_INIT,
	                  .pair = BUF_INIT};
	int delay;

	for (size_t i = 0; i < BOUNCE_MAX_RCPTS; i++)
		buf_init(&diags[i]);
	lower_copy(&low, text, len);
	*cut = scan_lines(&sc, low.data, text, len);
	buf_setlen(&low, *cut);
	delay = report_says_delay(low.data, subject);
	give_diagnostics(&sc, low.data, delay);
	mention_all(b, text, *cut);
	if (sc.trigger || sc.angle)
		set_phrase_reason(b, sc.trigger ? sc.trigger : sc.angle, delay);
	for (size_t i = 0; i < BOUNCE_MAX_RCPTS; i++)
		buf_release(&diags[i]);
	buf_release(&low);
	buf_release(&sc.prev);
	buf_release(&sc.pair);
	if (!sc.trigger && !(sc.angle && b->nrcpts > sc.first))
		return 0;
	return delay ? 2 : 1;
}

/* Words that say an address failed, on its line or the next. */
static const char *const failure_words[] = {
        "unknown",
        "no such",
        "not found",
        "does not exist",
        "doesn't exist",
        "not exist",
        "invalid",
        "unavailable",
        "disabled",
        "not listed",
        "rejected",
        "undeliverable",
        "not delivered",
        "no longer",
        "failed",
        "failure",
        "error",
        "full",
        "exceeds",
        "quota",
        "refused",
        "denied",
        "not accepted",
        "inactive",
        "suspended",
        "could not",
        "cannot",
        "unable",
        "timed out",
        "not reachable",
        "did not exactly match",
        "not a valid",
        NULL,
};

/* Labels after which a report writes the recipient, lower-case. */
static const char *const rcpt_labels[] = {
        "recipient:", "recipient address:", "address:", "rcpt to:",
        "user:",      "addressee:",         "to user:", NULL,
};

/*
 * Whether the lower-cased text before an address on its line, pre[0..n),
 * makes it a header or the sender: "From:", "To:", "Cc:", "Reply-To:",
 * "MAIL FROM:", "Your message from", "(envelope-from".
 */
static int sender_or_header(const char *pre, size_t n)
{
	static const char *const heads[] = {
	        "to:",          "cc:",           "bcc:",    "date:",
	        "subject:",     "message-id:",   "sender:", "reply-to:",
	        "return-path:", "delivered-to:", "x-",      "for <",
	        "for ",         "by ",           NULL,
	};
	const char *p = pre;

	if (memmem(pre, n, "from", 4))
		return 1;
	while (p < pre + n && (is_space((unsigned char)*p) || *p == '>'))
		p++;
	for (const char *const *h = heads; *h; h++)
		if ((size_t)(pre + n - p) >= strlen(*h) &&
		    !strncmp(p, *h, strlen(*h)))
			return 1;
	return 0;
}

/* Whether the lower-cased pre[0..n) ends with a recipient label. */
static int ends_with_label(const char *pre, size_t n)
{
	while (n && (is_space((unsigned char)pre[n - 1]) || pre[n - 1] == '<' ||
	             pre[n - 1] == '"' || pre[n - 1] == '\''))
		n--;
	for (const char *const *l = rcpt_labels; *l; l++) {
		size_t k = strlen(*l);

		if (n >= k && !memcmp(pre + n - k, *l, k))
			return 1;
	}
	return 0;
}

/* Whether s[0..n) holds nothing but brackets, quotes and blanks. */
static int only_punct(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_space((unsigned char)s[i]) &&
		    !strchr("<>\"'.,;:-", s[i]))
			return 0;
	return 1;
}

struct loose_line {
	const char *text, *low; /* the line, as written and lower-cased */
	size_t n;
	const char *next_low; /* the next line, lower-cased, or "" */
	size_t next_n;
};

/* Whether some failure word is in the lower-cased s[0..n). */
static int says_failure(const char *s, size_t n)
{
	for (const char *const *w = failure_words; *w; w++)
		if (memmem(s, n, *w, strlen(*w)))
			return 1;
	return 0;
}

/* Whether the address a[0..alen) on line l names a failed recipient. */
static int loose_rcpt(const struct loose_line *l, const char *a, size_t alen,
                      const char *own)
{
	size_t pre = (size_t)(a - l->text), post = pre + alen;
	char *addr = xstrndup(a, alen);
	int mine = own && strcasestr(own, addr);

	free(addr);
	if (mine || sender_or_header(l->low, pre))
		return 0;
	if (only_punct(l->low, pre) && only_punct(l->low + post, l->n - post))
		return 1;
	return ends_with_label(l->low, pre) || says_failure(l->low, l->n) ||
	       says_failure(l->next_low, l->next_n);
}

/* Takes the failed recipients line l names; how many. */
static size_t loose_take(struct bounce *b, const struct loose_line *l,
                         const char *own)
{
	size_t pos = 0, alen, taken = 0;
	const char *a;

	while ((alen = bounce_addr_next(l->text, l->n, &pos, &a))) {
		struct bounce_rcpt *r;

		if (!loose_rcpt(l, a, alen, own) ||
		    !(r = bounce_add_rcpt(b, a, alen)))
			continue;
		if (!*r->diagnostic) {
			struct buf d = BUF_INIT;

			diag_add(&d, l->text, l->n);
			diag_add(&d, l->next_low, l->next_n);
			while (d.len && d.data[d.len - 1] == ' ')
				buf_setlen(&d, d.len - 1);
			free(r->diagnostic);
			r->diagnostic = buf_detach(&d);
		}
		taken++;
	}
	return taken;
}

int bounce_text_loose(struct bounce *b, const char *text, size_t len,
                      const char *own, const char *subject)
{
	struct buf low = BUF_INIT;
	size_t pos = 0, first = b->nrcpts, taken = 0;
	int delay;

	for (size_t i = 0; i < len; i++)
		buf_addch(&low, text[i] ? lower((unsigned char)text[i]) : ' ');
	while (pos < len) {
		const char *nl = memchr(low.data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - low.data - pos) : len - pos;
		size_t next = pos + n + (nl != NULL);
		const char *nnl =
		        next < len ? memchr(low.data + next, '\n', len - next)
		                   : NULL;
		struct loose_line l = {
		        text + pos,
		        low.data + pos,
		        n,
		        next < len ? low.data + next : "",
		        next < len ? (nnl ? (size_t)(nnl - low.data - next)
		                          : len - next)
		                   : 0,
		};

		if (memchr(l.text, '@', n))
			taken += loose_take(b, &l, own);
		pos = next;
	}
	delay = bounce_says_delay(low.data) ||
	        (subject && bounce_says_delay(subject));
	for (size_t i = first; i < b->nrcpts; i++) {
		b->rcpts[i].action =
		        delay ? BOUNCE_ACTION_DELAYED : BOUNCE_ACTION_FAILED;
		bounce_rcpt_judge(&b->rcpts[i],
		                  b->nrcpts == first + 1 ? low.data : NULL);
	}
	buf_release(&low);
	if (!taken)
		return 0;
	set_loose_reason(b);
	return delay ? 2 : 1;
}

/*
 * The value of JSON key in s[0..n) (escaped quotes or not) at or after
 * *pos, up to end: its start and length (0 when none); *pos moves past it.
 */
static size_t json_value(const char *s, size_t n, size_t *pos, size_t end,
                         const char *key, const char **v)
{
	const char *k = *pos < end
	                        ? memmem(s + *pos, end - *pos, key, strlen(key))
	                        : NULL;
	size_t i, start;

	if (!k)
		return 0;
	i = (size_t)(k - s) + strlen(key);
	while (i < n && (s[i] == '"' || s[i] == '\\' || s[i] == ':' ||
	                 is_space((unsigned char)s[i])))
		i++;
	start = i;
	while (i < n && s[i] != '"' && s[i] != '\\' && s[i] != ',' &&
	       s[i] != '}' && !is_space((unsigned char)s[i]))
		i++;
	*pos = i;
	*v = s + start;
	return i - start;
}

/* The emailAddress values in the list that follows key; how many taken. */
static size_t ses_rcpts(struct bounce *b, const char *s, size_t n,
                        const char *key, enum bounce_class kind)
{
	const char *list = memmem(s, n, key, strlen(key)), *v, *close;
	size_t pos, end, len, taken = 0;

	if (!list)
		return 0;
	pos = (size_t)(list - s);
	close = memchr(s + pos, ']', n - pos);
	end = close ? (size_t)(close - s) : n;
	while ((len = json_value(s, n, &pos, end, "emailAddress", &v))) {
		struct bounce_rcpt *r = bounce_add_rcpt(b, v, len);

		if (!r)
			continue;
		r->action = kind == BOUNCE_COMPLAINT ? BOUNCE_ACTION_NONE
		                                     : BOUNCE_ACTION_FAILED;
		r->kind = kind;
		taken++;
	}
	return taken;
}

enum bounce_class bounce_text_ses(struct bounce *b, const char *text,
                                  size_t len)
{
	size_t i = 0, pos = 0, n;
	const char *v;
	enum bounce_class kind = BOUNCE_HARD;

	while (i < len && is_space((unsigned char)text[i]))
		i++;
	if (i >= len || text[i] != '{')
		return BOUNCE_OTHER;
	n = json_value(text, len, &pos, len, "notificationType", &v);
	if (n == 9 && !memcmp(v, "Complaint", 9))
		return ses_rcpts(b, text, len, "complainedRecipients",
		                 BOUNCE_COMPLAINT)
		               ? BOUNCE_COMPLAINT
		               : BOUNCE_OTHER;
	if (n != 6 || memcmp(v, "Bounce", 6))
		return BOUNCE_OTHER;
	pos = 0;
	n = json_value(text, len, &pos, len, "bounceType", &v);
	if (n != 9 || memcmp(v, "Permanent", 9))
		kind = BOUNCE_SOFT;
	return ses_rcpts(b, text, len, "bouncedRecipients", kind)
	               ? kind
	               : BOUNCE_OTHER;
}

const char *bounce_says_challenge(const char *s)
{
	static const char *const phrases[] = {
	        "sender not pre-approved",
	        "guest list",
	        "waitlisted",
	        "requires confirmation",
	        "allowed list",
	        "approved senders",
	        "spam arrest",
	        "spamarrest",
	        "challenge-response",
	        "challenge/response",
	        "verify that you are a human",
	        "prove that you are a human",
	        "confirm that you are a human",
	        "to have your address added",
	        "add yourself to",
	        NULL,
	};

	for (const char *const *p = phrases; *p; p++)
		if (strstr(s, *p))
			return *p;
	return NULL;
}

/* A screen name alone on its line (indented): its length, with *at. */
static size_t screen_name(const char *line, size_t n, const char **at)
{
	size_t i = 0, start;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (!i)
		return 0;
	start = i;
	while (i < n && (is_alnum((unsigned char)line[i]) || line[i] == '.' ||
	                 line[i] == '_' || line[i] == '-'))
		i++;
	while (i < n && is_space((unsigned char)line[i]))
		i++;
	if (i != n || i == start || n - start > 64)
		return 0;
	*at = line + start;
	for (n = 0; start + n < i && !is_space((unsigned char)line[start + n]);)
		n++;
	return n;
}

size_t bounce_text_screen_names(struct bounce *b, const char *text, size_t len,
                                const char *domain)
{
	const char *p = text, *end = text + len, *list = NULL;
	size_t taken = 0;

	for (const char *l = text; l < end && !list;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *le = nl ? nl : end;

		if (memmem(l, (size_t)(le - l), "following recipients", 20))
			list = nl ? nl + 1 : end;
		l = nl ? nl + 1 : end;
	}
	for (p = list ? list : end; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *at;
		size_t n = (size_t)((nl ? nl : end) - p), k;
		struct buf addr = BUF_INIT;
		struct bounce_rcpt *r;

		while (n && p[n - 1] == '\r')
			n--;
		k = screen_name(p, n, &at);
		if (!k)
			break;
		buf_add(&addr, at, k);
		buf_addf(&addr, "@%s", domain);
		r = bounce_add_rcpt(b, addr.data, addr.len);
		if (r) {
			r->action = BOUNCE_ACTION_FAILED;
			bounce_rcpt_judge(r, NULL);
			taken++;
		}
		buf_release(&addr);
		p = nl ? nl + 1 : end;
	}
	return taken;
}

size_t bounce_text_report_len(const char *text, size_t len)
{
	struct buf line = BUF_INIT;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;

		buf_reset(&line);
		for (size_t i = 0; i < n; i++)
			buf_addch(&line,
			          text[pos + i]
			                  ? lower((unsigned char)text[pos + i])
			                  : ' ');
		if (line.len && is_cut_line(line.data))
			break;
		pos += n + (nl != NULL);
	}
	buf_release(&line);
	return pos < len ? pos : len;
}
