#include "store_issue.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_store.h"

static char dir[] = "/tmp/test_store_issue.XXXXXX";

/* The latest approval counts; each comes with its event. */
static void test_approvals(struct store *st)
{
	struct store_approval a;
	struct store_issue_event e;
	struct err err = ERR_INIT;

	CHECK(store_issue_approval(st, "2027-01", &a, &err) == 0);
	CHECK(store_issue_approve(st, "2027-01", "d1", "m1\n", "Amina", 100,
	                          &err) == 0);
	CHECK(store_issue_approve(st, "2027-01", "d2", "m2\n", "Ben", 200,
	                          &err) == 0);
	CHECK(store_issue_approve(st, "2027-02", "d3", "m3\n", "Cy", 300,
	                          &err) == 0);
	CHECK(store_issue_approval(st, "2027-01", &a, &err) == 1);
	CHECK_STR(a.digest, "d2");
	CHECK_STR(a.manifest, "m2\n");
	CHECK_STR(a.by, "Ben");
	CHECK(a.at == 200);
	store_approval_release(&a);
	CHECK(store_issue_last_event(st, "2027-01", "approved", &e, &err) == 1);
	CHECK_STR(e.who, "Ben");
	CHECK_STR(e.detail, "d2");
	store_issue_event_release(&e);
	CHECK(store_issue_last_event(st, "2027-01", "sent", &e, &err) == 0);
	CHECK(store_issue_event(st, "2027-01", "sent", "Ben", NULL, &err) == 0);
	CHECK(store_issue_last_event(st, "2027-01", "sent", &e, &err) == 1);
	CHECK_STR(e.who, "Ben");
	CHECK(e.at > 0);
	store_issue_event_release(&e);
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	err_release(&err);
}

int main(void)
{
	static check_store_test *const tests[] = {test_approvals};

	return check_with_store(dir, tests, 1);
}
