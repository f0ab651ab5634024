#include "ratelimit.h"

#include <stdio.h>

#include "check.h"

static void test_bucket(void)
{
	struct ratelimit *rl = ratelimit_new(3, 3600, 100);
	long wait = 0;

	/* A burst of the limit, then refused until one more has refilled. */
	for (int i = 0; i < 3; i++)
		CHECK(ratelimit_take(rl, "192.0.2.1", 100.0, &wait) == 1);
	CHECK(ratelimit_take(rl, "192.0.2.1", 100.0, &wait) == 0);
	CHECK(wait == 1200);
	CHECK(ratelimit_take(rl, "192.0.2.1", 100.0 + 600, &wait) == 0);
	CHECK(wait == 600);
	/* Another key is not affected. */
	CHECK(ratelimit_take(rl, "192.0.2.2", 700.0, &wait) == 1);
	CHECK(ratelimit_take(rl, "192.0.2.1", 100.0 + 1200, &wait) == 1);
	CHECK(ratelimit_take(rl, "192.0.2.1", 100.0 + 1200, &wait) == 0);
	/* A long pause refills no more than the limit. */
	for (int i = 0; i < 3; i++)
		CHECK(ratelimit_take(rl, "192.0.2.1", 1e6, &wait) == 1);
	CHECK(ratelimit_take(rl, "192.0.2.1", 1e6, &wait) == 0);
	ratelimit_free(rl);
}

static void test_bounded(void)
{
	struct ratelimit *rl = ratelimit_new(1, 60, 4);
	char key[32];
	long wait = 0;

	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		CHECK(ratelimit_take(rl, key, 10.0, &wait) == 1);
	}
	CHECK(ratelimit_keys(rl) == 4);
	/* Full of keys still limited: a new one is refused (fail closed). */
	CHECK(ratelimit_take(rl, "new", 10.0, &wait) == 0);
	CHECK(wait >= 1);
	CHECK(ratelimit_keys(rl) == 4);
	/* Once they have refilled they carry nothing and make room. */
	CHECK(ratelimit_take(rl, "new", 100.0, &wait) == 1);
	CHECK(ratelimit_keys(rl) == 1);
	ratelimit_free(rl);
}

int main(void)
{
	test_bucket();
	test_bounded();
	return check_done();
}
