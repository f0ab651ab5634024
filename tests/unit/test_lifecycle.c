#include "lifecycle.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "file.h"

static char dir[] = "/tmp/test_lifecycle.XXXXXX";

static const char yaml[] = "newsletter:\n"
                           "  name: Test News\n"
                           "  from: \"Test News <news@example.org>\"\n"
                           "  base_url: https://news.example.org/\n"
                           "sections:\n"
                           "  - key: one\n"
                           "    title: Section one\n";

static void put(const char *rel, const char *text)
{
	struct buf p = BUF_INIT;
	struct err err = ERR_INIT;

	buf_addf(&p, "%s/%s", dir, rel);
	CHECK(file_write_atomic(p.data, text, strlen(text), 0644, 0, &err) ==
	      0);
	buf_release(&p);
	err_release(&err);
}

/* What compile leaves: the manifest of the inputs as they are now. */
static void compile(const struct config *cfg)
{
	struct inputs in;
	struct err err = ERR_INIT;

	CHECK(inputs_collect(&in, cfg, "2027-01", &err) == 0);
	CHECK(inputs_write(&in, cfg, "2027-01", &err) == 0);
	inputs_release(&in);
	err_release(&err);
}

static enum lifecycle_state state(const struct config *cfg, struct store *st)
{
	struct lifecycle lc;
	struct err err = ERR_INIT;
	enum lifecycle_state s = (enum lifecycle_state) - 1;

	if (lifecycle_load(&lc, cfg, st, "2027-01", &err) == 0) {
		s = lc.state;
		lifecycle_release(&lc);
	} else {
		fprintf(stderr, "  %s\n", err_msg(&err));
	}
	err_release(&err);
	return s;
}

static void test_states(const struct config *cfg, struct store *st)
{
	struct err err = ERR_INIT;
	struct store_campaign c = {0};

	CHECK(state(cfg, st) == LIFECYCLE_DRAFT);
	CHECK(lifecycle_check_build(cfg, "2027-01", "sending", &err) < 0);
	CHECK(strstr(err_msg(&err), "has not been compiled yet") != NULL);
	err_release(&err);
	compile(cfg);
	CHECK(state(cfg, st) == LIFECYCLE_COMPILED);
	CHECK(lifecycle_check_build(cfg, "2027-01", "sending", &err) == 0);
	CHECK(lifecycle_check_send(cfg, st, "2027-01", &err) < 0);
	CHECK(strstr(err_msg(&err), "has not been approved") != NULL);
	err_release(&err);
	CHECK(lifecycle_approve(cfg, st, "2027-01", "Amina", &err) == 0);
	CHECK(state(cfg, st) == LIFECYCLE_APPROVED);
	CHECK(lifecycle_check_send(cfg, st, "2027-01", &err) == 0);

	/* One byte: stale, a draft again, and no longer the approved one. */
	put("issues/2027-01/a.md", "hellO\n");
	CHECK(state(cfg, st) == LIFECYCLE_DRAFT);
	CHECK(lifecycle_check_build(cfg, "2027-01", "sending", &err) < 0);
	CHECK(strstr(err_msg(&err), "issues/2027-01/a.md changed since it "
	                            "was compiled") != NULL);
	err_release(&err);
	CHECK(lifecycle_check_send(cfg, st, "2027-01", &err) < 0);
	CHECK(strstr(err_msg(&err), "issues/2027-01/a.md changed since it "
	                            "was approved on ") != NULL);
	CHECK(strstr(err_msg(&err), " by Amina") != NULL);
	err_release(&err);
	CHECK(lifecycle_approve(cfg, st, "2027-01", "Amina", &err) < 0);
	err_release(&err);
	compile(cfg);
	CHECK(state(cfg, st) == LIFECYCLE_COMPILED);

	/* The same bytes as approved: approved again, whatever the dates. */
	put("issues/2027-01/a.md", "hello\n");
	compile(cfg);
	CHECK(state(cfg, st) == LIFECYCLE_APPROVED);

	CHECK(store_campaign_open(st, "2027-01", "T", &c, &err) == 0);
	CHECK(state(cfg, st) == LIFECYCLE_SENDING);
	CHECK(store_campaign_update(st, c.id, 1.0, 1700000100, &err) == 0);
	CHECK(state(cfg, st) == LIFECYCLE_SENT);
	store_campaign_release(&c);
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	err_release(&err);
}

/* With workflow.approval optional only a stale build stops a send. */
static void test_optional(struct config *cfg, struct store *st)
{
	struct err err = ERR_INIT;

	free(cfg->approval);
	cfg->approval = xstrdup("optional");
	CHECK(lifecycle_check_send(cfg, st, "2027-02", &err) == 0);
	err_release(&err);
}

/*
 * May partners change an issue: before the deadline (a date lasts the
 * whole day), after it only while reopened, never once sent.
 */
static void test_partner_window(const struct config *cfg, struct store *st)
{
	struct lifecycle_window w;
	struct err err = ERR_INIT;
	int64_t dl = 0, until = 0;

	CHECK(issue_deadline_time("2027-02-10", &dl) == 0);
	CHECK(dl == 1802304000); /* 2027-02-11T00:00Z */
	CHECK(issue_deadline_time("2027-02-10T12:30", &dl) == 0);
	CHECK(dl == 1802304000 - 41400);
	CHECK(issue_deadline_time("10/02/2027", &dl) == -1);
	put("issues/2027-02/issue.yaml", "title: T\ndeadline: 2027-02-10\n");
	CHECK(issue_deadline_time("2027-02-10", &dl) == 0);
	CHECK(lifecycle_partner_window(cfg, st, "2027-02", dl - 1, &w, &err) ==
	      0);
	CHECK(w.open && !w.sent && w.deadline == dl);
	CHECK(lifecycle_partner_window(cfg, st, "2027-02", dl, &w, &err) == 0);
	CHECK(!w.open);
	CHECK_STR(w.why, "deadline passed");
	CHECK(issue_deadline_time("2027-02-14", &until) == 0);
	/* Reopening: not a date, or a date gone, changes nothing. */
	CHECK(lifecycle_reopen(cfg, st, "2027-02", "14/02/2027", dl + 3600,
	                       "ed", &w, &err) == -1);
	CHECK(strstr(err_msg(&err), "'14/02/2027': that is not a date: "
	                            "write it as YYYY-MM-DD"));
	err_clear(&err);
	CHECK(lifecycle_reopen(cfg, st, "2027-02", "2027-02-10", dl + 3600,
	                       "ed", &w, &err) == -1);
	CHECK(strstr(err_msg(&err), "has already passed: give a later date"));
	err_clear(&err);
	CHECK(lifecycle_partner_window(cfg, st, "2027-02", dl + 3600, &w,
	                               &err) == 0);
	CHECK(!w.open && !w.reopened_until);
	CHECK(lifecycle_reopen(cfg, st, "2027-02", "2027-02-14", dl + 3600,
	                       "ed", &w, &err) == 0);
	CHECK(w.open && w.reopened_until == until);
	CHECK(lifecycle_partner_window(cfg, st, "2027-02", dl + 3600, &w,
	                               &err) == 0);
	CHECK(w.open && w.reopened_until == until);
	CHECK_STR(w.why, "reopened");
	CHECK(lifecycle_partner_window(cfg, st, "2027-02", until, &w, &err) ==
	      0);
	CHECK(!w.open);
	CHECK(lifecycle_partner_window(cfg, NULL, "2027-02", dl + 3600, &w,
	                               &err) == 0);
	CHECK(!w.open && !w.reopened_until);
	put("issues/2027-03/issue.yaml", "title: T\ndeadline: soon\n");
	CHECK(lifecycle_partner_window(cfg, st, "2027-03", 0, &w, &err) == 0);
	CHECK(!w.open);
	CHECK_STR(w.why, "deadline unreadable");
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	err_release(&err);
}

/* Sent closes it for good, whatever the dates. */
static void test_partner_window_sent(const struct config *cfg, struct store *st)
{
	struct lifecycle_window w;
	struct store_campaign c = {0};
	struct err err = ERR_INIT;

	CHECK(store_campaign_open(st, "2027-02", "S", &c, &err) == 0);
	store_campaign_release(&c);
	CHECK(lifecycle_partner_window(cfg, st, "2027-02", 0, &w, &err) == 0);
	CHECK(!w.open && w.sent);
	CHECK_STR(w.why, "sent");
	CHECK(lifecycle_reopen(cfg, st, "2027-02", "2099-01-01", 0, "ed", &w,
	                       &err) == -1);
	CHECK(strstr(err_msg(&err), "has been sent: it cannot be reopened"));
	err_release(&err);
}

/*
 * The open issue: of those open to partners, the nearest deadline; of
 * equal deadlines the first by name; no deadline after every one.
 * (2027-01 and 2027-02 were sent, 2027-03's deadline is unreadable.)
 */
static void test_open_issue(const struct config *cfg, struct store *st)
{
	struct buf id = BUF_INIT;
	struct err err = ERR_INIT;
	int64_t dl = 0;
	char **ids;
	size_t n;

	CHECK(lifecycle_open_issue(cfg, st, 0, &id, &err) == 0);
	CHECK(id.len == 0);
	put("issues/2027-06/issue.yaml", "title: T\n");
	put("issues/2027-05/issue.yaml", "title: T\ndeadline: 2027-04-10\n");
	put("issues/2027-04/issue.yaml", "title: T\ndeadline: 2027-04-10\n");
	put("issues/2027-07/issue.yaml", "title: T\ndeadline: 2027-05-01\n");
	put("issues/not an issue/issue.yaml", "title: T\n");
	put("issues/.hidden/issue.yaml", "title: T\n");
	ids = lifecycle_issue_ids(cfg, &n);
	CHECK(n == 7);
	if (n == 7) {
		CHECK_STR(ids[0], "2027-01");
		CHECK_STR(ids[6], "2027-07");
	}
	lifecycle_issue_ids_free(ids, n);
	CHECK(issue_deadline_time("2027-04-10", &dl) == 0);
	CHECK(lifecycle_open_issue(cfg, st, dl - 1, &id, &err) == 1);
	CHECK_STR(id.data, "2027-04");
	buf_reset(&id);
	CHECK(lifecycle_open_issue(cfg, st, dl, &id, &err) == 1);
	CHECK_STR(id.data, "2027-07");
	CHECK(issue_deadline_time("2027-05-01", &dl) == 0);
	buf_reset(&id);
	CHECK(lifecycle_open_issue(cfg, st, dl, &id, &err) == 1);
	CHECK_STR(id.data, "2027-06");
	CHECK(lifecycle_issue_exists(cfg, "2027-06"));
	CHECK(!lifecycle_issue_exists(cfg, "../2027-06"));
	CHECK(!lifecycle_issue_exists(cfg, "2099-01"));
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	err_release(&err);
	buf_release(&id);
}

int main(void)
{
	struct config cfg;
	struct store st;
	struct err err = ERR_INIT;
	struct buf p = BUF_INIT;

	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	put("issues/2027-01/a.md", "hello\n");
	put("issues/2027-01/issue.yaml", "title: T\n");
	config_init(&cfg);
	CHECK(config_parse(&cfg, yaml, strlen(yaml), "bulletin.yaml", &err) ==
	      0);
	cfg.root = xstrdup(dir);
	buf_addf(&p, "%s/bulletin.db", dir);
	CHECK(store_open(&st, p.data, &err) == 0);
	if (!err.set) {
		test_states(&cfg, &st);
		test_optional(&cfg, &st);
		test_partner_window(&cfg, &st);
		test_partner_window_sent(&cfg, &st);
		test_open_issue(&cfg, &st);
		store_close(&st);
	} else {
		fprintf(stderr, "  %s\n", err_msg(&err));
	}
	config_release(&cfg);
	buf_reset(&p);
	buf_addf(&p, "rm -rf '%s'", dir);
	CHECK(system(p.data) == 0);
	buf_release(&p);
	err_release(&err);
	return check_done();
}
