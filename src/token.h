#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>

#include "err.h"

/*
 * Unguessable tokens: 128 bits from the kernel's random generator
 * (getrandom), written as 22 characters of unpadded base64url (RFC 4648
 * section 5) so they can stand in URLs, in the local part of an
 * envelope sender and in Message-IDs without escaping.
 */

#define TOKEN_BYTES 16
#define TOKEN_LEN   22 /* characters, without the NUL */

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

#define TOKEN_POOL_INIT {.left = 0}

/* As token_new, drawing from pool. */
int token_pool_new(struct token_pool *pool, char out[TOKEN_LEN + 1],
		   struct err *err);

/* Whether s has the shape of a token (22 base64url characters). */
int token_valid(const char *s);

/*
 * A new Message-ID "<TOKEN@domain>" (RFC 5322 3.6.4) for a message sent
 * from domain. Returns it (caller owns), or NULL with err set when the
 * domain is not a valid domain name or no random bytes could be had.
 */
char *token_message_id(const char *domain, struct err *err);

#endif
