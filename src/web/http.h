#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/*
 * The HTTP server under `bulletin serve`: libmicrohttpd with a pool of
 * threads, each polling its share of the connections (epoll).
 *
 * A request reaches the application's handler once, whole: its path
 * percent-decoded, its body read (up to HTTP_BODY_MAX bytes, or what
 * the body_max callback allows for its path: beyond that
 * the server answers 413 itself, through the application's refuse
 * callback so the page is the application's). The handler fills the
 * exchange's response and returns HTTP_ANSWER, or hands the exchange to
 * another thread and returns HTTP_LATER; that thread fills the response
 * and calls http_resume. Meanwhile the connection costs no thread, so a
 * slow step (a disk flush shared by many requests) holds up nobody else.
 *
 * Every response carries the security headers (a Content-Security-Policy
 * allowing nothing but this origin's style sheets, images and form
 * posts; nosniff; no referrer; no framing). Each finished request is
 * logged through the log callback in the common log format, with query
 * strings and the secrets in paths (see http_log_path) replaced.
 */

#define HTTP_BODY_MAX 8192

/*
 * Slow clients. A request (line, headers, body) must have arrived within
 * HTTP_REQUEST_DEADLINE seconds of its connection opening, or of the
 * previous answer on the connection, however steadily its bytes trickle
 * in; the connection is closed otherwise. A client address off the
 * loopback network may hold HTTP_CONNECTIONS_PER_CLIENT connections at
 * once; more are refused as they come. Loopback is not capped, as behind
 * a reverse proxy on the same machine every connection comes from there
 * (the deadline, and the proxy's own limits, protect that case).
 */
#define HTTP_REQUEST_DEADLINE       10
#define HTTP_CONNECTIONS_PER_CLIENT 32

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_OTHER };

/* The request; everything borrowed, valid until the response is sent. */
struct http_request {
	enum http_method method;
	const char *method_name;   /* as sent */
	const char *path;          /* percent-decoded, starts with '/' */
	const char *content_type;  /* NULL when none was sent */
	const char *if_none_match; /* NULL when none was sent */
	const char *body;          /* body_len bytes and a NUL */
	size_t body_len;
	const char *client; /* the client's address (see http_config) */
};

/* The response, filled by the application. */
struct http_response {
	int status;               /* 200 unless set */
	const char *content_type; /* static; NULL: text/html; charset=utf-8 */
	struct buf body;          /* sent unless fd >= 0 */
	int fd;                   /* >= 0: send this file instead (taken) */
	uint64_t fd_size;
	const char *cache_control; /* static; NULL: "no-store" */
	/*
	 * A validator ("\"...\""): a GET or HEAD whose If-None-Match
	 * names it gets 304 Not Modified with no body.
	 */
	char etag[48];
	long retry_after;  /* > 0: a Retry-After header (429, 503) */
	const char *allow; /* static: an Allow header (405) */
	char *location;    /* taken: a Location header (redirects) */
};

struct http_exchange {
	struct http_request req;
	struct http_response resp;
	void *app; /* the application's, untouched by the server */
};

enum { HTTP_ANSWER, HTTP_LATER };

struct http_config {
	/* "ADDR:PORT" or "[IPV6]:PORT"; port 0 picks a free one. */
	const char *listen;
	unsigned threads; /* 0: one per processor */
	/*
	 * Handles a request (on a server thread): fills ex->resp and
	 * returns HTTP_ANSWER, or calls http_suspend(ex), passes ex on and
	 * returns HTTP_LATER.
	 */
	int (*handle)(void *ctx, struct http_exchange *ex);
	/* Fills ex->resp for a request the server refuses: 400, 413. */
	void (*refuse)(void *ctx, struct http_exchange *ex, int status);
	/* Receives each access log line (without a newline). May be NULL. */
	void (*log)(void *ctx, const char *line);
	/*
	 * Paths whose rest is a secret kept out of the log, e.g.
	 * "/unsubscribe/"; NULL-terminated list, or NULL.
	 */
	const char *const *secret_prefixes;
	/*
	 * The largest body a request to path may have (its path decoded),
	 * or 0 for HTTP_BODY_MAX. May be NULL: HTTP_BODY_MAX everywhere.
	 */
	size_t (*body_max)(void *ctx, const char *path);
	/*
	 * Connections one client address may hold at once (0:
	 * HTTP_CONNECTIONS_PER_CLIENT); peers on the loopback network (a
	 * reverse proxy on this machine) are not capped unless cap_loopback.
	 */
	unsigned connections_per_client;
	int cap_loopback;
	/* Seconds a request may take to arrive (0: HTTP_REQUEST_DEADLINE). */
	double request_deadline;
	void *ctx;
};

struct http_server;

/*
 * Binds the address and starts serving. The client address given to the
 * handler is the peer's; when the peer is on the loopback network (a
 * reverse proxy on the same machine), it is the last address the proxy
 * added to X-Forwarded-For. SIGPIPE should be ignored by the program.
 * Returns the server (stop it with http_stop), or NULL with err set.
 */
struct http_server *http_start(const struct http_config *hc, struct err *err);

/* The bound address, "127.0.0.1:8080" or "[::1]:8080" (borrowed). */
const char *http_address(const struct http_server *s);

/*
 * For a handler about to return HTTP_LATER: stops reading from the
 * connection. Call it before the exchange can reach another thread.
 */
void http_suspend(struct http_exchange *ex);
/* Sends the response of a suspended exchange (from any thread). */
void http_resume(struct http_exchange *ex);

/*
 * Connections closed so far because their request did not arrive in
 * time, and connections refused because their address had its share.
 */
void http_guard_stats(struct http_server *s, unsigned *expired,
                      unsigned *refused);

/* Requests being handled (received and not yet answered in full). */
unsigned http_in_flight(struct http_server *s);

/*
 * Stops: no new connections are accepted, requests in progress get up to
 * grace seconds to be answered (suspended ones must be resumed by then),
 * then every connection is closed and the server freed.
 */
void http_stop(struct http_server *s, double grace);

/* Secrets in paths are base64url runs of at least this many characters. */
#define HTTP_SECRET_MIN 22

/*
 * Writes a percent-decoded path (without its query) for the log: the
 * rest of the path after a secret prefix, wherever it stands, becomes
 * "[redacted]", and so does any segment holding an '@' or a run of
 * HTTP_SECRET_MIN or more base64url characters in mixed case;
 * non-printable bytes and quotes are escaped. The server logs the path
 * it routed (decoded once), never the raw one, and a query as "?...".
 */
void http_log_path(const char *path, const char *const *secret_prefixes,
                   struct buf *out);

#endif
