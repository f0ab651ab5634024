#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Unguessable tokens: 128 bits from the kernel's random generator
 * (getrandom), written as 22 characters of unpadded base64url (RFC 4648
 * section 5) so they can stand in URLs, in the local part of an
 * envelope sender and in Message-IDs without escaping.
 */

#define TOKEN_BYTES 16
#define TOKEN_LEN   22 /* characters, without the NUL */

/*
 * A subscriber's public token, for unsubscribe links and bounce
 * addresses: the subscriber's id in TOKEN_ID_LEN characters, then the
 * subscriber's random secret (a token_new token). The id lets the store go
 * straight to the row, so no index over random secrets is needed (that
 * index halved the import speed); the secret makes the whole unguessable.
 */
#define TOKEN_ID_LEN     8 /* 48 bits */
#define TOKEN_PUBLIC_LEN (TOKEN_ID_LEN + TOKEN_LEN)

/* Fills out with n bytes from the kernel's random generator. */
int token_random_bytes(void *out, size_t n, struct err *err);

/*
 * Whether a and b, n bytes each, are equal, in a time that depends on n
 * only (for secrets a client sends).
 */
int token_equal(const void *a, const void *b, size_t n);

/* Writes a new token and a NUL to out. Returns 0, or -1 with err set. */
int token_new(char out[TOKEN_LEN + 1], struct err *err);

/*
 * Random bytes fetched in blocks, for making many tokens (an import)
 * without a system call each. Bytes are wiped as they are used. A pool
 * must not be shared across fork(), which would hand both processes the
 * same tokens.
 */
struct token_pool {
	unsigned char bytes[4096];
	size_t left; /* unused bytes at the end of bytes */
};

#define TOKEN_POOL_INIT   \
	{                 \
		.left = 0 \
	}

/* As token_new, drawing from pool. */
int token_pool_new(struct token_pool *pool, char out[TOKEN_LEN + 1],
                   struct err *err);

/* Writes the public token of subscriber id (1 .. 2^48 - 1) with secret. */
void token_join(int64_t id, const char *secret, char out[TOKEN_PUBLIC_LEN + 1]);

/*
 * Splits a public token into id and secret. Returns 0, or -1 when token
 * does not have the shape of one.
 */
int token_split(const char *token, int64_t *id, char secret[TOKEN_LEN + 1]);

/* Whether s has the shape of a token (22 base64url characters). */
int token_valid(const char *s);

/*
 * A new Message-ID "<TOKEN@domain>" (RFC 5322 3.6.4) for a message sent
 * from domain. Returns it (caller owns), or NULL with err set when the
 * domain is not a valid domain name or no random bytes could be had.
 */
char *token_message_id(const char *domain, struct err *err);

#endif
