/*
 * The HTTP server on loopback, spoken to with raw sockets so that any
 * request can be sent: decoding, limits, answers from another thread,
 * validators, the security headers, the log, and stopping with a
 * request in progress.
 */
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

struct logbook {
	pthread_mutex_t lock;
	struct buf lines;
};

static void log_line(void *ctx, const char *line)
{
	struct logbook *lb = ctx;

	pthread_mutex_lock(&lb->lock);
	buf_addf(&lb->lines, "%s\n", line);
	pthread_mutex_unlock(&lb->lock);
}

static void *answer_later(void *arg)
{
	struct http_exchange *ex = arg;
	struct timespec pause = {0, 500 * 1000 * 1000};

	nanosleep(&pause, NULL);
	buf_adds(&ex->resp.body, "later");
	http_resume(ex);
	return NULL;
}

static int handle(void *ctx, struct http_exchange *ex)
{
	if (!strcmp(ex->req.path, "/later")) {
		pthread_t t;

		http_suspend(ex);
		pthread_create(&t, NULL, answer_later, ex);
		pthread_detach(t);
		return HTTP_LATER;
	}
	if (!strcmp(ex->req.path, "/etag")) {
		buf_adds(&ex->resp.body, "tagged");
		snprintf(ex->resp.etag, sizeof(ex->resp.etag), "\"abc\"");
		return HTTP_ANSWER;
	}
	buf_addf(&ex->resp.body, "%s %s %zu %s", ex->req.method_name,
	         ex->req.path, ex->req.body_len, ex->req.client);
	ex->resp.content_type = "text/plain";
	return HTTP_ANSWER;
}

static void refuse(void *ctx, struct http_exchange *ex, int status)
{
	buf_addf(&ex->resp.body, "refused %d", status);
}

static int port_of(struct http_server *s)
{
	const char *colon = strrchr(http_address(s), ':');

	return colon ? (int)strtol(colon + 1, NULL, 10) : 0;
}

/* Sends req (n bytes) and reads the whole answer into out. */
static void exchange(int port, const char *req, size_t n, struct buf *out)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char chunk[4096];
	ssize_t got;

	buf_reset(out);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		CHECK(!"connect");
		close(fd);
		return;
	}
	while (n) {
		got = write(fd, req, n);
		if (got <= 0)
			break;
		req += got;
		n -= (size_t)got;
	}
	while ((got = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(out, chunk, (size_t)got);
	close(fd);
}

static void get(int port, const char *req, struct buf *out)
{
	exchange(port, req, strlen(req), out);
}

static int has(const struct buf *b, const char *s)
{
	return strstr(b->data, s) != NULL;
}

static void check_security_headers(const struct buf *b)
{
	CHECK(has(b, "\r\nContent-Security-Policy: default-src 'none'"));
	CHECK(has(b, "\r\nX-Content-Type-Options: nosniff\r\n"));
	CHECK(has(b, "\r\nReferrer-Policy: no-referrer\r\n"));
	CHECK(has(b, "\r\nX-Frame-Options: DENY\r\n"));
}

static void test_requests(int port)
{
	struct buf b = BUF_INIT, req = BUF_INIT;

	get(port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &b);
	CHECK(!strncmp(b.data, "HTTP/1.1 200 ", 13));
	CHECK(has(&b, "\r\n\r\nGET /hello 0 127.0.0.1"));
	CHECK(has(&b, "\r\nCache-Control: no-store\r\n"));
	check_security_headers(&b);

	/* The path is decoded once, strictly. */
	get(port,
	    "GET /a%2e%2E/b%20c HTTP/1.1\r\nHost: x\r\nConnection: "
	    "close\r\n\r\n",
	    &b);
	CHECK(has(&b, "\r\n\r\nGET /a../b c 0"));
	get(port,
	    "GET /bad%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &b);
	CHECK(!strncmp(b.data, "HTTP/1.1 400 ", 13));
	CHECK(has(&b, "refused 400"));
	check_security_headers(&b);
	get(port, "GET /a%00b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &b);
	CHECK(!strncmp(b.data, "HTTP/1.1 400 ", 13));

	/* A proxy on loopback names the client. */
	get(port,
	    "GET /x HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.9.9.9, "
	    "198.51.100.7\r\nConnection: close\r\n\r\n",
	    &b);
	CHECK(has(&b, "GET /x 0 198.51.100.7"));

	/* Bodies: within the limit, announced over it, chunked over it. */
	buf_adds(&req, "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
	               "Connection: close\r\n\r\n");
	for (int i = 0; i < 100; i++)
		buf_addch(&req, 'a');
	exchange(port, req.data, req.len, &b);
	CHECK(has(&b, "\r\n\r\nPOST /p 100"));
	get(port,
	    "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 9000\r\n"
	    "Connection: close\r\n\r\n",
	    &b);
	CHECK(!strncmp(b.data, "HTTP/1.1 413 ", 13));
	CHECK(has(&b, "refused 413"));
	check_security_headers(&b);
	buf_reset(&req);
	buf_adds(&req, "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
	               "chunked\r\nConnection: close\r\n\r\n");
	for (int i = 0; i < 3; i++) {
		buf_addf(&req, "%x\r\n", 4000);
		for (int k = 0; k < 4000; k++)
			buf_addch(&req, 'b');
		buf_adds(&req, "\r\n");
	}
	buf_adds(&req, "0\r\n\r\n");
	exchange(port, req.data, req.len, &b);
	CHECK(!strncmp(b.data, "HTTP/1.1 413 ", 13));

	/* A validator: the same tag again is 304 with no body. */
	get(port, "GET /etag HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &b);
	CHECK(has(&b, "\r\nETag: \"abc\"\r\n") && has(&b, "\r\n\r\ntagged"));
	get(port,
	    "GET /etag HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"zz\", "
	    "W/\"abc\"\r\nConnection: close\r\n\r\n",
	    &b);
	CHECK(!strncmp(b.data, "HTTP/1.1 304 ", 13));
	CHECK(!has(&b, "tagged"));
	check_security_headers(&b);

	/* An answer from another thread. */
	get(port, "GET /later HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &b);
	CHECK(!strncmp(b.data, "HTTP/1.1 200 ", 13) && has(&b, "later"));

	/* HEAD: the headers, no body. */
	get(port, "HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &b);
	CHECK(!strncmp(b.data, "HTTP/1.1 200 ", 13) && !has(&b, "HEAD /h"));
	buf_release(&b);
	buf_release(&req);
}

struct client {
	int port;
	struct buf answer;
};

static void *slow_client(void *arg)
{
	struct client *c = arg;

	get(c->port,
	    "GET /later HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &c->answer);
	return NULL;
}

static void test_log_path(void)
{
	static const char *const secret[] = {"/unsubscribe/", NULL};
	static const struct {
		const char *in, *out;
	} cases[] = {
	        {"/unsubscribe/AAAAAAAAAAAAAAAAAAAAAA",
	         "/unsubscribe/[redacted]"},
	        {"/unsubscribe/x", "/unsubscribe/[redacted]"},
	        {"/unsubscribe/", "/unsubscribe/"},
	        /* wherever the prefix stands */
	        {"//unsubscribe/x", "//unsubscribe/[redacted]"},
	        {"/a/unsubscribe/x/y", "/a/unsubscribe/[redacted]"},
	        {"/a/b@c.org/d", "/a/[redacted]/d"},
	        {"/issues/2026-12/index.html", "/issues/2026-12/index.html"},
	        {"/issues/flying-start-reaches-two-more-wards",
	         "/issues/flying-start-reaches-two-more-wards"},
	        /* shaped like a token, whatever is around it */
	        {"/%75nsubscribe/AAAAAAAB3q9Xk2mZpL0sYv_TfHw-8cRn",
	         "/%75nsubscribe/[redacted]"},
	        {"/x/AAAAAAAB3q9Xk2mZpL0sYv_TfHw-8cRn.png/y",
	         "/x/[redacted]/y"},
	        {"/q\"x\x01", "/q\\x22x\\x01"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		http_log_path(cases[i].in, secret, &b);
		CHECK_STR(b.data, cases[i].out);
		buf_release(&b);
	}
}

/* A connection from from_ip, the request begun and not finished. */
static int half_request(const char *from_ip, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port)};
	struct sockaddr_in from = {.sin_family = AF_INET};
	static const char begun[] = "GET / HTTP/1.1\r\nHost: x\r\n";
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, from_ip, &from.sin_addr);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, begun, sizeof(begun) - 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the server has closed fd (a read finds the end or an error). */
static int closed_by_server(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;

	if (poll(&p, 1, 0) <= 0)
		return 0;
	return read(fd, &c, 1) <= 0;
}

/*
 * Slow clients: one address may hold 8 connections (capped here though
 * it is loopback, as in a test everything is), the rest are refused; a
 * request from another address is answered meanwhile; the 8, though
 * they send a header line every 0.2 s, are closed once their request
 * has not arrived within the deadline (2.5 s).
 */
static void test_slow_clients(struct http_config hc, struct logbook *lb)
{
	struct http_server *s;
	struct err err = ERR_INIT;
	struct timespec tick = {0, 200 * 1000 * 1000};
	struct buf b = BUF_INIT;
	unsigned expired = 0, refused = 0;
	int fds[20], open = 0, port;

	hc.connections_per_client = 8;
	hc.cap_loopback = 1;
	hc.request_deadline = 2.5;
	s = http_start(&hc, &err);
	CHECK(s != NULL);
	if (!s)
		return;
	port = port_of(s);
	for (int i = 0; i < 20; i++)
		fds[i] = half_request("127.0.0.2", port);
	/* Until the server has turned the 12 away (a busy machine is slow). */
	for (int t = 0, gone = 0; t < 10 && gone < 12; t++) {
		nanosleep(&tick, NULL);
		gone = 0;
		for (int i = 0; i < 20; i++)
			gone += fds[i] < 0 || closed_by_server(fds[i]);
	}
	for (int i = 0; i < 20; i++)
		if (fds[i] >= 0 && closed_by_server(fds[i])) {
			close(fds[i]);
			fds[i] = -1;
		} else {
			open += fds[i] >= 0;
		}
	CHECK(open == 8);
	get(port, "GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &b);
	CHECK(!strncmp(b.data, "HTTP/1.1 200 ", 13));
	/* A line every 0.2 s for 4 s: never silent, yet past the deadline. */
	for (int t = 0; t < 20; t++) {
		for (int i = 0; i < 20; i++)
			if (fds[i] >= 0 && write(fds[i], "X-A: b\r\n", 8) < 0) {
				close(fds[i]);
				fds[i] = -1;
			}
		nanosleep(&tick, NULL);
	}
	open = 0;
	for (int i = 0; i < 20; i++) {
		open += fds[i] >= 0 && !closed_by_server(fds[i]);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	CHECK(open == 0);
	http_guard_stats(s, &expired, &refused);
	CHECK(expired == 8);
	CHECK(refused == 12);
	http_stop(s, 1);
	pthread_mutex_lock(&lb->lock);
	CHECK(has(&lb->lines, "bulletin: refused 12 connection(s) from "
	                      "addresses that had 8 open already"));
	CHECK(has(&lb->lines, "not arrived within 2.5 s"));
	pthread_mutex_unlock(&lb->lock);
	buf_release(&b);
	err_release(&err);
}

int main(void)
{
	struct logbook lb = {PTHREAD_MUTEX_INITIALIZER, BUF_INIT};
	struct http_config hc = {
	        .listen = "127.0.0.1:0",
	        .threads = 2,
	        .handle = handle,
	        .refuse = refuse,
	        .log = log_line,
	        .ctx = &lb,
	};
	struct err err = ERR_INIT;
	struct http_server *s;
	struct client c = {0, BUF_INIT};
	pthread_t t;
	struct timespec pause = {0, 50 * 1000 * 1000};

	signal(SIGPIPE, SIG_IGN);
	test_log_path();
	hc.listen = "nonsense";
	CHECK(http_start(&hc, &err) == NULL && err.set);
	err_clear(&err);
	hc.listen = "127.0.0.1:0";
	s = http_start(&hc, &err);
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "%s\n", err_msg(&err));
		return check_done();
	}
	test_requests(port_of(s));
	pthread_mutex_lock(&lb.lock);
	CHECK(has(&lb.lines, "] \"GET /hello HTTP/1.1\" 200 "));
	CHECK(has(&lb.lines, "127.0.0.1 - - ["));
	pthread_mutex_unlock(&lb.lock);

	/* Stopping waits for the request in progress. */
	c.port = port_of(s);
	pthread_create(&t, NULL, slow_client, &c);
	/* Until the request is in (a fixed pause was too short on a loaded
	 * machine), 5 s at most. */
	for (int i = 0; i < 100 && http_in_flight(s) != 1; i++)
		nanosleep(&pause, NULL);
	CHECK(http_in_flight(s) == 1);
	http_stop(s, 5);
	pthread_join(t, NULL);
	CHECK(!strncmp(c.answer.data, "HTTP/1.1 200 ", 13) &&
	      has(&c.answer, "later"));
	buf_release(&c.answer);
	test_slow_clients(hc, &lb);
	buf_release(&lb.lines);
	err_release(&err);
	return check_done();
}
