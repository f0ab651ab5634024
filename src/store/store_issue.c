#include "store_issue.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "banned.h"

static int fail(struct store *st, const char *what, struct err *err)
{
	return err_set(err, "store %s: %s: %s", st->path, what,
	               sqlite3_errmsg(st->db));
}

static char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t ? (const char *)t : "");
}

void store_approval_release(struct store_approval *a)
{
	free(a->issue);
	free(a->digest);
	free(a->manifest);
	free(a->by);
	memset(a, 0, sizeof(*a));
}

void store_issue_event_release(struct store_issue_event *e)
{
	free(e->who);
	free(e->detail);
	memset(e, 0, sizeof(*e));
}

static int insert_event(struct store *st, const char *issue, int64_t at,
                        const char *event, const char *who, const char *detail,
                        struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "INSERT INTO issue_events (issue, at, who, "
	                       "event, detail) VALUES (?, ?, ?, ?, ?)",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot record a step of the issue", err);
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_text(s, 3, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, detail ? detail : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail(st, "cannot record a step of the issue", err);
	return 0;
}

int store_issue_event(struct store *st, const char *issue, const char *event,
                      const char *who, const char *detail, struct err *err)
{
	return insert_event(st, issue, (int64_t)time(NULL), event, who, detail,
	                    err);
}

static int insert_approval(struct store *st, const char *issue,
                           const char *digest, const char *manifest,
                           const char *by, int64_t at, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "INSERT INTO issue_approvals (issue, digest, "
	                       "manifest, approved_by, approved_at) VALUES "
	                       "(?, ?, ?, ?, ?)",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot record the approval", err);
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, manifest, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, at);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail(st, "cannot record the approval", err);
	return 0;
}

int store_issue_approve(struct store *st, const char *issue, const char *digest,
                        const char *manifest, const char *by, int64_t at,
                        struct err *err)
{
	if (!at)
		at = (int64_t)time(NULL);
	if (store_begin(st, err) < 0)
		return -1;
	if (insert_approval(st, issue, digest, manifest, by, at, err) < 0 ||
	    insert_event(st, issue, at, "approved", by, digest, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

int store_issue_approval(struct store *st, const char *issue,
                         struct store_approval *a, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	memset(a, 0, sizeof(*a));
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT issue, digest, manifest, approved_by, "
	                       "approved_at FROM issue_approvals WHERE issue "
	                       "= ? ORDER BY id DESC LIMIT 1",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot read the approval", err);
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		a->issue = col(s, 0);
		a->digest = col(s, 1);
		a->manifest = col(s, 2);
		a->by = col(s, 3);
		a->at = sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0
	                         : fail(st, "cannot read the approval", err);
}

int store_issue_last_event(struct store *st, const char *issue,
                           const char *event, struct store_issue_event *e,
                           struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	memset(e, 0, sizeof(*e));
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT who, detail, at FROM issue_events "
	                       "WHERE issue = ? AND event = ? ORDER BY id "
	                       "DESC LIMIT 1",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot read the issue's steps", err);
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, event, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		e->who = col(s, 0);
		e->detail = col(s, 1);
		e->at = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE
	               ? 0
	               : fail(st, "cannot read the issue's steps", err);
}
