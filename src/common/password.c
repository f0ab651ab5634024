#include "password.h"

#include <argon2.h>
#include <stdio.h>
#include <string.h>

#include "token.h"
#include "banned.h"

#define SALT_LEN 16
#define HASH_LEN 32

/*
 * A well-formed hash nobody's password matches, with the current
 * parameters: what an unknown name is checked against. Its salt is
 * random, its hash 32 zero bytes.
 */
static const char dummy_phc[] =
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

const char *password_weak(const char *pw)
{
	size_t chars = 0;

	if (strlen(pw) > PASSWORD_MAX)
		return "the password is too long: use at most 1024 bytes";
	for (const unsigned char *p = (const unsigned char *)pw; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "the password has a control character: use "
			       "letters, digits, spaces and punctuation";
		chars += (*p & 0xC0) != 0x80;
	}
	if (chars < PASSWORD_MIN)
		return "the password is too short: use at least 12 "
		       "characters (a few words make a good one)";
	return NULL;
}

int password_hash(const char *pw, struct buf *out, struct err *err)
{
	unsigned char salt[SALT_LEN];
	char encoded[160];
	int rc;

	if (token_random_bytes(salt, sizeof(salt), err) < 0)
		return -1;
	rc = argon2id_hash_encoded(PASSWORD_PASSES, PASSWORD_MEMORY_KIB,
	                           PASSWORD_LANES, pw, strlen(pw), salt,
	                           sizeof(salt), HASH_LEN, encoded,
	                           sizeof(encoded));
	if (rc != ARGON2_OK)
		return err_set(err, "cannot hash the password: %s",
		               argon2_error_message(rc));
	buf_adds(out, encoded);
	return 0;
}

int password_verify(const char *phc, const char *pw)
{
	size_t n = strlen(pw);

	/* Never set, so never right: the same work as any wrong one. */
	if (!phc || strncmp(phc, "$argon2id$", 10) || n > PASSWORD_MAX) {
		(void)argon2id_verify(dummy_phc, pw,
		                      n > PASSWORD_MAX ? PASSWORD_MAX : n);
		return 0;
	}
	return argon2id_verify(phc, pw, n) == ARGON2_OK;
}

int password_needs_rehash(const char *phc)
{
	long m = 0, t = 0, p = 0;

	if (sscanf(phc, "$argon2id$v=19$m=%ld,t=%ld,p=%ld$", &m, &t, &p) != 3)
		return 1;
	return m < PASSWORD_MEMORY_KIB || t < PASSWORD_PASSES ||
	       p < PASSWORD_LANES;
}
