#include "clicks.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store_impl.h"
#include "banned.h"

/* build/links bigger than this is not an issue's links. */
#define LINKS_MAX (1 << 20)

void clicks_rows_free(struct clicks_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].issue);
		free(v[i].url);
		free(v[i].piece);
		free(v[i].partner);
	}
	free(v);
}

static int insert_links(struct store *st, const char *issue,
                        const struct linktable *t, struct err *err)
{
	sqlite3_stmt *s =
	        store_prepare(st,
	                      "INSERT OR IGNORE INTO click_links (issue, n, "
	                      "url, piece, partner) VALUES (?, ?, ?, ?, ?)",
	                      "cannot record the issue's links", err);
	int rc = SQLITE_DONE;

	if (!s)
		return -1;
	for (size_t i = 0; i < t->n && rc == SQLITE_DONE; i++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		sqlite3_bind_text(s, 3, t->v[i].url, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, t->v[i].piece, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, t->v[i].partner, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE
	               ? 0
	               : store_db_fail(st, "cannot record the issue's links",
	                               err);
}

int clicks_record_build(struct store *st, const struct config *cfg,
                        const char *issue, struct err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT, name = BUF_INIT;
	struct linktable t = LINKTABLE_INIT;
	int ret = -1;

	if (!cfg->track_clicks)
		return 0;
	config_path(cfg, &path, "issues/%s/build/links", issue);
	buf_addf(&name, "issues/%s/build/links", issue);
	if (buf_read_file(&text, path.data, LINKS_MAX) < 0)
		err_errno(err,
		          "cannot read %s (tracking.clicks is on): run "
		          "'bulletin compile %s' again",
		          name.data, issue);
	else if (linktable_parse(&t, text.data, text.len, name.data, err) == 0)
		ret = insert_links(st, issue, &t, err);
	linktable_release(&t);
	buf_release(&path);
	buf_release(&text);
	buf_release(&name);
	return ret;
}

int clicks_links(struct store *st, const char *issue, struct linktable *t,
                 struct err *err)
{
	sqlite3_stmt *s =
	        store_prepare(st,
	                      "SELECT n, url, piece, partner FROM "
	                      "click_links WHERE issue = ? ORDER BY n",
	                      "cannot read the issue's links", err);
	int rc;

	t->v = NULL;
	t->n = 0;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW &&
	       sqlite3_column_int64(s, 0) == (int64_t)t->n + 1) {
		t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
		t->v[t->n].url = store_column_text(s, 1);
		t->v[t->n].piece = store_column_text(s, 2);
		t->v[t->n].partner = store_column_text(s, 3);
		t->n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		linktable_release(t);
		return store_db_fail(st, "cannot read the issue's links", err);
	}
	return t->n > 0;
}

int clicks_issues(struct store *st, size_t max, char ***ids, size_t *n,
                  struct err *err)
{
	sqlite3_stmt *s = store_prepare(
	        st,
	        "SELECT l.issue FROM (SELECT DISTINCT issue FROM click_links) "
	        "l LEFT JOIN campaigns c ON c.issue = l.issue ORDER BY "
	        "coalesce(c.started_at, 1 << 62) DESC, l.issue LIMIT ?",
	        "cannot read which issues have click counts", err);
	int rc;

	*ids = NULL;
	*n = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ids = xrealloc(*ids, (*n + 1) * sizeof(**ids));
		(*ids)[(*n)++] = store_column_text(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < *n; i++)
			free((*ids)[i]);
		free(*ids);
		*ids = NULL;
		*n = 0;
		return store_db_fail(
		        st, "cannot read which issues have click counts", err);
	}
	return 0;
}

int clicks_add(struct store *st, const char *issue, size_t n, long people,
               long early, long scanner, struct err *err)
{
	sqlite3_stmt *s =
	        store_prepare(st,
	                      "UPDATE click_links SET people = people + ?, "
	                      "early = early + ?, scanner = scanner + ? "
	                      "WHERE issue = ? AND n = ?",
	                      "cannot count clicks", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, people);
	sqlite3_bind_int64(s, 2, early);
	sqlite3_bind_int64(s, 3, scanner);
	sqlite3_bind_text(s, 4, issue, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (int64_t)n);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE
	               ? 0
	               : store_db_fail(st, "cannot count clicks", err);
}

/* Rows of "SELECT issue, n, url, piece, partner, people, early, scanner"
 * with one text parameter. */
static int rows(struct store *st, const char *sql, const char *param,
                struct clicks_row **v, size_t *n, struct err *err)
{
	sqlite3_stmt *s =
	        store_prepare(st, sql, "cannot read click counts", err);
	int rc;

	*v = NULL;
	*n = 0;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, param, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct clicks_row *r;

		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		r = &(*v)[(*n)++];
		r->issue = store_column_text(s, 0);
		r->n = (size_t)sqlite3_column_int64(s, 1);
		r->url = store_column_text(s, 2);
		r->piece = store_column_text(s, 3);
		r->partner = store_column_text(s, 4);
		r->people = (long)sqlite3_column_int64(s, 5);
		r->early = (long)sqlite3_column_int64(s, 6);
		r->scanner = (long)sqlite3_column_int64(s, 7);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		clicks_rows_free(*v, *n);
		*v = NULL;
		*n = 0;
		return store_db_fail(st, "cannot read click counts", err);
	}
	return 0;
}

#define ROW_COLUMNS \
	"SELECT issue, n, url, piece, partner, people, early, scanner "

int clicks_report(struct store *st, const char *issue, struct clicks_row **v,
                  size_t *n, struct err *err)
{
	return rows(st,
	            ROW_COLUMNS "FROM click_links WHERE issue = ? ORDER BY n",
	            issue, v, n, err);
}

int clicks_for_partner(struct store *st, const char *partner,
                       struct clicks_row **v, size_t *n, struct err *err)
{
	return rows(st,
	            ROW_COLUMNS "FROM click_links WHERE partner = ? COLLATE "
	                        "NOCASE ORDER BY issue, n",
	            partner, v, n, err);
}
