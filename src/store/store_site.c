#include "store_site.h"

#include <sqlite3.h>
#include <time.h>

#include "store_impl.h"
#include "banned.h"

static int fail(struct store *st, const char *what, struct err *err)
{
	return err_set(err, "store %s: %s: %s", st->path, what,
	               sqlite3_errmsg(st->db));
}

/* Runs sql with the text parameters given (NULL ends them); 0 or -1. */
static int run(struct store *st, const char *sql, const char *what,
               struct err *err, int64_t at, const char *a, const char *b,
               const char *c)
{
	sqlite3_stmt *s = NULL;
	const char *texts[3] = {a, b, c};
	int rc, i = 1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return fail(st, what, err);
	if (at >= 0)
		sqlite3_bind_int64(s, i++, at);
	for (int k = 0; k < 3 && texts[k]; k++)
		sqlite3_bind_text(s, i++, texts[k], -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(st, what, err);
	return 0;
}

static int log_change(struct store *st, const char *issue, const char *action,
                      const char *by, int64_t at, struct err *err)
{
	return run(st,
	           "INSERT INTO publish_log (at, issue_id, action, done_by) "
	           "VALUES (?, ?, ?, ?)",
	           "cannot record the change of the site", err, at, issue,
	           action, by);
}

int store_site_publish(struct store *st, const char *issue, const char *by,
                       struct err *err)
{
	int64_t at = (int64_t)time(NULL);
	int was, ret = -1;

	if (store_write_begin(st, err) < 0)
		return -1;
	was = store_site_is_published(st, issue, err);
	if (was < 0 ||
	    run(st,
	        "INSERT INTO published (published_at, issue_id, published_by) "
	        "VALUES (?, ?, ?) ON CONFLICT (issue_id) DO UPDATE SET "
	        "published_at = excluded.published_at, "
	        "published_by = excluded.published_by",
	        "cannot mark the issue published", err, at, issue, by,
	        NULL) < 0 ||
	    log_change(st, issue, "publish", by, at, err) < 0)
		goto out;
	ret = !was;
out:
	return store_write_end(st, ret, err);
}

int store_site_unpublish(struct store *st, const char *issue, const char *by,
                         struct err *err)
{
	int was, ret = -1;

	if (store_write_begin(st, err) < 0)
		return -1;
	was = store_site_is_published(st, issue, err);
	if (was < 0)
		goto out;
	if (was && (run(st, "DELETE FROM published WHERE issue_id = ?",
	                "cannot take the issue off the site", err, -1, issue,
	                NULL, NULL) < 0 ||
	            log_change(st, issue, "unpublish", by, (int64_t)time(NULL),
	                       err) < 0))
		goto out;
	ret = was;
out:
	return store_write_end(st, ret, err);
}

int store_site_is_published(struct store *st, const char *issue,
                            struct err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT 1 FROM published WHERE issue_id = ?", -1,
	                       &s, NULL) != SQLITE_OK)
		return fail(st, "cannot read the published issues", err);
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "cannot read the published issues", err);
	return rc == SQLITE_ROW;
}

int store_site_each(struct store *st,
                    int (*fn)(const struct store_site_published *p, void *ctx,
                              struct err *err),
                    void *ctx, struct err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT issue_id, published_at, published_by "
	                       "FROM published ORDER BY issue_id",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot read the published issues", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_site_published p = {
		        (const char *)sqlite3_column_text(s, 0),
		        sqlite3_column_int64(s, 1),
		        (const char *)sqlite3_column_text(s, 2)};

		if (fn(&p, ctx, err) < 0) {
			ret = -1;
			break;
		}
	}
	if (!ret && rc != SQLITE_DONE)
		ret = fail(st, "cannot read the published issues", err);
	sqlite3_finalize(s);
	return ret;
}

int store_site_each_log(struct store *st, const char *issue,
                        int (*fn)(const struct store_site_log *l, void *ctx,
                                  struct err *err),
                        void *ctx, struct err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(st->db,
	                       "SELECT at, issue_id, action, done_by FROM "
	                       "publish_log WHERE ?1 IS NULL OR issue_id = ?1 "
	                       "ORDER BY id",
	                       -1, &s, NULL) != SQLITE_OK)
		return fail(st, "cannot read the publish log", err);
	if (issue)
		sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_site_log l = {
		        sqlite3_column_int64(s, 0),
		        (const char *)sqlite3_column_text(s, 1),
		        (const char *)sqlite3_column_text(s, 2),
		        (const char *)sqlite3_column_text(s, 3)};

		if (fn(&l, ctx, err) < 0) {
			ret = -1;
			break;
		}
	}
	if (!ret && rc != SQLITE_DONE)
		ret = fail(st, "cannot read the publish log", err);
	sqlite3_finalize(s);
	return ret;
}
