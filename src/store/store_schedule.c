#include "store_schedule.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "store_impl.h"
#include "store_issue.h"
#include "banned.h"

static const char *const state_names[] = {"waiting", "started", "held",
                                          "cancelled"};
#define NSTATES (sizeof(state_names) / sizeof(state_names[0]))

const char *store_schedule_state_name(enum store_schedule_state s)
{
	return (unsigned)s < NSTATES ? state_names[s] : "?";
}

void store_schedule_release(struct store_schedule *s)
{
	free(s->issue);
	free(s->digest);
	free(s->by);
	free(s->settled_by);
	free(s->why);
	memset(s, 0, sizeof(*s));
}

#define COLUMNS                                                          \
	"id, issue, due_at, digest, scheduled_by, scheduled_at, state, " \
	"settled_at, settled_by, why"

static void read_row(sqlite3_stmt *s, struct store_schedule *out)
{
	const unsigned char *state = sqlite3_column_text(s, 6);

	out->id = sqlite3_column_int64(s, 0);
	out->issue = store_column_text(s, 1);
	out->due = sqlite3_column_int64(s, 2);
	out->digest = store_column_text(s, 3);
	out->by = store_column_text(s, 4);
	out->at = sqlite3_column_int64(s, 5);
	out->state = SCHEDULE_CANCELLED;
	for (unsigned i = 0; state && i < NSTATES; i++)
		if (!strcmp((const char *)state, state_names[i]))
			out->state = (enum store_schedule_state)i;
	out->settled_at = sqlite3_column_int64(s, 7);
	out->settled_by = store_column_text(s, 8);
	out->why = store_column_text(s, 9);
}

static int insert(struct store *st, const char *issue, int64_t due,
                  const char *digest, const char *who, struct err *err)
{
	sqlite3_stmt *s =
	        store_prepare(st,
	                      "INSERT INTO issue_schedules (issue, due_at, "
	                      "digest, scheduled_by, scheduled_at, state) "
	                      "VALUES (?, ?, ?, ?, ?, 'waiting')",
	                      "cannot record the schedule", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, due);
	sqlite3_bind_text(s, 3, digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (int64_t)time(NULL));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE
	               ? 0
	               : store_db_fail(st, "cannot record the schedule", err);
}

/* Moves rows matching where (with ?1 bound to key) to `to`; how many. */
static int settle_where(struct store *st, const char *where, int64_t id,
                        const char *issue, unsigned from,
                        enum store_schedule_state to, const char *who,
                        const char *why, struct err *err)
{
	struct buf sql = BUF_INIT, states = BUF_INIT;
	sqlite3_stmt *s;
	int rc, n;

	for (unsigned i = 0; i < NSTATES; i++)
		if (from & (1u << i))
			buf_addf(&states, "%s'%s'", states.len ? ", " : "",
			         state_names[i]);
	buf_addf(&sql,
	         "UPDATE issue_schedules SET state = ?, settled_at = ?, "
	         "settled_by = ?, why = ? WHERE %s AND state IN (%s)",
	         where, states.data);
	s = store_prepare(st, sql.data, "cannot change the schedule", err);
	buf_release(&sql);
	buf_release(&states);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, state_names[to], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
	sqlite3_bind_text(s, 3, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, why, -1, SQLITE_STATIC);
	if (issue)
		sqlite3_bind_text(s, 5, issue, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(s, 5, id);
	rc = sqlite3_step(s);
	n = sqlite3_changes(st->db);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot change the schedule", err);
	return n;
}

int store_schedule_add(struct store *st, const char *issue, int64_t due,
                       const char *when, const char *digest, const char *who,
                       struct err *err)
{
	struct buf why = BUF_INIT;
	int ret = -1;

	buf_addf(&why, "replaced by a schedule for %s", when);
	if (store_begin(st, err) < 0)
		goto out;
	if (settle_where(st, "issue = ?5", 0, issue,
	                 1u << SCHEDULE_WAITING | 1u << SCHEDULE_HELD,
	                 SCHEDULE_CANCELLED, who, why.data, err) < 0 ||
	    insert(st, issue, due, digest, who, err) < 0 ||
	    store_issue_event(st, issue, "scheduled", who, when, err) < 0 ||
	    store_commit(st, err) < 0) {
		store_rollback(st);
		goto out;
	}
	ret = 0;
out:
	buf_release(&why);
	return ret;
}

int store_schedule_latest(struct store *st, const char *issue,
                          struct store_schedule *out, struct err *err)
{
	sqlite3_stmt *s =
	        store_prepare(st,
	                      "SELECT " COLUMNS " FROM issue_schedules "
	                      "WHERE issue = ? ORDER BY id DESC LIMIT 1",
	                      "cannot read the schedule", err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_row(s, out);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the schedule", err);
	return rc == SQLITE_ROW;
}

int store_schedule_waiting(struct store *st, const int64_t *due,
                           struct store_schedule **v, size_t *n,
                           struct err *err)
{
	sqlite3_stmt *s =
	        store_prepare(st,
	                      "SELECT " COLUMNS " FROM issue_schedules "
	                      "WHERE state = 'waiting' AND due_at <= ? "
	                      "ORDER BY due_at, id",
	                      "cannot read the schedules", err);
	int rc;

	*v = NULL;
	*n = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, due ? *due : INT64_MAX);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		read_row(s, &(*v)[(*n)++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the schedules", err);
	return 0;
}

/* The issue a schedule is for (caller owns), or NULL when none. */
static char *issue_of(struct store *st, int64_t id, struct err *err)
{
	sqlite3_stmt *s =
	        store_prepare(st,
	                      "SELECT issue FROM issue_schedules WHERE "
	                      "id = ?",
	                      "cannot read the schedule", err);
	char *issue = NULL;

	if (!s)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		issue = store_column_text(s, 0);
	sqlite3_finalize(s);
	if (!issue)
		store_db_fail(st, "cannot read the schedule", err);
	return issue;
}

int store_schedule_settle(struct store *st, int64_t id, unsigned from,
                          enum store_schedule_state to, const char *event,
                          const char *who, const char *why, struct err *err)
{
	char *issue = NULL;
	int n;

	/* BEGIN IMMEDIATE: the claim is decided under the write lock. */
	if (store_begin(st, err) < 0)
		return -1;
	n = settle_where(st, "id = ?5", id, NULL, from, to, who, why, err);
	if (n > 0) {
		issue = issue_of(st, id, err);
		if (!issue ||
		    store_issue_event(st, issue, event, who, why, err) < 0)
			n = -1;
	}
	if (n < 0 || store_commit(st, err) < 0) {
		store_rollback(st);
		n = -1;
	}
	free(issue);
	return n;
}
