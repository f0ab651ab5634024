#include "store_web.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "buf.h"
#include "sha256.h"
#include "store_impl.h"
#include "banned.h"

int store_web_defer_checkpoints(struct store *st, struct err *err)
{
	if (sqlite3_wal_autocheckpoint(st->db, 0) != SQLITE_OK)
		return err_set(err, "store %s: cannot defer checkpoints: %s",
		               st->path, sqlite3_errmsg(st->db));
	return 0;
}

int store_web_checkpoint(struct store *st, int *log_pages, struct err *err)
{
	int log = 0, copied = 0;
	int rc = sqlite3_wal_checkpoint_v2(
	        st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);

	/* Busy: another checkpoint is running; this one is not needed. */
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
		return err_set(err, "store %s: checkpoint failed: %s", st->path,
		               sqlite3_errmsg(st->db));
	if (log_pages)
		*log_pages = log;
	return 0;
}

/*
 * The keyed hash standing for an address in signup_mails: the store's
 * own key, over a prefix of its own (so that these hashes never match
 * the suppression list's) and the address in lower case.
 */
static void mail_hash(const struct store *st, const char *email,
                      unsigned char out[SHA256_LEN])
{
	static const char prefix[] = "signup-mail:";
	char text[sizeof(prefix) + ADDRESS_MAX];
	size_t n = strlen(email), k = sizeof(prefix) - 1;

	if (n > ADDRESS_MAX)
		n = ADDRESS_MAX; /* never: only normalised addresses come */
	memcpy(text, prefix, k);
	for (size_t i = 0; i < n; i++)
		text[k + i] = email[i] >= 'A' && email[i] <= 'Z'
		                      ? (char)(email[i] + 32)
		                      : email[i];
	sha256_hmac(&st->suppress_key, text, k + n, out);
}

/* The allowance held for hash at now: limit when there is no row. */
static int allowance_at(struct store *st, const unsigned char *hash,
                        double limit, double period, int64_t now,
                        double *allowance, struct err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*allowance = limit;
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT allowance, at FROM signup_mails "
	                       "WHERE hash = ?",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot read the sign-up email counts",
		                     err);
	sqlite3_bind_blob(s, 1, hash, SHA256_LEN, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		double held = sqlite3_column_double(s, 0);
		int64_t at = sqlite3_column_int64(s, 1);
		/* A clock set back refills nothing. */
		double elapsed = now > at ? (double)(now - at) : 0;

		held += elapsed * limit / period;
		*allowance = held < limit ? held : limit;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the sign-up email counts",
		                     err);
	return 0;
}

int store_web_take_mail(struct store *st, const char *email, long limit,
                        long period, int64_t now, int *allowed, struct err *err)
{
	unsigned char hash[SHA256_LEN];
	double lim = limit > 0 ? (double)limit : 1;
	double per = period > 0 ? (double)period : 1, allowance;
	sqlite3_stmt *s = NULL;
	int rc;

	*allowed = 0;
	mail_hash(st, email, hash);
	if (allowance_at(st, hash, lim, per, now, &allowance, err) < 0)
		return -1;
	if (allowance >= 1) {
		allowance -= 1;
		*allowed = 1;
	}
	if (sqlite3_prepare_v2(st->db,
	                       "INSERT OR REPLACE INTO signup_mails "
	                       "(hash, allowance, at) VALUES (?, ?, ?)",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot count a sign-up email", err);
	sqlite3_bind_blob(s, 1, hash, SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_double(s, 2, allowance);
	sqlite3_bind_int64(s, 3, now);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		*allowed = 0;
		return store_db_fail(st, "cannot count a sign-up email", err);
	}
	return 0;
}

int store_web_purge_mails(struct store *st, long period, int64_t now,
                          long *purged, struct err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (purged)
		*purged = 0;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM signup_mails WHERE at <= ?",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(
		        st, "cannot forget old sign-up email counts", err);
	sqlite3_bind_int64(s, 1, now - (period > 0 ? period : 1));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(
		        st, "cannot forget old sign-up email counts", err);
	if (purged)
		*purged = (long)sqlite3_changes(st->db);
	return 0;
}

int store_web_touch(struct store *st, int64_t id, struct err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "UPDATE subscribers SET email = email, "
	                       "name = name WHERE id = ?",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot rewrite a subscriber", err);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot rewrite a subscriber", err);
	return 0;
}

void store_web_form_token(const struct store *st, const char *secret,
                          char out[STORE_WEB_FORM_TOKEN_LEN + 1])
{
	static const char prefix[] = "partner-form:";
	struct buf text = BUF_INIT;
	unsigned char mac[SHA256_LEN];

	buf_adds(&text, prefix);
	buf_adds(&text, secret);
	sha256_hmac(&st->suppress_key, text.data, text.len, mac);
	for (size_t i = 0; i < SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	buf_release(&text);
}
