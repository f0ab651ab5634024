/*
 * The SMTP transport against a real server on loopback: the scriptable
 * tests/servers/smtpd.py (python3-aiosmtpd), started here with port 0 and
 * stopped by its PID. Plain SMTP, STARTTLS with AUTH and implicit TLS,
 * with a test CA made by openssl in a temporary folder.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "mime.h"
#include "transport.h"

#include "banned.h"

extern char **environ;

static char tmpdir[] = "/tmp/test_transport_smtp.XXXXXX";

struct server {
	pid_t pid;
	int port;
	char maildir[200], log[256];
};

static void path_in_tmp(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%.40s", tmpdir, name);
}

/*
 * Starts smtpd.py with the given extra arguments (NULL-terminated) and
 * waits for the "PORT N" line. Returns 0, or -1 saying why.
 */
static int server_start(struct server *s, const char *name,
                        const char *const *extra)
{
	char *argv[32];
	int n = 0, fds[2], ret = -1;
	posix_spawn_file_actions_t fa;
	struct pollfd pfd;
	char line[128];
	size_t got = 0;

	path_in_tmp(s->maildir, sizeof(s->maildir), name);
	snprintf(s->log, sizeof(s->log), "%s.log", s->maildir);
	argv[n++] = "tests/servers/smtpd.py";
	argv[n++] = "--maildir";
	argv[n++] = s->maildir;
	argv[n++] = "--log";
	argv[n++] = s->log;
	while (extra && *extra && n < 30)
		argv[n++] = (char *)*extra++;
	argv[n] = NULL;
	if (pipe(fds) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	if (posix_spawn(&s->pid, argv[0], &fa, NULL, argv, environ) != 0) {
		fprintf(stderr, "cannot start %s: %s\n", argv[0],
		        strerror(errno));
		s->pid = 0;
		goto out;
	}
	close(fds[1]);
	fds[1] = -1;
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (got < sizeof(line) - 1 && !memchr(line, '\n', got)) {
		ssize_t r;

		if (poll(&pfd, 1, 20000) <= 0)
			break;
		r = read(fds[0], line + got, sizeof(line) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	line[got] = '\0';
	if (sscanf(line, "PORT %d", &s->port) == 1)
		ret = 0;
	else
		fprintf(stderr,
		        "smtpd.py did not start (needs python3-aiosmtpd: "
		        "scripts/deps test); it said: %s\n",
		        line);
out:
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return ret;
}

static void server_stop(struct server *s)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
}

/* How many times needle occurs in the server's log. */
static int log_count(const struct server *s, const char *needle)
{
	struct buf log = BUF_INIT;
	int count = 0;

	if (buf_read_file(&log, s->log, 1 << 24) == 0) {
		for (const char *p = log.data; (p = strstr(p, needle)); p++)
			count++;
	}
	buf_release(&log);
	return count;
}

/* The only message in the server's Maildir, into out. */
static int stored_message(const struct server *s, struct buf *out)
{
	char path[1024];
	struct dirent *e;
	DIR *d;
	int found = 0;

	snprintf(path, sizeof(path), "%s/new", s->maildir);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/new/%s", s->maildir,
		         e->d_name);
		buf_reset(out);
		if (buf_read_file(out, path, 1 << 24) == 0)
			found++;
	}
	closedir(d);
	return found == 1 ? 0 : -1;
}

static int run(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A CA, a server certificate it signed for 127.0.0.1 and localhost, and
 * an unrelated second CA. */
static int make_certs(void)
{
	struct buf cmd = BUF_INIT;
	int ret;

	buf_addf(
	        &cmd,
	        "cd %s && ("
	        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n"
	        "basicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' "
	        ">ext.cnf && "
	        "for ca in ca other; do openssl req -x509 -newkey ec "
	        "-pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $ca.key "
	        "-out $ca.crt -days 2 -subj /CN=bulletin-test-$ca "
	        "-addext basicConstraints=critical,CA:TRUE "
	        "-addext keyUsage=critical,keyCertSign || exit 1; done && "
	        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
	        "-nodes -keyout server.key -out server.csr -subj /CN=localhost "
	        "&& openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key "
	        "-CAcreateserial -out server.crt -days 2 -extfile ext.cnf"
	        ") >openssl.log 2>&1",
	        tmpdir);
	ret = run(cmd.data) == 0 ? 0 : -1;
	if (ret < 0)
		fprintf(stderr, "openssl could not make the test certificates "
		                "(install openssl)\n");
	buf_release(&cmd);
	return ret;
}

static const char dot_message[] = "From: News <news@example.org>\r\n"
                                  "To: <ann@example.net>\r\n"
                                  "Subject: dots\r\n"
                                  "\r\n"
                                  ".\r\n"
                                  "..two dots\r\n"
                                  ".one dot\r\n"
                                  "a line\r\n"
                                  ". \r\n"
                                  ".\r\n";

static struct transport *open_smtp(const char *scheme, int port,
                                   struct transport_options *opt)
{
	struct err err = ERR_INIT;
	struct transport *t;
	char url[128];

	snprintf(url, sizeof(url), "%s://127.0.0.1:%d", scheme, port);
	t = transport_open(url, opt, &err);
	if (!t)
		fprintf(stderr, "transport_open %s: %s\n", url, err_msg(&err));
	CHECK(t != NULL);
	err_release(&err);
	return t;
}

static void send_one(struct transport_conn *c, const char *rcpt,
                     struct transport_result *res)
{
	transport_send(c, "bounces+tok1@example.org", rcpt, dot_message,
	               sizeof(dot_message) - 1, res);
	fprintf(stderr, "  %s: %s/%s %d %s stage %d%s: %s\n", rcpt,
	        transport_class_name(res->cls),
	        transport_reason_name(res->reason), res->code, res->enhanced,
	        (int)res->stage, res->reopen ? " reopen" : "", res->text);
}

static void test_plain(void)
{
	static const char *const args[] = {"--fail-times", "1", NULL};
	struct server s = {0};
	struct transport *t;
	struct transport_conn *c;
	struct transport_result res;
	struct err err = ERR_INIT;
	struct buf got = BUF_INIT, msg = BUF_INIT;

	if (server_start(&s, "plain", args) < 0) {
		CHECK(!"smtpd.py started");
		return;
	}
	t = open_smtp("smtp", s.port, NULL);
	if (!t)
		goto out;
	c = transport_conn_open(t, &err);
	CHECK(c != NULL);
	if (!c)
		goto out;

	/* Lines starting with "." arrive as they were: no double stuffing. */
	send_one(c, "ann@example.net", &res);
	CHECK(res.cls == TRANSPORT_SENT && res.code == 250);
	CHECK_STR(res.enhanced, "2.0.0");
	CHECK(res.stage == TRANSPORT_STAGE_DOT);
	CHECK(stored_message(&s, &got) == 0);
	CHECK(got.len == sizeof(dot_message) - 1 &&
	      memcmp(got.data, dot_message, got.len) == 0);
	CHECK(log_count(&s, "\"sender\": \"bounces+tok1@example.org\"") == 2);

	/* Four more on the same connection: libcurl keeps it open. */
	for (int i = 0; i < 4; i++) {
		send_one(c, "bob@example.net", &res);
		CHECK(res.cls == TRANSPORT_SENT);
	}
	CHECK(log_count(&s, "\"event\": \"connect\"") == 1);
	CHECK(log_count(&s, "\"event\": \"data\"") == 5);

	send_one(c, "bad-user@example.net", &res);
	CHECK(res.cls == TRANSPORT_PERMANENT &&
	      res.reason == TRANSPORT_BAD_MAILBOX && res.code == 550);
	CHECK_STR(res.enhanced, "5.1.1");
	CHECK_STR(res.text, "550 5.1.1 No such user here");
	CHECK(res.stage == TRANSPORT_STAGE_RCPT && !res.reopen);

	send_one(c, "policy-user@example.net", &res);
	CHECK(res.cls == TRANSPORT_PERMANENT &&
	      res.reason == TRANSPORT_POLICY && res.code == 550);
	CHECK_STR(res.enhanced, "5.7.1");

	send_one(c, "fail451-user@example.net", &res);
	CHECK(res.cls == TRANSPORT_TRANSIENT &&
	      res.reason == TRANSPORT_SERVER && res.code == 451);
	CHECK_STR(res.enhanced, "4.3.0");
	send_one(c, "fail451-user@example.net", &res);
	CHECK(res.cls == TRANSPORT_SENT);

	send_one(c, "full-user@example.net", &res);
	CHECK(res.cls == TRANSPORT_TRANSIENT &&
	      res.reason == TRANSPORT_MAILBOX_FULL && res.code == 452);

	send_one(c, "close-user@example.net", &res);
	CHECK(res.cls == TRANSPORT_TRANSIENT &&
	      res.reason == TRANSPORT_CONNECTION && res.code == 421 &&
	      res.reopen);
	send_one(c, "after-close@example.net", &res);
	CHECK(res.cls == TRANSPORT_SENT);

	/* Dropped in the middle of DATA: no reply at all. */
	buf_reset(&msg);
	for (int i = 0; i < 2000; i++)
		buf_adds(&msg, "a line of a long message, to be cut short\r\n");
	transport_send(c, "bounces+tok1@example.org", "drop-user@example.net",
	               msg.data, msg.len, &res);
	fprintf(stderr, "  drop: %s/%s %d stage %d: %s\n",
	        transport_class_name(res.cls),
	        transport_reason_name(res.reason), res.code, (int)res.stage,
	        res.text);
	CHECK(res.cls == TRANSPORT_TRANSIENT &&
	      res.reason == TRANSPORT_CONNECTION && res.code == 0 &&
	      res.reopen);
	CHECK(res.stage >= TRANSPORT_STAGE_DATA);
	send_one(c, "after-drop@example.net", &res);
	CHECK(res.cls == TRANSPORT_SENT);

	/* A bad address never reaches the server. */
	CHECK(transport_send(c, "bounces@example.org",
	                     "x@example.net>\r\nRCPT TO:<y@example.net",
	                     dot_message, sizeof(dot_message) - 1, &res) < 0);
	CHECK(res.cls == TRANSPORT_PERMANENT &&
	      res.reason == TRANSPORT_BAD_MAILBOX && res.code == 0);
	CHECK(log_count(&s, "y@example.net") == 0);
	transport_conn_close(c);
	transport_free(t);

	/* TLS demanded on loopback, where this server offers none. */
	{
		struct transport_options opt = {.tls = TRANSPORT_TLS_REQUIRED};

		t = open_smtp("smtp", s.port, &opt);
		c = t ? transport_conn_open(t, &err) : NULL;
		if (c) {
			send_one(c, "ann@example.net", &res);
			CHECK(res.cls == TRANSPORT_TRANSIENT &&
			      res.reason == TRANSPORT_TLS);
			transport_conn_close(c);
		}
		transport_free(t);
	}
out:
	server_stop(&s);
	buf_release(&got);
	buf_release(&msg);
	err_release(&err);
}

static void test_timeout(void)
{
	static const char *const args[] = {"--slow-delay", "4", NULL};
	struct transport_options opt = {.reply_timeout_ms = 1000};
	struct server s = {0};
	struct transport *t;
	struct transport_conn *c;
	struct transport_result res;

	if (server_start(&s, "slow", args) < 0) {
		CHECK(!"smtpd.py started");
		return;
	}
	t = open_smtp("smtp", s.port, &opt);
	c = t ? transport_conn_open(t, NULL) : NULL;
	if (c) {
		send_one(c, "slow-user@example.net", &res);
		CHECK(res.cls == TRANSPORT_TRANSIENT &&
		      res.reason == TRANSPORT_CONNECTION && res.code == 0 &&
		      res.reopen && res.stage == TRANSPORT_STAGE_DOT);
		transport_conn_close(c);
	}
	transport_free(t);
	server_stop(&s);
}

/*
 * Where a failure without a refusal happened: before the session was up
 * (connect, greeting: the relay could not be reached) or after (no reply
 * to MAIL FROM on a kept connection: the transaction's). The server
 * stalls after its first message; the reply timeout is 1 s.
 */
static void stall_stages(const char *mode)
{
	const char *const args[] = {"--stall-after", "1",  "--stall-for", "30",
	                            "--stall-mode",  mode, NULL};
	struct transport_options opt = {.reply_timeout_ms = 1000};
	struct server s = {0};
	struct transport *t;
	struct transport_conn *c;
	struct transport_result res;
	int hang = !strcmp(mode, "hang");

	if (server_start(&s, mode, args) < 0) {
		CHECK(!"smtpd.py started");
		return;
	}
	t = open_smtp("smtp", s.port, &opt);
	c = t ? transport_conn_open(t, NULL) : NULL;
	if (c) {
		send_one(c, "ann@example.net", &res);
		CHECK(res.cls == TRANSPORT_SENT);
		/* The kept connection: MAIL FROM unanswered, or 421. */
		send_one(c, "bob@example.net", &res);
		CHECK(res.cls == TRANSPORT_TRANSIENT &&
		      res.reason == TRANSPORT_CONNECTION && res.reopen);
		CHECK(res.stage == TRANSPORT_STAGE_MAIL);
		CHECK(res.code == (hang ? 0 : 421));
		/* A new connection: the greeting never comes, or is 421. */
		send_one(c, "bob@example.net", &res);
		CHECK(res.cls == TRANSPORT_TRANSIENT &&
		      res.reason == TRANSPORT_CONNECTION && res.reopen);
		CHECK(res.stage == TRANSPORT_STAGE_CONNECT);
		CHECK(res.code == (hang ? 0 : 421));
		transport_conn_close(c);
	}
	transport_free(t);
	server_stop(&s);
}

static void test_stall_stages(void)
{
	stall_stages("hang");
	stall_stages("refuse");
}

static void test_starttls(void)
{
	char crt[256], key[256], ca[256], other[256];
	const char *args[] = {"--tls-cert", crt,
	                      "--tls-key",  key,
	                      "--starttls", "--require-starttls",
	                      "--auth",     "newsletter:s3cret-pw",
	                      NULL};
	struct server s = {0};
	struct transport_options opt = {
	        .tls = TRANSPORT_TLS_REQUIRED,
	        .ca_file = ca,
	        .username = "newsletter",
	        .password = "s3cret-pw",
	};
	struct transport *t;
	struct transport_conn *c;
	struct transport_result res;

	path_in_tmp(crt, sizeof(crt), "server.crt");
	path_in_tmp(key, sizeof(key), "server.key");
	path_in_tmp(ca, sizeof(ca), "ca.crt");
	path_in_tmp(other, sizeof(other), "other.crt");
	if (server_start(&s, "starttls", args) < 0) {
		CHECK(!"smtpd.py started");
		return;
	}
	t = open_smtp("smtp", s.port, &opt);
	c = t ? transport_conn_open(t, NULL) : NULL;
	if (c) {
		send_one(c, "ann@example.net", &res);
		CHECK(res.cls == TRANSPORT_SENT);
		send_one(c, "bob@example.net", &res);
		CHECK(res.cls == TRANSPORT_SENT);
		transport_conn_close(c);
	}
	transport_free(t);
	CHECK(log_count(&s, "\"event\": \"starttls\"") == 1);
	CHECK(log_count(&s, "\"login\": \"newsletter\", \"mechanism\"") == 1);
	CHECK(log_count(&s, "\"ok\": true") == 1);
	CHECK(log_count(&s, "s3cret") == 0);

	/* A wrong password: the relay's problem, never the address's. */
	opt.password = "wrong-pw";
	t = open_smtp("smtp", s.port, &opt);
	c = t ? transport_conn_open(t, NULL) : NULL;
	if (c) {
		send_one(c, "ann@example.net", &res);
		CHECK(res.cls == TRANSPORT_TRANSIENT &&
		      res.reason == TRANSPORT_AUTH);
		CHECK(!strstr(res.text, "wrong-pw"));
		transport_conn_close(c);
	}
	transport_free(t);

	/* Not trusted: the system's CAs, then an unrelated CA. */
	opt.password = "s3cret-pw";
	for (int i = 0; i < 2; i++) {
		opt.ca_file = i == 0 ? NULL : other;
		t = open_smtp("smtp", s.port, &opt);
		c = t ? transport_conn_open(t, NULL) : NULL;
		if (c) {
			send_one(c, "ann@example.net", &res);
			CHECK(res.cls == TRANSPORT_TRANSIENT &&
			      res.reason == TRANSPORT_TLS && res.reopen);
			transport_conn_close(c);
		}
		transport_free(t);
	}
	CHECK(log_count(&s, "\"event\": \"data\"") == 2);
	server_stop(&s);
}

static void test_implicit_tls(void)
{
	char crt[256], key[256], ca[256];
	const char *args[] = {"--tls-cert",     crt, "--tls-key", key,
	                      "--implicit-tls", NULL};
	struct server s = {0};
	struct transport_options opt = {.ca_file = ca};
	struct transport *t;
	struct transport_conn *c;
	struct transport_result res;
	struct buf got = BUF_INIT;

	path_in_tmp(crt, sizeof(crt), "server.crt");
	path_in_tmp(key, sizeof(key), "server.key");
	path_in_tmp(ca, sizeof(ca), "ca.crt");
	if (server_start(&s, "implicit", args) < 0) {
		CHECK(!"smtpd.py started");
		return;
	}
	t = open_smtp("smtps", s.port, &opt);
	c = t ? transport_conn_open(t, NULL) : NULL;
	if (c) {
		send_one(c, "ann@example.net", &res);
		CHECK(res.cls == TRANSPORT_SENT);
		transport_conn_close(c);
	}
	transport_free(t);
	CHECK(log_count(&s, "\"tls\": true") == 1);
	CHECK(stored_message(&s, &got) == 0);
	CHECK(got.len == sizeof(dot_message) - 1 &&
	      memcmp(got.data, dot_message, got.len) == 0);

	opt.ca_file = NULL;
	t = open_smtp("smtps", s.port, &opt);
	c = t ? transport_conn_open(t, NULL) : NULL;
	if (c) {
		send_one(c, "ann@example.net", &res);
		CHECK(res.cls == TRANSPORT_TRANSIENT &&
		      res.reason == TRANSPORT_TLS);
		transport_conn_close(c);
	}
	transport_free(t);
	CHECK(log_count(&s, "\"event\": \"data\"") == 1);
	server_stop(&s);
	buf_release(&got);
}

/* A message from mime_write goes through SMTP byte for byte, and the
 * independent checker accepts what the server stored. */
static void test_mime_over_smtp(void)
{
	static const char text[] = ".\n..two dots\n.one dot\nFrom here\n"
	                           "Unsubscribe: https://example.org/u/T\n";
	static const char html[] =
	        "<p>dots</p>\n.\n..x\n<a href=\""
	        "https://example.org/u/T\">Unsubscribe</a>\n";
	struct mime_message m = {
	        .from_name = "News",
	        .from_addr = "news@example.org",
	        .to_name = "Ann \"Dot\" Smith",
	        .to_addr = "ann@example.net",
	        .subject = "Dots: . and ..",
	        .list_name = "News",
	        .list_id = "news.example.org",
	        .unsubscribe_url = "https://example.org/u/T",
	        .unsubscribe_mailto = "mailto:u+T@example.org",
	        .text = {text, sizeof(text) - 1, 0},
	        .html = {html, sizeof(html) - 1, 0},
	};
	struct server s = {0};
	struct buf msg = BUF_INIT, got = BUF_INIT, cmd = BUF_INIT;
	struct err err = ERR_INIT;
	struct transport *t;
	struct transport_conn *c;
	struct transport_result res;

	CHECK(mime_write(&msg, &m, NULL, &err) == 0);
	if (server_start(&s, "mime", NULL) < 0) {
		CHECK(!"smtpd.py started");
		goto out;
	}
	t = open_smtp("smtp", s.port, NULL);
	c = t ? transport_conn_open(t, NULL) : NULL;
	if (c) {
		transport_send(c, "bounces+t@example.org", "ann@example.net",
		               msg.data, msg.len, &res);
		CHECK(res.cls == TRANSPORT_SENT);
		transport_conn_close(c);
	}
	transport_free(t);
	CHECK(stored_message(&s, &got) == 0);
	CHECK(got.len == msg.len && memcmp(got.data, msg.data, msg.len) == 0);
	buf_addf(&cmd,
	         "python3 tests/mail/check_message.py "
	         "--expect-list-unsubscribe --expect-list-id "
	         "--expect-body-unsubscribe --expect-to-name 'Ann \"Dot\" "
	         "Smith' "
	         "%s",
	         s.maildir);
	CHECK(run(cmd.data) == 0);
out:
	server_stop(&s);
	buf_release(&msg);
	buf_release(&got);
	buf_release(&cmd);
	err_release(&err);
}

static void expect_open_error(const char *url,
                              const struct transport_options *opt,
                              const char *want)
{
	struct err err = ERR_INIT;
	struct transport *t = transport_open(url, opt, &err);

	CHECK(t == NULL);
	transport_free(t);
	if (!strstr(err_msg(&err), want))
		fprintf(stderr, "  %s: %s\n", url, err_msg(&err));
	CHECK(strstr(err_msg(&err), want));
	err_release(&err);
}

static void test_open_errors(void)
{
	struct transport_options none = {.tls = TRANSPORT_TLS_NONE};
	struct transport_options login = {.username = "u", .password = "p"};
	struct transport_options helo = {.helo = "bad helo\r\n"};

	expect_open_error("ftp://x", NULL, "unknown kind");
	expect_open_error("smtp://", NULL, "bad host");
	expect_open_error("smtp://user:pw@relay.example.org", NULL, "bad port");
	expect_open_error("smtp://relay.example.org:25/x", NULL,
	                  "nothing may follow the port");
	expect_open_error("smtp://relay.example.org:99999", NULL, "bad port");
	expect_open_error("smtps://relay.example.org", &none,
	                  "smtps:// is always TLS");
	/* Loopback needs no TLS, but a login is never sent without it. */
	expect_open_error("smtp://127.0.0.1:25", &login,
	                  "AUTH is only sent "
	                  "inside TLS");
	expect_open_error("smtp://relay.example.org:25", &helo, "helo name");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_open_errors();
	test_plain();
	test_mime_over_smtp();
	test_timeout();
	test_stall_stages();
	if (make_certs() == 0) {
		test_starttls();
		test_implicit_tls();
	} else {
		CHECK(!"test certificates made");
	}
	if (check_failures == 0) {
		struct buf cmd = BUF_INIT;

		buf_addf(&cmd, "rm -r %s", tmpdir);
		CHECK(run(cmd.data) == 0);
		buf_release(&cmd);
	} else {
		fprintf(stderr, "files kept in %s\n", tmpdir);
	}
	return check_done();
}
