#include "store_schedule.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "check_store.h"
#include "store_issue.h"

static char dir[] = "/tmp/test_store_schedule.XXXXXX";

#define OPEN (1u << SCHEDULE_WAITING | 1u << SCHEDULE_HELD)

static void test_schedules(struct store *st, struct store *other)
{
	struct store_schedule s, *v;
	struct store_issue_event e;
	struct err err = ERR_INIT;
	int64_t due = 1000;
	size_t n;

	CHECK(store_schedule_latest(st, "2027-01", &s, &err) == 0);
	CHECK(store_schedule_add(st, "2027-01", 500, "then", "d1", "Amina",
	                         &err) == 0);
	/* Scheduling again replaces: the first is cancelled, saying so. */
	CHECK(store_schedule_add(st, "2027-01", 900, "later", "d1", "Ben",
	                         &err) == 0);
	CHECK(store_schedule_add(st, "2027-02", 2000, "after", "d2", "Cy",
	                         &err) == 0);
	CHECK(store_schedule_latest(st, "2027-01", &s, &err) == 1);
	CHECK(s.due == 900 && s.state == SCHEDULE_WAITING);
	CHECK_STR(s.by, "Ben");
	CHECK_STR(s.digest, "d1");
	store_schedule_release(&s);
	CHECK(store_schedule_waiting(st, &due, &v, &n, &err) == 0);
	CHECK(n == 1 && !strcmp(v[0].issue, "2027-01"));
	/* Claimed once: the second connection finds it taken. */
	CHECK(store_schedule_settle(st, v[0].id, 1u << SCHEDULE_WAITING,
	                            SCHEDULE_STARTED, "schedule started", "a",
	                            "", &err) == 1);
	CHECK(store_schedule_settle(other, v[0].id, 1u << SCHEDULE_WAITING,
	                            SCHEDULE_STARTED, "schedule started", "b",
	                            "", &err) == 0);
	CHECK(store_issue_last_event(st, "2027-01", "schedule started", &e,
	                             &err) == 1);
	CHECK_STR(e.who, "a");
	store_issue_event_release(&e);
	CHECK(store_issue_last_event(st, "2027-01", "scheduled", &e, &err) ==
	      1);
	CHECK_STR(e.detail, "later");
	store_issue_event_release(&e);
	for (size_t i = 0; i < n; i++)
		store_schedule_release(&v[i]);
	free(v);
	/* Without a time: every waiting one. */
	CHECK(store_schedule_waiting(st, NULL, &v, &n, &err) == 0);
	CHECK(n == 1 && !strcmp(v[0].issue, "2027-02"));
	CHECK(store_schedule_settle(st, v[0].id, 1u << SCHEDULE_WAITING,
	                            SCHEDULE_HELD, "schedule held", "bulletin",
	                            "missed", &err) == 1);
	CHECK(store_schedule_settle(st, v[0].id, OPEN, SCHEDULE_CANCELLED,
	                            "schedule cancelled", "Cy", "by hand",
	                            &err) == 1);
	CHECK(store_schedule_latest(st, "2027-02", &s, &err) == 1);
	CHECK(s.state == SCHEDULE_CANCELLED);
	CHECK_STR(s.why, "by hand");
	CHECK_STR(store_schedule_state_name(s.state), "cancelled");
	store_schedule_release(&s);
	for (size_t i = 0; i < n; i++)
		store_schedule_release(&v[i]);
	free(v);
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	err_release(&err);
}

/* With a second connection to the same store, as a second process. */
static void with_store(struct store *st)
{
	struct store other;
	struct buf path = BUF_INIT;
	struct err err = ERR_INIT;

	buf_addf(&path, "%s/test.db", dir);
	CHECK(store_open(&other, path.data, &err) == 0);
	if (!err.set) {
		test_schedules(st, &other);
		store_close(&other);
	} else {
		fprintf(stderr, "  %s\n", err_msg(&err));
	}
	buf_release(&path);
	err_release(&err);
}

int main(void)
{
	check_store_test *const tests[] = {with_store};

	return check_with_store(dir, tests, 1);
}
