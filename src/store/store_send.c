#include "store_send.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "token.h"
#include "store_impl.h"
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

static char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t ? (const char *)t : "");
}

void store_campaign_release(struct store_campaign *c)
{
	free(c->issue);
	free(c->subject);
	free(c->audience);
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
	                       "coalesce(finished_at, 0), seconds, audience "
	                       "FROM campaigns WHERE issue = ?",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot read campaigns", err);
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		c->id = sqlite3_column_int64(s, 0);
		c->issue = col(s, 1);
		c->subject = col(s, 2);
		c->started = sqlite3_column_int64(s, 3);
		c->finished = sqlite3_column_int64(s, 4);
		c->seconds = sqlite3_column_double(s, 5);
		c->audience = col(s, 6);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		store_db_fail(st, "cannot read campaigns", err);
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
		return store_db_fail(st, "cannot start a campaign", err);
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot start a campaign", err);
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
		return store_db_fail(st, "cannot update the campaign", err);
	sqlite3_bind_double(s, 1, seconds);
	if (finished)
		sqlite3_bind_int64(s, 2, finished);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_int64(s, 3, campaign);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE
	               ? 0
	               : store_db_fail(st, "cannot update the campaign", err);
}

static int exec_audience(struct store *st, const char *sql, int64_t campaign,
                         const struct store_audience *aud, long *changed,
                         struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot update the journal", err);
	sqlite3_bind_int64(s, 1, campaign);
	if (sqlite3_bind_parameter_count(s) > 1)
		sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
	if (aud) {
		sqlite3_bind_int64(s, 3, aud->topics);
		for (size_t i = 0; i < aud->norgs; i++)
			sqlite3_bind_text(s, 4 + (int)i, aud->orgs[i], -1,
			                  SQLITE_STATIC);
	}
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot update the journal", err);
	if (changed)
		*changed = (long)sqlite3_changes(st->db);
	return 0;
}

static int exec_campaign(struct store *st, const char *sql, int64_t campaign,
                         long *changed, struct err *err)
{
	return exec_audience(st, sql, campaign, NULL, changed, err);
}

/*
 * Adds a pending row for each active subscriber of the audience not in
 * the journal yet. The topics are a bit test on the row the scan reads
 * anyway: a send for one topic reads what a send for everyone reads.
 */
static int add_recipients(struct store *st, int64_t campaign,
                          const struct store_audience *aud, long *added,
                          struct err *err)
{
	struct buf sql = BUF_INIT;
	int ret;

	buf_adds(&sql, "INSERT INTO journal (campaign_id, subscriber_id, "
	               "status, updated_at) SELECT ?1, id, 'pending', ?2 "
	               "FROM subscribers WHERE status = 'active' AND id NOT IN "
	               "(SELECT subscriber_id FROM journal WHERE campaign_id = "
	               "?1)");
	if (aud && aud->topics)
		buf_adds(&sql, " AND (topics & ?3) != 0");
	for (size_t i = 0; aud && i < aud->norgs; i++)
		buf_addf(&sql, "%s organisation = ?%zu COLLATE NOCASE%s",
		         i ? " OR" : " AND (", 4 + i,
		         i + 1 == aud->norgs ? ")" : "");
	ret = exec_audience(st, sql.data, campaign, aud, added, err);
	buf_release(&sql);
	return ret;
}

int store_audience_includes(const struct store_audience *aud,
                            const struct store_subscriber *s)
{
	int org = !aud || !aud->norgs;

	if (s->status != STORE_ACTIVE)
		return 0;
	for (size_t i = 0; !org && i < aud->norgs; i++)
		org = !strcasecmp(s->organisation, aud->orgs[i]);
	return org && (!aud || !aud->topics || (s->topics & aud->topics));
}

int store_campaign_audience(struct store *st, const struct store_campaign *c,
                            const struct store_audience *aud, struct err *err)
{
	const char *words = aud && aud->words ? aud->words : "";
	long counts[SEND_NSTATES], rows = 0;
	sqlite3_stmt *s;
	int rc;

	if (!strcmp(words, c->audience))
		return 0;
	if (store_journal_counts(st, c->id, counts, err) < 0)
		return -1;
	for (int i = 0; i < SEND_NSTATES; i++)
		rows += counts[i];
	if (rows)
		return err_set(err,
		               "the send of %s started for %s; a send that "
		               "has started keeps its recipients: run it again "
		               "with the same --topic and --org",
		               c->issue,
		               *c->audience ? c->audience
		                            : "every active subscriber");
	if (sqlite3_prepare_v2(st->db,
	                       "UPDATE campaigns SET audience = ? WHERE id = ?",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot update the campaign", err);
	sqlite3_bind_text(s, 1, words, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, c->id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE
	               ? 0
	               : store_db_fail(st, "cannot update the campaign", err);
}

int store_journal_prepare(struct store *st, int64_t campaign,
                          int resend_uncertain, long *uncertain, long *added,
                          struct err *err)
{
	return store_journal_prepare_for(st, campaign, resend_uncertain, NULL,
	                                 uncertain, added, err);
}

int store_journal_prepare_for(struct store *st, int64_t campaign,
                              int resend_uncertain,
                              const struct store_audience *aud, long *uncertain,
                              long *added, struct err *err)
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
	    add_recipients(st, campaign, aud, added, err) < 0) {
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
			store_db_fail(st, "cannot prepare the journal", err);
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
	return rc == SQLITE_DONE ? 0 : store_db_fail(j->st, what, err);
}

static void recipient_from_row(sqlite3_stmt *s, struct store_recipient *r)
{
	/* Links carry the public token: the id and the secret. */
	const unsigned char *secret = sqlite3_column_text(s, 3);
	char token[TOKEN_PUBLIC_LEN + 1];

	r->id = sqlite3_column_int64(s, 0);
	r->email = col(s, 1);
	r->name = col(s, 2);
	token_join(r->id, secret ? (const char *)secret : "", token);
	r->token = xstrdup(token);
}

/*
 * One pass of the claim: up to max - *n pending rows, appended to out
 * (*n counts them, also on failure, so that they are released) when the
 * subscriber is still active, their ids to left[] (*nleft) when not.
 */
static int select_pending(struct store_journal *j, struct store_recipient *out,
                          int *n, int max, int64_t *left, int *nleft,
                          struct err *err)
{
	sqlite3_stmt *s = j->s[J_CLAIM];
	int rc;

	*nleft = 0;
	sqlite3_bind_int64(s, 1, j->campaign);
	sqlite3_bind_int(s, 2, max - *n);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!sqlite3_column_int(s, 4))
			left[(*nleft)++] = sqlite3_column_int64(s, 0);
		else
			recipient_from_row(s, &out[(*n)++]);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(j->st, "cannot claim recipients", err);
	return 0;
}

static int skip_left(struct store_journal *j, const int64_t *left, int nleft,
                     long *skipped, struct err *err)
{
	for (int i = 0; i < nleft; i++) {
		if (store_journal_set(j, left[i], SEND_SKIPPED, 0,
		                      "left before sending", NULL, err) < 0)
			return -1;
		(*skipped)++;
	}
	return 0;
}

static int mark_sending(struct store_journal *j,
                        const struct store_recipient *r, int n, int64_t now,
                        struct err *err)
{
	sqlite3_stmt *s = j->s[J_MARK];

	for (int i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, j->campaign);
		sqlite3_bind_int64(s, 2, r[i].id);
		sqlite3_bind_int64(s, 3, now);
		if (step_done(j, s, "cannot claim recipients", err) < 0)
			return -1;
	}
	return 0;
}

int store_journal_claim(struct store_journal *j, struct store_recipient *out,
                        int max, long *skipped, struct err *err)
{
	int64_t now = (int64_t)time(NULL);
	int n = 0, ret = -1;
	int64_t *left = xcalloc((size_t)max, sizeof(*left));
	int nleft = 0;

	/* Rows come back either to claim or, for people who have left
	 * since the run began, to skip; repeat until some are claimed. */
	do {
		int first = n;

		if (select_pending(j, out, &n, max, left, &nleft, err) < 0 ||
		    skip_left(j, left, nleft, skipped, err) < 0)
			goto out;
		/* Marked before asking again: still 'pending', this pass's
		 * rows would come back and be sent twice. */
		if (mark_sending(j, out + first, n - first, now, err) < 0)
			goto out;
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
		ret = store_db_fail(j->st, "cannot read a subscriber", err);
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
		return store_db_fail(st, "cannot count the journal", err);
	sqlite3_bind_int64(s, 1, campaign);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		counts[state_of(sqlite3_column_text(s, 0))] +=
		        (long)sqlite3_column_int64(s, 1);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE
	               ? 0
	               : store_db_fail(st, "cannot count the journal", err);
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
		return store_db_fail(st, "cannot read the journal", err);
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
		ret = store_db_fail(st, "cannot read the journal", err);
	sqlite3_finalize(s);
	return ret;
}

int store_send_fast_commits(struct store *st, struct err *err)
{
	if (sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
	                 NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot set up for sending", err);
	return 0;
}

/* The lock of one send. */

static void lock_path(const struct store *st, const char *issue,
                      struct buf *out)
{
	buf_addf(out, "%s-send-", st->path);
	/* Issue ids are folder names: keep the file name plain. Two ids
	 * that differ only in other characters share a lock, which only
	 * makes them wait for each other. */
	for (const char *p = issue; *p; p++) {
		char c = *p;

		buf_addch(out, (c >= 'a' && c <= 'z') ||
		                               (c >= 'A' && c <= 'Z') ||
		                               (c >= '0' && c <= '9') ||
		                               c == '-' || c == '.' || c == '_'
		                       ? c
		                       : '_');
	}
	buf_adds(out, ".lock");
}

/*
 * What the holder wrote into the lock file: "process N on HOST, started
 * TIME". A holder that took the lock an instant ago may not have written
 * yet: wait for it a little.
 */
static void read_holder(int fd, struct buf *who)
{
	char text[512], when[64], *start = NULL, *host = NULL, *end = NULL;
	char *by = NULL;
	ssize_t n = 0;
	struct tm tm;
	time_t t;

	for (int i = 0; i < 50; i++) {
		n = pread(fd, text, sizeof(text) - 1, 0);
		if (n > 0 && text[n - 1] == '\n')
			break;
		usleep(20000);
	}
	text[n > 0 ? n : 0] = '\0';
	/* "PID\nSTART\nHOST\n", then "WHO\n" when the runner said */
	start = strchr(text, '\n');
	if (start) {
		*start++ = '\0';
		host = strchr(start, '\n');
	}
	if (host) {
		*host++ = '\0';
		end = strchr(host, '\n');
	}
	if (!end) {
		buf_adds(who, "a process that is just starting");
		return;
	}
	*end++ = '\0';
	if (*end && (by = strchr(end, '\n')))
		*by = '\0';
	t = (time_t)strtoll(start, NULL, 10);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
	buf_addf(who, "process %s on %s, started %s", text, host, when);
	if (by && *end)
		buf_addf(who, " by %s", end);
}

static void write_holder(int fd, const char *by)
{
	struct buf text = BUF_INIT;
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	buf_addf(&text, "%ld\n%lld\n%s\n", (long)getpid(),
	         (long long)time(NULL), *host ? host : "this machine");
	/* One line of who, whatever they are called. */
	for (; by && *by && text.len < 400; by++)
		buf_addch(&text, (unsigned char)*by < 0x20 ? ' ' : *by);
	if (by)
		buf_addch(&text, '\n');
	/*
	 * The lock is what counts; the text only tells others who has it.
	 * Should the write fail, they read "a process that is just
	 * starting", which is true enough.
	 */
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, text.data, text.len, 0);
	buf_release(&text);
}

/*
 * Opens the lock file and tries to lock it. 1 locked, 0 held by another
 * (*fdp stays open for reading who), -1 error.
 */
static int try_lock(const char *path, int *fdp, struct err *err)
{
	/* A releasing holder removes the file: lock the one at the path,
	 * not one already unlinked. */
	for (int tries = 0; tries < 100; tries++) {
		struct stat a, b;
		int r, fd = open(path,
		                 O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		                 0600);

		if (fd < 0)
			return err_errno(err, "cannot make the send lock %s",
			                 path);

		/* A few tries: 'bulletin status' looks with a shared lock
		 * for an instant. */
		for (int i = 0; (r = flock(fd, LOCK_EX | LOCK_NB)) < 0 &&
		                errno == EWOULDBLOCK && i < 10;
		     i++)
			usleep(20000);
		if (r < 0) {
			if (errno == EWOULDBLOCK) {
				*fdp = fd;
				return 0;
			}
			close(fd);
			return err_errno(err, "cannot lock %s", path);
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			*fdp = fd;
			return 1;
		}
		close(fd);
	}
	return err_set(err, "cannot lock %s: it keeps changing", path);
}

int store_send_lock(struct store *st, const char *issue, const char *by,
                    struct store_send_lock *lk, struct err *err)
{
	struct buf path = BUF_INIT, who = BUF_INIT;
	int fd = -1, r;

	lk->fd = -1;
	lk->path = NULL;
	lock_path(st, issue, &path);
	r = try_lock(path.data, &fd, err);
	if (r == 1) {
		write_holder(fd, by);
		lk->fd = fd;
		lk->path = buf_detach(&path);
		return 0;
	}
	if (r == 0) {
		read_holder(fd, &who);
		close(fd);
		err_set(err,
		        "another send of %s is running (%s); one send of an "
		        "issue runs at a time: wait for it to finish, or stop "
		        "it with Ctrl-C or kill, then run the same command "
		        "again to resume",
		        issue, who.data);
	}
	buf_release(&path);
	buf_release(&who);
	return -1;
}

void store_send_unlock(struct store_send_lock *lk)
{
	if (lk->fd >= 0) {
		/* Removed while still held: whoever opened it meanwhile
		 * sees it was unlinked and opens the path again. */
		unlink(lk->path);
		close(lk->fd);
	}
	free(lk->path);
	lk->fd = -1;
	lk->path = NULL;
}

int store_send_running(struct store *st, const char *issue, struct buf *who,
                       struct err *err)
{
	struct buf path = BUF_INIT;
	int fd, ret = 0;

	lock_path(st, issue, &path);
	fd = open(path.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			ret = err_errno(err, "cannot read the send lock %s",
			                path.data);
	} else {
		if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK) {
				read_holder(fd, who);
				ret = 1;
			} else {
				ret = err_errno(err,
				                "cannot read the send "
				                "lock %s",
				                path.data);
			}
		}
		/* A shared lock taken only to look is dropped with the fd. */
		close(fd);
	}
	buf_release(&path);
	return ret;
}
