#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "json.h"
#include "store_impl.h"
#include "token.h"
#include "banned.h"

/* "bltn": marks a SQLite file as a bulletin store (PRAGMA application_id). */
#define APPLICATION_ID 0x626c746e
/* How long one attempt waits for another process's write to finish. */
#define BUSY_TIMEOUT_MS 10000
#define BUSY_ATTEMPTS   6
#define KEY_BYTES       32

/*
 * The schema, one step per version: migrations[v] takes a store from
 * user_version v to v + 1. Later parts of the program append steps; a
 * step never changes once released.
 */
static const char *const migrations[] = {
        /* 1: subscribers, their events, the suppression list */
        "CREATE TABLE meta ("
        "  key TEXT PRIMARY KEY,"
        "  value BLOB NOT NULL"
        ") WITHOUT ROWID;"
        "CREATE TABLE subscribers ("
        "  id INTEGER PRIMARY KEY,"
        "  email TEXT NOT NULL COLLATE NOCASE UNIQUE,"
        "  name TEXT NOT NULL DEFAULT '',"
        "  organisation TEXT NOT NULL DEFAULT '',"
        /* OR chains: an IN list would build a temporary table per row */
        "  status TEXT NOT NULL CHECK (status = 'pending' OR status = 'active'"
        "    OR status = 'unsubscribed' OR status = 'bounced'"
        "    OR status = 'complained'),"
        /* the random half of the public token (see token.h) */
        "  token_secret TEXT NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  confirmed_at INTEGER,"
        "  left_at INTEGER,"
        "  source TEXT NOT NULL CHECK (source = 'cli' OR source = 'import'"
        "    OR source = 'web'),"
        "  consent_text TEXT,"
        "  consent_at INTEGER"
        ");"
        "CREATE TABLE events ("
        "  id INTEGER PRIMARY KEY,"
        "  at INTEGER NOT NULL,"
        "  subscriber_id INTEGER NOT NULL"
        "    REFERENCES subscribers (id) ON DELETE CASCADE,"
        "  old_status TEXT,"
        "  new_status TEXT NOT NULL,"
        "  source TEXT NOT NULL,"
        "  detail TEXT NOT NULL DEFAULT ''"
        ");"
        "CREATE INDEX events_subscriber ON events (subscriber_id);"
        /*
         * Erased addresses: only HMAC-SHA256(key, address) is kept, the key
         * being random per store (in meta). A plain hash would do for
         * matching but not for privacy: anyone with a list of addresses
         * could hash it and see who was here, and the same hashes would
         * link this list to any other that hashed the same addresses. With
         * a secret key the hashes say nothing away from this store.
         */
        "CREATE TABLE suppressed ("
        "  hash BLOB PRIMARY KEY,"
        "  erased_at INTEGER NOT NULL"
        ") WITHOUT ROWID;",
        /*
         * 2: sending (src/store/store_send.c). One campaign per issue sent; one
         * journal row per recipient. A row in 'sending' was claimed and
         * may have reached the server: after a crash it is uncertain.
         */
        "CREATE TABLE campaigns ("
        "  id INTEGER PRIMARY KEY,"
        "  issue TEXT NOT NULL UNIQUE,"
        "  subject TEXT NOT NULL,"
        "  started_at INTEGER NOT NULL,"
        "  finished_at INTEGER,"
        "  seconds REAL NOT NULL DEFAULT 0"
        ");"
        "CREATE TABLE journal ("
        "  campaign_id INTEGER NOT NULL"
        "    REFERENCES campaigns (id) ON DELETE CASCADE,"
        "  subscriber_id INTEGER NOT NULL"
        "    REFERENCES subscribers (id) ON DELETE CASCADE,"
        "  status TEXT NOT NULL CHECK (status IN ('pending', 'sending',"
        "    'sent', 'deferred', 'failed', 'uncertain', 'skipped')),"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  reply TEXT NOT NULL DEFAULT '',"
        "  message_id TEXT,"
        "  updated_at INTEGER NOT NULL,"
        "  PRIMARY KEY (campaign_id, subscriber_id)"
        ") WITHOUT ROWID;"
        "CREATE INDEX journal_status ON journal (campaign_id, status,"
        "  subscriber_id);",
        /*
         * 3: the inbox (src/store/store_inbox.c). Each message read is kept by
         * its Message-ID so that reading a mailbox again changes nothing;
         * a row names the subscriber it was about (evidence about a
         * subscriber lives in their events, which erasure deletes) or,
         * for nobody known, the address reported. Soft bounces are
         * counted per subscriber until enough of them make a bounce.
         */
        "CREATE TABLE inbox_runs ("
        "  id INTEGER PRIMARY KEY,"
        "  source TEXT NOT NULL,"
        "  started_at INTEGER NOT NULL,"
        "  finished_at INTEGER"
        ");"
        "CREATE TABLE inbox_messages ("
        "  id INTEGER PRIMARY KEY,"
        "  message_key TEXT NOT NULL UNIQUE,"
        "  run_id INTEGER NOT NULL REFERENCES inbox_runs (id)"
        "    ON DELETE CASCADE,"
        "  processed_at INTEGER NOT NULL,"
        "  class TEXT NOT NULL,"
        "  subscriber_id INTEGER REFERENCES subscribers (id)"
        "    ON DELETE SET NULL,"
        "  address TEXT NOT NULL DEFAULT '',"
        "  outcome TEXT NOT NULL DEFAULT '',"
        "  detail TEXT NOT NULL DEFAULT ''"
        ");"
        "CREATE INDEX inbox_messages_run ON inbox_messages (run_id);"
        "CREATE INDEX inbox_messages_subscriber ON inbox_messages"
        "  (subscriber_id);"
        "CREATE TABLE soft_bounces ("
        "  id INTEGER PRIMARY KEY,"
        "  subscriber_id INTEGER NOT NULL"
        "    REFERENCES subscribers (id) ON DELETE CASCADE,"
        "  at INTEGER NOT NULL,"
        "  detail TEXT NOT NULL DEFAULT ''"
        ");"
        "CREATE INDEX soft_bounces_subscriber ON soft_bounces"
        "  (subscriber_id, at);",
        /*
         * 4: verified bounces (src/inbox/inbox.c). A bounce or complaint acts
         * only when tied to a message sent: by the token in the address
         * it came to, or by the Message-ID the journal keeps for each
         * recipient, looked up here. Each message read records how it
         * was tied: 'token', 'message-id', 'none' (unverified: reported,
         * never acted on), or '' where the question does not arise.
         */
        "CREATE INDEX journal_message_id ON journal (message_id);"
        "ALTER TABLE inbox_messages ADD COLUMN verified TEXT NOT NULL"
        "  DEFAULT '';",
        /*
         * 5: how many sign-up emails each address may still be sent
         * (src/store/store_web.c), so that the daily limit holds across
         * restarts of the web endpoint. An address is kept only as a keyed
         * hash, as on the suppression list: anyone can type anyone's address
         * into the form, and this table must not become a list of them.
         */
        "CREATE TABLE signup_mails ("
        "  hash BLOB PRIMARY KEY,"
        "  allowance REAL NOT NULL,"
        "  at INTEGER NOT NULL"
        ") WITHOUT ROWID;",
        /*
         * 6: the public site (src/store/store_site.c). An issue is public
         * while it has a row in published; every publish and unpublish is
         * also appended to publish_log with who did it.
         */
        "CREATE TABLE published ("
        "  issue_id TEXT PRIMARY KEY,"
        "  published_at INTEGER NOT NULL,"
        "  published_by TEXT NOT NULL"
        ") WITHOUT ROWID;"
        "CREATE TABLE publish_log ("
        "  id INTEGER PRIMARY KEY,"
        "  at INTEGER NOT NULL,"
        "  issue_id TEXT NOT NULL,"
        "  action TEXT NOT NULL CHECK (action = 'publish'"
        "    OR action = 'unpublish'),"
        "  done_by TEXT NOT NULL"
        ");",
        /*
         * 7: the editorial lifecycle (src/store/store_issue.c). An
         * approval keeps the manifest of what was approved (one line per
         * input and its SHA-256) and its digest; the latest one of an
         * issue counts. Every step (compiled, approved, sending, sent)
         * is an event naming who took it.
         */
        "CREATE TABLE issue_approvals ("
        "  id INTEGER PRIMARY KEY,"
        "  issue TEXT NOT NULL,"
        "  digest TEXT NOT NULL,"
        "  manifest TEXT NOT NULL,"
        "  approved_by TEXT NOT NULL,"
        "  approved_at INTEGER NOT NULL"
        ");"
        "CREATE INDEX issue_approvals_issue ON issue_approvals (issue, id);"
        "CREATE TABLE issue_events ("
        "  id INTEGER PRIMARY KEY,"
        "  issue TEXT NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  who TEXT NOT NULL,"
        "  event TEXT NOT NULL,"
        "  detail TEXT NOT NULL DEFAULT ''"
        ");"
        "CREATE INDEX issue_events_issue ON issue_events (issue, event, id);",
        /*
         * 8: partners (src/store/store_partner.c). The secret is kept as
         * it is (the comms officer prints the partner's link from it)
         * and as its SHA-256, which is what a lookup searches, so no
         * search ever compares the secret itself byte by byte. Events
         * name the partner and outlive it. call_log keeps one row per
         * message of a kind sent to a partner about an issue on a day:
         * its key is the once-a-day rule. issue_reopened holds the latest
         * date an issue was reopened to partners until.
         */
        "CREATE TABLE partners ("
        "  id INTEGER PRIMARY KEY,"
        "  name TEXT NOT NULL COLLATE NOCASE UNIQUE,"
        "  slug TEXT NOT NULL UNIQUE,"
        "  secret TEXT NOT NULL,"
        "  secret_hash BLOB NOT NULL UNIQUE,"
        "  created_at INTEGER NOT NULL"
        ");"
        "CREATE TABLE partner_contacts ("
        "  id INTEGER PRIMARY KEY,"
        "  partner_id INTEGER NOT NULL"
        "    REFERENCES partners (id) ON DELETE CASCADE,"
        "  email TEXT NOT NULL COLLATE NOCASE,"
        "  UNIQUE (partner_id, email)"
        ");"
        "CREATE INDEX partner_contacts_email ON partner_contacts (email);"
        "CREATE TABLE partner_events ("
        "  id INTEGER PRIMARY KEY,"
        "  at INTEGER NOT NULL,"
        "  partner_id INTEGER NOT NULL,"
        "  partner TEXT NOT NULL,"
        "  what TEXT NOT NULL,"
        "  who TEXT NOT NULL,"
        "  detail TEXT NOT NULL DEFAULT ''"
        ");"
        "CREATE INDEX partner_events_partner ON partner_events"
        "  (partner_id, id);"
        "CREATE TABLE call_log ("
        "  partner_id INTEGER NOT NULL"
        "    REFERENCES partners (id) ON DELETE CASCADE,"
        "  issue TEXT NOT NULL,"
        "  kind TEXT NOT NULL,"
        "  day TEXT NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  PRIMARY KEY (partner_id, issue, kind, day)"
        ") WITHOUT ROWID;"
        "CREATE TABLE issue_reopened ("
        "  issue TEXT PRIMARY KEY,"
        "  until_at INTEGER NOT NULL,"
        "  by TEXT NOT NULL,"
        "  at INTEGER NOT NULL"
        ") WITHOUT ROWID;",
        /*
         * 9: the desk (src/store/store_desk.c). Its users with their
         * Argon2id hashes (PHC strings, parameters included) and failed
         * logins; its sessions, kept only as the SHA-256 of the session
         * id, so a copy of the store opens no session; and every desk
         * action, naming who took it.
         */
        "CREATE TABLE desk_users ("
        "  name TEXT PRIMARY KEY,"
        "  role TEXT NOT NULL CHECK (role = 'editor' OR role = 'approver'"
        "    OR role = 'admin'),"
        "  phc TEXT NOT NULL,"
        "  email TEXT NOT NULL DEFAULT '',"
        "  created_at INTEGER NOT NULL,"
        "  failures INTEGER NOT NULL DEFAULT 0,"
        "  locked_until INTEGER NOT NULL DEFAULT 0"
        ") WITHOUT ROWID;"
        "CREATE TABLE desk_sessions ("
        "  id_hash TEXT PRIMARY KEY,"
        "  user TEXT NOT NULL REFERENCES desk_users (name)"
        "    ON DELETE CASCADE,"
        "  created_at INTEGER NOT NULL,"
        "  seen_at INTEGER NOT NULL"
        ") WITHOUT ROWID;"
        "CREATE TABLE desk_events ("
        "  id INTEGER PRIMARY KEY,"
        "  at INTEGER NOT NULL,"
        "  who TEXT NOT NULL,"
        "  kind TEXT NOT NULL,"
        "  subject TEXT NOT NULL DEFAULT '',"
        "  detail TEXT NOT NULL DEFAULT ''"
        ");"
        "CREATE INDEX desk_events_kind ON desk_events (kind, id);"
        "CREATE INDEX desk_events_who ON desk_events (who, id);"
        "CREATE INDEX subscribers_name ON subscribers (name COLLATE NOCASE);",
        /*
         * 10: topics (src/store/store_topics.c), the preferences page and
         * coming back (src/store/store_prefs.c). A subscriber's topics
         * are one 63-bit mask in their row, so that choosing the
         * recipients of a send stays the one scan of subscribers it was,
         * with a bit test per row (a join table would add a look-up per
         * row: see scripts/bench send, topic mode). Each topic's bit is
         * given once, here, and never reused, so that reordering
         * bulletin.yaml changes nobody's choice. Everyone held before
         * topics existed gets every topic (-1: all bits). A send records
         * who it was for (audience). Someone who left and signs up again
         * stays suppressed until they confirm: the request waits in
         * returns, with its own secret for the link.
         */
        "ALTER TABLE subscribers ADD COLUMN topics INTEGER NOT NULL"
        "  DEFAULT -1;"
        "CREATE TABLE topic_bits ("
        "  key TEXT PRIMARY KEY,"
        "  bit INTEGER NOT NULL UNIQUE CHECK (bit >= 0 AND bit < 63)"
        ") WITHOUT ROWID;"
        "ALTER TABLE campaigns ADD COLUMN audience TEXT NOT NULL DEFAULT '';"
        "CREATE TABLE returns ("
        "  subscriber_id INTEGER PRIMARY KEY"
        "    REFERENCES subscribers (id) ON DELETE CASCADE,"
        "  secret TEXT NOT NULL,"
        "  topics INTEGER NOT NULL,"
        "  consent_text TEXT,"
        "  consent_at INTEGER NOT NULL,"
        "  created_at INTEGER NOT NULL"
        ");",
        /*
         * 11: scheduled sends (src/store/store_schedule.c) and click counts
         * (src/store/clicks.c). A schedule keeps the digest of the inputs
         * approved when it was made; at most one per issue is open
         * (waiting or held), and a claim moves it from waiting to started
         * exactly once. The links of a sent issue keep their numbers and
         * addresses, with counts and nothing about who clicked.
         */
        "CREATE TABLE issue_schedules ("
        "  id INTEGER PRIMARY KEY,"
        "  issue TEXT NOT NULL,"
        "  due_at INTEGER NOT NULL,"
        "  digest TEXT NOT NULL,"
        "  scheduled_by TEXT NOT NULL,"
        "  scheduled_at INTEGER NOT NULL,"
        "  state TEXT NOT NULL CHECK (state IN ('waiting', 'started',"
        "    'held', 'cancelled')),"
        "  settled_at INTEGER NOT NULL DEFAULT 0,"
        "  settled_by TEXT NOT NULL DEFAULT '',"
        "  why TEXT NOT NULL DEFAULT ''"
        ");"
        "CREATE UNIQUE INDEX issue_schedules_open ON issue_schedules (issue)"
        "  WHERE state IN ('waiting', 'held');"
        "CREATE INDEX issue_schedules_issue ON issue_schedules (issue, id);"
        "CREATE TABLE click_links ("
        "  issue TEXT NOT NULL,"
        "  n INTEGER NOT NULL,"
        "  url TEXT NOT NULL,"
        "  piece TEXT NOT NULL,"
        "  partner TEXT NOT NULL,"
        "  people INTEGER NOT NULL DEFAULT 0,"
        "  early INTEGER NOT NULL DEFAULT 0,"
        "  scanner INTEGER NOT NULL DEFAULT 0,"
        "  PRIMARY KEY (issue, n)"
        ") WITHOUT ROWID;",
};

#define STORE_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define SUB_COLS                                                            \
	"id, email, name, organisation, status, token_secret, created_at, " \
	"confirmed_at, left_at, source, consent_text, consent_at, topics"

enum stmt {
	S_FIND_EMAIL,
	S_FIND_ID,
	S_INSERT,
	S_EVENT,
	S_DETAILS,
	S_STATUS,
	S_IS_ERASED,
	S_ERASE,
	S_UNERASE,
	S_DELETE,
	S_EACH,
	S_EACH_ALL,
	S_COUNTS,
	S_ERASED_COUNT,
	S_EVENTS,
	S_PURGE,
	S_PURGE_RETURNS,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
        [S_FIND_EMAIL] = "SELECT " SUB_COLS " FROM subscribers WHERE email = ?",
        [S_FIND_ID] = "SELECT " SUB_COLS " FROM subscribers WHERE id = ?",
        [S_INSERT] = "INSERT INTO subscribers (email, name, organisation, "
                     "status, token_secret, created_at, confirmed_at, source, "
                     "consent_text, consent_at, topics) VALUES (?, ?, ?, ?, "
                     "?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING",
        [S_EVENT] = "INSERT INTO events (at, subscriber_id, old_status, "
                    "new_status, source, detail) VALUES (?, ?, ?, ?, ?, ?)",
        [S_DETAILS] = "UPDATE subscribers SET name = ?, organisation = ?, "
                      "topics = ? WHERE id = ?",
        [S_STATUS] = "UPDATE subscribers SET status = ?, confirmed_at = "
                     "coalesce(?, confirmed_at), left_at = ? WHERE id = ?",
        [S_IS_ERASED] = "SELECT 1 FROM suppressed WHERE hash = ?",
        [S_ERASE] = "INSERT OR IGNORE INTO suppressed (hash, erased_at) "
                    "VALUES (?, ?)",
        [S_UNERASE] = "DELETE FROM suppressed WHERE hash = ?",
        [S_DELETE] = "DELETE FROM subscribers WHERE id = ?",
        [S_EACH] = "SELECT " SUB_COLS " FROM subscribers WHERE status = ? "
                   "AND id > ? ORDER BY id",
        [S_EACH_ALL] = "SELECT " SUB_COLS " FROM subscribers WHERE id > ? "
                       "ORDER BY id",
        [S_COUNTS] = "SELECT status, count(*) FROM subscribers GROUP BY status",
        [S_ERASED_COUNT] = "SELECT count(*) FROM suppressed",
        [S_EVENTS] = "SELECT id, at, subscriber_id, old_status, new_status, "
                     "source, detail FROM events WHERE subscriber_id = ? "
                     "ORDER BY id",
        [S_PURGE] = "DELETE FROM subscribers WHERE status = 'pending' AND "
                    "created_at <= ?",
        [S_PURGE_RETURNS] = "DELETE FROM returns WHERE created_at <= ?",
};

_Static_assert((int)S_COUNT <= (int)STORE_NSTMT,
               "struct store has room for stmts");

static const char *const status_names[STORE_NSTATUS] = {
        "pending", "active", "unsubscribed", "bounced", "complained",
};

const char *store_status_name(enum store_status status)
{
	return status >= 0 && status < STORE_NSTATUS ? status_names[status]
	                                             : "unknown";
}

int store_status_parse(const char *name, enum store_status *status)
{
	for (int i = 0; i < STORE_NSTATUS; i++) {
		if (!strcmp(name, status_names[i])) {
			*status = (enum store_status)i;
			return 0;
		}
	}
	return -1;
}

int store_status_suppressed(enum store_status status)
{
	return status == STORE_UNSUBSCRIBED || status == STORE_BOUNCED ||
	       status == STORE_COMPLAINED;
}

int store_schema_version(void)
{
	return STORE_VERSION;
}

static int64_t now(void)
{
	return (int64_t)time(NULL);
}

int store_is_damage(int code)
{
	code &= 0xff;
	return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

sqlite3_stmt *store_prepare(struct store *st, const char *sql, const char *what,
                            struct err *err)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_fail(st, what, err);
		return NULL;
	}
	return s;
}

char *store_column_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t ? (const char *)t : "");
}

int store_db_fail(struct store *st, const char *what, struct err *err)
{
	int code = sqlite3_extended_errcode(st->db);

	if (store_is_damage(code))
		return err_set(err,
		               "store %s is damaged (%s); bulletin will not "
		               "write to it: restore it from a backup",
		               st->path, sqlite3_errmsg(st->db));
	if ((code & 0xff) == SQLITE_BUSY)
		return err_set(err,
		               "store %s: %s: another process kept it busy "
		               "for too long; try again",
		               st->path, what);
	return err_set(err, "store %s: %s: %s", st->path, what,
	               sqlite3_errmsg(st->db));
}

/*
 * A prepared statement, ready for binding. Statements are prepared once
 * per open store and reset after each use, so that no read stays open.
 */
static sqlite3_stmt *stmt(struct store *st, enum stmt which, struct err *err)
{
	if (!st->stmt[which] &&
	    sqlite3_prepare_v3(st->db, stmt_sql[which], -1,
	                       SQLITE_PREPARE_PERSISTENT, &st->stmt[which],
	                       NULL) != SQLITE_OK) {
		store_db_fail(st, "cannot prepare a statement", err);
		return NULL;
	}
	return st->stmt[which];
}

static void done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static void bind_text(sqlite3_stmt *s, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/* Binds 0 ("never") as NULL. */
static void bind_time(sqlite3_stmt *s, int i, int64_t t)
{
	if (t)
		sqlite3_bind_int64(s, i, t);
	else
		sqlite3_bind_null(s, i);
}

/* Runs a statement that returns no rows; resets it. */
static int run(struct store *st, sqlite3_stmt *s, const char *what,
               struct err *err)
{
	int rc = sqlite3_step(s);

	done(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, what, err);
	return 0;
}

static int exec(struct store *st, const char *sql, const char *what,
                struct err *err)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, what, err);
	return 0;
}

static int status_of(const unsigned char *text)
{
	enum store_status s;

	if (!text || store_status_parse((const char *)text, &s) < 0)
		return -1;
	return (int)s;
}

static char *col_text(sqlite3_stmt *s, int i)
{
	return (char *)sqlite3_column_text(s, i);
}

/* Fills out with pointers into the current row (valid until the step). */
static void read_row(struct store *st, sqlite3_stmt *s,
                     struct store_subscriber *out)
{
	int status = status_of(sqlite3_column_text(s, 4));
	const char *secret = col_text(s, 5);

	out->id = sqlite3_column_int64(s, 0);
	out->email = col_text(s, 1);
	out->name = col_text(s, 2);
	out->organisation = col_text(s, 3);
	out->status = status < 0 ? STORE_PENDING : (enum store_status)status;
	if (secret && strlen(secret) == TOKEN_LEN)
		token_join(sqlite3_column_int64(s, 0), secret, st->token);
	else
		st->token[0] = '\0';
	out->token = st->token;
	out->created = sqlite3_column_int64(s, 6);
	out->confirmed = sqlite3_column_int64(s, 7);
	out->left = sqlite3_column_int64(s, 8);
	out->source = col_text(s, 9);
	out->consent_text = col_text(s, 10);
	out->consent_at = sqlite3_column_int64(s, 11);
	out->topics = sqlite3_column_int64(s, 12);
}

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

static void copy_row(struct store *st, sqlite3_stmt *s,
                     struct store_subscriber *out)
{
	read_row(st, s, out);
	out->email = dup_or_empty(out->email);
	out->name = dup_or_empty(out->name);
	out->organisation = dup_or_empty(out->organisation);
	out->token = dup_or_empty(out->token);
	out->source = dup_or_empty(out->source);
	out->consent_text =
	        out->consent_text ? xstrdup(out->consent_text) : NULL;
}

void store_subscriber_release(struct store_subscriber *s)
{
	free(s->email);
	free(s->name);
	free(s->organisation);
	free(s->token);
	free(s->source);
	free(s->consent_text);
	memset(s, 0, sizeof(*s));
}

/* Runs a lookup bound to one text or id; 1 found (out filled), 0 not. */
static int find(struct store *st, enum stmt which, const char *text, int64_t id,
                struct store_subscriber *out, struct err *err)
{
	sqlite3_stmt *s = stmt(st, which, err);
	int rc, ret;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	if (text)
		bind_text(s, 1, text);
	else
		sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		copy_row(st, s, out);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		ret = store_db_fail(st, "cannot look up a subscriber", err);
	}
	done(s);
	return ret;
}

int store_find_email(struct store *st, const char *email,
                     struct store_subscriber *out, struct err *err)
{
	struct buf norm = BUF_INIT;
	int ret;

	/* An address that cannot be valid cannot be held either. */
	if (address_normalise(email, strlen(email), &norm, NULL) < 0)
		ret = 0;
	else
		ret = find(st, S_FIND_EMAIL, norm.data, 0, out, err);
	buf_release(&norm);
	return ret;
}

/* Compares secrets in time that does not depend on where they differ. */
int store_same_secret(const char *a, const char *b)
{
	unsigned diff = 0;

	for (int i = 0; i < TOKEN_LEN; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return diff == 0;
}

static int find_token(struct store *st, const char *token,
                      struct store_subscriber *out, struct err *err)
{
	char secret[TOKEN_LEN + 1];
	int64_t id;
	int r;

	if (token_split(token, &id, secret) < 0)
		return 0;
	r = find(st, S_FIND_ID, NULL, id, out, err);
	if (r == 1 && (!out->token || strlen(out->token) != TOKEN_PUBLIC_LEN ||
	               !store_same_secret(out->token + TOKEN_ID_LEN, secret))) {
		store_subscriber_release(out);
		r = 0;
	}
	return r;
}

int store_find_id(struct store *st, int64_t id, struct store_subscriber *out,
                  struct err *err)
{
	return find(st, S_FIND_ID, NULL, id, out, err);
}

int store_find_token(struct store *st, const char *token,
                     struct store_subscriber *out, struct err *err)
{
	return find_token(st, token, out, err);
}

/* Transactions. */

static int begin_immediate(struct store *st, struct err *err)
{
	/*
	 * IMMEDIATE takes the write lock before reading, so no other
	 * writer can slip in between our read and our write (no lost
	 * update). The busy timeout makes each attempt wait; a few attempts
	 * cover a long import in another process.
	 */
	for (int attempt = 1;; attempt++) {
		int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL,
		                      NULL);

		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY || attempt == BUSY_ATTEMPTS)
			return store_db_fail(st, "cannot start writing", err);
	}
}

static int commit(struct store *st, struct err *err)
{
	for (int attempt = 1;; attempt++) {
		int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY || attempt == BUSY_ATTEMPTS)
			return store_db_fail(st, "cannot commit", err);
	}
}

static void rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Starts a write unless the caller's store_begin already did. */
int store_write_begin(struct store *st, struct err *err)
{
	return st->in_txn ? 0 : begin_immediate(st, err);
}

/* Ends what write_begin started: commit when ret >= 0; returns ret. */
int store_write_end(struct store *st, int ret, struct err *err)
{
	if (st->in_txn)
		return ret;
	if (ret >= 0 && commit(st, err) == 0)
		return ret;
	rollback(st);
	return -1;
}

static int count_erased(struct store *st, long *n, struct err *err)
{
	sqlite3_stmt *s = stmt(st, S_ERASED_COUNT, err);
	int rc;

	if (!s)
		return -1;
	rc = sqlite3_step(s);
	*n = rc == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : 0;
	done(s);
	if (rc != SQLITE_ROW)
		return store_db_fail(st, "cannot count the suppression list",
		                     err);
	return 0;
}

int store_data_version(struct store *st, int64_t *v, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return store_db_fail(st, "cannot read the store's version",
		                     err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW
	               ? 0
	               : store_db_fail(st, "cannot read the store's version",
	                               err);
}

int store_begin(struct store *st, struct err *err)
{
	if (st->in_txn)
		return err_set(err, "store %s: already in a transaction",
		               st->path);
	if (begin_immediate(st, err) < 0)
		return -1;
	if (count_erased(st, &st->txn_erased, err) < 0) {
		rollback(st);
		return -1;
	}
	/*
	 * A bulk write touches index pages all over: keep them cached
	 * (128 MiB at most, and only while the transaction lasts).
	 */
	sqlite3_exec(st->db, "PRAGMA cache_size = -131072", NULL, NULL, NULL);
	st->in_txn = 1;
	return 0;
}

static void end_bulk(struct store *st)
{
	st->in_txn = 0;
	/* Back to the default small cache: memory returns to constant. */
	sqlite3_exec(st->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
}

int store_commit(struct store *st, struct err *err)
{
	int ret = commit(st, err);

	if (ret < 0)
		rollback(st);
	end_bulk(st);
	return ret;
}

void store_rollback(struct store *st)
{
	if (!st->in_txn)
		return;
	rollback(st);
	end_bulk(st);
}

/* Writing blocks. */

int store_add_event(struct store *st, int64_t id, int old_status,
                    enum store_status new_status, const char *source,
                    const char *detail, struct err *err)
{
	sqlite3_stmt *s = stmt(st, S_EVENT, err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now());
	sqlite3_bind_int64(s, 2, id);
	bind_text(s, 3,
	          old_status < 0
	                  ? NULL
	                  : store_status_name((enum store_status)old_status));
	bind_text(s, 4, store_status_name(new_status));
	bind_text(s, 5, source);
	bind_text(s, 6, detail ? detail : "");
	return run(st, s, "cannot record an event", err);
}

int store_change_status(struct store *st, int64_t id, int old_status,
                        enum store_status status, const char *source,
                        const char *detail, struct err *err)
{
	sqlite3_stmt *s = stmt(st, S_STATUS, err);
	int64_t t = now();

	if (!s)
		return -1;
	bind_text(s, 1, store_status_name(status));
	bind_time(s, 2, status == STORE_ACTIVE ? t : 0);
	bind_time(s, 3, store_status_suppressed(status) ? t : 0);
	sqlite3_bind_int64(s, 4, id);
	if (run(st, s, "cannot change a status", err) < 0)
		return -1;
	return store_add_event(st, id, old_status, status, source, detail, err);
}

/* The keyed hash standing for an address on the suppression list. */
static void erased_hash(struct store *st, const char *email,
                        unsigned char out[SHA256_LEN])
{
	char lower[ADDRESS_MAX + 1];
	size_t n = strlen(email);

	/* Addresses are unique ignoring ASCII case, and are ASCII. */
	if (n > ADDRESS_MAX)
		n = ADDRESS_MAX; /* never: only normalised addresses come */
	for (size_t i = 0; i < n; i++)
		lower[i] = email[i] >= 'A' && email[i] <= 'Z'
		                   ? (char)(email[i] + 32)
		                   : email[i];
	sha256_hmac(&st->suppress_key, lower, n, out);
}

static int by_hash(struct store *st, enum stmt which, const char *email,
                   struct err *err)
{
	unsigned char hash[SHA256_LEN];
	sqlite3_stmt *s = stmt(st, which, err);
	int rc;

	if (!s)
		return -1;
	erased_hash(st, email, hash);
	sqlite3_bind_blob(s, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	if (which == S_ERASE)
		sqlite3_bind_int64(s, 2, now());
	rc = sqlite3_step(s);
	done(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_db_fail(st, "cannot read the suppression list", err);
}

static int is_erased(struct store *st, const char *email, struct err *err)
{
	return by_hash(st, S_IS_ERASED, email, err);
}

/* Inserts a new subscriber; 1 done, 0 when the address is taken. */
static int insert(struct store *st, const char *email,
                  const struct store_signup *su, int64_t *id, struct err *err)
{
	char token[TOKEN_LEN + 1];
	sqlite3_stmt *s = stmt(st, S_INSERT, err);
	int64_t t = now();
	int rc;

	if (!s)
		return -1;
	if (token_pool_new(&st->tokens, token, err) < 0)
		return -1;
	bind_text(s, 1, email);
	bind_text(s, 2, su->name ? su->name : "");
	bind_text(s, 3, su->organisation ? su->organisation : "");
	bind_text(s, 4, store_status_name(su->status));
	bind_text(s, 5, token);
	sqlite3_bind_int64(s, 6, t);
	bind_time(s, 7, su->status == STORE_ACTIVE ? t : 0);
	bind_text(s, 8, su->source);
	bind_text(s, 9, su->consent_text);
	bind_time(s, 10, su->consent_text ? su->consent_at : 0);
	sqlite3_bind_int64(s, 11,
	                   su->topics       ? su->topics
	                   : su->new_topics ? su->new_topics
	                                    : STORE_ALL_TOPICS);
	rc = sqlite3_step(s);
	done(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot add a subscriber", err);
	if (sqlite3_changes(st->db) == 0)
		return 0;
	*id = sqlite3_last_insert_rowid(st->db);
	return 1;
}

int store_set_details(struct store *st, const struct store_subscriber *cur,
                      const char *name, const char *organisation,
                      int64_t topics, struct err *err)
{
	sqlite3_stmt *s = stmt(st, S_DETAILS, err);

	if (!s)
		return -1;
	bind_text(s, 1, name ? name : cur->name);
	bind_text(s, 2, organisation ? organisation : cur->organisation);
	sqlite3_bind_int64(s, 3, topics ? topics : cur->topics);
	sqlite3_bind_int64(s, 4, cur->id);
	return run(st, s, "cannot update a subscriber", err);
}

static int differs(const char *given, const char *held)
{
	return given && *given && strcmp(given, held ? held : "") != 0;
}

/* store_subscribe for an address already held. */
static int update(struct store *st, const struct store_subscriber *cur,
                  const struct store_signup *su, enum store_outcome *outcome,
                  struct err *err)
{
	int changed = 0;

	if (store_status_suppressed(cur->status)) {
		*outcome = STORE_SUPPRESSED;
		return 0;
	}
	if (differs(su->name, cur->name) ||
	    differs(su->organisation, cur->organisation) ||
	    (su->topics && su->topics != cur->topics)) {
		if (store_set_details(
		            st, cur,
		            differs(su->name, cur->name) ? su->name : NULL,
		            differs(su->organisation, cur->organisation)
		                    ? su->organisation
		                    : NULL,
		            su->topics, err) < 0)
			return -1;
		/* A change of what they get is a change of consent. */
		if (su->topics && su->topics != cur->topics &&
		    store_add_event(st, cur->id, (int)cur->status, cur->status,
		                    su->source, su->detail_topics, err) < 0)
			return -1;
		changed = 1;
	}
	if (cur->status == STORE_PENDING && su->status == STORE_ACTIVE) {
		if (store_change_status(st, cur->id, cur->status, STORE_ACTIVE,
		                        su->source, su->detail, err) < 0)
			return -1;
		changed = 1;
	}
	*outcome = changed ? STORE_UPDATED : STORE_UNCHANGED;
	return 0;
}

static int subscribe(struct store *st, const char *email,
                     const struct store_signup *su, enum store_outcome *outcome,
                     int64_t *id, struct err *err)
{
	struct store_subscriber cur;
	/* In a bulk write, an empty suppression list needs no look-up. */
	int r = st->in_txn && !st->txn_erased ? 0 : is_erased(st, email, err);

	if (r < 0)
		return -1;
	/* The form's sign-up goes on as for anyone new; the hash stays. */
	if (r && !(su->erased_may_return && su->status == STORE_PENDING)) {
		*outcome = STORE_ERASED;
		return 0;
	}
	r = insert(st, email, su, id, err);
	if (r < 0)
		return -1;
	if (r) {
		*outcome = STORE_ADDED;
		return store_add_event(st, *id, -1, su->status, su->source,
		                       su->detail, err);
	}
	r = find(st, S_FIND_EMAIL, email, 0, &cur, err);
	if (r <= 0)
		return r < 0 ? -1
		             : store_db_fail(st, "subscriber vanished", err);
	*id = cur.id;
	r = update(st, &cur, su, outcome, err);
	store_subscriber_release(&cur);
	return r;
}

int store_subscribe(struct store *st, const struct store_signup *su,
                    enum store_outcome *outcome, int64_t *id, struct err *err)
{
	int64_t got = 0;
	int ret;

	if (su->status != STORE_ACTIVE && su->status != STORE_PENDING)
		return err_set(err,
		               "a new subscriber is pending or active, not %s",
		               store_status_name(su->status));
	if (su->normalised) {
		buf_reset(&st->email);
		buf_adds(&st->email, su->email);
	} else if (address_normalise(su->email, strlen(su->email), &st->email,
	                             err) < 0) {
		return -1;
	}
	if (store_write_begin(st, err) < 0)
		return -1;
	ret = subscribe(st, st->email.data, su, outcome, &got, err);
	ret = store_write_end(st, ret, err);
	if (ret == 0 && id)
		*id = got;
	return ret;
}

static int refuse_unsuppress(const struct store_subscriber *cur,
                             enum store_status status, struct err *err)
{
	return err_set(err,
	               "%s is %s: only 'bulletin subscribers resubscribe' "
	               "(with the person's request as the reason) can make it "
	               "%s again",
	               cur->email, store_status_name(cur->status),
	               store_status_name(status));
}

static int set_status(struct store *st, int64_t id, enum store_status status,
                      const char *source, const char *detail, int *changed,
                      struct err *err)
{
	struct store_subscriber cur;
	int r = find(st, S_FIND_ID, NULL, id, &cur, err);

	if (r <= 0)
		return r;
	*changed = cur.status != status;
	if (store_status_suppressed(cur.status) &&
	    !store_status_suppressed(status))
		r = refuse_unsuppress(&cur, status, err);
	else if (*changed)
		r = store_change_status(st, id, (int)cur.status, status, source,
		                        detail, err) < 0
		            ? -1
		            : 1;
	store_subscriber_release(&cur);
	return r;
}

int store_set_status(struct store *st, int64_t id, enum store_status status,
                     const char *source, const char *detail, int *changed,
                     struct err *err)
{
	int ignored, ret;

	if (!changed)
		changed = &ignored;
	*changed = 0;
	if (store_write_begin(st, err) < 0)
		return -1;
	ret = set_status(st, id, status, source, detail, changed, err);
	return store_write_end(st, ret, err);
}

static int confirm(struct store *st, int64_t id, const char *source,
                   const char *detail, struct err *err)
{
	struct store_subscriber cur;
	struct buf said = BUF_INIT;
	int r = find(st, S_FIND_ID, NULL, id, &cur, err);

	if (r <= 0)
		return r;
	r = 0;
	if (cur.status == STORE_PENDING)
		r = is_erased(st, cur.email, err);
	/* Its owner confirmed: the erasure they asked for ends here. */
	if (r > 0 && by_hash(st, S_UNERASE, cur.email, err) < 0)
		r = -1;
	buf_adds(&said, detail);
	if (r > 0)
		buf_adds(&said, " (the address had been erased: it is off the "
		                "suppression list now)");
	if (r >= 0 && cur.status == STORE_PENDING)
		r = store_change_status(st, id, (int)cur.status, STORE_ACTIVE,
		                        source, said.data, err) < 0
		            ? -1
		            : 1;
	buf_release(&said);
	store_subscriber_release(&cur);
	return r;
}

int store_confirm(struct store *st, int64_t id, const char *source,
                  const char *detail, struct err *err)
{
	int ret;

	if (store_write_begin(st, err) < 0)
		return -1;
	ret = confirm(st, id, source, detail, err);
	return store_write_end(st, ret, err);
}

int store_unsubscribe_by_token(struct store *st, const char *token,
                               const char *source, const char *detail,
                               int *changed, struct err *err)
{
	struct store_subscriber cur;
	int ret, ignored;

	if (!changed)
		changed = &ignored;
	*changed = 0;
	if (store_write_begin(st, err) < 0)
		return -1;
	ret = find_token(st, token, &cur, err);
	if (ret == 1) {
		if (!store_status_suppressed(cur.status)) {
			*changed = 1;
			if (store_change_status(st, cur.id, (int)cur.status,
			                        STORE_UNSUBSCRIBED, source,
			                        detail, err) < 0)
				ret = -1;
		}
		store_subscriber_release(&cur);
	}
	return store_write_end(st, ret, err);
}

static int resubscribe(struct store *st, const char *email, const char *source,
                       const char *reason, int *changed, struct err *err)
{
	struct store_subscriber cur;
	struct store_signup su = {
	        .email = email,
	        .source = "cli",
	        .detail = reason,
	        .status = STORE_ACTIVE,
	};
	int64_t id = 0;
	int r = find(st, S_FIND_EMAIL, email, 0, &cur, err);

	if (r < 0)
		return -1;
	if (r) {
		/* Held pending after a sign-up on the form, erased before. */
		r = by_hash(st, S_UNERASE, email, err) < 0 ? -1 : 1;
		*changed = cur.status != STORE_ACTIVE;
		if (r > 0 && *changed)
			r = store_change_status(st, cur.id, (int)cur.status,
			                        STORE_ACTIVE, source, reason,
			                        err) < 0
			            ? -1
			            : 1;
		store_subscriber_release(&cur);
		return r;
	}
	r = is_erased(st, email, err);
	if (r <= 0)
		return r;
	if (by_hash(st, S_UNERASE, email, err) < 0)
		return -1;
	if (!strcmp(source, "web") || !strcmp(source, "import"))
		su.source = source;
	r = insert(st, email, &su, &id, err);
	if (r <= 0)
		return r < 0 ? -1 : store_db_fail(st, "address taken", err);
	*changed = 1;
	return store_add_event(st, id, -1, STORE_ACTIVE, source, reason, err) <
	                       0
	               ? -1
	               : 1;
}

int store_resubscribe(struct store *st, const char *email, const char *source,
                      const char *reason, int *changed, struct err *err)
{
	struct buf norm = BUF_INIT;
	int ret = -1, ignored;

	if (!changed)
		changed = &ignored;
	*changed = 0;
	if (!reason || !*reason) {
		err_set(err,
		        "resubscribing %s needs a reason (the person's "
		        "request: when and how they asked)",
		        email);
		goto out;
	}
	if (address_normalise(email, strlen(email), &norm, err) < 0)
		goto out;
	if (store_write_begin(st, err) < 0)
		goto out;
	ret = resubscribe(st, norm.data, source, reason, changed, err);
	ret = store_write_end(st, ret, err);
out:
	buf_release(&norm);
	return ret;
}

static int delete_row(struct store *st, int64_t id, struct err *err)
{
	sqlite3_stmt *s = stmt(st, S_DELETE, err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return run(st, s, "cannot delete a subscriber", err);
}

static int remove_one(struct store *st, const char *email, struct err *err)
{
	struct store_subscriber cur;
	int r = find(st, S_FIND_EMAIL, email, 0, &cur, err);

	if (r <= 0)
		return r;
	if (store_status_suppressed(cur.status))
		r = err_set(err,
		            "%s is %s: removing it would let a later import "
		            "add it back; use 'erase' to delete the personal "
		            "data and keep the address suppressed",
		            cur.email, store_status_name(cur.status));
	else if (delete_row(st, cur.id, err) < 0)
		r = -1;
	store_subscriber_release(&cur);
	return r;
}

/* Runs fn on the normalised address inside one write transaction. */
static int with_address(struct store *st, const char *email,
                        int (*fn)(struct store *, const char *, struct err *),
                        struct err *err)
{
	struct buf norm = BUF_INIT;
	int ret = -1;

	if (address_normalise(email, strlen(email), &norm, err) < 0)
		goto out;
	if (store_write_begin(st, err) < 0)
		goto out;
	ret = fn(st, norm.data, err);
	ret = store_write_end(st, ret, err);
out:
	buf_release(&norm);
	return ret;
}

int store_remove(struct store *st, const char *email, struct err *err)
{
	return with_address(st, email, remove_one, err);
}

static int erase_one(struct store *st, const char *email, struct err *err)
{
	struct store_subscriber cur;
	int r = find(st, S_FIND_EMAIL, email, 0, &cur, err);

	if (r < 0)
		return -1;
	if (r) {
		int64_t id = cur.id;

		store_subscriber_release(&cur);
		if (delete_row(st, id, err) < 0)
			return -1;
	}
	if (by_hash(st, S_ERASE, email, err) < 0)
		return -1;
	st->txn_erased++;
	return r;
}

int store_erase(struct store *st, const char *email, struct err *err)
{
	return with_address(st, email, erase_one, err);
}

int store_is_erased(struct store *st, const char *email, struct err *err)
{
	struct buf norm = BUF_INIT;
	int ret = 0;

	if (address_normalise(email, strlen(email), &norm, NULL) == 0)
		ret = is_erased(st, norm.data, err);
	buf_release(&norm);
	return ret;
}

/* Reading many. */

int store_each(struct store *st, int status, int64_t after_id,
               int (*fn)(const struct store_subscriber *s, void *ctx),
               void *ctx, struct err *err)
{
	sqlite3_stmt *s = stmt(st, status < 0 ? S_EACH_ALL : S_EACH, err);
	struct store_subscriber sub;
	int rc, ret = 0;

	if (!s)
		return -1;
	if (status < 0) {
		sqlite3_bind_int64(s, 1, after_id);
	} else {
		bind_text(s, 1, store_status_name((enum store_status)status));
		sqlite3_bind_int64(s, 2, after_id);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_row(st, s, &sub);
		ret = fn(&sub, ctx);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_db_fail(st, "cannot read the subscribers", err);
	done(s);
	return ret;
}

int store_each_active(struct store *st, int64_t after_id,
                      int (*fn)(const struct store_subscriber *s, void *ctx),
                      void *ctx, struct err *err)
{
	return store_each(st, STORE_ACTIVE, after_id, fn, ctx, err);
}

int store_counts(struct store *st, long counts[STORE_NSTATUS], long *erased,
                 struct err *err)
{
	sqlite3_stmt *s = stmt(st, S_COUNTS, err);
	int rc;

	memset(counts, 0, sizeof(long) * STORE_NSTATUS);
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int status = status_of(sqlite3_column_text(s, 0));

		if (status >= 0)
			counts[status] = (long)sqlite3_column_int64(s, 1);
	}
	done(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot count the subscribers", err);
	return count_erased(st, erased, err);
}

int store_each_event(struct store *st, int64_t subscriber_id,
                     int (*fn)(const struct store_event *ev, void *ctx),
                     void *ctx, struct err *err)
{
	sqlite3_stmt *s = stmt(st, S_EVENTS, err);
	int rc, ret = 0;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, subscriber_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int to = status_of(sqlite3_column_text(s, 4));
		struct store_event ev = {
		        .id = sqlite3_column_int64(s, 0),
		        .at = sqlite3_column_int64(s, 1),
		        .subscriber_id = sqlite3_column_int64(s, 2),
		        .old_status = status_of(sqlite3_column_text(s, 3)),
		        .new_status =
		                to < 0 ? STORE_PENDING : (enum store_status)to,
		        .source = col_text(s, 5),
		        .detail = col_text(s, 6),
		};

		ret = fn(&ev, ctx);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_db_fail(st, "cannot read the events", err);
	done(s);
	return ret;
}

/* The data export. */

static void add_time(struct buf *b, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char text[32];

	if (!t || !gmtime_r(&tt, &tm)) {
		buf_adds(b, "null");
		return;
	}
	strftime(text, sizeof(text), "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
	buf_adds(b, text);
}

static void add_member(struct buf *b, const char *key, const char *value)
{
	buf_addf(b, ",\n    \"%s\": ", key);
	json_add_string(b, value);
}

static void add_time_member(struct buf *b, const char *key, int64_t t)
{
	buf_addf(b, ",\n    \"%s\": ", key);
	add_time(b, t);
}

static int add_event_json(const struct store_event *ev, void *ctx)
{
	struct buf *b = ctx;

	buf_adds(b, b->data[b->len - 1] == '[' ? "\n    {" : ",\n    {");
	buf_adds(b, "\"at\": ");
	add_time(b, ev->at);
	buf_adds(b, ", \"from\": ");
	json_add_string(
	        b,
	        ev->old_status < 0
	                ? NULL
	                : store_status_name((enum store_status)ev->old_status));
	buf_adds(b, ", \"to\": ");
	json_add_string(b, store_status_name(ev->new_status));
	buf_adds(b, ", \"source\": ");
	json_add_string(b, ev->source);
	buf_adds(b, ", \"detail\": ");
	json_add_string(b, ev->detail);
	buf_addch(b, '}');
	return 0;
}

static void add_subscriber_json(struct buf *b, const struct store_subscriber *s)
{
	buf_adds(b, "{\n    \"email\": ");
	json_add_string(b, s->email);
	add_member(b, "name", s->name);
	add_member(b, "organisation", s->organisation);
	add_member(b, "status", store_status_name(s->status));
	add_member(b, "token", s->token);
	add_member(b, "source", s->source);
	add_time_member(b, "created", s->created);
	add_time_member(b, "confirmed", s->confirmed);
	add_time_member(b, "left", s->left);
	add_member(b, "consent_text", s->consent_text);
	add_time_member(b, "consent_at", s->consent_at);
	buf_adds(b, "\n  }");
}

/*
 * The subscriber's topics by key (every topic the store knows when they
 * hold all), and a request to come back that waits for confirmation.
 */
static int add_choices_json(struct store *st, int64_t id, int64_t topics,
                            struct buf *b, struct err *err)
{
	sqlite3_stmt *s;
	int rc, n = 0;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT key FROM topic_bits WHERE (?1 >> bit) & "
	                       "1 ORDER BY bit",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot read the topics", err);
	sqlite3_bind_int64(s, 1, topics);
	buf_adds(b, ",\n  \"topics\": [");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		buf_adds(b, n++ ? ", " : "");
		json_add_string(b, col_text(s, 0));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE ||
	    sqlite3_prepare_v2(st->db,
	                       "SELECT created_at, consent_at FROM returns "
	                       "WHERE subscriber_id = ?",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot read the topics", err);
	sqlite3_bind_int64(s, 1, id);
	buf_adds(b, "],\n  \"request_to_come_back\": ");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		buf_adds(b, "{\"asked\": ");
		add_time(b, sqlite3_column_int64(s, 0));
		buf_adds(b, ", \"consent_at\": ");
		add_time(b, sqlite3_column_int64(s, 1));
		buf_addch(b, '}');
	} else {
		buf_adds(b, "null");
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	               ? 0
	               : store_db_fail(st, "cannot read a request", err);
}

int store_data_json(struct store *st, const char *email, struct buf *out,
                    struct err *err)
{
	struct store_subscriber sub;
	int found = store_find_email(st, email, &sub, err);
	int erased = found < 0 ? -1 : store_is_erased(st, email, err);

	if (erased < 0) {
		if (found > 0)
			store_subscriber_release(&sub);
		return -1;
	}
	buf_adds(out, "{\n  \"address\": ");
	json_add_string(out, email);
	buf_adds(out, ",\n  \"subscriber\": ");
	if (found)
		add_subscriber_json(out, &sub);
	else
		buf_adds(out, "null");
	buf_adds(out, ",\n  \"events\": [");
	if (found && store_each_event(st, sub.id, add_event_json, out, err) < 0)
		found = -1;
	buf_adds(out, out->data[out->len - 1] == '[' ? "]" : "\n  ]");
	if (found > 0 && add_choices_json(st, sub.id, sub.topics, out, err) < 0)
		found = -1;
	if (found >= 0 &&
	    (store_inbox_data_json(st, found ? sub.id : 0, out, err) < 0 ||
	     store_partner_data_json(st, email, out, err) < 0))
		found = -1;
	buf_addf(out, ",\n  \"erased_and_suppressed\": %s\n}\n",
	         erased ? "true" : "false");
	if (found > 0)
		store_subscriber_release(&sub);
	return found < 0 ? -1 : 0;
}

int store_purge_pending(struct store *st, int64_t older_than, long *purged,
                        struct err *err)
{
	sqlite3_stmt *s;
	int ret;

	*purged = 0;
	if (store_write_begin(st, err) < 0)
		return -1;
	s = stmt(st, S_PURGE, err);
	ret = s ? 0 : -1;
	if (s) {
		sqlite3_bind_int64(s, 1, now() - older_than);
		ret = run(st, s, "cannot purge pending subscribers", err);
		if (ret == 0)
			*purged = (long)sqlite3_changes(st->db);
	}
	/* Requests to come back never confirmed: the address stays left. */
	s = ret == 0 ? stmt(st, S_PURGE_RETURNS, err) : NULL;
	if (ret == 0 && !s)
		ret = -1;
	if (s) {
		sqlite3_bind_int64(s, 1, now() - older_than);
		ret = run(st, s, "cannot purge requests to come back", err);
	}
	return store_write_end(st, ret, err);
}

/* Opening. */

static int make_parents(const char *path, struct err *err)
{
	struct buf dir = BUF_INIT;
	int ret = 0;

	buf_adds(&dir, path);
	for (size_t i = 1; i < dir.len; i++) {
		if (dir.data[i] != '/')
			continue;
		dir.data[i] = '\0';
		/* The folder of personal data is for its owner only. */
		if (mkdir(dir.data, 0700) < 0 && errno != EEXIST) {
			ret = err_errno(err, "cannot create %s for the store",
			                dir.data);
			break;
		}
		dir.data[i] = '/';
	}
	buf_release(&dir);
	return ret;
}

/*
 * Makes an existing file readable and writable by its owner only; *was
 * gets its old permission bits when it changed them (left alone else).
 * 0 when there is no such file. By name, never by opening the file:
 * closing any descriptor of the store, its -wal or -shm would drop the
 * POSIX locks this process's SQLite connections hold on it.
 */
static int owner_only(const char *path, mode_t *was, struct err *err)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		return errno == ENOENT ? 0
		                       : err_errno(err,
		                                   "cannot use the store "
		                                   "file %s",
		                                   path);
	if (!S_ISREG(sb.st_mode) || !(sb.st_mode & 077))
		return 0;
	if (chmod(path, S_IRUSR | S_IWUSR) < 0) {
		int e = errno;

		return err_set(err,
		               "store file %s can be read by other users "
		               "(mode %04o) and bulletin cannot change that "
		               "(%s): as its owner, run 'chmod 600 %s'",
		               path, (unsigned)(sb.st_mode & 07777),
		               strerror(e), path);
	}
	*was = sb.st_mode & 07777;
	return 0;
}

/*
 * A store file found readable by others (made by hand, copied, restored
 * from a backup, or an empty file made with touch), and its -wal and
 * -shm files, become 0600: the store holds addresses and token secrets.
 * SQLite would go on using the file's mode for the -wal and -shm it makes.
 * What changed is added to which (names) and *first (the first old mode).
 */
static int tighten(const char *path, struct buf *which, mode_t *first,
                   struct err *err)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	struct buf p = BUF_INIT;
	int ret = 0;

	for (size_t i = 0; i < 3 && !ret; i++) {
		mode_t was = 0;

		buf_reset(&p);
		buf_addf(&p, "%s%s", path, suffix[i]);
		ret = owner_only(p.data, &was, err);
		/* Once the store itself is named, its -wal and -shm (maybe
		 * just made from its mode) go without saying. */
		if (ret || !was || !strcmp(which->data, path))
			continue;
		if (i == 0) {
			buf_reset(which);
			*first = was;
		} else if (!*first) {
			*first = was;
		}
		buf_addf(which, "%s%s", which->len ? ", " : "", p.data);
	}
	buf_release(&p);
	return ret;
}

static void set_notice(struct store *st, const struct buf *which, mode_t first)
{
	struct buf msg = BUF_INIT;
	int many = strchr(which->data, ',') != NULL;

	buf_addf(&msg,
	         "%s %s %s by other users (mode %04o); %s now readable only "
	         "by you (mode 0600)",
	         which->data, many ? "were" : "was",
	         first & 044 ? "readable" : "writable", (unsigned)first,
	         many ? "they are" : "it is");
	free(st->notice);
	st->notice = buf_detach(&msg);
}

/*
 * Creates the file with mode 0600 before SQLite sees it (SQLite would use
 * 0644 less the umask, and gives its -wal and -shm files the mode of the
 * database); an existing store is made 0600 by tighten.
 */
static int prepare_file(const char *path, struct buf *which, mode_t *first,
                        struct err *err)
{
	struct stat sb;
	int fd;

	if (stat(path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode))
			return err_set(err, "store %s is not a regular file",
			               path);
		/*
		 * An empty file has nothing to lose: private at once. One
		 * with content is made private once identify knows it is a
		 * store (another program's file is left as it is).
		 */
		return sb.st_size == 0 ? tighten(path, which, first, err) : 0;
	}
	if (errno != ENOENT)
		return err_errno(err, "cannot use the store %s", path);
	if (make_parents(path, err) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST)
		return err_errno(err, "cannot create the store %s", path);
	if (fd >= 0)
		close(fd);
	/* -wal and -shm left behind by a store deleted without them. */
	return tighten(path, which, first, err);
}

static int pragma_int(struct store *st, const char *sql, int64_t *value)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*value = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

static int refuse(struct store *st, const char *why, struct err *err)
{
	return err_set(err,
	               "%s is not a bulletin store (%s); bulletin leaves it "
	               "as it is: set 'store:' in bulletin.yaml to another "
	               "path, or restore the store from a backup",
	               st->path, why);
}

/*
 * Finds the schema version of the file, refusing anything bulletin did
 * not write or cannot read. Only reads.
 */
static int identify(struct store *st, int64_t *version, struct err *err)
{
	int64_t app = 0, objects = 0, tables = 0;
	int rc;

	*version = 0;
	rc = pragma_int(st, "PRAGMA application_id", &app);

	if ((rc & 0xff) == SQLITE_CORRUPT)
		return store_db_fail(st, "cannot read", err);
	if (rc != SQLITE_OK)
		return refuse(st, sqlite3_errmsg(st->db), err);
	rc = pragma_int(st, "PRAGMA user_version", version);
	if (rc == SQLITE_OK)
		rc = pragma_int(st, "SELECT count(*) FROM sqlite_schema",
		                &objects);
	if (rc == SQLITE_OK)
		rc = pragma_int(st,
		                "SELECT count(*) FROM sqlite_schema WHERE "
		                "type = 'table' AND name IN ('meta', "
		                "'subscribers', 'events', 'suppressed')",
		                &tables);
	if (rc != SQLITE_OK)
		return store_is_damage(rc)
		               ? store_db_fail(st, "cannot read", err)
		               : refuse(st, sqlite3_errmsg(st->db), err);
	if (app == 0 && *version == 0 && objects == 0)
		return 0; /* an empty database: nothing in it to lose */
	if (app != APPLICATION_ID)
		return refuse(st, "a SQLite database of another program", err);
	if (*version > STORE_VERSION)
		return err_set(err,
		               "store %s has schema version %lld, newer than "
		               "this bulletin understands (%d): use a newer "
		               "bulletin; the store is left as it is",
		               st->path, (long long)*version, STORE_VERSION);
	if (*version < 1 || tables != 4)
		return err_set(err,
		               "store %s is damaged (its tables are missing); "
		               "bulletin will not write to it: restore it from "
		               "a backup",
		               st->path);
	return 0;
}

static int create_key(struct store *st, struct err *err)
{
	unsigned char key[KEY_BYTES];
	sqlite3_stmt *s;
	int rc;

	if (token_random_bytes(key, sizeof(key), err) < 0)
		return -1;
	rc = sqlite3_prepare_v2(st->db,
	                        "INSERT INTO meta (key, value) VALUES "
	                        "('suppression_key', ?)",
	                        -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_db_fail(st, "cannot store the key", err);
	sqlite3_bind_blob(s, 1, key, sizeof(key), SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot store the key", err);
	return 0;
}

static int migrate(struct store *st, struct err *err)
{
	struct buf sql = BUF_INIT;
	int64_t version = 0;
	int ret = -1;

	if (begin_immediate(st, err) < 0)
		return -1;
	/* Another process may have migrated while we waited. */
	if (identify(st, &version, err) < 0)
		goto out;
	if (version == 0) {
		buf_addf(&sql, "PRAGMA application_id = %d;", APPLICATION_ID);
		if (exec(st, sql.data, "cannot mark the store", err) < 0)
			goto out;
	}
	for (int64_t v = version; v < STORE_VERSION; v++) {
		if (exec(st, migrations[v], "cannot update the schema", err) <
		    0)
			goto out;
		if (v == 0 && create_key(st, err) < 0)
			goto out;
	}
	buf_reset(&sql);
	buf_addf(&sql, "PRAGMA user_version = %d", STORE_VERSION);
	if (exec(st, sql.data, "cannot update the schema", err) < 0)
		goto out;
	ret = commit(st, err);
out:
	if (ret < 0)
		rollback(st);
	buf_release(&sql);
	return ret;
}

static int load_key(struct store *st, struct err *err)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(
	        st->db, "SELECT value FROM meta WHERE key = 'suppression_key'",
	        -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_db_fail(st, "cannot read the key", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == KEY_BYTES)
		sha256_hmac_init(&st->suppress_key, sqlite3_column_blob(s, 0),
		                 KEY_BYTES);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE
		               ? err_set(err,
		                         "store %s is damaged (its key is "
		                         "missing): restore it from a backup",
		                         st->path)
		               : store_db_fail(st, "cannot read the key", err);
	return 0;
}

static int set_wal(struct store *st, struct err *err)
{
	sqlite3_stmt *s;
	int wal = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s,
	                       NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot set the journal mode", err);
	if (sqlite3_step(s) == SQLITE_ROW)
		wal = !strcmp((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	if (!wal)
		return store_db_fail(st, "cannot use write-ahead logging", err);
	return 0;
}

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

/*
 * No memory statistics: they take a global lock on every allocation (6% of
 * a bulk import). This must come before SQLite's first use, and every use
 * starts with store_open.
 */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int open_db(struct store *st, const char *path, struct err *err)
{
	if (sqlite3_open_v2(path, &st->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK)
		return err_set(err, "cannot open the store %s: %s", path,
		               st->db ? sqlite3_errmsg(st->db)
		                      : "out of memory");
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	/*
	 * Until the file is known to be ours, closing must not checkpoint
	 * (which would write to a foreign WAL database).
	 */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	return 0;
}

/* The schema brought up to STORE_VERSION from version (0: a new store). */
static int set_up_schema(struct store *st, int64_t version, struct err *err)
{
	if (exec(st, "PRAGMA foreign_keys = ON", "cannot set up", err) < 0)
		return -1;
	/*
	 * A new store gets 8 KiB pages (SQLite's default is 4 KiB): a bulk
	 * import of a million rows then runs about 10% faster, for about 5%
	 * fewer one-click unsubscribes a second at full load; larger pages
	 * cost the web endpoint more than they gain (32 KiB halves its
	 * unsubscribes a second). Measured side by side with scripts/bench
	 * store and scripts/bench serve. The pragma does nothing once the
	 * file has content: an older store keeps its page size.
	 */
	if (version == 0 &&
	    exec(st, "PRAGMA page_size = 8192", "cannot set up", err) < 0)
		return -1;
	if (version < STORE_VERSION && migrate(st, err) < 0)
		return -1;
	return 0;
}

/* Write-ahead logging; the file is known to be a store by now, so closing
 * may checkpoint again. */
static int set_up_journal(struct store *st, struct err *err)
{
	if (set_wal(st, err) < 0)
		return -1;
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);
	/* FULL: an unsubscribe once reported done survives a power cut. */
	if (exec(st, "PRAGMA synchronous = FULL", "cannot set up", err) < 0)
		return -1;
	/*
	 * A big import grows the WAL to the size of what it wrote; while
	 * another process (the web endpoint) keeps the store open, the file
	 * would stay that big. Cut it back after each checkpoint.
	 */
	return exec(st, "PRAGMA journal_size_limit = 67108864", "cannot set up",
	            err);
}

int store_open(struct store *st, const char *path, struct err *err)
{
	struct buf tightened = BUF_INIT;
	mode_t was = 0;
	int64_t version = 0;

	memset(st, 0, sizeof(*st));
	buf_init(&st->email);
	st->path = xstrdup(path);
	if (prepare_file(path, &tightened, &was, err) < 0)
		goto fail;
	pthread_once(&sqlite_once, configure_sqlite);
	if (open_db(st, path, err) < 0 || identify(st, &version, err) < 0)
		goto fail;
	/*
	 * Known now to be a store (or an empty database, about to be one):
	 * it is made private, with its -wal and -shm (which SQLite may have
	 * just made, from the file's mode, to read it).
	 */
	if (tighten(path, &tightened, &was, err) < 0)
		goto fail;
	if (tightened.len)
		set_notice(st, &tightened, was);
	buf_release(&tightened);
	if (set_up_schema(st, version, err) < 0 ||
	    set_up_journal(st, err) < 0 || load_key(st, err) < 0)
		goto fail;
	return 0;
fail:
	buf_release(&tightened);
	store_close(st);
	return -1;
}

void store_close(struct store *st)
{
	for (int i = 0; i < STORE_NSTMT; i++)
		if (st->stmt[i])
			sqlite3_finalize(st->stmt[i]);
	if (st->db) {
		rollback(st);
		sqlite3_close(st->db);
	}
	free(st->path);
	free(st->notice);
	buf_release(&st->email);
	explicit_bzero(st, sizeof(*st));
}
