#ifndef PASSWORD_H
#define PASSWORD_H

#include "buf.h"
#include "err.h"

/*
 * Passwords of the desk's users, hashed with Argon2id (RFC 9106) through
 * Debian's libargon2 (the reference implementation). Each hash is kept as
 * a PHC string, "$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH": the
 * parameters travel with the hash, so raising them later applies to new
 * and changed passwords while the old hashes still verify.
 */

/* Memory (KiB), passes and lanes for new hashes: OWASP's first choice. */
#define PASSWORD_MEMORY_KIB 19456
#define PASSWORD_PASSES     2
#define PASSWORD_LANES      1

/* Longest password accepted, in bytes (longer ones only cost time). */
#define PASSWORD_MAX 1024
/* Shortest, in characters. */
#define PASSWORD_MIN 12

/*
 * Whether pw may be a password: PASSWORD_MIN to PASSWORD_MAX, no control
 * characters. Returns NULL, or a sentence saying what is wrong (static).
 */
const char *password_weak(const char *pw);

/*
 * Hashes pw with a new random salt; the PHC string is appended to out.
 * Returns 0, or -1 with err set.
 */
int password_hash(const char *pw, struct buf *out, struct err *err);

/*
 * Checks pw against a PHC string from password_hash. Returns 1 when it
 * matches, 0 when not (or when phc is NULL: then it checks pw against a
 * hash of nothing, with the current parameters, so that an unknown user
 * costs the same work as a wrong password).
 */
int password_verify(const char *phc, const char *pw);

/* Whether phc was made with less than the current parameters. */
int password_needs_rehash(const char *phc);

#endif
