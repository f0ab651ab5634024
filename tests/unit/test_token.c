#include "token.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_shape(void)
{
	char t[TOKEN_LEN + 1];
	struct err err = ERR_INIT;

	CHECK(token_new(t, &err) == 0);
	CHECK(strlen(t) == TOKEN_LEN);
	CHECK(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                "0123456789-_") == TOKEN_LEN);
	CHECK(token_valid(t));
	CHECK(!token_valid(""));
	CHECK(!token_valid("AAAAAAAAAAAAAAAAAAAAA"));   /* 21 */
	CHECK(!token_valid("AAAAAAAAAAAAAAAAAAAAAAA")); /* 23 */
	CHECK(!token_valid("AAAAAAAAAAAAAAAAAAAAA+"));
	CHECK(!token_valid("AAAAAAAAAAAAAAAAAAAAA/"));
	CHECK(!token_valid("AAAAAAAAAAAAAAAAAAAAA="));
	CHECK(token_valid("AAAAAAAAAAAAAAAAAAAA-_"));
	err_release(&err);
}

/*
 * Randomness that could be checked offline: no repeats among many tokens,
 * and every bit position of the 128 set about half the time (a stuck or
 * truncated source would show here). The last character carries only 2
 * bits, so 22 characters = 21 * 6 + 2 = 128 bits.
 */
static void test_random(void)
{
	enum { N = 4096 };
	char(*t)[TOKEN_LEN + 1] = calloc(N, sizeof(*t));
	long ones[TOKEN_LEN * 6] = {0};
	const char *alpha =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789-_";
	struct err err = ERR_INIT;
	int repeats = 0, last_low_bits = 0;

	for (int i = 0; i < N; i++) {
		CHECK(token_new(t[i], &err) == 0);
		for (int c = 0; c < TOKEN_LEN; c++) {
			int v = (int)(strchr(alpha, t[i][c]) - alpha);

			for (int b = 0; b < 6; b++)
				ones[c * 6 + b] += (v >> (5 - b)) & 1;
		}
		last_low_bits |= (int)(strchr(alpha, t[i][21]) - alpha) & 15;
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			repeats += memcmp(t[i], t[j], TOKEN_LEN) == 0;
	CHECK(repeats == 0);
	for (int b = 0; b < 128; b++)
		CHECK(ones[b] > N * 4 / 10 && ones[b] < N * 6 / 10);
	/* the padding bits of the last character are always zero */
	CHECK(last_low_bits == 0);
	free(t);
	err_release(&err);
}

static void test_message_id(void)
{
	struct err err = ERR_INIT;
	char *a = token_message_id("het-news.example.org", &err);
	char *b = token_message_id("het-news.example.org", &err);

	CHECK(a && b);
	if (a && b) {
		CHECK(strlen(a) == 1 + TOKEN_LEN + 1 + 20 + 1);
		CHECK(a[0] == '<' && a[strlen(a) - 1] == '>');
		CHECK(strstr(a, "@het-news.example.org>") == a + 1 + TOKEN_LEN);
		CHECK(strcmp(a, b) != 0);
	}
	free(a);
	free(b);
	CHECK(token_message_id("not a domain", &err) == NULL);
	CHECK(strstr(err_msg(&err), "'not a domain'") != NULL);
	err_clear(&err);
	CHECK(token_message_id("localhost", &err) == NULL);
	err_release(&err);
}

static void test_join_split(void)
{
	static const int64_t ids[] = {1,    63,      64,
	                              4095, 1000000, 281474976710655};
	char secret[TOKEN_LEN + 1], public[TOKEN_PUBLIC_LEN + 1];
	char got_secret[TOKEN_LEN + 1];
	struct err err = ERR_INIT;
	int64_t id;

	CHECK(token_new(secret, &err) == 0);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		token_join(ids[i], secret, public);
		CHECK(strlen(public) == TOKEN_PUBLIC_LEN);
		CHECK(strstr(public, secret) == public + TOKEN_ID_LEN);
		CHECK(token_split(public, &id, got_secret) == 0);
		CHECK(id == ids[i]);
		CHECK_STR(got_secret, secret);
	}
	token_join(1, secret, public);
	CHECK(strncmp(public, "AAAAAAAB", 8) == 0);
	CHECK(token_split("AAAAAAAA"
	                  "AAAAAAAAAAAAAAAAAAAAAA",
	                  &id, got_secret) == -1); /* id 0 */
	CHECK(token_split(secret, &id, got_secret) == -1);
	public[5] = '+';
	CHECK(token_split(public, &id, got_secret) == -1);
	CHECK(token_split("", &id, got_secret) == -1);
	err_release(&err);
}

int main(void)
{
	test_join_split();
	test_shape();
	test_random();
	test_message_id();
	return check_done();
}
