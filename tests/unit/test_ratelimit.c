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
	CHECK(ratelimit_take(rl, "k0", 10.0, &wait) == 0); /* k0 seen again */
	/* Full of keys still limited: a new one is still let in ... */
	CHECK(ratelimit_take(rl, "new", 10.0, &wait) == 1);
	CHECK(ratelimit_keys(rl) == 4);
	/* ... in place of the one seen least recently (k1), not k0. */
	CHECK(ratelimit_take(rl, "k0", 10.0, &wait) == 0);
	CHECK(ratelimit_take(rl, "k1", 10.0, &wait) == 1);
	ratelimit_free(rl);
}

static void check_keys(const char *client, size_t want_n, const char *want0,
                       const char *want1)
{
	char keys[2][RATELIMIT_KEY_MAX];
	size_t n = ratelimit_client_keys(client, keys);

	CHECK(n == want_n);
	CHECK_STR(keys[0], want0);
	if (want_n == 2)
		CHECK_STR(keys[1], want1);
}

static void test_client_keys(void)
{
	check_keys("192.0.2.7", 2, "192.0.2.7", "192.0.2.0/24");
	check_keys("2001:db8:1:2:3:4:5:6", 2, "2001:db8:1:2::/64",
	           "2001:db8:1::/48");
	check_keys("::ffff:192.0.2.7", 2, "192.0.2.7", "192.0.2.0/24");
	check_keys("-", 1, "-", NULL);
}

/* Takes one sign-up for client as the web endpoint does. */
static int sign_up(struct ratelimit *rl, const char *client, double now)
{
	char keys[2][RATELIMIT_KEY_MAX];
	const char *names[2] = {keys[0], keys[1]};
	long limits[2] = {10, 80}, wait = 0;
	size_t n = ratelimit_client_keys(client, keys);
	int ok = ratelimit_take_keys(rl, names, limits, n, now, &wait);

	CHECK(ok || wait >= 1);
	return ok;
}

/*
 * The flood that filled the old table: 65,540 sign-ups from the 65,536
 * /64s of one /48. The /48 is limited after its 80; the table stays
 * within its bound; an honest newcomer, and a client of another network,
 * are still let in.
 */
static void test_flood(void)
{
	struct ratelimit *rl = ratelimit_new(10, 3600, 65536);
	char client[64];
	long allowed = 0;

	for (long i = 0; i < 65540; i++) {
		snprintf(client, sizeof(client), "2001:db8:7:%lx::1",
		         i % 65536);
		allowed += sign_up(rl, client, 1000.0 + (double)i / 100000);
	}
	CHECK(allowed == 80);
	CHECK(ratelimit_keys(rl) == 65536);
	CHECK(sign_up(rl, "2001:db8:7:ffff::1", 1001.0) == 0);
	CHECK(sign_up(rl, "2001:db8:8::1", 1001.0) == 1);
	CHECK(sign_up(rl, "198.51.100.9", 1001.0) == 1);
	CHECK(ratelimit_keys(rl) <= 65536);
	/* IPv4: ten from one address, then 80 in its /24. */
	for (int i = 0; i < 10; i++)
		CHECK(sign_up(rl, "203.0.113.5", 1001.0) == 1);
	CHECK(sign_up(rl, "203.0.113.5", 1001.0) == 0);
	allowed = 0;
	for (int i = 6; i < 256; i++) {
		snprintf(client, sizeof(client), "203.0.113.%d", i);
		allowed += sign_up(rl, client, 1001.0);
	}
	CHECK(allowed == 70);
	CHECK(sign_up(rl, "203.0.114.5", 1001.0) == 1);
	ratelimit_free(rl);
}

static void test_all_or_nothing(void)
{
	struct ratelimit *rl = ratelimit_new(2, 100, 16);
	const char *both[2] = {"a", "net"}, *other[2] = {"b", "net"};
	long limits[2] = {2, 3}, wait = 0;

	CHECK(ratelimit_take_keys(rl, both, limits, 2, 0, &wait) == 1);
	CHECK(ratelimit_take_keys(rl, both, limits, 2, 0, &wait) == 1);
	CHECK(ratelimit_take_keys(rl, both, limits, 2, 0, &wait) == 0);
	CHECK(wait == 50); /* "a" refills one in 100/2 s */
	/* "net" had one left: a refusal took nothing from it. */
	CHECK(ratelimit_take_keys(rl, other, limits, 2, 0, &wait) == 1);
	CHECK(ratelimit_take_keys(rl, other, limits, 2, 0, &wait) == 0);
	CHECK(wait == 34); /* "net" refills one in 100/3 s */
	ratelimit_free(rl);
}

int main(void)
{
	test_bucket();
	test_bounded();
	test_client_keys();
	test_flood();
	test_all_or_nothing();
	return check_done();
}
