#include "sha256.h"

#include <string.h>

#include "check.h"

static void hex(const unsigned char *d, char out[2 * SHA256_LEN + 1])
{
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check_digest(const char *msg, size_t n, const char *want)
{
	unsigned char d[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];

	sha256_digest(msg, n, d);
	hex(d, got);
	CHECK_STR(got, want);
}

/* FIPS 180-4 examples and lengths around the padding boundary. */
static void test_digest(void)
{
	check_digest("", 0,
	             "e3b0c44298fc1c149afbf4c8996fb924"
	             "27ae41e4649b934ca495991b7852b855");
	check_digest("abc", 3,
	             "ba7816bf8f01cfea414140de5dae2223"
	             "b00361a396177a9cb410ff61f20015ad");
	check_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	             56,
	             "248d6a61d20638b8e5c026930c3e6039"
	             "a33ce45964ff2167f6ecedd419db06c1");
	check_digest("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	             "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	             112,
	             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45"
	             "037afee9d1");
}

/* Feeding in pieces gives the same digest as all at once. */
static void test_pieces(void)
{
	unsigned char whole[SHA256_LEN], parts[SHA256_LEN];
	char msg[1000];
	struct sha256 s;

	for (int i = 0; i < 1000; i++)
		msg[i] = (char)(i * 7);
	sha256_digest(msg, sizeof(msg), whole);
	sha256_init(&s);
	for (size_t at = 0, step = 1; at < sizeof(msg); step = step % 97 + 1) {
		size_t n = step < sizeof(msg) - at ? step : sizeof(msg) - at;

		sha256_update(&s, msg + at, n);
		at += n;
	}
	sha256_final(&s, parts);
	CHECK(memcmp(whole, parts, SHA256_LEN) == 0);
}

static void check_hmac(const void *key, size_t keylen, const char *msg,
                       size_t n, const char *want)
{
	struct sha256_hmac h;
	unsigned char d[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];

	sha256_hmac_init(&h, key, keylen);
	sha256_hmac(&h, msg, n, d);
	hex(d, got);
	CHECK_STR(got, want);
	/* the prepared key is reusable */
	sha256_hmac(&h, msg, n, d);
	hex(d, got);
	CHECK_STR(got, want);
}

/* RFC 4231 test cases 1, 2, 6 and 7. */
static void test_hmac(void)
{
	unsigned char key[131];
	const char *m7 =
	        "This is a test using a larger than block-size key and "
	        "a larger than block-size data. The key needs to be "
	        "hashed before being used by the HMAC algorithm.";

	memset(key, 0x0b, 20);
	check_hmac(key, 20, "Hi There", 8,
	           "b0344c61d8db38535ca8afceaf0bf12b"
	           "881dc200c9833da726e9376c2e32cff7");
	check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
	           "5bdcc146bf60754e6a042426089575c7"
	           "5a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key));
	check_hmac(key, 131,
	           "Test Using Larger Than Block-Size Key - Hash Key First", 54,
	           "60e431591ee0b67f0d8a26aacbf5b77f"
	           "8e0bc6213728c5140546040f0ee37f54");
	check_hmac(key, 131, m7, strlen(m7),
	           "9b09ffa71b942fcb27635fbcd5b0e944"
	           "bfdc63644f0713938a7f51535c3a35e2");
}

int main(void)
{
	test_digest();
	test_pieces();
	test_hmac();
	return check_done();
}
