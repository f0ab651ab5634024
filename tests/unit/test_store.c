#include "store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "token.h"

static char dir[] = "/tmp/test_store.XXXXXX";

static char *path_in(const char *name)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/%s", dir, name);
	return buf_detach(&b);
}

static void open_ok(struct store *st, const char *path)
{
	struct err err = ERR_INIT;

	CHECK(store_open(st, path, &err) == 0);
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	err_release(&err);
}

static enum store_outcome add(struct store *st, const char *email,
                              const char *name, const char *source,
                              enum store_status status)
{
	struct store_signup su = {
	        .email = email,
	        .name = name,
	        .source = source,
	        .detail = "test",
	        .status = status,
	};
	enum store_outcome outcome = (enum store_outcome) - 1;
	struct err err = ERR_INIT;

	CHECK(store_subscribe(st, &su, &outcome, NULL, &err) == 0);
	if (err.set)
		fprintf(stderr, "  %s: %s\n", email, err_msg(&err));
	err_release(&err);
	return outcome;
}

static int status_of(struct store *st, const char *email)
{
	struct store_subscriber s;
	struct err err = ERR_INIT;
	int r = store_find_email(st, email, &s, &err), status = -1;

	if (r == 1) {
		status = (int)s.status;
		store_subscriber_release(&s);
	}
	err_release(&err);
	return status;
}

static int count_events(const struct store_event *ev, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static int events_of(struct store *st, const char *email)
{
	struct store_subscriber s;
	struct err err = ERR_INIT;
	int n = 0;

	if (store_find_email(st, email, &s, &err) == 1) {
		CHECK(store_each_event(st, s.id, count_events, &n, &err) == 0);
		store_subscriber_release(&s);
	}
	err_release(&err);
	return n;
}

static int64_t pragma(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	            SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

static void test_create(void)
{
	char *path = path_in("sub/dir/bulletin.db");
	struct store st;
	struct stat sb;

	open_ok(&st, path);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	*strrchr(path, '/') = '\0';
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0700);
	*strchr(path + strlen(dir) + 1, '/') = '\0';
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0700);
	free(path);
	path = path_in("sub/dir/bulletin.db");
	CHECK(add(&st, "jo@example.org", "Jo", "cli", STORE_ACTIVE) ==
	      STORE_ADDED);
	/* the -wal file shares the mode */
	char *wal = path_in("sub/dir/bulletin.db-wal");
	CHECK(stat(wal, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	free(wal);
	store_close(&st);
	CHECK(pragma(path, "PRAGMA application_id") == 0x626c746e);
	CHECK(pragma(path, "PRAGMA user_version") == store_schema_version());
	CHECK(pragma(path, "SELECT count(*) FROM subscribers") == 1);
	/* reopening keeps what was there */
	open_ok(&st, path);
	CHECK(status_of(&st, "jo@example.org") == STORE_ACTIVE);
	store_close(&st);
	free(path);
}

static void test_subscribe(struct store *st)
{
	struct store_subscriber s, t;
	struct err err = ERR_INIT;
	struct store_signup bad = {.email = "not an address",
	                           .source = "cli",
	                           .status = STORE_ACTIVE};
	enum store_outcome outcome;

	CHECK(add(st, " Ann@Example.ORG ", "Ann", "import", STORE_ACTIVE) ==
	      STORE_ADDED);
	CHECK(add(st, "ann@example.org", "Ann", "import", STORE_ACTIVE) ==
	      STORE_UNCHANGED);
	CHECK(add(st, "ANN@EXAMPLE.ORG", NULL, "cli", STORE_ACTIVE) ==
	      STORE_UNCHANGED);
	CHECK(add(st, "Ann@example.org", "Ann Smith", "cli", STORE_ACTIVE) ==
	      STORE_UPDATED);
	CHECK(add(st, "Ann@example.org", "", "cli", STORE_PENDING) ==
	      STORE_UNCHANGED);
	CHECK(store_find_email(st, "ann@EXAMPLE.org", &s, &err) == 1);
	CHECK_STR(s.email, "Ann@example.org");
	CHECK_STR(s.name, "Ann Smith");
	CHECK_STR(s.source, "import");
	CHECK(s.status == STORE_ACTIVE);
	CHECK(s.created > 0 && s.confirmed >= s.created && s.left == 0);
	CHECK(strlen(s.token) == TOKEN_PUBLIC_LEN);
	CHECK(store_find_token(st, s.token, &t, &err) == 1);
	CHECK(t.id == s.id);
	CHECK_STR(t.token, s.token);
	store_subscriber_release(&t);
	{
		/* right id, wrong secret; and the other way round */
		char forged[TOKEN_PUBLIC_LEN + 1];

		memcpy(forged, s.token, sizeof(forged));
		forged[TOKEN_PUBLIC_LEN - 1] ^= 1;
		CHECK(store_find_token(st, forged, &t, &err) == 0);
		memcpy(forged, s.token, sizeof(forged));
		forged[TOKEN_ID_LEN - 1] ^= 1;
		CHECK(store_find_token(st, forged, &t, &err) == 0);
	}
	CHECK(store_find_token(st, "AAAAAAAAAAAAAAAAAAAAAA", &t, &err) == 0);
	CHECK(store_find_token(st, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &t,
	                       &err) == 0);
	CHECK(store_find_token(st, "x' OR 1=1 --", &t, &err) == 0);
	CHECK(store_find_email(st, "nobody@example.org", &t, &err) == 0);
	CHECK(events_of(st, "ann@example.org") == 1);
	store_subscriber_release(&s);

	/* pending, then made active by an import: one more event */
	CHECK(add(st, "pat@example.org", "", "web", STORE_PENDING) ==
	      STORE_ADDED);
	CHECK(store_find_email(st, "pat@example.org", &s, &err) == 1);
	CHECK(s.confirmed == 0);
	store_subscriber_release(&s);
	CHECK(add(st, "pat@example.org", "", "import", STORE_ACTIVE) ==
	      STORE_UPDATED);
	CHECK(status_of(st, "pat@example.org") == STORE_ACTIVE);
	CHECK(events_of(st, "pat@example.org") == 2);

	CHECK(store_subscribe(st, &bad, &outcome, NULL, &err) == -1);
	CHECK(strstr(err_msg(&err), "invalid address 'not an address'") !=
	      NULL);
	err_release(&err);
}

/* Every way back to active is closed to a suppressed address but one. */
static void test_suppression(struct store *st)
{
	static const enum store_status gone[] = {
	        STORE_UNSUBSCRIBED, STORE_BOUNCED, STORE_COMPLAINED};
	struct err err = ERR_INIT;

	for (size_t i = 0; i < 3; i++) {
		char email[64];
		struct store_subscriber s;
		int changed;

		snprintf(email, sizeof(email), "gone%zu@example.org", i);
		CHECK(add(st, email, "", "cli", STORE_ACTIVE) == STORE_ADDED);
		CHECK(store_find_email(st, email, &s, &err) == 1);
		CHECK(store_set_status(st, s.id, gone[i], "inbox", "bounce",
		                       &changed, &err) == 1);
		CHECK(changed);
		CHECK(status_of(st, email) == (int)gone[i]);
		CHECK(events_of(st, email) == 2);

		/* add and import, active or pending: left alone */
		CHECK(add(st, email, "New Name", "import", STORE_ACTIVE) ==
		      STORE_SUPPRESSED);
		CHECK(add(st, email, "", "cli", STORE_ACTIVE) ==
		      STORE_SUPPRESSED);
		CHECK(add(st, email, "", "web", STORE_PENDING) ==
		      STORE_SUPPRESSED);
		CHECK(status_of(st, email) == (int)gone[i]);
		CHECK(events_of(st, email) == 2);
		/* a plain status change back is refused */
		CHECK(store_set_status(st, s.id, STORE_ACTIVE, "cli", "",
		                       &changed, &err) == -1);
		CHECK(strstr(err_msg(&err), "only 'bulletin subscribers "
		                            "resubscribe'") != NULL);
		err_clear(&err);
		CHECK(store_set_status(st, s.id, STORE_PENDING, "web", "",
		                       &changed, &err) == -1);
		err_clear(&err);
		CHECK(status_of(st, email) == (int)gone[i]);
		/* the one way back needs a reason */
		CHECK(store_resubscribe(st, email, "cli", "", &changed, &err) ==
		      -1);
		CHECK(strstr(err_msg(&err), "needs a reason") != NULL);
		err_clear(&err);
		CHECK(store_resubscribe(st, email, "cli",
		                        "asked by phone on 3 March", &changed,
		                        &err) == 1);
		CHECK(changed);
		CHECK(status_of(st, email) == STORE_ACTIVE);
		CHECK(events_of(st, email) == 3);
		CHECK(store_resubscribe(st, email, "cli", "again", &changed,
		                        &err) == 1);
		CHECK(!changed);
		store_subscriber_release(&s);
	}
	/* suppressed to suppressed is allowed (a complaint after leaving) */
	{
		struct store_subscriber s;
		int changed;

		CHECK(store_find_email(st, "gone0@example.org", &s, &err) == 1);
		CHECK(store_set_status(st, s.id, STORE_UNSUBSCRIBED, "cli", "",
		                       &changed, &err) == 1);
		CHECK(store_set_status(st, s.id, STORE_COMPLAINED, "inbox",
		                       "arf", &changed, &err) == 1);
		CHECK(changed);
		CHECK(store_set_status(st, 999999, STORE_ACTIVE, "cli", "",
		                       &changed, &err) == 0);
		store_subscriber_release(&s);
	}
	CHECK(store_resubscribe(st, "nobody@example.org", "cli", "why", NULL,
	                        &err) == 0);
	err_release(&err);
}

static void test_unsubscribe_by_token(struct store *st)
{
	struct store_subscriber s;
	struct err err = ERR_INIT;
	int changed = -1;

	CHECK(add(st, "tok@example.org", "", "web", STORE_ACTIVE) ==
	      STORE_ADDED);
	CHECK(store_find_email(st, "tok@example.org", &s, &err) == 1);
	CHECK(store_unsubscribe_by_token(st, s.token, "web", "one-click",
	                                 &changed, &err) == 1);
	CHECK(changed == 1);
	CHECK(status_of(st, "tok@example.org") == STORE_UNSUBSCRIBED);
	CHECK(store_unsubscribe_by_token(st, s.token, "web", "one-click",
	                                 &changed, &err) == 1);
	CHECK(changed == 0);
	CHECK(events_of(st, "tok@example.org") == 2);
	CHECK(store_unsubscribe_by_token(st, "AAAAAAAAAAAAAAAAAAAAAA", "web",
	                                 "", &changed, &err) == 0);
	CHECK(store_unsubscribe_by_token(st, "", "web", "", &changed, &err) ==
	      0);
	store_subscriber_release(&s);
	CHECK(store_find_email(st, "tok@example.org", &s, &err) == 1);
	CHECK(s.left >= s.created);
	store_subscriber_release(&s);
	CHECK(!err.set);
	err_release(&err);
}

static void test_remove_and_erase(struct store *st)
{
	struct err err = ERR_INIT;
	struct buf json = BUF_INIT;
	int changed;

	CHECK(add(st, "mistake@example.org", "", "cli", STORE_ACTIVE) ==
	      STORE_ADDED);
	CHECK(store_remove(st, "mistake@example.org", &err) == 1);
	CHECK(status_of(st, "mistake@example.org") == -1);
	CHECK(store_remove(st, "mistake@example.org", &err) == 0);
	CHECK(add(st, "mistake@example.org", "", "cli", STORE_ACTIVE) ==
	      STORE_ADDED);
	/* removing an unsubscribed address would undo its suppression */
	CHECK(store_remove(st, "tok@example.org", &err) == -1);
	CHECK(strstr(err_msg(&err), "use 'erase'") != NULL);
	err_clear(&err);
	CHECK(status_of(st, "tok@example.org") == STORE_UNSUBSCRIBED);

	CHECK(add(st, "Erin@Example.org", "Erin \"E\" O'Neil", "cli",
	          STORE_ACTIVE) == STORE_ADDED);
	CHECK(store_data_json(st, "erin@example.org", &json, &err) == 0);
	CHECK(strstr(json.data, "\"name\": \"Erin \\\"E\\\" O'Neil\"") != NULL);
	CHECK(strstr(json.data, "\"erased_and_suppressed\": false") != NULL);
	CHECK(strstr(json.data, "\"to\": \"active\"") != NULL);
	CHECK(store_is_erased(st, "erin@example.org", &err) == 0);
	CHECK(store_erase(st, "erin@example.org", &err) == 1);
	CHECK(status_of(st, "erin@example.org") == -1);
	CHECK(store_is_erased(st, "ERIN@example.ORG", &err) == 1);
	buf_reset(&json);
	CHECK(store_data_json(st, "erin@example.org", &json, &err) == 0);
	CHECK(strstr(json.data, "\"subscriber\": null") != NULL);
	CHECK(strstr(json.data, "\"events\": []") != NULL);
	CHECK(strstr(json.data, "\"erased_and_suppressed\": true") != NULL);
	CHECK(strstr(json.data, "Erin \\\"E\\\"") == NULL);
	/* after erasure no add or import brings the address back */
	CHECK(add(st, "erin@example.org", "Erin", "import", STORE_ACTIVE) ==
	      STORE_ERASED);
	CHECK(add(st, "ERIN@EXAMPLE.ORG", "", "cli", STORE_ACTIVE) ==
	      STORE_ERASED);
	CHECK(add(st, "erin@example.org", "", "web", STORE_PENDING) ==
	      STORE_ERASED);
	CHECK(status_of(st, "erin@example.org") == -1);
	/* erasing an address never held still suppresses it */
	CHECK(store_erase(st, "never@example.org", &err) == 0);
	CHECK(add(st, "never@example.org", "", "import", STORE_ACTIVE) ==
	      STORE_ERASED);
	CHECK(store_erase(st, "never@example.org", &err) == 0);
	/* resubscribe brings an erased address back, with its reason */
	CHECK(store_resubscribe(st, "erin@example.org", "cli",
	                        "wrote to ask to rejoin", &changed, &err) == 1);
	CHECK(changed);
	CHECK(status_of(st, "erin@example.org") == STORE_ACTIVE);
	CHECK(store_is_erased(st, "erin@example.org", &err) == 0);
	CHECK(!err.set);
	buf_release(&json);
	err_release(&err);
}

struct walk {
	int64_t last;
	int n, ordered, stop_at;
};

static int walk_fn(const struct store_subscriber *s, void *ctx)
{
	struct walk *w = ctx;

	if (s->id <= w->last || s->status != STORE_ACTIVE)
		w->ordered = 0;
	w->last = s->id;
	w->n++;
	return w->n == w->stop_at ? 42 : 0;
}

static void test_each_and_counts(void)
{
	char *path = path_in("each.db");
	struct store st;
	struct err err = ERR_INIT;
	struct walk w = {.ordered = 1};
	long counts[STORE_NSTATUS], erased, purged;

	open_ok(&st, path);
	CHECK(store_begin(&st, &err) == 0);
	for (int i = 0; i < 500; i++) {
		char email[64];

		snprintf(email, sizeof(email), "p%d@example.org", i);
		add(&st, email, "", "import",
		    i % 5 == 0 ? STORE_PENDING : STORE_ACTIVE);
	}
	CHECK(store_commit(&st, &err) == 0);
	CHECK(store_each_active(&st, 0, walk_fn, &w, &err) == 0);
	CHECK(w.n == 400 && w.ordered);
	w = (struct walk){.ordered = 1, .last = 0, .stop_at = 10};
	CHECK(store_each_active(&st, 0, walk_fn, &w, &err) == 42);
	CHECK(w.n == 10);
	w = (struct walk){.ordered = 1, .last = 250};
	CHECK(store_each_active(&st, 250, walk_fn, &w, &err) == 0);
	CHECK(w.n == 200 && w.ordered);
	CHECK(store_counts(&st, counts, &erased, &err) == 0);
	CHECK(counts[STORE_ACTIVE] == 400 && counts[STORE_PENDING] == 100);
	CHECK(counts[STORE_UNSUBSCRIBED] == 0 && erased == 0);

	/* a rolled-back bulk write leaves nothing */
	CHECK(store_begin(&st, &err) == 0);
	CHECK(add(&st, "rolled@example.org", "", "import", STORE_ACTIVE) ==
	      STORE_ADDED);
	CHECK(store_erase(&st, "p1@example.org", &err) == 1);
	store_rollback(&st);
	CHECK(status_of(&st, "rolled@example.org") == -1);
	CHECK(status_of(&st, "p1@example.org") == STORE_ACTIVE);
	CHECK(store_is_erased(&st, "p1@example.org", &err) == 0);

	CHECK(store_purge_pending(&st, 3600, &purged, &err) == 0);
	CHECK(purged == 0);
	CHECK(store_purge_pending(&st, 0, &purged, &err) == 0);
	CHECK(purged == 100);
	CHECK(store_counts(&st, counts, &erased, &err) == 0);
	CHECK(counts[STORE_PENDING] == 0 && counts[STORE_ACTIVE] == 400);
	store_close(&st);
	CHECK(pragma(path, "SELECT count(*) FROM events") == 400);
	CHECK(!err.set);
	err_release(&err);
	free(path);
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (f) {
		fwrite(data, 1, n, f);
		fclose(f);
	}
}

/* Opening path fails with a message containing want; bytes unchanged. */
static void check_refused(const char *path, const char *want)
{
	struct buf before = BUF_INIT, after = BUF_INIT;
	struct store st;
	struct err err = ERR_INIT;

	CHECK(buf_read_file(&before, path, 1 << 24) == 0);
	CHECK(store_open(&st, path, &err) == -1);
	CHECK(strstr(err_msg(&err), want) != NULL);
	if (!strstr(err_msg(&err), want))
		fprintf(stderr, "  %s: %s\n", path, err_msg(&err));
	CHECK(buf_read_file(&after, path, 1 << 24) == 0);
	CHECK(before.len == after.len &&
	      memcmp(before.data, after.data, before.len) == 0);
	buf_release(&before);
	buf_release(&after);
	err_release(&err);
}

static void sql(const char *path, const char *text)
{
	sqlite3 *db;

	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, text, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

static void test_refused(void)
{
	char *foreign = path_in("foreign.db"), *text = path_in("notes.txt");
	char *newer = path_in("newer.db"), *wal = path_in("newer.db-wal");
	char *damaged = path_in("damaged.db");
	struct store st;
	struct buf b = BUF_INIT;

	sql(foreign, "CREATE TABLE photos (id INTEGER PRIMARY KEY, name);"
	             "INSERT INTO photos (name) VALUES ('cat.jpg');");
	check_refused(foreign, "is not a bulletin store (a SQLite database "
	                       "of another program)");
	sql(foreign, "PRAGMA application_id = 1234");
	check_refused(foreign, "is not a bulletin store");

	write_file(text, "shopping list\n\n- milk\n", 22);
	check_refused(text, "is not a bulletin store (file is not a database)");

	open_ok(&st, newer);
	add(&st, "x@example.org", "", "cli", STORE_ACTIVE);
	store_close(&st);
	CHECK(access(wal, F_OK) != 0); /* checkpointed and gone */
	sql(newer, "PRAGMA user_version = 99");
	check_refused(newer, "has schema version 99, newer than this "
	                     "bulletin understands");

	/* a store whose pages past the header were overwritten */
	open_ok(&st, damaged);
	store_begin(&st, NULL);
	for (int i = 0; i < 300; i++) {
		char email[64];

		snprintf(email, sizeof(email), "d%d@example.org", i);
		add(&st, email, "", "cli", STORE_ACTIVE);
	}
	store_commit(&st, NULL);
	store_close(&st);
	CHECK(buf_read_file(&b, damaged, 1 << 24) == 0);
	CHECK(b.len > 8192);
	for (size_t i = 100; i < b.len; i++)
		b.data[i] = (char)(i * 131 + 7);
	write_file(damaged, b.data, b.len);
	check_refused(damaged, "is damaged");
	buf_release(&b);
	free(foreign);
	free(text);
	free(newer);
	free(wal);
	free(damaged);
}

int main(void)
{
	struct store st;
	char *path;

	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	test_create();
	path = path_in("main.db");
	open_ok(&st, path);
	test_subscribe(&st);
	test_suppression(&st);
	test_unsubscribe_by_token(&st);
	test_remove_and_erase(&st);
	store_close(&st);
	test_each_and_counts();
	test_refused();
	free(path);
	{
		struct buf cmd = BUF_INIT;

		buf_addf(&cmd, "rm -rf '%s'", dir);
		CHECK(system(cmd.data) == 0);
		buf_release(&cmd);
	}
	return check_done();
}
