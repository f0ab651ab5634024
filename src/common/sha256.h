#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104). Used for the keyed
 * hashes that stand for erased addresses on the suppression list; nothing
 * here is meant to be fast for bulk data or constant-time.
 */

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t bytes; /* hashed so far */
	unsigned char block[64];
	size_t used; /* bytes waiting in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
/* Writes the digest; s must be initialised again before reuse. */
void sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN]);
void sha256_digest(const void *p, size_t n, unsigned char out[SHA256_LEN]);

/* A key made ready once, for many messages. */
struct sha256_hmac {
	struct sha256 inner, outer; /* states after the padded key blocks */
};

void sha256_hmac_init(struct sha256_hmac *h, const void *key, size_t len);
void sha256_hmac(const struct sha256_hmac *h, const void *msg, size_t n,
                 unsigned char out[SHA256_LEN]);

#endif
