#include "transport.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport_impl.h"

#include "banned.h"

struct transport *transport_open(const char *url,
                                 const struct transport_options *opt,
                                 struct err *err)
{
	static const struct transport_options defaults;
	struct transport *t = xcalloc(1, sizeof(*t));
	int ret;

	if (!opt)
		opt = &defaults;
	if (!url)
		url = "";
	if (strncmp(url, "maildir:", 8) == 0)
		ret = transport_maildir_init(t, url + 8, opt, err);
	else if (strncmp(url, "smtp://", 7) == 0 ||
	         strncmp(url, "smtps://", 8) == 0)
		ret = transport_smtp_init(t, url, opt, err);
	else
		ret = err_set(err,
		              "transport '%s': unknown kind; use maildir:DIR, "
		              "smtp://HOST:PORT or smtps://HOST:PORT",
		              url);
	if (ret < 0) {
		free(t);
		return NULL;
	}
	return t;
}

void transport_free(struct transport *t)
{
	if (!t)
		return;
	t->ops->release(t->impl);
	free(t);
}

struct transport_conn *transport_conn_open(struct transport *t, struct err *err)
{
	void *impl = t->ops->conn_open(t, err);
	struct transport_conn *c;

	if (!impl)
		return NULL;
	c = xmalloc(sizeof(*c));
	c->t = t;
	c->impl = impl;
	return c;
}

void transport_conn_close(struct transport_conn *c)
{
	if (!c)
		return;
	c->t->ops->conn_close(c->impl);
	free(c);
}

int transport_conn_commit(struct transport_conn *c, struct err *err)
{
	if (!c || !c->t->ops->commit)
		return 0;
	return c->t->ops->commit(c->impl, err);
}

int transport_send(struct transport_conn *c, const char *envelope_from,
                   const char *rcpt, const char *msg, size_t len,
                   struct transport_result *res)
{
	transport_result_clear(res);
	return c->t->ops->send(c->impl, envelope_from, rcpt, msg, len, res);
}

void transport_result_clear(struct transport_result *res)
{
	memset(res, 0, sizeof(*res));
	res->cls = TRANSPORT_TRANSIENT;
	res->reason = TRANSPORT_CONNECTION;
	res->stage = TRANSPORT_STAGE_CONNECT;
}

/* Copies s into res->text keeping printable ASCII, a space for the rest
 * (a reply's CRLF included), so the text is safe to log as it is. */
static void set_text(struct transport_result *res, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < sizeof(res->text); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7F)
			c = ' ';
		if (c == ' ' && (o == 0 || res->text[o - 1] == ' '))
			continue;
		res->text[o++] = (char)c;
	}
	while (o > 0 && res->text[o - 1] == ' ')
		o--;
	res->text[o] = '\0';
}

void transport_set_text(struct transport_result *res, const char *fmt, ...)
{
	char tmp[TRANSPORT_TEXT_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start above
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		tmp[0] = '\0';
	set_text(res, tmp, strnlen(tmp, sizeof(tmp)));
}

/* An RFC 3463 code "c.sss.ddd" at s: its length, or 0. */
static size_t enhanced_len(const char *s, size_t n)
{
	size_t i = 0, digits;

	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		for (digits = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (digits < 1 || digits > 3)
			return 0;
		if (part == 0 && (i >= n || s[i++] != '.'))
			return 0;
	}
	return i < n && s[i] != ' ' ? 0 : i;
}

void transport_parse_reply(struct transport_result *res, const char *reply,
                           size_t n)
{
	size_t e;

	res->code = 0;
	res->enhanced[0] = '\0';
	if (n >= 3 && reply[0] >= '2' && reply[0] <= '5' && reply[1] >= '0' &&
	    reply[1] <= '9' && reply[2] >= '0' && reply[2] <= '9' &&
	    (n == 3 || reply[3] == ' ' || reply[3] == '-' ||
	     reply[3] == '\r')) {
		res->code = (reply[0] - '0') * 100 + (reply[1] - '0') * 10 +
		            (reply[2] - '0');
		e = n > 4 ? enhanced_len(reply + 4, n - 4) : 0;
		/* RFC 3463 §2: the class digit repeats the reply's. */
		if (e && e < sizeof(res->enhanced) && reply[4] == reply[0]) {
			memcpy(res->enhanced, reply + 4, e);
			res->enhanced[e] = '\0';
		}
	}
	set_text(res, reply, n);
}

/* The subject and detail numbers of res->enhanced, or -1. */
static void enhanced_parts(const struct transport_result *res, int *subject,
                           int *detail)
{
	const char *s = res->enhanced;
	char *end;

	*subject = *detail = -1;
	if (!s[0])
		return;
	*subject = (int)strtol(s + 2, &end, 10);
	if (*end == '.')
		*detail = (int)strtol(end + 1, NULL, 10);
}

void transport_classify(struct transport_result *res)
{
	int subject, detail;

	res->reopen = 0;
	if (res->code == 0) {
		/* No reply: the reason was set where the failure was seen. */
		res->cls = TRANSPORT_TRANSIENT;
		if (res->reason == TRANSPORT_OK)
			res->reason = TRANSPORT_CONNECTION;
		res->reopen = res->reason == TRANSPORT_CONNECTION ||
		              res->reason == TRANSPORT_TLS;
		return;
	}
	if (res->code / 100 == 2) {
		res->cls = TRANSPORT_SENT;
		res->reason = TRANSPORT_OK;
		return;
	}
	if (res->stage == TRANSPORT_STAGE_CONNECT ||
	    res->reason == TRANSPORT_AUTH || res->reason == TRANSPORT_TLS) {
		/* Refused before MAIL FROM (greeting, EHLO, STARTTLS, AUTH):
		 * the relay's problem, not this message's or address's. */
		res->cls = TRANSPORT_TRANSIENT;
		if (res->reason != TRANSPORT_AUTH &&
		    res->reason != TRANSPORT_TLS)
			res->reason = TRANSPORT_CONNECTION;
		res->reopen = 1;
		return;
	}
	res->cls = res->code / 100 == 5 ? TRANSPORT_PERMANENT
	                                : TRANSPORT_TRANSIENT;
	enhanced_parts(res, &subject, &detail);
	if (res->code == 421) {
		/* RFC 5321 §3.8: the server is closing the connection. */
		res->reason = TRANSPORT_CONNECTION;
		res->reopen = 1;
	} else if ((subject == 1 && (res->stage == TRANSPORT_STAGE_MAIL ||
	                             detail == 7 || detail == 8)) ||
	           (subject != 1 && subject != 7 &&
	            !(subject == 2 && detail == 2) &&
	            res->stage == TRANSPORT_STAGE_MAIL)) {
		/* x.1.7 and x.1.8 are about the sender's address. */
		res->reason = TRANSPORT_SENDER;
	} else if (subject == 1) {
		res->reason = TRANSPORT_BAD_MAILBOX;
	} else if (subject == 2 && detail == 2) {
		res->reason = TRANSPORT_MAILBOX_FULL;
	} else if (subject == 7) {
		res->reason = TRANSPORT_POLICY;
	} else {
		/* A bare 550 without an enhanced code may be anything (spam
		 * filters use it too), so it never marks an address bad. */
		res->reason = TRANSPORT_SERVER;
	}
}

const char *transport_class_name(enum transport_class cls)
{
	switch (cls) {
	case TRANSPORT_SENT:
		return "sent";
	case TRANSPORT_TRANSIENT:
		return "transient";
	case TRANSPORT_PERMANENT:
		return "permanent";
	}
	return "?";
}

const char *transport_reason_name(enum transport_reason reason)
{
	switch (reason) {
	case TRANSPORT_OK:
		return "ok";
	case TRANSPORT_BAD_MAILBOX:
		return "bad-mailbox";
	case TRANSPORT_MAILBOX_FULL:
		return "mailbox-full";
	case TRANSPORT_POLICY:
		return "policy";
	case TRANSPORT_SENDER:
		return "sender";
	case TRANSPORT_SERVER:
		return "server";
	case TRANSPORT_CONNECTION:
		return "connection";
	case TRANSPORT_TLS:
		return "tls";
	case TRANSPORT_AUTH:
		return "auth";
	case TRANSPORT_LOCAL:
		return "local";
	}
	return "?";
}
