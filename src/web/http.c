#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "form.h"
#include "text.h"
#include "banned.h"

#define CONNECTION_TIMEOUT 30   /* seconds a silent connection is kept */
#define CONNECTION_LIMIT   4096 /* at most; fewer if file descriptors are */
#define RESERVED_FDS       128  /* for the store, templates, files served */
#define LISTEN_BACKLOG     512
#define ADDRESS_MAX        64
#define GUARD_TICK_MS      250

/*
 * Nothing from elsewhere, no script at all (the pages need none), style
 * sheets and images from here only, forms posting only here, and no
 * page of this site inside another's frame.
 */
static const char csp[] =
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

struct conn;
struct ip_count;
#define IP_BUCKETS 1024

/* See "Connections" below. */
struct guard {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int started, stopping;
	struct conn *conns;
	struct ip_count *by_ip[IP_BUCKETS];
};

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_config cfg;
	char address[ADDRESS_MAX];
	atomic_uint in_flight;
	struct guard guard;
	unsigned per_client; /* connections one capped address may hold */
	double deadline;     /* seconds for a request to arrive */
	atomic_uint expired, refused, refused_unlogged;
};

/* One request, from its first line until its response is sent. */
struct exchange {
	struct http_exchange ex; /* first: http_exchange * converts back */
	struct http_server *server;
	struct MHD_Connection *conn;
	char *uri; /* as received, for the log */
	struct buf path, body;
	char client[ADDRESS_MAX];
	int begun;       /* the request line and headers were looked at */
	int started;     /* the handler was called */
	int too_big;     /* the body passed body_max */
	size_t body_max; /* for this request's path */
	char *args[HTTP_QUERY_MAX]; /* query values decoded (http_query) */
	size_t nargs;
	int answered; /* resp holds the answer */
	int status;   /* as sent, for the log */
	uint64_t bytes;
	struct timespec start;
};

static struct exchange *of(struct http_exchange *ex)
{
	return (struct exchange *)ex;
}

/* The log line. */

static void add_escaped(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			buf_addf(out, "\\x%02x", c);
		else
			buf_addch(out, c);
	}
}

/* Whether a path segment could hold an email address. */
static int looks_personal(const char *s, size_t n)
{
	return memchr(s, '@', n) != NULL;
}

static int base64url_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Whether a path segment holds something shaped like a secret: a run of
 * HTTP_SECRET_MIN or more base64url characters mixing upper and lower
 * case (a random token has both but for odds of about one in ten
 * million; the archive's names are lower case). This catches a token
 * reached by a path no route expects, e.g. encoded twice.
 */
static int looks_secret(const char *s, size_t n)
{
	size_t run = 0;
	int upper = 0, lower = 0;

	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : 0;

		if (i < n && base64url_char(c)) {
			run++;
			upper |= c >= 'A' && c <= 'Z';
			lower |= c >= 'a' && c <= 'z';
			continue;
		}
		if (run >= HTTP_SECRET_MIN && upper && lower)
			return 1;
		run = 0;
		upper = lower = 0;
	}
	return 0;
}

/* The secret prefix path starts with, when something follows it. */
static const char *secret_prefix(const char *path, size_t n,
                                 const char *const *secret_prefixes)
{
	for (const char *const *p = secret_prefixes; p && *p; p++) {
		size_t k = strlen(*p);

		if (n > k && !strncmp(path, *p, k))
			return *p;
	}
	return NULL;
}

void http_log_path(const char *path, const char *const *secret_prefixes,
                   struct buf *out)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < n;) {
		size_t seg = strcspn(path + i + 1, "/") + 1;
		const char *prefix =
		        secret_prefix(path + i, n - i, secret_prefixes);

		/* Wherever a secret prefix stands, all after it goes. */
		if (prefix) {
			add_escaped(out, prefix, strlen(prefix));
			buf_adds(out, "[redacted]");
			return;
		}
		if (seg > n - i)
			seg = n - i;
		if (looks_personal(path + i, seg) ||
		    looks_secret(path + i, seg))
			buf_adds(out, "/[redacted]");
		else
			add_escaped(out, path + i, seg);
		i += seg;
	}
}

/*
 * The path as routed: decoded once, the same way the handler saw it, so
 * that an escape cannot hide a secret from the redaction. A path that
 * does not decode is left out whole.
 */
static void log_path(struct exchange *e, struct buf *out)
{
	const char *uri = e->uri ? e->uri : "";
	size_t n = strcspn(uri, "?");
	struct buf path = BUF_INIT;

	if (e->ex.req.path)
		buf_adds(&path, e->ex.req.path);
	else if (uri[0] != '/' || form_percent_decode(uri, n, &path) < 0)
		buf_reset(&path);
	if (path.len)
		http_log_path(path.data, e->server->cfg.secret_prefixes, out);
	else
		buf_adds(out, uri[0] ? "[not a valid path]" : "-");
	if (uri[n])
		buf_adds(out, "?...");
	buf_release(&path);
}

static void log_exchange(struct exchange *e)
{
	struct http_server *s = e->server;
	struct buf line = BUF_INIT;
	char when[64];
	struct tm tm;
	time_t now = time(NULL);

	if (!s->cfg.log)
		return;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	buf_addf(&line, "%s - - [%s] \"", e->client[0] ? e->client : "-", when);
	add_escaped(&line, e->ex.req.method_name ? e->ex.req.method_name : "-",
	            e->ex.req.method_name ? strlen(e->ex.req.method_name) : 1);
	buf_addch(&line, ' ');
	log_path(e, &line);
	if (e->status)
		buf_addf(&line, " HTTP/1.1\" %d %llu", e->status,
		         (unsigned long long)e->bytes);
	else
		buf_adds(&line, " HTTP/1.1\" - -");
	s->cfg.log(s->cfg.ctx, line.data);
	buf_release(&line);
}

static int is_loopback(const struct sockaddr *sa);

/*
 * Connections, watched from the moment they are accepted, for two
 * defences against clients that hold connections open without finishing
 * a request:
 *
 * - A deadline: each request (line, headers and body) must have arrived
 *   within request_deadline seconds of the connection opening, or of the
 *   previous answer on it. libmicrohttpd's own timeout only counts
 *   silence, so a client sending a byte now and then would keep a
 *   connection for ever. A thread closes (shutdown(2)) the connections
 *   past their deadline; libmicrohttpd then sees the end and frees them.
 * - A cap on the connections one client address may hold at once. It
 *   applies to peers off the loopback network only: behind a reverse
 *   proxy on the same machine every connection comes from loopback, and
 *   capping it would starve the proxy; there the deadline protects, and
 *   the proxy limits its own clients.
 */
struct conn {
	struct conn *prev, *next; /* in http_server.conns */
	int fd;
	int capped;           /* counted in the per-address table */
	unsigned char ip[16]; /* IPv4 in the first 4 bytes */
	double waiting;       /* since when a request is awaited; 0: not */
	double grace;         /* more seconds for this request's big body */
};

struct ip_count {
	struct ip_count *next;
	unsigned char ip[16];
	unsigned n;
};

static double now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The address as 16 bytes (IPv4 and IPv4-mapped IPv6 alike); -1: none. */
static int ip_of(const struct sockaddr *sa, unsigned char ip[16])
{
	memset(ip, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		memcpy(ip, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			memcpy(ip, in6->sin6_addr.s6_addr + 12, 4);
		else
			memcpy(ip, &in6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

static struct ip_count **ip_slot(struct guard *g, const unsigned char ip[16])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	struct ip_count **pp;

	for (int i = 0; i < 16; i++)
		h = (h ^ ip[i]) * 16777619u;
	for (pp = &g->by_ip[h % IP_BUCKETS]; *pp; pp = &(*pp)->next)
		if (!memcmp((*pp)->ip, ip, 16))
			break;
	return pp;
}

/* Connections open from ip now; the caller holds the lock. */
static unsigned ip_open(struct guard *g, const unsigned char ip[16])
{
	struct ip_count *c = *ip_slot(g, ip);

	return c ? c->n : 0;
}

static void ip_add(struct guard *g, const unsigned char ip[16], int delta)
{
	struct ip_count **pp = ip_slot(g, ip), *c = *pp;

	if (!c) {
		if (delta < 0)
			return;
		c = xcalloc(1, sizeof(*c));
		memcpy(c->ip, ip, 16);
		*pp = c;
	}
	if (delta > 0) {
		c->n++;
	} else if (--c->n == 0) {
		*pp = c->next;
		free(c);
	}
}

/* Whether the per-address cap applies to a peer. */
static int capped_peer(const struct http_server *s, const struct sockaddr *sa)
{
	return s->per_client && (s->cfg.cap_loopback || !is_loopback(sa));
}

static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr,
                                     socklen_t addrlen)
{
	struct http_server *s = cls;
	unsigned char ip[16];
	unsigned open;

	(void)addrlen;
	if (!capped_peer(s, addr) || ip_of(addr, ip) < 0)
		return MHD_YES;
	pthread_mutex_lock(&s->guard.lock);
	open = ip_open(&s->guard, ip);
	pthread_mutex_unlock(&s->guard.lock);
	if (open < s->per_client)
		return MHD_YES;
	atomic_fetch_add(&s->refused, 1);
	atomic_fetch_add(&s->refused_unlogged, 1);
	return MHD_NO;
}

static void conn_started(struct http_server *s, struct MHD_Connection *mc,
                         void **socket_context)
{
	const union MHD_ConnectionInfo *fd =
	        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct conn *c = xcalloc(1, sizeof(*c));

	c->fd = fd ? fd->connect_fd : -1;
	if (ci && ci->client_addr && ip_of(ci->client_addr, c->ip) == 0)
		c->capped = capped_peer(s, ci->client_addr);
	c->waiting = now_monotonic();
	pthread_mutex_lock(&s->guard.lock);
	c->next = s->guard.conns;
	if (c->next)
		c->next->prev = c;
	s->guard.conns = c;
	if (c->capped)
		ip_add(&s->guard, c->ip, 1);
	pthread_mutex_unlock(&s->guard.lock);
	*socket_context = c;
}

/* Called before libmicrohttpd closes the socket: c->fd is still its. */
static void conn_closed(struct http_server *s, struct conn *c)
{
	pthread_mutex_lock(&s->guard.lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->guard.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->capped)
		ip_add(&s->guard, c->ip, -1);
	pthread_mutex_unlock(&s->guard.lock);
	free(c);
}

static void notify_connection(void *cls, struct MHD_Connection *mc,
                              void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		conn_started(s, mc, socket_context);
	else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context)
		conn_closed(s, *socket_context);
}

/* The guard's record of connection mc, or NULL. */
static struct conn *conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* The request on mc has arrived (waiting 0), or the next is awaited. */
static void conn_waiting(struct http_server *s, struct MHD_Connection *mc,
                         double since)
{
	struct conn *c = conn_of(mc);

	if (!c)
		return;
	pthread_mutex_lock(&s->guard.lock);
	c->waiting = since;
	c->grace = 0;
	pthread_mutex_unlock(&s->guard.lock);
}

/*
 * A body larger than HTTP_BODY_MAX (an upload where body_max allows it)
 * may take longer than the deadline: one second more for each
 * HTTP_UPLOAD_RATE bytes announced.
 */
static void conn_grace(struct http_server *s, struct MHD_Connection *mc,
                       unsigned long long length)
{
	struct conn *c = conn_of(mc);

	if (!c)
		return;
	pthread_mutex_lock(&s->guard.lock);
	c->grace = (double)length / HTTP_UPLOAD_RATE;
	pthread_mutex_unlock(&s->guard.lock);
}

/* Closes the connections past their deadline; returns how many. */
static unsigned sweep(struct http_server *s, double now)
{
	unsigned closed = 0;

	for (struct conn *c = s->guard.conns; c; c = c->next) {
		if (c->waiting > 0 &&
		    now - c->waiting >= s->deadline + c->grace && c->fd >= 0) {
			shutdown(c->fd, SHUT_RDWR);
			c->waiting = 0;
			closed++;
		}
	}
	return closed;
}

/* What the guard did in the last tick, for the operator. */
static void guard_log(struct http_server *s, unsigned closed)
{
	unsigned refused = atomic_exchange(&s->refused_unlogged, 0);
	struct buf line = BUF_INIT;

	if (!s->cfg.log || (!closed && !refused))
		return;
	if (closed)
		buf_addf(&line,
		         "bulletin: closed %u connection(s) whose request had "
		         "not arrived within %g s",
		         closed, s->deadline);
	if (line.len)
		s->cfg.log(s->cfg.ctx, line.data);
	buf_reset(&line);
	if (refused)
		buf_addf(&line,
		         "bulletin: refused %u connection(s) from addresses "
		         "that had %u open already",
		         refused, s->per_client);
	if (line.len)
		s->cfg.log(s->cfg.ctx, line.data);
	buf_release(&line);
}

static void *guard_main(void *arg)
{
	struct http_server *s = arg;
	struct guard *g = &s->guard;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		struct timespec until;
		unsigned closed;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
		if (g->stopping)
			break;
		closed = sweep(s, now_monotonic());
		if (closed)
			atomic_fetch_add(&s->expired, closed);
		pthread_mutex_unlock(&g->lock);
		guard_log(s, closed);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

static void guard_stop(struct http_server *s)
{
	struct guard *g = &s->guard;

	pthread_mutex_lock(&g->lock);
	g->stopping = 1;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	if (g->started)
		pthread_join(g->thread, NULL);
	g->started = 0;
}

static void guard_release(struct guard *g)
{
	for (int i = 0; i < IP_BUCKETS; i++) {
		struct ip_count *c, *next;

		for (c = g->by_ip[i]; c; c = next) {
			next = c->next;
			free(c);
		}
	}
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->wake);
}

/* Exchanges: made when a request line arrives, freed when it is done. */

static void *exchange_new(void *cls, const char *uri,
                          struct MHD_Connection *conn)
{
	struct http_server *s = cls;
	struct exchange *e = xcalloc(1, sizeof(*e));

	e->server = s;
	e->conn = conn;
	e->uri = xstrdup(uri ? uri : "");
	buf_init(&e->path);
	buf_init(&e->body);
	buf_init(&e->ex.resp.body);
	e->ex.resp.fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &e->start);
	atomic_fetch_add(&s->in_flight, 1);
	return e;
}

static void exchange_free(struct exchange *e)
{
	if (e->ex.resp.fd >= 0)
		close(e->ex.resp.fd);
	buf_release(&e->ex.resp.body);
	free(e->ex.resp.location);
	free(e->ex.resp.set_cookie);
	for (size_t i = 0; i < e->nargs; i++)
		free(e->args[i]);
	buf_release(&e->path);
	buf_release(&e->body);
	free(e->uri);
	free(e);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct exchange *e = *con_cls;

	if (!e)
		return;
	/* Keep-alive: the next request's time starts now. */
	conn_waiting(s, conn, now_monotonic());
	log_exchange(e);
	*con_cls = NULL;
	exchange_free(e);
	atomic_fetch_sub(&s->in_flight, 1);
}

/* The request, as the handler sees it. */

static enum http_method method_of(const char *m)
{
	if (!strcmp(m, "GET"))
		return HTTP_GET;
	if (!strcmp(m, "HEAD"))
		return HTTP_HEAD;
	if (!strcmp(m, "POST"))
		return HTTP_POST;
	return HTTP_OTHER;
}

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return 0;
}

static void sockaddr_text(const struct sockaddr *sa, char *out, size_t n)
{
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (!a || !inet_ntop(sa->sa_family, a, out, (socklen_t)n))
		snprintf(out, n, "-");
}

/*
 * The last address in X-Forwarded-For: the one the proxy itself saw
 * (earlier entries are whatever the client claimed). Returns 0 when
 * there is none that parses as an address.
 */
static int forwarded_for(const char *xff, char *out, size_t n)
{
	const char *last = strrchr(xff, ',');
	char tmp[ADDRESS_MAX];
	unsigned char bin[sizeof(struct in6_addr)];
	size_t len;

	last = last ? last + 1 : xff;
	while (*last == ' ' || *last == '\t')
		last++;
	len = strcspn(last, " \t");
	if (len == 0 || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, last, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, bin) != 1 &&
	    inet_pton(AF_INET6, tmp, bin) != 1)
		return 0;
	snprintf(out, n, "%s", tmp);
	return 1;
}

static void find_client(struct exchange *e)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
	        e->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff;

	if (!ci || !ci->client_addr) {
		snprintf(e->client, sizeof(e->client), "-");
		return;
	}
	sockaddr_text(ci->client_addr, e->client, sizeof(e->client));
	if (is_loopback(ci->client_addr)) {
		xff = MHD_lookup_connection_value(e->conn, MHD_HEADER_KIND,
		                                  "X-Forwarded-For");
		if (xff)
			forwarded_for(xff, e->client, sizeof(e->client));
	}
}

static const char *header(struct exchange *e, const char *name)
{
	return MHD_lookup_connection_value(e->conn, MHD_HEADER_KIND, name);
}

/* Sending the response. */

static void add_headers(struct MHD_Response *r, const struct http_response *h)
{
	char n[32];

	MHD_add_response_header(r, "Content-Security-Policy",
	                        h->csp ? h->csp : csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options",
	                        h->frame_same_origin ? "SAMEORIGIN" : "DENY");
	if (h->set_cookie)
		MHD_add_response_header(r, "Set-Cookie", h->set_cookie);
	if (h->disposition)
		MHD_add_response_header(r, "Content-Disposition",
		                        h->disposition);
	MHD_add_response_header(r, "Cache-Control",
	                        h->cache_control ? h->cache_control
	                                         : "no-store");
	if (h->etag[0])
		MHD_add_response_header(r, "ETag", h->etag);
	if (h->retry_after > 0) {
		snprintf(n, sizeof(n), "%ld", h->retry_after);
		MHD_add_response_header(r, "Retry-After", n);
	}
	if (h->allow)
		MHD_add_response_header(r, "Allow", h->allow);
	if (h->location)
		MHD_add_response_header(r, "Location", h->location);
}

/* Whether an If-None-Match list names etag (weak comparison). */
static int etag_matches(const char *list, const char *etag)
{
	size_t n = strlen(etag);

	while (*list) {
		size_t len;

		list += strspn(list, " \t,");
		if (!strncmp(list, "W/", 2))
			list += 2;
		len = strcspn(list, " \t,");
		if ((len == 1 && *list == '*') ||
		    (len == n && !strncmp(list, etag, n)))
			return 1;
		list += len;
	}
	return 0;
}

static enum MHD_Result send_response(struct exchange *e)
{
	struct http_response *h = &e->ex.resp;
	struct MHD_Response *r;
	enum MHD_Result ret;
	int status = h->status ? h->status : 200;

	if (status == 200 && h->etag[0] && e->ex.req.if_none_match &&
	    (e->ex.req.method == HTTP_GET || e->ex.req.method == HTTP_HEAD) &&
	    etag_matches(e->ex.req.if_none_match, h->etag)) {
		status = 304;
		if (h->fd >= 0)
			close(h->fd);
		h->fd = -1;
		buf_reset(&h->body);
	}
	if (h->fd >= 0) {
		r = MHD_create_response_from_fd64(h->fd_size, h->fd);
		e->bytes = h->fd_size;
		if (r)
			h->fd = -1; /* the response closes it */
	} else {
		size_t len = h->body.len;

		r = MHD_create_response_from_buffer(len, buf_detach(&h->body),
		                                    MHD_RESPMEM_MUST_FREE);
		e->bytes = len;
	}
	if (!r)
		return MHD_NO;
	if (status != 304)
		MHD_add_response_header(r, "Content-Type",
		                        h->content_type
		                                ? h->content_type
		                                : "text/html; charset=utf-8");
	add_headers(r, h);
	e->status = status;
	if (e->ex.req.method == HTTP_HEAD)
		e->bytes = 0;
	ret = MHD_queue_response(e->conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result refuse(struct exchange *e, int status)
{
	struct http_server *s = e->server;

	e->ex.resp.status = status;
	s->cfg.refuse(s->cfg.ctx, &e->ex, status);
	return send_response(e);
}

const char *http_query(const struct http_exchange *ex, const char *name)
{
	struct exchange *e = of((struct http_exchange *)ex);
	const char *raw = MHD_lookup_connection_value(
	        e->conn, MHD_GET_ARGUMENT_KIND, name);
	struct buf plus = BUF_INIT, value = BUF_INIT;
	int ok;

	if (!raw || e->nargs == HTTP_QUERY_MAX)
		return NULL;
	/* Kept raw by keep_raw: '+' is a space in a query, then %XX. */
	for (const char *p = raw; *p; p++)
		buf_addch(&plus, *p == '+' ? ' ' : *p);
	ok = form_percent_decode(plus.data, plus.len, &value) == 0 &&
	     text_utf8_valid(value.data, value.len);
	buf_release(&plus);
	if (!ok) {
		buf_release(&value);
		return NULL;
	}
	e->args[e->nargs] = buf_detach(&value);
	return e->args[e->nargs++];
}

void http_suspend(struct http_exchange *ex)
{
	MHD_suspend_connection(of(ex)->conn);
}

void http_resume(struct http_exchange *ex)
{
	struct exchange *e = of(ex);

	e->answered = 1;
	MHD_resume_connection(e->conn);
}

/*
 * The request line and headers are in: fill in the request, refuse what
 * cannot be handled.
 */
static int begin(struct exchange *e, const char *url, const char *method)
{
	struct http_request *q = &e->ex.req;
	const char *cl;

	find_client(e);
	q->client = e->client;
	q->method_name = method;
	q->method = method_of(method);
	q->content_type = header(e, "Content-Type");
	q->if_none_match = header(e, "If-None-Match");
	q->cookie = header(e, "Cookie");
	q->user_agent = header(e, "User-Agent");
	cl = header(e, "Content-Length");
	if (url[0] != '/' ||
	    form_percent_decode(url, strlen(url), &e->path) < 0)
		return 400;
	q->path = e->path.data;
	e->body_max = HTTP_BODY_MAX;
	if (e->server->cfg.body_max) {
		size_t max =
		        e->server->cfg.body_max(e->server->cfg.ctx, q->path);

		if (max)
			e->body_max = max;
	}
	if (cl && strtoull(cl, NULL, 10) > e->body_max)
		return 413;
	if (cl && strtoull(cl, NULL, 10) > HTTP_BODY_MAX)
		conn_grace(e->server, e->conn, strtoull(cl, NULL, 10));
	return 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct exchange *e = *con_cls;
	int r;

	if (!e) /* no URI callback ran: not a request we can answer */
		return MHD_NO;
	if (!e->begun) {
		e->begun = 1;
		r = begin(e, url, method);
		if (r) {
			conn_waiting(s, conn, 0);
			return refuse(e, r);
		}
		return MHD_YES; /* the body, if any, comes next */
	}
	if (*upload_size) {
		if (e->body.len + *upload_size > e->body_max)
			e->too_big = 1;
		else
			buf_add(&e->body, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (e->answered)
		return send_response(e);
	if (e->started) /* suspended, and woken early: keep waiting */
		return MHD_YES;
	conn_waiting(s, conn, 0); /* the whole request is in */
	if (e->too_big)
		return refuse(e, 413);
	e->started = 1;
	e->ex.req.body = e->body.data;
	e->ex.req.body_len = e->body.len;
	if (s->cfg.handle(s->cfg.ctx, &e->ex) == HTTP_LATER)
		return MHD_YES;
	e->answered = 1;
	return send_response(e);
}

/* The path is kept raw: handle() decodes it strictly (400 if it can't). */
static size_t keep_raw(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

/* Binding. */

static int split_listen(const char *where, char *host, size_t hn,
                        const char **port, struct err *err)
{
	const char *colon;
	size_t len;

	if (where[0] == '[') {
		const char *close = strchr(where, ']');

		if (!close || close[1] != ':')
			goto bad;
		len = (size_t)(close - where - 1);
		colon = close + 1;
		where++;
	} else {
		colon = strrchr(where, ':');
		if (!colon)
			goto bad;
		len = (size_t)(colon - where);
	}
	if (len == 0 || len >= hn || !colon[1])
		goto bad;
	memcpy(host, where, len);
	host[len] = '\0';
	*port = colon + 1;
	return 0;
bad:
	return err_set(err,
	               "listen address '%s' is not ADDRESS:PORT (e.g. "
	               "127.0.0.1:8080 or [::1]:8080)",
	               where);
}

static unsigned port_of(const struct sockaddr_storage *ss)
{
	struct sockaddr_in6 in6;
	struct sockaddr_in in;

	if (ss->ss_family == AF_INET6) {
		memcpy(&in6, ss, sizeof(in6));
		return ntohs(in6.sin6_port);
	}
	memcpy(&in, ss, sizeof(in));
	return ntohs(in.sin_port);
}

static int bind_listen(const char *where, char *bound, size_t bn,
                       struct err *err)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	struct sockaddr_storage ss = {0};
	socklen_t sl = sizeof(ss);
	char host[256], text[ADDRESS_MAX];
	const char *port = NULL;
	int fd = -1, rc, saved = 0;

	if (split_listen(where, host, sizeof(host), &port, err) < 0)
		return -1;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		err_set(err, "listen address '%s': %s", where,
		        gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int one = 1;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, LISTEN_BACKLOG) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		errno = saved;
		err_errno(err, "cannot listen on %s", where);
		return -1;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		err_errno(err, "cannot listen on %s", where);
		close(fd);
		return -1;
	}
	sockaddr_text((struct sockaddr *)&ss, text, sizeof(text));
	snprintf(bound, bn, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
	         text, port_of(&ss));
	return fd;
}

static int sigpipe_ignored(void)
{
	struct sigaction sa;

	return sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

/*
 * Connections at once: CONNECTION_LIMIT, or fewer when the process may
 * not open that many files (each connection is one).
 */
static unsigned connection_limit(void)
{
	struct rlimit rl;
	unsigned limit = CONNECTION_LIMIT;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)CONNECTION_LIMIT + RESERVED_FDS)
		limit = rl.rlim_cur > RESERVED_FDS + 16
		                ? (unsigned)(rl.rlim_cur - RESERVED_FDS)
		                : 16;
	return limit;
}

struct http_server *http_start(const struct http_config *hc, struct err *err)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	unsigned threads = hc->threads;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int fd;

	s->cfg = *hc;
	atomic_init(&s->in_flight, 0);
	atomic_init(&s->expired, 0);
	atomic_init(&s->refused, 0);
	atomic_init(&s->refused_unlogged, 0);
	s->per_client = hc->connections_per_client
	                        ? hc->connections_per_client
	                        : HTTP_CONNECTIONS_PER_CLIENT;
	s->deadline = hc->request_deadline > 0 ? hc->request_deadline
	                                       : HTTP_REQUEST_DEADLINE;
	pthread_mutex_init(&s->guard.lock, NULL);
	pthread_cond_init(&s->guard.wake, NULL);
	if (!threads)
		threads = ncpu > 0 ? (unsigned)ncpu : 1;
	fd = bind_listen(hc->listen, s->address, sizeof(s->address), err);
	if (fd < 0)
		goto fail;
	if (pthread_create(&s->guard.thread, NULL, guard_main, s) != 0) {
		err_set(err, "cannot start the HTTP server's watch thread");
		close(fd);
		goto fail;
	}
	s->guard.started = 1;
	s->daemon = MHD_start_daemon(
	        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                MHD_ALLOW_SUSPEND_RESUME,
	        0, accept_policy, s, handle, s, MHD_OPTION_LISTEN_SOCKET, fd,
	        MHD_OPTION_THREAD_POOL_SIZE, threads,
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT,
	        MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
	        MHD_OPTION_URI_LOG_CALLBACK, exchange_new, s,
	        MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	        MHD_OPTION_NOTIFY_CONNECTION, notify_connection, s,
	        MHD_OPTION_UNESCAPE_CALLBACK, keep_raw, NULL,
	        MHD_OPTION_SIGPIPE_HANDLED_BY_APP, sigpipe_ignored(),
	        MHD_OPTION_END);
	if (!s->daemon) {
		close(fd);
		err_set(err, "cannot start the HTTP server on %s", hc->listen);
		goto fail;
	}
	return s;
fail:
	guard_stop(s);
	guard_release(&s->guard);
	free(s);
	return NULL;
}

const char *http_address(const struct http_server *s)
{
	return s->address;
}

void http_guard_stats(struct http_server *s, unsigned *expired,
                      unsigned *refused)
{
	*expired = atomic_load(&s->expired);
	*refused = atomic_load(&s->refused);
}

unsigned http_in_flight(struct http_server *s)
{
	return atomic_load(&s->in_flight);
}

void http_stop(struct http_server *s, double grace)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	int fd;

	if (!s)
		return;
	fd = MHD_quiesce_daemon(s->daemon);
	if (fd >= 0)
		close(fd);
	for (long ticks = (long)(grace * 100); ticks > 0 && http_in_flight(s);
	     ticks--)
		nanosleep(&tick, NULL);
	guard_stop(s);
	MHD_stop_daemon(s->daemon);
	guard_release(&s->guard);
	free(s);
}
