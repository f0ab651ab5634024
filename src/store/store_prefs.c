#include "store_prefs.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "store_impl.h"
#include "banned.h"

static int changed_text(const char *given, const char *held)
{
	return given && strcmp(given, held ? held : "") != 0;
}

/* One event per thing changed, in the subscriber's current status. */
static int prefs_events(struct store *st, const struct store_subscriber *cur,
                        const struct store_prefs *p, int *changed,
                        struct err *err)
{
	struct buf what = BUF_INIT;
	int ret = 0;

	if (p->topics && p->topics != cur->topics) {
		buf_addf(&what, "topics: %s (%s)",
		         p->topics_words ? p->topics_words : "changed",
		         p->detail);
		ret = store_add_event(st, cur->id, (int)cur->status,
		                      cur->status, p->source, what.data, err);
		++*changed;
	}
	for (int i = 0; i < 2 && ret == 0; i++) {
		const char *given = i ? p->organisation : p->name;

		if (!changed_text(given, i ? cur->organisation : cur->name))
			continue;
		buf_reset(&what);
		buf_addf(&what, "%s %s (%s)", i ? "organisation" : "name",
		         *given ? "changed" : "removed", p->detail);
		ret = store_add_event(st, cur->id, (int)cur->status,
		                      cur->status, p->source, what.data, err);
		++*changed;
	}
	buf_release(&what);
	return ret;
}

int store_prefs_set(struct store *st, const char *token,
                    const struct store_prefs *p, int *changed, struct err *err)
{
	struct store_subscriber cur = {0};
	int r, ignored;

	if (!changed)
		changed = &ignored;
	*changed = 0;
	if (store_write_begin(st, err) < 0)
		return -1;
	r = store_find_token(st, token, &cur, err);
	if (r == 1 && store_status_suppressed(cur.status))
		r = 0;
	if (r == 1 &&
	    (prefs_events(st, &cur, p, changed, err) < 0 ||
	     (*changed && store_set_details(st, &cur, p->name, p->organisation,
	                                    p->topics, err) < 0)))
		r = -1;
	store_subscriber_release(&cur);
	return store_write_end(st, r, err);
}

/* The secret of id's waiting request into secret: 1, 0 none, -1. */
static int request_secret(struct store *st, int64_t id,
                          char secret[TOKEN_LEN + 1], struct err *err)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT secret FROM returns WHERE "
	                       "subscriber_id = ?",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(
		        st, "cannot read the requests to come back", err);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);

		ret = t && strlen(t) == TOKEN_LEN;
		if (ret)
			memcpy(secret, t, TOKEN_LEN + 1);
	} else if (rc != SQLITE_DONE) {
		ret = store_db_fail(st, "cannot read the requests to come back",
		                    err);
	}
	sqlite3_finalize(s);
	return ret;
}

static int put_request(struct store *st, int64_t id, const char *secret,
                       int64_t topics, const char *consent_text,
                       int64_t consent_at, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "INSERT INTO returns (subscriber_id, secret, "
	                       "topics, consent_text, consent_at, created_at) "
	                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT "
	                       "(subscriber_id) DO UPDATE SET topics = ?3, "
	                       "consent_text = ?4, consent_at = ?5",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot record a request to come back",
		                     err);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, secret, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, topics ? topics : STORE_ALL_TOPICS);
	if (consent_text)
		sqlite3_bind_text(s, 4, consent_text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, consent_at);
	sqlite3_bind_int64(s, 6, (int64_t)time(NULL));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE
	               ? 0
	               : store_db_fail(st,
	                               "cannot record a request to come "
	                               "back",
	                               err);
}

static int request(struct store *st, int64_t id, int64_t topics,
                   const char *consent_text, int64_t consent_at,
                   char token[TOKEN_PUBLIC_LEN + 1], struct err *err)
{
	struct store_subscriber cur;
	char secret[TOKEN_LEN + 1];
	int r = store_find_id(st, id, &cur, err);

	if (r <= 0)
		return r;
	if (!store_status_suppressed(cur.status)) {
		store_subscriber_release(&cur);
		return 0;
	}
	store_subscriber_release(&cur);
	r = request_secret(st, id, secret, err);
	if (r == 0)
		r = token_pool_new(&st->tokens, secret, err);
	if (r < 0 || put_request(st, id, secret, topics, consent_text,
	                         consent_at, err) < 0)
		return -1;
	token_join(id, secret, token);
	return 1;
}

int store_return_request(struct store *st, int64_t id, int64_t topics,
                         const char *consent_text, int64_t consent_at,
                         char token[TOKEN_PUBLIC_LEN + 1], struct err *err)
{
	int r;

	token[0] = '\0';
	if (store_write_begin(st, err) < 0)
		return -1;
	r = request(st, id, topics, consent_text, consent_at, token, err);
	return store_write_end(st, r, err);
}

int store_return_find(struct store *st, const char *token,
                      struct store_subscriber *out, struct err *err)
{
	char given[TOKEN_LEN + 1], held[TOKEN_LEN + 1];
	int64_t id;
	int r;

	memset(out, 0, sizeof(*out));
	if (token_split(token, &id, given) < 0)
		return 0;
	r = request_secret(st, id, held, err);
	if (r <= 0)
		return r;
	if (!store_same_secret(given, held))
		return 0;
	r = store_find_id(st, id, out, err);
	if (r == 1 && !store_status_suppressed(out->status)) {
		store_subscriber_release(out);
		r = 0;
	}
	return r;
}

/* Takes the request's topics and consent into the subscriber's row. */
static int take_request(struct store *st, int64_t id, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "UPDATE subscribers SET (topics, consent_text, "
	                       "consent_at, source) = (SELECT r.topics, "
	                       "r.consent_text, r.consent_at, 'web' FROM "
	                       "returns r WHERE r.subscriber_id = ?1) WHERE id "
	                       "= ?1;",
	                       -1, &s, NULL) != SQLITE_OK)
		return store_db_fail(st, "cannot confirm coming back", err);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE &&
	    sqlite3_prepare_v2(st->db,
	                       "DELETE FROM returns WHERE subscriber_id = ?",
	                       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
	}
	return rc == SQLITE_DONE
	               ? 0
	               : store_db_fail(st, "cannot confirm coming back", err);
}

static int confirm(struct store *st, const char *token, const char *source,
                   const char *detail, struct store_subscriber *out,
                   struct err *err)
{
	int r = store_return_find(st, token, out, err);
	int64_t id = out->id;
	int was = (int)out->status;

	if (r <= 0)
		return r;
	store_subscriber_release(out);
	if (take_request(st, id, err) < 0 ||
	    store_change_status(st, id, was, STORE_ACTIVE, source, detail,
	                        err) < 0)
		return -1;
	return store_find_id(st, id, out, err);
}

int store_return_confirm(struct store *st, const char *token,
                         const char *source, const char *detail,
                         struct store_subscriber *out, struct err *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (store_write_begin(st, err) < 0)
		return -1;
	r = confirm(st, token, source, detail, out, err);
	if (r < 0)
		store_subscriber_release(out);
	return store_write_end(st, r, err);
}
