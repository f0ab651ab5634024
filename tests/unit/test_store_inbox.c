/*
 * The inbox's part of the store: messages remembered by key, soft
 * bounces counted within a window, runs and their rows for the report,
 * how each was tied to a message sent, the send journal looked up by
 * Message-ID, and the subscriber's data export, including after erasure.
 */
#include "store_inbox.h"
#include "store_send.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static char dir[] = "/tmp/test_store_inbox.XXXXXX";

struct rows {
	int n;
	char last_email[64], last_outcome[64], last_verified[16];
};

static int count_row(const struct store_inbox_row *r, void *ctx)
{
	struct rows *rows = ctx;

	rows->n++;
	snprintf(rows->last_email, sizeof(rows->last_email), "%s", r->email);
	snprintf(rows->last_outcome, sizeof(rows->last_outcome), "%s",
	         r->outcome);
	snprintf(rows->last_verified, sizeof(rows->last_verified), "%s",
	         r->verified);
	return 0;
}

/*
 * The journal by Message-ID: a message sent to ann is found with its
 * brackets, exactly; nothing else is.
 */
static void test_sent_to(struct store *st, struct store_inbox *in)
{
	struct err err = ERR_INIT;
	struct store_campaign c = {0};
	struct store_journal *j;
	struct store_recipient r[4];
	struct buf email = BUF_INIT;
	long uncertain, added, skipped = 0;
	int n;

	CHECK(store_inbox_sent_to(in, "<m1@example.org>", &email, &err) == 0);
	CHECK(store_campaign_open(st, "2026-12", "News", &c, &err) == 0);
	CHECK(store_journal_prepare(st, c.id, 0, &uncertain, &added, &err) ==
	      0);
	CHECK(added == 1);
	j = store_journal_open(st, c.id, &err);
	CHECK(j != NULL);
	if (!j)
		return;
	CHECK(store_begin(st, &err) == 0);
	n = store_journal_claim(j, r, 4, &skipped, &err);
	CHECK(n == 1);
	CHECK(store_commit(st, &err) == 0);
	CHECK(n == 1 && store_journal_set(j, r[0].id, SEND_SENT, 1, "250 ok",
	                                  "<Ab2cd3@example.org>", &err) == 0);
	for (int i = 0; i < n; i++)
		store_recipient_release(&r[i]);
	store_journal_close(j);

	CHECK(store_inbox_sent_to(in, "<Ab2cd3@example.org>", &email, &err) ==
	      1);
	CHECK_STR(email.data, "ann@example.com");
	buf_reset(&email);
	CHECK(store_inbox_sent_to(in, "Ab2cd3@example.org", &email, &err) == 0);
	CHECK(store_inbox_sent_to(in, "<ab2cd3@example.org>", &email, &err) ==
	      0);
	CHECK(store_inbox_sent_to(in, "<other@example.org>", &email, &err) ==
	      0);
	CHECK(store_inbox_sent_to(in, "", &email, &err) == 0);
	CHECK(email.len == 0);
	if (err.set)
		fprintf(stderr, "%s\n", err_msg(&err));
	store_campaign_release(&c);
	buf_release(&email);
	err_release(&err);
}

/*
 * A store another process keeps busy gives the inbox and the send the
 * same clear message as the rest of the store ("another process kept it
 * busy ...; try again"), not SQLite's bare "database is locked".
 */
static void test_busy(struct store *st, struct store_inbox *in,
                      const char *path)
{
	struct err err = ERR_INIT;
	struct store_campaign c = {0};
	sqlite3 *other = NULL;
	int64_t run = 0;

	CHECK(sqlite3_open(path, &other) == SQLITE_OK);
	CHECK(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL) ==
	      SQLITE_OK);
	sqlite3_busy_timeout(st->db, 50); /* not the store's 10 s */
	CHECK(store_inbox_run_begin(in, "maildir:busy", &run, &err) < 0);
	CHECK(strstr(err_msg(&err), "another process kept it busy") != NULL);
	if (!strstr(err_msg(&err), "another process kept it busy"))
		fprintf(stderr, "inbox, busy: %s\n", err_msg(&err));
	err_clear(&err);
	CHECK(store_campaign_open(st, "busy", "Busy", &c, &err) < 0);
	CHECK(strstr(err_msg(&err), "another process kept it busy") != NULL);
	if (!strstr(err_msg(&err), "another process kept it busy"))
		fprintf(stderr, "send, busy: %s\n", err_msg(&err));
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	sqlite3_busy_timeout(st->db, 10000);
	store_campaign_release(&c);
	err_release(&err);
}

int main(void)
{
	struct store st;
	struct store_inbox *in;
	struct err err = ERR_INIT;
	struct store_signup su = {
	        .email = "ann@example.com",
	        .source = "cli",
	        .detail = "test",
	        .status = STORE_ACTIVE,
	};
	struct store_inbox_run run = {0, NULL, 0, 0};
	struct store_inbox_message m = {
	        .key = "<m1@mx.example.net>",
	        .class = "hard",
	        .outcome = "bounced",
	        .detail = "rfc3464 5.1.1 from mx.example.net",
	};
	struct rows rows = {0, "", "", ""};
	struct buf path = BUF_INIT, json = BUF_INIT;
	enum store_outcome outcome;
	int64_t id, run_id = 0, now = (int64_t)time(NULL);
	long count = 0;

	if (!mkdtemp(dir))
		return 1;
	buf_addf(&path, "%s/bulletin.db", dir);
	CHECK(store_open(&st, path.data, &err) == 0);
	CHECK(store_subscribe(&st, &su, &outcome, &id, &err) == 0);
	in = store_inbox_open(&st, &err);
	CHECK(in != NULL);
	if (!in) {
		fprintf(stderr, "%s\n", err_msg(&err));
		return check_done();
	}

	CHECK(store_inbox_last_run(in, &run, &err) == 0);
	CHECK(store_inbox_run_begin(in, "maildir:md", &run_id, &err) == 0);
	CHECK(store_inbox_seen(in, m.key, &err) == 0);
	m.subscriber = id;
	m.address = "ignored@example.com"; /* a subscriber row keeps none */
	m.verified = "token";
	CHECK(store_inbox_record(in, run_id, &m, &err) == 0);
	CHECK(store_inbox_seen(in, m.key, &err) == 1);
	/* Recording the same key again keeps the first record. */
	m.outcome = "something else";
	CHECK(store_inbox_record(in, run_id, &m, &err) == 0);
	m.key = "sha256:00ff";
	m.subscriber = 0;
	m.address = "stranger@example.net";
	m.outcome = "unverified, not acted on: not tied";
	m.verified = "none";
	CHECK(store_inbox_record(in, run_id, &m, &err) == 0);
	CHECK(store_inbox_run_end(in, run_id, &err) == 0);

	CHECK(store_inbox_last_run(in, &run, &err) == 1);
	CHECK(run.id == run_id && run.finished >= run.started &&
	      run.started >= now - 5);
	CHECK_STR(run.source, "maildir:md");
	CHECK(store_inbox_each(in, run_id, count_row, &rows, &err) == 0);
	CHECK(rows.n == 2);
	CHECK_STR(rows.last_email, "stranger@example.net");
	CHECK_STR(rows.last_outcome, "unverified, not acted on: not tied");
	CHECK_STR(rows.last_verified, "none");

	/* Soft bounces: counted within the window, old ones not. */
	CHECK(store_inbox_soft_bounce(in, id, now - 40 * 86400, 30, "old", 0,
	                              &count, &err) == 0);
	CHECK(store_inbox_soft_bounce(in, id, now - 86400, 30, "one", 0, &count,
	                              &err) == 0);
	CHECK(count == 1);
	CHECK(store_inbox_soft_bounce(in, id, now, 30, "two", 0, &count,
	                              &err) == 0);
	CHECK(count == 2);
	/* A dry run counts this one without keeping it. */
	CHECK(store_inbox_soft_bounce(in, id, now, 30, "dry", 1, &count,
	                              &err) == 0);
	CHECK(count == 3);
	CHECK(store_inbox_soft_bounce(in, id, now, 30, "dry", 1, &count,
	                              &err) == 0);
	CHECK(count == 3);

	CHECK(store_data_json(&st, "ann@example.com", &json, &err) == 0);
	CHECK(strstr(json.data, "\"soft_bounces\": [") != NULL);
	CHECK(strstr(json.data, "\"detail\": \"two\"") != NULL);
	CHECK(strstr(json.data,
	             "\"message_id\": \"<m1@mx.example.net>\", "
	             "\"class\": \"hard\", \"outcome\": \"bounced\"") != NULL);
	CHECK(strstr(json.data, "\"verified\": \"token\"") != NULL);
	buf_reset(&json);
	CHECK(store_data_json(&st, "nobody@example.com", &json, &err) == 0);
	CHECK(strstr(json.data,
	             "\"soft_bounces\": [],\n  \"inbox_messages\": []") !=
	      NULL);

	test_sent_to(&st, in);
	test_busy(&st, in, path.data);

	/* Erasure takes the soft bounces and the link to the person. */
	CHECK(store_erase(&st, "ann@example.com", &err) == 1);
	buf_reset(&json);
	CHECK(store_data_json(&st, "ann@example.com", &json, &err) == 0);
	CHECK(strstr(json.data, "\"detail\": \"two\"") == NULL);
	rows.n = 0;
	CHECK(store_inbox_each(in, run_id, count_row, &rows, &err) == 0);
	CHECK(rows.n == 2); /* still read: running again changes nothing */
	CHECK(store_inbox_seen(in, "<m1@mx.example.net>", &err) == 1);
	/* An erased subscriber's messages tie no report to anyone. */
	CHECK(store_inbox_sent_to(in, "<Ab2cd3@example.org>", &json, &err) ==
	      0);

	if (err.set)
		fprintf(stderr, "%s\n", err_msg(&err));
	store_inbox_run_release(&run);
	store_inbox_close(in);
	store_close(&st);
	unlink(path.data);
	buf_adds(&path, "-wal");
	unlink(path.data);
	buf_setlen(&path, path.len - 4);
	buf_adds(&path, "-shm");
	unlink(path.data);
	rmdir(dir);
	buf_release(&path);
	buf_release(&json);
	err_release(&err);
	return check_done();
}
