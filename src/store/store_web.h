#ifndef STORE_WEB_H
#define STORE_WEB_H

#include <stdint.h>

#include "err.h"
#include "store.h"

/*
 * Store tuning for the web endpoint, whose one writer thread commits
 * (each commit flushed to disk) thousands of times a second while
 * answers wait on it. SQLite normally copies the write-ahead log back
 * into the database (a checkpoint, with flushes of its own) inside
 * whichever commit finds the log long, holding up every answer waiting
 * for that commit. Here the writer's commits never checkpoint; another
 * connection does, on its own thread.
 */

/* Stops commits on st from checkpointing. */
int store_web_defer_checkpoints(struct store *st, struct err *err);

/*
 * Copies the log into the database without waiting for, or holding up,
 * readers and the writer (a passive checkpoint). *log_pages (unless
 * NULL) gets the log's length in pages.
 */
int store_web_checkpoint(struct store *st, int *log_pages, struct err *err);

/*
 * Sign-up emails per address: each address may be sent `limit` of them
 * per `period` seconds, as a token bucket (a burst of limit, then one
 * more every period/limit seconds) kept in the store, so that restarting
 * the web endpoint does not reset it. Call inside a transaction (a
 * writer job).
 *
 * store_web_take_mail takes one from email's allowance at now (Unix
 * seconds): *allowed is 1 when there was one to take, else 0. It writes
 * the address's row either way, so that a sign-up costs the same store
 * work whatever is known about the address. Returns 0, or -1 with err.
 */
int store_web_take_mail(struct store *st, const char *email, long limit,
                        long period, int64_t now, int *allowed,
                        struct err *err);

/*
 * Forgets the addresses whose allowance is whole again at now (none
 * taken for a whole period): they carry nothing. *purged (unless NULL)
 * gets how many. Returns 0, or -1 with err set.
 */
int store_web_purge_mails(struct store *st, long period, int64_t now,
                          long *purged, struct err *err);

/*
 * Rewrites subscriber id's row and its address's index entry as they
 * are, so that a sign-up for an address already held writes about as
 * much to the disk as one that adds it (their answers must not take
 * measurably different times). Call inside a transaction. Returns 0,
 * or -1 with err set.
 */
int store_web_touch(struct store *st, int64_t id, struct err *err);

/*
 * The anti-forgery token for the partner form of the partner whose
 * secret this is: HMAC-SHA256 under the store's own key (kept in the
 * store, so tokens outlive a restart) over a prefix of its own and the
 * secret, as 64 hex digits and a NUL. A new secret gives a new token.
 */
#define STORE_WEB_FORM_TOKEN_LEN 64
void store_web_form_token(const struct store *st, const char *secret,
                          char out[STORE_WEB_FORM_TOKEN_LEN + 1]);

#endif
