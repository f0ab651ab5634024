#include "token.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "address.h"
#include "banned.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "abcdefghijklmnopqrstuvwxyz0123456789-_";

int token_random_bytes(void *out, size_t n, struct err *err)
{
	unsigned char *p = out;

	while (n) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return err_errno(err, "cannot get random bytes");
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* Unpadded base64url of n bytes; out has room for 4 * ceil(n / 3) + 1. */
static void encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	unsigned bits = 0, nbits = 0;

	for (size_t i = 0; i < n; i++) {
		bits = bits << 8 | in[i];
		nbits += 8;
		while (nbits >= 6) {
			nbits -= 6;
			out[o++] = alphabet[(bits >> nbits) & 63];
		}
	}
	if (nbits)
		out[o++] = alphabet[(bits << (6 - nbits)) & 63];
	out[o] = '\0';
}

int token_new(char out[TOKEN_LEN + 1], struct err *err)
{
	unsigned char raw[TOKEN_BYTES];

	if (token_random_bytes(raw, sizeof(raw), err) < 0)
		return -1;
	encode(raw, sizeof(raw), out);
	return 0;
}

int token_pool_new(struct token_pool *pool, char out[TOKEN_LEN + 1],
                   struct err *err)
{
	unsigned char *raw;

	if (pool->left < TOKEN_BYTES) {
		if (token_random_bytes(pool->bytes, sizeof(pool->bytes), err) <
		    0)
			return -1;
		pool->left = sizeof(pool->bytes);
	}
	raw = pool->bytes + sizeof(pool->bytes) - pool->left;
	encode(raw, TOKEN_BYTES, out);
	explicit_bzero(raw, TOKEN_BYTES);
	pool->left -= TOKEN_BYTES;
	return 0;
}

void token_join(int64_t id, const char *secret, char out[TOKEN_PUBLIC_LEN + 1])
{
	unsigned char raw[6];

	for (int i = 0; i < 6; i++)
		raw[i] = (unsigned char)((uint64_t)id >> (40 - 8 * i));
	encode(raw, sizeof(raw), out);
	memcpy(out + TOKEN_ID_LEN, secret, TOKEN_LEN);
	out[TOKEN_PUBLIC_LEN] = '\0';
}

int token_split(const char *token, int64_t *id, char secret[TOKEN_LEN + 1])
{
	uint64_t v = 0;

	if (strspn(token, alphabet) != TOKEN_PUBLIC_LEN ||
	    token[TOKEN_PUBLIC_LEN])
		return -1;
	for (int i = 0; i < TOKEN_ID_LEN; i++)
		v = v << 6 | (uint64_t)(strchr(alphabet, token[i]) - alphabet);
	if (v == 0)
		return -1;
	*id = (int64_t)v;
	memcpy(secret, token + TOKEN_ID_LEN, TOKEN_LEN);
	secret[TOKEN_LEN] = '\0';
	return 0;
}

int token_valid(const char *s)
{
	size_t n = strspn(s, alphabet);

	return n == TOKEN_LEN && s[n] == '\0';
}

char *token_message_id(const char *domain, struct err *err)
{
	char token[TOKEN_LEN + 1];
	struct buf id = BUF_INIT;
	struct err why = ERR_INIT;

	if (address_check_domain(domain, strlen(domain), &why) < 0) {
		err_set(err, "cannot make a Message-ID for '%s': %s", domain,
		        err_msg(&why));
		err_release(&why);
		return NULL;
	}
	if (token_new(token, err) < 0)
		return NULL;
	buf_addf(&id, "<%s@%s>", token, domain);
	return buf_detach(&id);
}

int token_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
