#include "store_inbox.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "store_impl.h"
#include "banned.h"

enum {
	I_RUN_BEGIN,
	I_RUN_END,
	I_SEEN,
	I_RECORD,
	I_SOFT_ADD,
	I_SOFT_COUNT,
	I_LAST_RUN,
	I_EACH,
	I_SENT_TO,
	I_COUNT
};

static const char *const sql[I_COUNT] = {
        [I_RUN_BEGIN] = "INSERT INTO inbox_runs (source, started_at) "
                        "VALUES (?, ?)",
        [I_RUN_END] = "UPDATE inbox_runs SET finished_at = ? WHERE id = ?",
        [I_SEEN] = "SELECT 1 FROM inbox_messages WHERE message_key = ?",
        [I_RECORD] = "INSERT INTO inbox_messages (message_key, run_id, "
                     "processed_at, class, subscriber_id, address, outcome, "
                     "detail, verified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (message_key) DO NOTHING",
        [I_SOFT_ADD] = "INSERT INTO soft_bounces (subscriber_id, at, detail) "
                       "VALUES (?, ?, ?)",
        [I_SOFT_COUNT] = "SELECT count(*) FROM soft_bounces WHERE "
                         "subscriber_id = ? AND at > ?",
        [I_LAST_RUN] = "SELECT id, source, started_at, "
                       "coalesce(finished_at, 0) FROM inbox_runs "
                       "ORDER BY id DESC LIMIT 1",
        [I_EACH] = "SELECT m.message_key, m.class, m.outcome, m.detail, "
                   "coalesce(m.subscriber_id, 0), "
                   "coalesce(s.email, m.address), m.verified "
                   "FROM inbox_messages m "
                   "LEFT JOIN subscribers s ON s.id = m.subscriber_id "
                   "WHERE m.run_id = ? ORDER BY m.id",
        [I_SENT_TO] = "SELECT s.email FROM journal j JOIN subscribers s ON "
                      "s.id = j.subscriber_id WHERE j.message_id = ? "
                      "LIMIT 1",
};

struct store_inbox {
	struct store *st;
	sqlite3_stmt *stmt[I_COUNT];
};

struct store_inbox *store_inbox_open(struct store *st, struct err *err)
{
	struct store_inbox *in = xcalloc(1, sizeof(*in));

	in->st = st;
	for (int i = 0; i < I_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, sql[i], -1,
		                       SQLITE_PREPARE_PERSISTENT, &in->stmt[i],
		                       NULL) != SQLITE_OK) {
			store_db_fail(st,
			              "cannot prepare the inbox's statements",
			              err);
			store_inbox_close(in);
			return NULL;
		}
	}
	return in;
}

void store_inbox_close(struct store_inbox *in)
{
	if (!in)
		return;
	for (int i = 0; i < I_COUNT; i++)
		sqlite3_finalize(in->stmt[i]);
	free(in);
}

static sqlite3_stmt *use(struct store_inbox *in, int which)
{
	sqlite3_stmt *s = in->stmt[which];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static void text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC);
}

/* Steps a statement that returns no rows. */
static int run(struct store_inbox *in, sqlite3_stmt *s, const char *what,
               struct err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(in->st, what, err);
	return 0;
}

static const char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

int store_inbox_run_begin(struct store_inbox *in, const char *source,
                          int64_t *run_id, struct err *err)
{
	sqlite3_stmt *s = use(in, I_RUN_BEGIN);

	text(s, 1, source);
	sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
	if (run(in, s, "cannot start an inbox run", err) < 0)
		return -1;
	*run_id = sqlite3_last_insert_rowid(in->st->db);
	return 0;
}

int store_inbox_run_end(struct store_inbox *in, int64_t run_id, struct err *err)
{
	sqlite3_stmt *s = use(in, I_RUN_END);

	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 2, run_id);
	return run(in, s, "cannot end an inbox run", err);
}

int store_inbox_seen(struct store_inbox *in, const char *key, struct err *err)
{
	sqlite3_stmt *s = use(in, I_SEEN);
	int rc;

	text(s, 1, key);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_db_fail(in->st, "cannot look up a message", err);
}

int store_inbox_record(struct store_inbox *in, int64_t run_id,
                       const struct store_inbox_message *m, struct err *err)
{
	sqlite3_stmt *s = use(in, I_RECORD);

	text(s, 1, m->key);
	sqlite3_bind_int64(s, 2, run_id);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	text(s, 4, m->class);
	if (m->subscriber)
		sqlite3_bind_int64(s, 5, m->subscriber);
	else
		sqlite3_bind_null(s, 5);
	text(s, 6, m->subscriber ? "" : m->address);
	text(s, 7, m->outcome);
	text(s, 8, m->detail);
	text(s, 9, m->verified);
	return run(in, s, "cannot record a message", err);
}

int store_inbox_soft_bounce(struct store_inbox *in, int64_t subscriber,
                            int64_t at, long days, const char *detail,
                            int dry_run, long *count, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (!dry_run) {
		s = use(in, I_SOFT_ADD);
		sqlite3_bind_int64(s, 1, subscriber);
		sqlite3_bind_int64(s, 2, at);
		text(s, 3, detail);
		if (run(in, s, "cannot count a soft bounce", err) < 0)
			return -1;
	}
	s = use(in, I_SOFT_COUNT);
	sqlite3_bind_int64(s, 1, subscriber);
	sqlite3_bind_int64(s, 2, at - (int64_t)days * 86400);
	rc = sqlite3_step(s);
	*count = rc == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_db_fail(in->st, "cannot count soft bounces", err);
	/* A dry run has not stored this one: count it all the same. */
	*count += dry_run;
	return 0;
}

int store_inbox_sent_to(struct store_inbox *in, const char *message_id,
                        struct buf *email, struct err *err)
{
	sqlite3_stmt *s = use(in, I_SENT_TO);
	int rc;

	text(s, 1, message_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		buf_reset(email);
		buf_adds(email, col(s, 0));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_db_fail(in->st, "cannot look up a sent message", err);
}

void store_inbox_run_release(struct store_inbox_run *r)
{
	free(r->source);
	memset(r, 0, sizeof(*r));
}

int store_inbox_last_run(struct store_inbox *in, struct store_inbox_run *r,
                         struct err *err)
{
	sqlite3_stmt *s = use(in, I_LAST_RUN);
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(s, 0);
		r->source = xstrdup(col(s, 1));
		r->started = sqlite3_column_int64(s, 2);
		r->finished = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_db_fail(in->st, "cannot read the inbox runs", err);
}

int store_inbox_each(struct store_inbox *in, int64_t run_id,
                     int (*fn)(const struct store_inbox_row *r, void *ctx),
                     void *ctx, struct err *err)
{
	sqlite3_stmt *s = use(in, I_EACH);
	int rc, ret = 0;

	sqlite3_bind_int64(s, 1, run_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_inbox_row r = {
		        .key = col(s, 0),
		        .class = col(s, 1),
		        .outcome = col(s, 2),
		        .detail = col(s, 3),
		        .subscriber = sqlite3_column_int64(s, 4),
		        .email = col(s, 5),
		        .verified = col(s, 6),
		};

		ret = fn(&r, ctx);
		if (ret)
			break;
	}
	sqlite3_reset(s);
	if (!ret && rc != SQLITE_DONE)
		return store_db_fail(in->st, "cannot read an inbox run", err);
	return ret;
}

static void add_time(struct buf *b, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char when[32];

	if (!t || !gmtime_r(&tt, &tm)) {
		buf_adds(b, "null");
		return;
	}
	strftime(when, sizeof(when), "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
	buf_adds(b, when);
}

/* One query's rows as a JSON array of objects named by names[]. */
static int rows_json(struct store *st, const char *query, int64_t subscriber,
                     const char *const *names, int ncols, struct buf *out,
                     struct err *err)
{
	sqlite3_stmt *s;
	int rc, n = 0;

	if (sqlite3_prepare_v2(st->db, query, -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot read the inbox's records",
		                     err);
	sqlite3_bind_int64(s, 1, subscriber);
	buf_adds(out, "[");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		buf_adds(out, n++ ? ",\n    {" : "\n    {");
		for (int i = 0; i < ncols; i++) {
			buf_addf(out, "%s\"%s\": ", i ? ", " : "", names[i]);
			if (!strcmp(names[i], "at"))
				add_time(out, sqlite3_column_int64(s, i));
			else
				json_add_string(out, col(s, i));
		}
		buf_addch(out, '}');
	}
	sqlite3_finalize(s);
	buf_adds(out, n ? "\n  ]" : "]");
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the inbox's records",
		                     err);
	return 0;
}

int store_inbox_data_json(struct store *st, int64_t subscriber, struct buf *out,
                          struct err *err)
{
	static const char *const soft[] = {"at", "detail"};
	static const char *const msgs[] = {"at",      "message_id", "class",
	                                   "outcome", "detail",     "verified"};

	buf_adds(out, ",\n  \"soft_bounces\": ");
	if (rows_json(st,
	              "SELECT at, detail FROM soft_bounces WHERE "
	              "subscriber_id = ? ORDER BY at, id",
	              subscriber, soft, 2, out, err) < 0)
		return -1;
	buf_adds(out, ",\n  \"inbox_messages\": ");
	return rows_json(st,
	                 "SELECT processed_at, message_key, class, outcome, "
	                 "detail, verified FROM inbox_messages WHERE "
	                 "subscriber_id = ? ORDER BY id",
	                 subscriber, msgs, 6, out, err);
}
