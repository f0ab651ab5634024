#include "store_send.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "token.h"
#include "banned.h"

static const char *const state_names[SEND_NSTATES] = {
        "pending", "sending",   "sent",    "deferred",
        "failed",  "uncertain", "skipped",
};

const char *store_send_state_name(enum send_state s)
{
	return (unsigned)s < SEND_NSTATES ? state_names[s] : "?";
}

static int state_of(const unsigned char *text)
{
	for (int i = 0; text && i < SEND_NSTATES; i++)
		if (!strcmp((const char *)text, state_names[i]))
			return i;
	return SEND_PENDING;
}

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

void store_campaign_release(struct store_campaign *c)
{
	free(c->issue);
	free(c->subject);
	memset(c, 0, sizeof(*c));
}

void store_recipient_release(struct store_recipient *r)
{
	free(r->email);
	free(r->name);
	free(r->token);
	memset(r, 0, sizeof(*r));
}

int store_campaign_find(struct store *st, const char *issue,
                        struct store_campaign *c, struct err *err)
{
	sqlite3_stmt *s;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT id, issue, subject, started_at, "
	                       "coalesce(finished_at, 0), seconds FROM "
	                       "campaigns WHERE issue = ?",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot read campaigns", err);
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		c->id = sqlite3_column_int64(s, 0);
		c->issue = col(s, 1);
		c->subject = col(s, 2);
		c->started = sqlite3_column_int64(s, 3);
		c->finished = sqlite3_column_int64(s, 4);
		c->seconds = sqlite3_column_double(s, 5);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		fail(st, "cannot read campaigns", err);
	}
	sqlite3_finalize(s);
	return ret;
}

int store_campaign_open(struct store *st, const char *issue,
                        const char *subject, struct store_campaign *c,
                        struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "INSERT INTO campaigns (issue, subject, "
	                       "started_at) VALUES (?, ?, ?) ON CONFLICT "
	                       "(issue) DO NOTHING",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot start a campaign", err);
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail(st, "cannot start a campaign", err);
	rc = store_campaign_find(st, issue, c, err);
	return rc == 1 ? 0 : rc == 0 ? err_set(err, "campaign vanished") : -1;
}

int store_campaign_update(struct store *st, int64_t campaign, double seconds,
                          int64_t finished, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "UPDATE campaigns SET seconds = seconds + ?, "
	                       "finished_at = ? WHERE id = ?",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot update the campaign", err);
	sqlite3_bind_double(s, 1, seconds);
	if (finished)
		sqlite3_bind_int64(s, 2, finished);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_int64(s, 3, campaign);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0
	                         : fail(st, "cannot update the campaign", err);
}

static int exec_campaign(struct store *st, const char *sql, int64_t campaign,
                         long *changed, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot update the journal", err);
	sqlite3_bind_int64(s, 1, campaign);
	if (sqlite3_bind_parameter_count(s) > 1)
		sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail(st, "cannot update the journal", err);
	if (changed)
		*changed = (long)sqlite3_changes(st->db);
	return 0;
}

int store_journal_prepare(struct store *st, int64_t campaign,
                          int resend_uncertain, long *uncertain, long *added,
                          struct err *err)
{
	int ret = -1;

	if (store_begin(st, err) < 0)
		return -1;
	/*
	 * These statements go through the tables in order and need no more
	 * than the default cache; store_begin's bulk cache would fill with
	 * every page of a large list and make memory grow with it.
	 */
	sqlite3_exec(st->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
	if (exec_campaign(st,
	                  resend_uncertain
	                          ? "UPDATE journal SET status = 'pending', "
	                            "updated_at = ?2 WHERE campaign_id = ?1 "
	                            "AND status IN ('sending', 'uncertain')"
	                          : "UPDATE journal SET status = 'uncertain', "
	                            "updated_at = ?2 WHERE campaign_id = ?1 "
	                            "AND status = 'sending'",
	                  campaign, uncertain, err) < 0 ||
	    exec_campaign(st,
	                  "UPDATE journal SET status = 'pending', updated_at "
	                  "= ?2 WHERE campaign_id = ?1 AND status = "
	                  "'deferred'",
	                  campaign, NULL, err) < 0 ||
	    exec_campaign(st,
	                  "INSERT INTO journal (campaign_id, subscriber_id, "
	                  "status, updated_at) SELECT ?1, id, 'pending', ?2 "
	                  "FROM subscribers WHERE status = 'active' AND id "
	                  "NOT IN (SELECT subscriber_id FROM journal WHERE "
	                  "campaign_id = ?1)",
	                  campaign, added, err) < 0) {
		store_rollback(st);
		return -1;
	}
	if (resend_uncertain)
		*uncertain = 0;
	ret = store_commit(st, err);
	return ret;
}

enum jstmt { J_CLAIM, J_MARK, J_ACTIVE, J_SET, J_COUNT };

static const char *const jsql[J_COUNT] = {
        [J_CLAIM] = "SELECT s.id, s.email, s.name, s.token_secret, s.status = "
                    "'active' FROM journal j JOIN subscribers s ON s.id = "
                    "j.subscriber_id WHERE j.campaign_id = ?1 AND j.status = "
                    "'pending' ORDER BY j.subscriber_id LIMIT ?2",
        [J_MARK] = "UPDATE journal SET status = 'sending', updated_at = ?3 "
                   "WHERE campaign_id = ?1 AND subscriber_id = ?2",
        [J_ACTIVE] = "SELECT status = 'active' FROM subscribers WHERE id = ?1",
        [J_SET] = "UPDATE journal SET status = ?3, attempts = attempts + ?4, "
                  "reply = coalesce(?5, reply), message_id = coalesce(?6, "
                  "message_id), updated_at = ?7 WHERE campaign_id = ?1 AND "
                  "subscriber_id = ?2",
};

struct store_journal {
	struct store *st;
	int64_t campaign;
	sqlite3_stmt *s[J_COUNT];
};

struct store_journal *store_journal_open(struct store *st, int64_t campaign,
                                         struct err *err)
{
	struct store_journal *j = xcalloc(1, sizeof(*j));

	j->st = st;
	j->campaign = campaign;
	for (int i = 0; i < J_COUNT; i++)
		if (sqlite3_prepare_v3(st->db, jsql[i], -1,
		                       SQLITE_PREPARE_PERSISTENT, &j->s[i],
		                       NULL) != SQLITE_OK) {
			fail(st, "cannot prepare the journal", err);
			store_journal_close(j);
			return NULL;
		}
	return j;
}

void store_journal_close(struct store_journal *j)
{
	if (!j)
		return;
	for (int i = 0; i < J_COUNT; i++)
		sqlite3_finalize(j->s[i]);
	free(j);
}

static int step_done(struct store_journal *j, sqlite3_stmt *s, const char *what,
                     struct err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : fail(j->st, what, err);
}

int store_journal_claim(struct store_journal *j, struct store_recipient *out,
                        int max, long *skipped, struct err *err)
{
	sqlite3_stmt *s = j->s[J_CLAIM];
	int64_t now = (int64_t)time(NULL);
	int n = 0, rc, ret = -1;
	int64_t *left = xcalloc((size_t)max, sizeof(*left));
	int nleft = 0;

	/* Rows come back either to claim or, for people who have left
	 * since the run began, to skip; repeat until some are claimed. */
	do {
		int first = n;

		nleft = 0;
		sqlite3_bind_int64(s, 1, j->campaign);
		sqlite3_bind_int(s, 2, max - n);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (!sqlite3_column_int(s, 4)) {
				left[nleft++] = sqlite3_column_int64(s, 0);
				continue;
			}
			struct store_recipient *r = &out[n++];

			r->id = sqlite3_column_int64(s, 0);
			r->email = col(s, 1);
			r->name = col(s, 2);
			{
				/* Links carry the public token: the id and the
				 * secret. */
				const unsigned char *secret =
				        sqlite3_column_text(s, 3);
				char token[TOKEN_PUBLIC_LEN + 1];

				token_join(r->id,
				           secret ? (const char *)secret : "",
				           token);
				r->token = xstrdup(token);
			}
		}
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		if (rc != SQLITE_DONE) {
			fail(j->st, "cannot claim recipients", err);
			goto out;
		}
		for (int i = 0; i < nleft; i++) {
			if (store_journal_set(j, left[i], SEND_SKIPPED, 0,
			                      "left before sending", NULL,
			                      err) < 0)
				goto out;
			(*skipped)++;
		}
		/* Marked before asking again: still 'pending', this pass's
		 * rows would come back and be sent twice. */
		for (int i = first; i < n; i++) {
			sqlite3_bind_int64(j->s[J_MARK], 1, j->campaign);
			sqlite3_bind_int64(j->s[J_MARK], 2, out[i].id);
			sqlite3_bind_int64(j->s[J_MARK], 3, now);
			if (step_done(j, j->s[J_MARK],
			              "cannot claim recipients", err) < 0)
				goto out;
		}
	} while (nleft && n < max);
	ret = n;
out:
	if (ret < 0)
		for (int i = 0; i < n; i++)
			store_recipient_release(&out[i]);
	free(left);
	return ret;
}

int store_journal_still_active(struct store_journal *j, int64_t subscriber,
                               struct err *err)
{
	sqlite3_stmt *s = j->s[J_ACTIVE];
	int rc, ret;

	sqlite3_bind_int64(s, 1, subscriber);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		ret = sqlite3_column_int(s, 0) != 0;
	else if (rc == SQLITE_DONE)
		ret = 0; /* erased meanwhile */
	else
		ret = fail(j->st, "cannot read a subscriber", err);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ret;
}

int store_journal_set(struct store_journal *j, int64_t subscriber,
                      enum send_state state, int attempts, const char *reply,
                      const char *message_id, struct err *err)
{
	sqlite3_stmt *s = j->s[J_SET];

	sqlite3_bind_int64(s, 1, j->campaign);
	sqlite3_bind_int64(s, 2, subscriber);
	sqlite3_bind_text(s, 3, store_send_state_name(state), -1,
	                  SQLITE_STATIC);
	sqlite3_bind_int(s, 4, attempts);
	if (reply)
		sqlite3_bind_text(s, 5, reply, -1, SQLITE_TRANSIENT);
	if (message_id)
		sqlite3_bind_text(s, 6, message_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 7, (int64_t)time(NULL));
	return step_done(j, s, "cannot record a send", err);
}

int store_journal_counts(struct store *st, int64_t campaign,
                         long counts[SEND_NSTATES], struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	memset(counts, 0, SEND_NSTATES * sizeof(*counts));
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT status, count(*) FROM journal WHERE "
	                       "campaign_id = ? GROUP BY status",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot count the journal", err);
	sqlite3_bind_int64(s, 1, campaign);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		counts[state_of(sqlite3_column_text(s, 0))] +=
		        (long)sqlite3_column_int64(s, 1);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0
	                         : fail(st, "cannot count the journal", err);
}

int store_journal_each(struct store *st, int64_t campaign, int state,
                       int (*fn)(const struct store_journal_row *r, void *ctx),
                       void *ctx, struct err *err)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT j.subscriber_id, coalesce(s.email, ''), "
	                       "j.status, j.attempts, j.reply, "
	                       "coalesce(j.message_id, ''), j.updated_at FROM "
	                       "journal j LEFT JOIN subscribers s ON s.id = "
	                       "j.subscriber_id WHERE j.campaign_id = ?1 AND "
	                       "(?2 IS NULL OR j.status = ?2) ORDER BY "
	                       "j.subscriber_id",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot read the journal", err);
	sqlite3_bind_int64(s, 1, campaign);
	if (state >= 0)
		sqlite3_bind_text(s, 2, store_send_state_name(state), -1,
		                  SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_journal_row r = {
		        .subscriber = sqlite3_column_int64(s, 0),
		        .email = (const char *)sqlite3_column_text(s, 1),
		        .state = state_of(sqlite3_column_text(s, 2)),
		        .attempts = sqlite3_column_int(s, 3),
		        .reply = (const char *)sqlite3_column_text(s, 4),
		        .message_id = (const char *)sqlite3_column_text(s, 5),
		        .updated = sqlite3_column_int64(s, 6),
		};

		ret = fn(&r, ctx);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = fail(st, "cannot read the journal", err);
	sqlite3_finalize(s);
	return ret;
}

int store_send_fast_commits(struct store *st, struct err *err)
{
	if (sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
	                 NULL) != SQLITE_OK)
		return fail(st, "cannot set up for sending", err);
	return 0;
}
