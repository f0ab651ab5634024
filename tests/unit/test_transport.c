/*
 * transport: reading SMTP replies, classifying results, and the Maildir
 * backend (from several threads at once).
 */
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "transport.h"

#include "banned.h"

static char tmpdir[] = "/tmp/test_transport.XXXXXX";

static void test_parse_reply(void)
{
	static const struct {
		const char *reply;
		int code;
		const char *enhanced, *text;
	} cases[] = {
	        {"550 5.1.1 No such user\r\n", 550, "5.1.1",
	         "550 5.1.1 No such user"},
	        {"250-first line\r\n250 2.0.0 Ok: queued as 4F2\r\n", 250, "",
	         "250-first line 250 2.0.0 Ok: queued as 4F2"},
	        {"451 4.3.0 Try later", 451, "4.3.0", "451 4.3.0 Try later"},
	        {"421", 421, "", "421"},
	        {"550 Mailbox unavailable", 550, "", "550 Mailbox unavailable"},
	        /* The class digit must repeat the reply's. */
	        {"550 4.1.1 odd", 550, "", "550 4.1.1 odd"},
	        {"552 5.2.2", 552, "5.2.2", "552 5.2.2"},
	        {"550 5.1.1234 too long", 550, "", "550 5.1.1234 too long"},
	        {"550 5.123.999 x", 550, "5.123.999", "550 5.123.999 x"},
	        {"hello", 0, "", "hello"},
	        {"55", 0, "", "55"},
	        {"550 5.7.1 \x1b[31mred\x7f\x01 text", 550, "5.7.1",
	         "550 5.7.1 [31mred text"},
	};
	struct transport_result res;
	struct buf long_reply = BUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&res, 0, sizeof(res));
		transport_parse_reply(&res, cases[i].reply,
		                      strlen(cases[i].reply));
		CHECK(res.code == cases[i].code);
		CHECK_STR(res.enhanced, cases[i].enhanced);
		CHECK_STR(res.text, cases[i].text);
	}
	buf_adds(&long_reply, "554 5.6.0 ");
	for (int i = 0; i < 2000; i++)
		buf_addch(&long_reply, 'a' + i % 26);
	transport_parse_reply(&res, long_reply.data, long_reply.len);
	CHECK(res.code == 554 && strlen(res.text) == TRANSPORT_TEXT_MAX - 1);
	buf_release(&long_reply);
}

static void test_classify(void)
{
	static const struct {
		int code;
		const char *enhanced;
		enum transport_stage stage;
		enum transport_reason preset;
		enum transport_class cls;
		enum transport_reason reason;
		int reopen;
	} cases[] = {
	        {250, "2.0.0", TRANSPORT_STAGE_DOT, TRANSPORT_CONNECTION,
	         TRANSPORT_SENT, TRANSPORT_OK, 0},
	        {550, "5.1.1", TRANSPORT_STAGE_RCPT, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_BAD_MAILBOX, 0},
	        {550, "5.1.10", TRANSPORT_STAGE_RCPT, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_BAD_MAILBOX, 0},
	        {550, "5.1.1", TRANSPORT_STAGE_DOT, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_BAD_MAILBOX, 0},
	        /* x.1.x at MAIL FROM, and x.1.7 / x.1.8: the sender. */
	        {550, "5.1.1", TRANSPORT_STAGE_MAIL, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_SENDER, 0},
	        {553, "5.1.7", TRANSPORT_STAGE_RCPT, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_SENDER, 0},
	        {550, "5.1.8", TRANSPORT_STAGE_DOT, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_SENDER, 0},
	        {451, "4.1.1", TRANSPORT_STAGE_RCPT, TRANSPORT_CONNECTION,
	         TRANSPORT_TRANSIENT, TRANSPORT_BAD_MAILBOX, 0},
	        {452, "4.2.2", TRANSPORT_STAGE_RCPT, TRANSPORT_CONNECTION,
	         TRANSPORT_TRANSIENT, TRANSPORT_MAILBOX_FULL, 0},
	        {552, "5.2.2", TRANSPORT_STAGE_DOT, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_MAILBOX_FULL, 0},
	        {550, "5.7.1", TRANSPORT_STAGE_RCPT, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_POLICY, 0},
	        {554, "5.7.26", TRANSPORT_STAGE_DOT, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_POLICY, 0},
	        {450, "4.7.1", TRANSPORT_STAGE_RCPT, TRANSPORT_CONNECTION,
	         TRANSPORT_TRANSIENT, TRANSPORT_POLICY, 0},
	        {421, "4.4.2", TRANSPORT_STAGE_RCPT, TRANSPORT_CONNECTION,
	         TRANSPORT_TRANSIENT, TRANSPORT_CONNECTION, 1},
	        {421, "", TRANSPORT_STAGE_DOT, TRANSPORT_CONNECTION,
	         TRANSPORT_TRANSIENT, TRANSPORT_CONNECTION, 1},
	        /* No enhanced code: never a bad mailbox. */
	        {550, "", TRANSPORT_STAGE_RCPT, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_SERVER, 0},
	        {554, "5.6.0", TRANSPORT_STAGE_DOT, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_SERVER, 0},
	        {451, "4.3.0", TRANSPORT_STAGE_DOT, TRANSPORT_CONNECTION,
	         TRANSPORT_TRANSIENT, TRANSPORT_SERVER, 0},
	        {550, "", TRANSPORT_STAGE_MAIL, TRANSPORT_CONNECTION,
	         TRANSPORT_PERMANENT, TRANSPORT_SENDER, 0},
	        /* Before MAIL FROM it is the relay's problem. */
	        {554, "5.7.1", TRANSPORT_STAGE_CONNECT, TRANSPORT_CONNECTION,
	         TRANSPORT_TRANSIENT, TRANSPORT_CONNECTION, 1},
	        {535, "5.7.8", TRANSPORT_STAGE_CONNECT, TRANSPORT_AUTH,
	         TRANSPORT_TRANSIENT, TRANSPORT_AUTH, 1},
	        {0, "", TRANSPORT_STAGE_DOT, TRANSPORT_CONNECTION,
	         TRANSPORT_TRANSIENT, TRANSPORT_CONNECTION, 1},
	        {0, "", TRANSPORT_STAGE_CONNECT, TRANSPORT_TLS,
	         TRANSPORT_TRANSIENT, TRANSPORT_TLS, 1},
	        {0, "", TRANSPORT_STAGE_DATA, TRANSPORT_LOCAL,
	         TRANSPORT_TRANSIENT, TRANSPORT_LOCAL, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct transport_result res = {
		        .code = cases[i].code,
		        .stage = cases[i].stage,
		        .reason = cases[i].preset,
		};

		snprintf(res.enhanced, sizeof(res.enhanced), "%s",
		         cases[i].enhanced);
		transport_classify(&res);
		if (res.cls != cases[i].cls || res.reason != cases[i].reason ||
		    res.reopen != cases[i].reopen)
			fprintf(stderr, "  case %zu (%d %s): %s/%s reopen %d\n",
			        i, cases[i].code, cases[i].enhanced,
			        transport_class_name(res.cls),
			        transport_reason_name(res.reason), res.reopen);
		CHECK(res.cls == cases[i].cls);
		CHECK(res.reason == cases[i].reason);
		CHECK(res.reopen == cases[i].reopen);
	}
	CHECK_STR(transport_class_name(TRANSPORT_PERMANENT), "permanent");
	CHECK_STR(transport_reason_name(TRANSPORT_BAD_MAILBOX), "bad-mailbox");
}

/* Files in dir (not . and ..); names appended to names if given. */
static int count_files(const char *dir, struct buf *names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (names)
			buf_addf(names, "%s\n", e->d_name);
	}
	closedir(d);
	return n;
}

struct worker {
	struct transport *t;
	int id, sent;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct err err = ERR_INIT;
	struct transport_conn *c = transport_conn_open(w->t, &err);
	struct buf msg = BUF_INIT;

	for (int i = 0; c && i < 50; i++) {
		struct transport_result res;

		buf_reset(&msg);
		buf_addf(&msg, "Subject: %d-%d\r\n\r\n.dot\r\n", w->id, i);
		if (transport_send(c, "b@example.org", "a@example.net",
		                   msg.data, msg.len, &res) == 0 &&
		    res.cls == TRANSPORT_SENT && res.code == 250)
			w->sent++;
	}
	transport_conn_close(c);
	buf_release(&msg);
	err_release(&err);
	return NULL;
}

static void test_maildir(void)
{
	struct buf url = BUF_INIT, dir = BUF_INIT, names = BUF_INIT,
	           path = BUF_INIT, got = BUF_INIT;
	struct err err = ERR_INIT;
	struct transport *t;
	struct worker w[4];
	pthread_t th[4];
	struct stat st;
	char *line, *save = NULL;
	int total = 0;

	/* Missing folders, parents included, are made. */
	buf_addf(&dir, "%s/deep/er/outbox", tmpdir);
	buf_addf(&url, "maildir:%s/", dir.data);
	t = transport_open(url.data, NULL, &err);
	CHECK_STR(err_msg(&err), "");
	CHECK(t != NULL);
	if (!t)
		goto out;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){.t = t, .id = i};
		pthread_create(&th[i], NULL, worker_run, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += w[i].sent;
	}
	CHECK(total == 200);
	buf_reset(&path);
	buf_addf(&path, "%s/new", dir.data);
	CHECK(count_files(path.data, &names) == 200);
	buf_reset(&path);
	buf_addf(&path, "%s/tmp", dir.data);
	CHECK(count_files(path.data, NULL) == 0);
	buf_reset(&path);
	buf_addf(&path, "%s/cur", dir.data);
	CHECK(count_files(path.data, NULL) == 0);
	/* Maildir names: time.MusecPpidRrandom.host, no ':' (flags) and no
	 * '/'; each message intact. */
	for (line = strtok_r(names.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char pid[32];

		snprintf(pid, sizeof(pid), "P%ldR", (long)getpid());
		CHECK(strstr(line, ".M") && strstr(line, pid));
		CHECK(!strchr(line, ':'));
		buf_reset(&path);
		buf_addf(&path, "%s/new/%s", dir.data, line);
		buf_reset(&got);
		CHECK(buf_read_file(&got, path.data, 1000) == 0);
		CHECK(strncmp(got.data, "Subject: ", 9) == 0 &&
		      strstr(got.data, "\r\n\r\n.dot\r\n"));
		CHECK(stat(path.data, &st) == 0 && (st.st_mode & 0777) == 0600);
	}

	/* tmp/ gone from under an open connection: a local, transient
	 * failure, and nothing half-written in new/. */
	{
		struct transport_conn *c = transport_conn_open(t, &err);
		struct transport_result res;

		buf_reset(&path);
		buf_addf(&path, "%s/tmp", dir.data);
		CHECK(c && rmdir(path.data) == 0);
		CHECK(c && transport_send(c, "b@example.org", "a@example.net",
		                          "x\r\n", 3, &res) == -1);
		CHECK(res.cls == TRANSPORT_TRANSIENT &&
		      res.reason == TRANSPORT_LOCAL && !res.reopen);
		CHECK(strstr(res.text, "cannot create tmp/"));
		transport_conn_close(c);
		CHECK(mkdir(path.data, 0700) == 0);
	}
	buf_reset(&path);
	buf_addf(&path, "%s/new", dir.data);
	CHECK(count_files(path.data, NULL) == 200);
	transport_free(t);

	/* A folder that cannot be made. */
	err_clear(&err);
	CHECK(transport_open("maildir:/proc/no/such/box", NULL, &err) == NULL);
	if (!strstr(err_msg(&err),
	            "maildir /proc/no/such/box: cannot create /proc/no"))
		fprintf(stderr, "  %s\n", err_msg(&err));
	CHECK(strstr(err_msg(&err),
	             "maildir /proc/no/such/box: cannot create /proc/no"));
	err_clear(&err);
	CHECK(transport_open("maildir:", NULL, &err) == NULL);
	CHECK(strstr(err_msg(&err), "no folder given"));
out:
	buf_release(&url);
	buf_release(&dir);
	buf_release(&names);
	buf_release(&path);
	buf_release(&got);
	err_release(&err);
}

/* Files in DIR/SUB. */
static int count_in(const char *dir, const char *sub)
{
	struct buf path = BUF_INIT;
	int n;

	buf_addf(&path, "%s/%s", dir, sub);
	n = count_files(path.data, NULL);
	buf_release(&path);
	return n;
}

/*
 * group_commit: messages wait in tmp/ until the commit, which moves them
 * all into new/; those not committed when the connection closes are
 * removed; a commit with nothing waiting does nothing.
 */
static void test_maildir_group_commit(void)
{
	struct transport_options o = {.group_commit = 1};
	struct buf url = BUF_INIT, dir = BUF_INIT;
	struct err err = ERR_INIT;
	struct transport_result res;
	struct transport_conn *c;
	struct transport *t;

	buf_addf(&dir, "%s/group", tmpdir);
	buf_addf(&url, "maildir:%s", dir.data);
	t = transport_open(url.data, &o, &err);
	c = t ? transport_conn_open(t, &err) : NULL;
	CHECK(c != NULL);
	if (!c)
		goto out;
	for (int i = 0; i < 3; i++)
		CHECK(transport_send(c, "", "a@example.net", "x\r\n", 3,
		                     &res) == 0 &&
		      res.cls == TRANSPORT_SENT);
	CHECK(count_in(dir.data, "tmp") == 3 && count_in(dir.data, "new") == 0);
	CHECK(transport_conn_commit(c, &err) == 0);
	CHECK(count_in(dir.data, "tmp") == 0 && count_in(dir.data, "new") == 3);
	CHECK(transport_conn_commit(c, &err) == 0);
	CHECK(count_in(dir.data, "new") == 3);
	CHECK(transport_send(c, "", "a@example.net", "y\r\n", 3, &res) == 0);
	CHECK(count_in(dir.data, "tmp") == 1);
	transport_conn_close(c);
	CHECK(count_in(dir.data, "tmp") == 0 && count_in(dir.data, "new") == 3);
	CHECK_STR(err_msg(&err), "");
out:
	transport_free(t);
	buf_release(&url);
	buf_release(&dir);
	err_release(&err);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_parse_reply();
	test_classify();
	test_maildir();
	test_maildir_group_commit();
	if (check_failures == 0) {
		struct buf cmd = BUF_INIT;

		buf_addf(&cmd, "rm -r %s", tmpdir);
		CHECK(system(cmd.data) == 0);
		buf_release(&cmd);
	}
	return check_done();
}
