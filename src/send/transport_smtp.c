/*
 * The SMTP transport: libcurl's easy interface, one easy handle per
 * connection so libcurl keeps the session open from one message to the
 * next. Not the multi interface: it blocks while waiting for the reply to
 * the final "." of DATA, so one multi handle would serialise all its
 * connections behind a slow server; the caller runs one thread per
 * connection instead.
 *
 * libcurl dot-stuffs the message on the wire, so it is passed as built.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "mime.h"
#include "transport_impl.h"

#include "banned.h"

/*
 * libcurl is loaded when an SMTP transport is first made, not when
 * bulletin starts: with the 30 libraries it brings it was a quarter of
 * the start of every command, and most commands never send (bulletin
 * --version: 9.4 ms of CPU with it linked, 4.3 without; perf stat -r 30).
 * BULLETIN_CURL_SONAME is the library the build compiled against.
 */
static struct {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *list,
	                                   const char *s);
	void (*slist_free_all)(struct curl_slist *list);
} lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static char lib_error[256];

static void lib_load(void)
{
	void *h = dlopen(BULLETIN_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (!h) {
		e = dlerror();
		snprintf(lib_error, sizeof(lib_error), "%s",
		         e ? e : BULLETIN_CURL_SONAME);
		return;
	}
#define SYM(field, name) *(void **)&lib.field = dlsym(h, name)
	SYM(global_init, "curl_global_init");
	SYM(global_cleanup, "curl_global_cleanup");
	SYM(easy_init, "curl_easy_init");
	SYM(easy_setopt, "curl_easy_setopt");
	SYM(easy_perform, "curl_easy_perform");
	SYM(easy_cleanup, "curl_easy_cleanup");
	SYM(easy_strerror, "curl_easy_strerror");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
	if (!lib.global_init || !lib.global_cleanup || !lib.easy_init ||
	    !lib.easy_setopt || !lib.easy_perform || !lib.easy_cleanup ||
	    !lib.easy_strerror || !lib.slist_append || !lib.slist_free_all) {
		snprintf(lib_error, sizeof(lib_error),
		         "%s lacks a function bulletin needs",
		         BULLETIN_CURL_SONAME);
		lib.global_init = NULL;
	}
}

/* 0 once libcurl is loaded, or -1 with err saying what to install. */
static int lib_ready(const char *url, struct err *err)
{
	pthread_once(&lib_once, lib_load);
	if (lib.global_init)
		return 0;
	return err_set(err,
	               "transport '%s': cannot load libcurl (%s): install "
	               "Debian's libcurl3-gnutls",
	               url, lib_error);
}

/* A reply longer than this is cut: the text is only for people. */
#define REPLY_MAX 1024

struct smtp {
	char *url; /* scheme://host:port/helo, as libcurl wants it */
	long use_ssl;
	char *ca_file, *username, *password;
	long connect_timeout_ms, reply_timeout_s;
};

struct smtp_conn {
	const struct smtp *s;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	/* The message going out. */
	const char *msg;
	size_t left;
	int data_started, data_done;
	/*
	 * The reply being received, the last complete one, and the last
	 * refusal (4xx or 5xx): after one, libcurl ends the session with
	 * QUIT, so the last reply is then the "221 Bye".
	 */
	struct buf reply, last, refusal;
	int fresh; /* the next transaction needs a new connection */
	/* This transaction got past greeting, EHLO, STARTTLS and AUTH (or
	 * reused a connection that had). */
	int session_up;
};

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void smtp_free(struct smtp *s)
{
	free(s->url);
	free(s->ca_file);
	free(s->username);
	wipe_free(s->password);
	free(s);
}

static void smtp_release(void *impl)
{
	smtp_free(impl);
	lib.global_cleanup();
}

/* libcurl hands over each line of a server reply as a "header". */
static size_t on_reply_line(char *p, size_t size, size_t n, void *data)
{
	struct smtp_conn *c = data;
	size_t len = size * n, room = REPLY_MAX - c->reply.len;

	buf_add(&c->reply, p, len < room ? len : room);
	/* "250-..." goes on; "250 ..." (or a bare "250") ends the reply. */
	if (len < 4 || p[3] != '-') {
		struct buf *keep =
		        c->reply.data[0] == '4' || c->reply.data[0] == '5'
		                ? &c->refusal
		                : &c->last;

		buf_reset(keep);
		buf_add(keep, c->reply.data, c->reply.len);
		buf_reset(&c->reply);
	}
	return len;
}

/*
 * libcurl calls this once the connection is ready for the request: for
 * SMTP, after the greeting, EHLO, STARTTLS and AUTH (or on a reused
 * connection), just before MAIL FROM.
 */
static int on_session_up(void *data, char *primary_ip, char *local_ip,
                         int primary_port, int local_port)
{
	struct smtp_conn *c = data;

	(void)primary_ip;
	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	c->session_up = 1;
	return CURL_PREREQFUNC_OK;
}

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
	/* SMTP uploads have no body to speak of; nothing may reach stdout. */
	return size * n;
}

static size_t on_read(char *out, size_t size, size_t n, void *data)
{
	struct smtp_conn *c = data;
	size_t room = size * n, take = c->left < room ? c->left : room;

	c->data_started = 1;
	memcpy(out, c->msg, take);
	c->msg += take;
	c->left -= take;
	if (!take)
		c->data_done = 1;
	return take;
}

static void *smtp_conn_open(struct transport *t, struct err *err)
{
	const struct smtp *s = t->impl;
	struct smtp_conn *c = xcalloc(1, sizeof(*c));
	CURL *h = lib.easy_init();

	if (!h) {
		free(c);
		err_set(err, "smtp %s: libcurl could not make a handle",
		        s->url);
		return NULL;
	}
	c->s = s;
	c->curl = h;
	buf_init(&c->reply);
	buf_init(&c->last);
	buf_init(&c->refusal);
	lib.easy_setopt(h, CURLOPT_URL, s->url);
	lib.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* Threads: no signals for timeouts. */
	lib.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	lib.easy_setopt(h, CURLOPT_UPLOAD, 1L);
	lib.easy_setopt(h, CURLOPT_READFUNCTION, on_read);
	lib.easy_setopt(h, CURLOPT_READDATA, c);
	lib.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_reply_line);
	lib.easy_setopt(h, CURLOPT_HEADERDATA, c);
	lib.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	lib.easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	lib.easy_setopt(h, CURLOPT_PREREQFUNCTION, on_session_up);
	lib.easy_setopt(h, CURLOPT_PREREQDATA, c);
	lib.easy_setopt(h, CURLOPT_USE_SSL, s->use_ssl);
	lib.easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	lib.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	lib.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->ca_file)
		lib.easy_setopt(h, CURLOPT_CAINFO, s->ca_file);
	if (s->username) {
		lib.easy_setopt(h, CURLOPT_USERNAME, s->username);
		lib.easy_setopt(h, CURLOPT_PASSWORD,
		                s->password ? s->password : "");
	}
	lib.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
	lib.easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, s->reply_timeout_s);
	/* A server that stops reading the message is caught the same way. */
	lib.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	lib.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, s->reply_timeout_s);
	lib.easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	return c;
}

static void smtp_conn_close(void *impl)
{
	struct smtp_conn *c = impl;

	/* Sends QUIT on the open connection, if any. */
	lib.easy_cleanup(c->curl);
	buf_release(&c->reply);
	buf_release(&c->last);
	buf_release(&c->refusal);
	free(c);
}

static enum transport_reason reason_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		return TRANSPORT_TLS;
	case CURLE_LOGIN_DENIED:
	case CURLE_AUTH_ERROR:
		return TRANSPORT_AUTH;
	default:
		return TRANSPORT_CONNECTION;
	}
}

static enum transport_stage stage_of(const struct smtp_conn *c)
{
	if (c->data_done)
		return TRANSPORT_STAGE_DOT;
	if (c->data_started)
		return TRANSPORT_STAGE_DATA;
	/* libcurl says which command a refusal answered (lib/smtp.c). */
	if (strncmp(c->errbuf, "MAIL failed", 11) == 0)
		return TRANSPORT_STAGE_MAIL;
	if (strncmp(c->errbuf, "RCPT failed", 11) == 0)
		return TRANSPORT_STAGE_RCPT;
	if (strncmp(c->errbuf, "DATA failed", 11) == 0)
		return TRANSPORT_STAGE_DATA;
	/*
	 * No refusal: the connection failed or no reply came. Once the
	 * session was up (see on_session_up), that was the transaction's
	 * (no reply to MAIL FROM or RCPT TO), not a failure to reach the
	 * relay.
	 */
	if (c->session_up)
		return TRANSPORT_STAGE_MAIL;
	return TRANSPORT_STAGE_CONNECT;
}

/* What the text of a failure without a reply starts with, by stage. */
/* Adjacent literals below are joined on purpose. */
// NOLINTBEGIN(bugprone-suspicious-missing-comma)
static const char *const stage_no_reply[] = {
        [TRANSPORT_STAGE_CONNECT] = "",
        [TRANSPORT_STAGE_MAIL] = "no reply to MAIL FROM: ",
        [TRANSPORT_STAGE_RCPT] = "no reply to RCPT TO: ",
        [TRANSPORT_STAGE_DATA] = "lost while sending the message: ",
        [TRANSPORT_STAGE_DOT] = "no reply after the whole message was sent "
                                "(it may have been accepted): ",
};
// NOLINTEND(bugprone-suspicious-missing-comma)

/* A bad envelope address never goes to the server: it could carry a
 * command of its own. */
static int bad_address(const char *addr, enum transport_reason reason,
                       struct transport_result *res)
{
	struct err err = ERR_INIT;

	mime_check_address(addr, &err);
	transport_set_text(res, "%s", err_msg(&err));
	err_release(&err);
	res->cls = TRANSPORT_PERMANENT;
	res->reason = reason;
	return -1;
}

static int smtp_send(void *impl, const char *envelope_from, const char *rcpt,
                     const char *msg, size_t len, struct transport_result *res)
{
	struct smtp_conn *c = impl;
	struct curl_slist *rcpts;
	CURLcode rc;

	/* "" is the null reverse-path (MAIL FROM:<>) of automatic answers,
	 * RFC 5321 §4.5.5 and RFC 3834 §3.3. */
	if (*envelope_from && mime_check_address(envelope_from, NULL) < 0)
		return bad_address(envelope_from, TRANSPORT_SENDER, res);
	if (mime_check_address(rcpt, NULL) < 0)
		return bad_address(rcpt, TRANSPORT_BAD_MAILBOX, res);
	rcpts = lib.slist_append(NULL, rcpt);
	if (!rcpts) {
		transport_set_text(res, "out of memory");
		res->reason = TRANSPORT_LOCAL;
		transport_classify(res);
		return -1;
	}
	c->msg = msg;
	c->left = len;
	c->data_started = c->data_done = c->session_up = 0;
	c->errbuf[0] = '\0';
	buf_reset(&c->reply);
	buf_reset(&c->last);
	buf_reset(&c->refusal);
	lib.easy_setopt(c->curl, CURLOPT_MAIL_FROM, envelope_from);
	lib.easy_setopt(c->curl, CURLOPT_MAIL_RCPT, rcpts);
	lib.easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	lib.easy_setopt(c->curl, CURLOPT_FRESH_CONNECT, (long)c->fresh);
	rc = lib.easy_perform(c->curl);
	lib.easy_setopt(c->curl, CURLOPT_MAIL_RCPT, NULL);
	lib.slist_free_all(rcpts);

	res->stage = rc == CURLE_OK ? TRANSPORT_STAGE_DOT : stage_of(c);
	if (rc == CURLE_OK) {
		transport_parse_reply(res, c->last.data, c->last.len);
		/* libcurl only ends well on a 250 to the final dot. */
		if (res->code / 100 != 2)
			res->code = 250;
	} else if (c->refusal.len) {
		transport_parse_reply(res, c->refusal.data, c->refusal.len);
		res->reason = reason_of(rc);
	} else {
		/* Nothing refused: the connection failed or no reply came. */
		res->reason = reason_of(rc);
		transport_set_text(res, "%s%s", stage_no_reply[res->stage],
		                   c->errbuf[0] ? c->errbuf
		                                : lib.easy_strerror(rc));
	}
	transport_classify(res);
	c->fresh = res->reopen;
	return res->cls == TRANSPORT_SENT ? 0 : -1;
}

static const struct transport_ops smtp_ops = {
        .conn_open = smtp_conn_open,
        .conn_close = smtp_conn_close,
        .send = smtp_send,
        .release = smtp_release,
};

static int is_loopback(const char *host)
{
	unsigned char addr[16];

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, addr) == 1)
		return addr[0] == 127;
	return strcmp(host, "::1") == 0;
}

/* Host names and literal addresses only: nothing libcurl would read as
 * user info, a path or a query. */
static int host_ok(const char *s, size_t n, int bracketed)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      (bracketed && c == ':')))
			return 0;
	}
	return 1;
}

/* An smtp:// or smtps:// transport's address, parsed. */
struct smtp_url {
	int implicit;     /* smtps://: TLS from the first byte */
	int bracketed;    /* an IPv6 literal in [] */
	const char *host; /* borrowed from the url; hostlen bytes */
	size_t hostlen;
	long port;
};

static int parse_smtp_url(struct smtp_url *u, const char *url, struct err *err)
{
	const char *p, *end;

	u->implicit = strncmp(url, "smtps://", 8) == 0;
	p = url + (u->implicit ? 8 : 7);
	u->port = u->implicit ? 465 : 25;
	u->bracketed = *p == '[';
	u->host = p + u->bracketed;
	end = u->bracketed ? strchr(u->host, ']')
	                   : u->host + strcspn(u->host, ":/");
	if (!end || !host_ok(u->host, (size_t)(end - u->host), u->bracketed))
		return err_set(err,
		               "transport '%s': bad host; use %s://HOST:PORT",
		               url, u->implicit ? "smtps" : "smtp");
	u->hostlen = (size_t)(end - u->host);
	p = end + u->bracketed;
	if (*p == ':') {
		char *num_end;

		u->port = strtol(p + 1, &num_end, 10);
		if (num_end == p + 1 || u->port < 1 || u->port > 65535)
			return err_set(err, "transport '%s': bad port", url);
		p = num_end;
	}
	if (*p && strcmp(p, "/") != 0)
		return err_set(err,
		               "transport '%s': nothing may follow the port "
		               "(credentials come from the options, not the "
		               "url)",
		               url);
	return 0;
}

/*
 * Checks the options against the url and picks the TLS to use:
 * CURLUSESSL_ALL or _NONE, -1 with err set. The default is TLS except
 * to this machine; a password is never sent outside TLS.
 */
static long check_options(const struct smtp_url *u, const char *url,
                          const struct transport_options *opt, struct err *err)
{
	char *hostname = xstrndup(u->host, u->hostlen);
	int loopback = is_loopback(hostname);
	long use_ssl;

	free(hostname);
	if (u->implicit && opt->tls == TRANSPORT_TLS_NONE)
		return err_set(err,
		               "transport '%s': smtps:// is always TLS; "
		               "use smtp:// for tls none",
		               url);
	if (opt->helo && !host_ok(opt->helo, strlen(opt->helo), 0))
		return err_set(err,
		               "transport '%s': helo name '%s' is not a "
		               "host name",
		               url, opt->helo);
	if (u->implicit || opt->tls == TRANSPORT_TLS_REQUIRED ||
	    (opt->tls == TRANSPORT_TLS_DEFAULT && !loopback))
		use_ssl = CURLUSESSL_ALL;
	else
		use_ssl = CURLUSESSL_NONE;
	if (opt->username && use_ssl == CURLUSESSL_NONE)
		return err_set(err,
		               "transport '%s': a username is set but TLS is "
		               "off; AUTH is only sent inside TLS",
		               url);
	return use_ssl;
}

/* The settings every connection shares; the EHLO name goes in the url's
 * path, where libcurl takes it from. */
static struct smtp *smtp_new(const struct smtp_url *u, long use_ssl,
                             const struct transport_options *opt)
{
	struct smtp *s = xcalloc(1, sizeof(*s));
	struct buf curl_url = BUF_INIT;

	s->use_ssl = use_ssl;
	buf_addf(&curl_url, "%s://%s%.*s%s:%ld/%s",
	         u->implicit ? "smtps" : "smtp", u->bracketed ? "[" : "",
	         (int)u->hostlen, u->host, u->bracketed ? "]" : "", u->port,
	         opt->helo ? opt->helo : "");
	s->url = buf_detach(&curl_url);
	s->ca_file = opt->ca_file ? xstrdup(opt->ca_file) : NULL;
	s->username = opt->username ? xstrdup(opt->username) : NULL;
	s->password = opt->password ? xstrdup(opt->password) : NULL;
	s->connect_timeout_ms =
	        opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms : 30000;
	s->reply_timeout_s = opt->reply_timeout_ms > 0
	                             ? (opt->reply_timeout_ms + 999) / 1000
	                             : 600;
	return s;
}

int transport_smtp_init(struct transport *t, const char *url,
                        const struct transport_options *opt, struct err *err)
{
	struct smtp_url u = {0};
	struct smtp *s;
	long use_ssl;

	if (parse_smtp_url(&u, url, err) < 0)
		return -1;
	use_ssl = check_options(&u, url, opt, err);
	if (use_ssl < 0)
		return -1;
	if (lib_ready(url, err) < 0)
		return -1;
	s = smtp_new(&u, use_ssl, opt);
	if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		smtp_free(s);
		return err_set(err, "transport '%s': libcurl would not start",
		               url);
	}
	t->ops = &smtp_ops;
	t->impl = s;
	return 0;
}
