#include "store_desk.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_store.h"

static char dir[] = "/tmp/test_store_desk.XXXXXX";

static int count_event(const struct store_desk_event *e, void *ctx,
                       struct err *err)
{
	(void)e;
	(void)err;
	(*(int *)ctx)++;
	return 0;
}

static void test_users(struct store *st)
{
	struct store_desk_user u;
	struct store_desk_user *v;
	struct err err = ERR_INIT;
	size_t n;
	int locked = 0, events = 0;

	CHECK(store_desk_user_add(st, "amina", ROLE_ADMIN, "$argon2id$x",
	                          "root", &err) == 0);
	CHECK(store_desk_user_add(st, "amina", ROLE_EDITOR, "$argon2id$y",
	                          "root", &err) == -1);
	CHECK(strstr(err_msg(&err), "there is a user called 'amina'"));
	err_release(&err);
	CHECK(store_desk_user_add(st, "ben", ROLE_EDITOR, "$argon2id$z", "root",
	                          &err) == 0);
	CHECK(store_desk_users(st, &v, &n, &err) == 0 && n == 2);
	for (size_t i = 0; i < n; i++)
		store_desk_user_release(&v[i]);
	free(v);
	/* Failures lock after the free ones, for longer each time. */
	for (int i = 0; i < STORE_DESK_FREE_FAILURES; i++) {
		CHECK(store_desk_login_failed(st, "ben", 1000, "192.0.2.1",
		                              &locked, &err) == 0);
		CHECK(!locked);
	}
	CHECK(store_desk_login_failed(st, "ben", 1000, "192.0.2.1", &locked,
	                              &err) == 0);
	CHECK(locked);
	CHECK(store_desk_user_find(st, "ben", &u, &err) == 1);
	CHECK(u.locked_until == 1030 && u.failures == 5);
	store_desk_user_release(&u);
	CHECK(store_desk_login_failed(st, "ben", 2000, "192.0.2.1", &locked,
	                              &err) == 0);
	CHECK(store_desk_user_find(st, "ben", &u, &err) == 1);
	CHECK(u.locked_until == 2060);
	store_desk_user_release(&u);
	CHECK(store_desk_events(st, "lockout", "ben", 0, 10, count_event,
	                        &events, &err) == 0);
	CHECK(events == 2);
	/* Sessions: idle and absolute expiry; a new password ends them. */
	CHECK(store_desk_session_add(st, "h1", "ben", 5000, &err) == 0);
	CHECK(store_desk_session_find(st, "h1", 5100, 600, 3600, &u, &err) ==
	      1);
	CHECK_STR(u.name, "ben");
	CHECK(u.role == ROLE_EDITOR);
	store_desk_user_release(&u);
	CHECK(store_desk_session_find(st, "h1", 5100 + 601, 600, 3600, &u,
	                              &err) == 0);
	CHECK(store_desk_session_add(st, "h2", "ben", 5000, &err) == 0);
	for (int64_t t = 5500; t < 8600; t += 500) {
		CHECK(store_desk_session_find(st, "h2", t, 600, 3600, &u,
		                              &err) == (t - 5000 <= 3600));
		store_desk_user_release(&u);
	}
	CHECK(store_desk_session_add(st, "h3", "ben", 9000, &err) == 0);
	CHECK(store_desk_user_passwd(st, "ben", "$argon2id$new", "amina",
	                             &err) == 1);
	CHECK(store_desk_session_find(st, "h3", 9001, 600, 3600, &u, &err) ==
	      0);
	CHECK(store_desk_user_find(st, "ben", &u, &err) == 1);
	CHECK(u.failures == 0 && u.locked_until == 0);
	store_desk_user_release(&u);
	CHECK(store_desk_session_add(st, "h4", "ben", 9000, &err) == 0);
	CHECK(store_desk_user_remove(st, "ben", "amina", &err) == 1);
	CHECK(store_desk_user_remove(st, "ben", "amina", &err) == 0);
	CHECK(store_desk_session_find(st, "h4", 9001, 600, 3600, &u, &err) ==
	      0);
	CHECK(store_desk_bad_name("amina.khan") == NULL);
	CHECK(store_desk_bad_name("amina khan") != NULL);
	CHECK(store_desk_bad_name("") != NULL);
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	err_release(&err);
}

int main(void)
{
	static check_store_test *const tests[] = {test_users};

	return check_with_store(dir, tests, 1);
}
