#include "store_desk.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "store_impl.h"
#include "banned.h"

#define USER_COLS "name, role, phc, email, created_at, failures, locked_until"

void store_desk_user_release(struct store_desk_user *u)
{
	free(u->name);
	free(u->phc);
	free(u->email);
	memset(u, 0, sizeof(*u));
}

const char *store_desk_bad_name(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > STORE_DESK_NAME_MAX)
		return "a user's name has 1 to 64 characters";
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".-_", *p)))
			return "a user's name may use letters, digits, '.', "
			       "'-' and '_' (e.g. amina.khan)";
	return NULL;
}

/*
 * Prepares sql and binds the values after it, one per letter of types:
 * 's' a string (NULL binds NULL), 'i' an int64_t. NULL with err set.
 */
static sqlite3_stmt *prepare(struct store *st, const char *what,
                             struct err *err, const char *sql,
                             const char *types, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int i = 1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_fail(st, what, err);
		sqlite3_finalize(s);
		return NULL;
	}
	va_start(ap, types);
	for (const char *t = types; *t; t++, i++) {
		if (*t == 's') {
			const char *v = va_arg(ap, const char *);

			sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
		} else {
			int64_t v = va_arg(ap, int64_t);

			sqlite3_bind_int64(s, i, v);
		}
	}
	va_end(ap);
	return s;
}

/* Steps a statement that returns no rows; its changes, or -1. */
static int done(struct store *st, sqlite3_stmt *s, const char *what,
                struct err *err)
{
	int rc;

	if (!s)
		return -1;
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, what, err);
	return sqlite3_changes(st->db);
}

static char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t ? (const char *)t : "");
}

int store_desk_event(struct store *st, const char *who, const char *kind,
                     const char *subject, const char *detail, struct err *err)
{
	sqlite3_stmt *s = prepare(
	        st, "cannot record a desk action", err,
	        "INSERT INTO desk_events (at, who, kind, subject, detail) "
	        "VALUES (?, ?, ?, ?, ?)",
	        "issss", (int64_t)time(NULL), who, kind, subject ? subject : "",
	        detail ? detail : "");

	return done(st, s, "cannot record a desk action", err) < 0 ? -1 : 0;
}

/* A write and its event in one transaction; the write's changes or -1. */
static int with_event(struct store *st, sqlite3_stmt *s, const char *what,
                      const char *who, const char *kind, const char *subject,
                      const char *detail, struct err *err)
{
	int n;

	if (!s)
		return -1;
	if (store_begin(st, err) < 0) {
		sqlite3_finalize(s);
		return -1;
	}
	n = done(st, s, what, err);
	if (n < 0 ||
	    (n > 0 &&
	     store_desk_event(st, who, kind, subject, detail, err) < 0) ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return n;
}

int store_desk_user_add(struct store *st, const char *name, enum role role,
                        const char *phc, const char *by, struct err *err)
{
	const char *what = "cannot add the user";
	sqlite3_stmt *s = prepare(
	        st, what, err,
	        "INSERT INTO desk_users (name, role, phc, created_at) VALUES "
	        "(?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
	        "sssi", name, role_name(role), phc, (int64_t)time(NULL));
	int n = with_event(st, s, what, by, "user-add", name, role_name(role),
	                   err);

	if (n == 0)
		return err_set(err,
		               "there is a user called '%s' already: pick "
		               "another name, or 'bulletin users passwd %s' to "
		               "give them a new password",
		               name, name);
	return n < 0 ? -1 : 0;
}

static void fill_user(sqlite3_stmt *s, struct store_desk_user *u)
{
	u->name = col(s, 0);
	if (role_parse((const char *)sqlite3_column_text(s, 1), &u->role) < 0)
		u->role = ROLE_EDITOR;
	u->phc = col(s, 2);
	u->email = col(s, 3);
	u->created = sqlite3_column_int64(s, 4);
	u->failures = (long)sqlite3_column_int64(s, 5);
	u->locked_until = sqlite3_column_int64(s, 6);
}

int store_desk_user_find(struct store *st, const char *name,
                         struct store_desk_user *u, struct err *err)
{
	sqlite3_stmt *s = prepare(st, "cannot read the users", err,
	                          "SELECT " USER_COLS " FROM desk_users "
	                          "WHERE name = ?",
	                          "s", name);
	int rc;

	memset(u, 0, sizeof(*u));
	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		fill_user(s, u);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the users", err);
	return rc == SQLITE_ROW;
}

int store_desk_user_passwd(struct store *st, const char *name, const char *phc,
                           const char *by, struct err *err)
{
	const char *what = "cannot change the password";
	sqlite3_stmt *s;
	int n;

	if (store_begin(st, err) < 0)
		return -1;
	s = prepare(st, what, err,
	            "UPDATE desk_users SET phc = ?, failures = 0, "
	            "locked_until = 0 WHERE name = ?",
	            "ss", phc, name);
	n = done(st, s, what, err);
	if (n > 0)
		n = done(st,
		         prepare(st, what, err,
		                 "DELETE FROM desk_sessions WHERE user = ?",
		                 "s", name),
		         what, err) < 0
		            ? -1
		            : 1;
	if (n > 0 && store_desk_event(st, by, "user-passwd", name, "", err) < 0)
		n = -1;
	if (n < 0 || store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return n;
}

int store_desk_user_remove(struct store *st, const char *name, const char *by,
                           struct err *err)
{
	const char *what = "cannot remove the user";
	sqlite3_stmt *s =
	        prepare(st, what, err, "DELETE FROM desk_users WHERE name = ?",
	                "s", name);

	/* Its sessions go with it (ON DELETE CASCADE). */
	return with_event(st, s, what, by, "user-remove", name, "", err);
}

int store_desk_users(struct store *st, struct store_desk_user **v, size_t *n,
                     struct err *err)
{
	sqlite3_stmt *s = prepare(
	        st, "cannot read the users", err,
	        "SELECT " USER_COLS " FROM desk_users ORDER BY name", "");
	int rc;

	*v = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		fill_user(s, &(*v)[(*n)++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the users", err);
	return 0;
}

/* Seconds an account stays locked after its nth failure (0: not). */
static int64_t lock_seconds(long failures)
{
	long over = failures - STORE_DESK_FREE_FAILURES;
	int64_t t = 30;

	if (over <= 0)
		return 0;
	for (long i = 1; i < over && t < STORE_DESK_LOCK_MAX; i++)
		t *= 2;
	return t < STORE_DESK_LOCK_MAX ? t : STORE_DESK_LOCK_MAX;
}

int store_desk_login_failed(struct store *st, const char *name, int64_t now,
                            const char *client, int *locked, struct err *err)
{
	const char *what = "cannot record a failed login";
	struct store_desk_user u;
	struct buf detail = BUF_INIT;
	int64_t lock;
	int r;

	*locked = 0;
	if (store_begin(st, err) < 0)
		return -1;
	r = store_desk_user_find(st, name, &u, err);
	if (r <= 0)
		goto out;
	lock = lock_seconds(u.failures + 1);
	r = done(st,
	         prepare(st, what, err,
	                 "UPDATE desk_users SET failures = failures + 1, "
	                 "locked_until = ? WHERE name = ?",
	                 "is", lock ? now + lock : u.locked_until, name),
	         what, err);
	if (r >= 0 && lock) {
		*locked = 1;
		buf_addf(&detail,
		         "%ld failed logins, the last from %s: locked for %lld "
		         "seconds",
		         u.failures + 1, client, (long long)lock);
		r = store_desk_event(st, name, "lockout", name, detail.data,
		                     err);
	}
out:
	store_desk_user_release(&u);
	buf_release(&detail);
	if (r < 0 || store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

int store_desk_login_ok(struct store *st, const char *name, const char *client,
                        struct err *err)
{
	const char *what = "cannot record the login";
	sqlite3_stmt *s = prepare(st, what, err,
	                          "UPDATE desk_users SET failures = 0, "
	                          "locked_until = 0 WHERE name = ?",
	                          "s", name);

	return with_event(st, s, what, name, "login", name, client, err) < 0
	               ? -1
	               : 0;
}

int store_desk_session_add(struct store *st, const char *id_hash,
                           const char *user, int64_t now, struct err *err)
{
	const char *what = "cannot record the session";

	return done(st,
	            prepare(st, what, err,
	                    "INSERT INTO desk_sessions (id_hash, user, "
	                    "created_at, seen_at) VALUES (?, ?, ?, ?)",
	                    "ssii", id_hash, user, now, now),
	            what, err) < 0
	               ? -1
	               : 0;
}

int store_desk_session_end(struct store *st, const char *id_hash,
                           struct err *err)
{
	const char *what = "cannot end the session";

	return done(st,
	            prepare(st, what, err,
	                    "DELETE FROM desk_sessions WHERE id_hash = ?", "s",
	                    id_hash),
	            what, err) < 0
	               ? -1
	               : 0;
}

int store_desk_session_find(struct store *st, const char *id_hash, int64_t now,
                            int64_t idle, int64_t absolute,
                            struct store_desk_user *u, struct err *err)
{
	const char *what = "cannot read the session";
	sqlite3_stmt *s = prepare(st, what, err,
	                          "SELECT s.created_at, s.seen_at, s.user "
	                          "FROM desk_sessions s WHERE s.id_hash = ?",
	                          "s", id_hash);
	int64_t created = 0, seen = 0;
	char *user = NULL;
	int rc, r;

	memset(u, 0, sizeof(*u));
	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		created = sqlite3_column_int64(s, 0);
		seen = sqlite3_column_int64(s, 1);
		user = col(s, 2);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			return store_db_fail(st, what, err);
		return 0;
	}
	if (now - seen > idle || now - created > absolute) {
		free(user);
		return store_desk_session_end(st, id_hash, err) < 0 ? -1 : 0;
	}
	if (now - seen > 60 &&
	    done(st,
	         prepare(st, what, err,
	                 "UPDATE desk_sessions SET seen_at = ? WHERE "
	                 "id_hash = ?",
	                 "is", now, id_hash),
	         what, err) < 0) {
		free(user);
		return -1;
	}
	r = store_desk_user_find(st, user, u, err);
	free(user);
	return r;
}

int store_desk_events(struct store *st, const char *kind, const char *who,
                      int64_t before, int limit,
                      int (*fn)(const struct store_desk_event *e, void *ctx,
                                struct err *err),
                      void *ctx, struct err *err)
{
	const char *what = "cannot read the desk's log";
	sqlite3_stmt *s = prepare(
	        st, what, err,
	        "SELECT id, at, who, kind, subject, detail FROM desk_events "
	        "WHERE (?1 = '' OR kind = ?1) AND (?2 = '' OR who = ?2) AND "
	        "(?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4",
	        "ssii", kind ? kind : "", who ? who : "", before,
	        (int64_t)limit);
	int rc, ret = 0;

	if (!s)
		return -1;
	while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_desk_event e = {
		        .id = sqlite3_column_int64(s, 0),
		        .at = sqlite3_column_int64(s, 1),
		        .who = (const char *)sqlite3_column_text(s, 2),
		        .kind = (const char *)sqlite3_column_text(s, 3),
		        .subject = (const char *)sqlite3_column_text(s, 4),
		        .detail = (const char *)sqlite3_column_text(s, 5),
		};
		ret = fn(&e, ctx, err);
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = store_db_fail(st, what, err);
	sqlite3_finalize(s);
	return ret;
}

int store_desk_event_kinds(struct store *st, char ***v, size_t *n,
                           struct err *err)
{
	sqlite3_stmt *s = prepare(st, "cannot read the desk's log", err,
	                          "SELECT DISTINCT kind FROM desk_events "
	                          "ORDER BY kind",
	                          "");
	int rc;

	*v = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = col(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the desk's log", err);
	return 0;
}

void store_desk_person_release(struct store_desk_person *p)
{
	free(p->email);
	free(p->name);
	free(p->organisation);
	free(p->status);
	memset(p, 0, sizeof(*p));
}

#define PERSON_COLS "id, email, name, organisation, status, created_at, left_at"

static void fill_person(sqlite3_stmt *s, struct store_desk_person *p)
{
	p->id = sqlite3_column_int64(s, 0);
	p->email = col(s, 1);
	p->name = col(s, 2);
	p->organisation = col(s, 3);
	p->status = col(s, 4);
	p->created = sqlite3_column_int64(s, 5);
	p->left = sqlite3_column_int64(s, 6);
}

int store_desk_person(struct store *st, int64_t id, struct store_desk_person *p,
                      struct err *err)
{
	sqlite3_stmt *s = prepare(st, "cannot read the subscriber", err,
	                          "SELECT " PERSON_COLS " FROM subscribers "
	                          "WHERE id = ?",
	                          "i", id);
	int rc;

	memset(p, 0, sizeof(*p));
	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		fill_person(s, p);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the subscriber", err);
	return rc == SQLITE_ROW;
}

/*
 * Both halves are ranges on an index: the address's (declared NOCASE)
 * and subscribers_name (NOCASE, migration 8); U+10FFFF sorts after any
 * character that can follow the prefix.
 */
int store_desk_search(struct store *st, const char *prefix, int limit,
                      struct store_desk_person **v, size_t *n, struct err *err)
{
	sqlite3_stmt *s = prepare(
	        st, "cannot search the subscribers", err,
	        "SELECT " PERSON_COLS " FROM subscribers WHERE id IN ("
	        "SELECT id FROM subscribers WHERE email >= ?1 AND email < "
	        "?1 || char(1114111) UNION SELECT id FROM subscribers WHERE "
	        "name COLLATE NOCASE >= ?1 AND name COLLATE NOCASE < ?1 || "
	        "char(1114111)) ORDER BY email LIMIT ?2",
	        "si", prefix, (int64_t)limit);
	int rc;

	*v = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		fill_person(s, &(*v)[(*n)++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot search the subscribers", err);
	return 0;
}

/* Adds the counts of one query ("joined" or "left") to the months. */
static int month_counts(struct store *st, const char *column, int64_t since,
                        struct store_desk_month *v, int months, int left,
                        struct err *err)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *s;
	int rc;

	buf_addf(&sql,
	         "SELECT strftime('%%Y-%%m', %s, 'unixepoch') AS m, count(*) "
	         "FROM subscribers WHERE %s >= ? GROUP BY m",
	         column, column);
	s = prepare(st, "cannot count the subscribers", err, sql.data, "i",
	            since);
	buf_release(&sql);
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(s, 0);

		for (int i = 0; m && i < months; i++)
			if (!strcmp(v[i].month, m)) {
				if (left)
					v[i].left = sqlite3_column_int(s, 1);
				else
					v[i].joined = sqlite3_column_int(s, 1);
			}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot count the subscribers", err);
	return 0;
}

int store_desk_months(struct store *st, int64_t now, int months,
                      struct store_desk_month **v, struct err *err)
{
	time_t t = (time_t)now;
	struct tm tm;
	int y, m;

	gmtime_r(&t, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon; /* 0-based */
	*v = xcalloc((size_t)months, sizeof(**v));
	for (int i = months - 1; i >= 0; i--) {
		snprintf((*v)[i].month, sizeof((*v)[i].month), "%04d-%02d",
		         y % 10000, (m + 1) % 100);
		if (--m < 0) {
			m = 11;
			y--;
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m + 1;
	tm.tm_mday = 1;
	t = timegm(&tm);
	if (month_counts(st, "created_at", (int64_t)t, *v, months, 0, err) <
	            0 ||
	    month_counts(st, "left_at", (int64_t)t, *v, months, 1, err) < 0) {
		free(*v);
		*v = NULL;
		return -1;
	}
	return 0;
}
