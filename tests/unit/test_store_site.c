#include "store_site.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "site.h"

static int collect(const struct store_site_published *p, void *ctx,
                   struct err *err)
{
	struct buf *b = ctx;

	buf_addf(b, "%s:%s ", p->issue, p->by);
	return p->at > 0 ? 0 : err_set(err, "no time");
}

static int collect_log(const struct store_site_log *l, void *ctx,
                       struct err *err)
{
	struct buf *b = ctx;

	buf_addf(b, "%s %s %s|", l->issue, l->action, l->by);
	return 0;
}

static int stop(const struct store_site_published *p, void *ctx,
                struct err *err)
{
	return err_set(err, "stopped at %s", p->issue);
}

int main(void)
{
	char dir[] = "/tmp/bulletin-store-site.XXXXXX";
	struct buf path = BUF_INIT, got = BUF_INIT;
	struct err err = ERR_INIT;
	struct store st;

	if (!mkdtemp(dir))
		return 1;
	buf_addf(&path, "%s/s.db", dir);
	CHECK(store_open(&st, path.data, &err) == 0);
	CHECK(store_site_is_published(&st, "2027-01", &err) == 0);
	CHECK(store_site_publish(&st, "2027-01", "alice", &err) == 1);
	CHECK(store_site_publish(&st, "2026-12", "bob", &err) == 1);
	CHECK(store_site_publish(&st, "2027-01", "carol", &err) == 0);
	CHECK(store_site_is_published(&st, "2027-01", &err) == 1);
	CHECK(store_site_each(&st, collect, &got, &err) == 0);
	CHECK_STR(got.data, "2026-12:bob 2027-01:carol ");
	CHECK(store_site_unpublish(&st, "2026-12", "dan", &err) == 1);
	CHECK(store_site_unpublish(&st, "2026-12", "dan", &err) == 0);
	CHECK(store_site_is_published(&st, "2026-12", &err) == 0);
	buf_reset(&got);
	CHECK(store_site_each_log(&st, NULL, collect_log, &got, &err) == 0);
	CHECK_STR(got.data, "2027-01 publish alice|2026-12 publish bob|"
	                    "2027-01 publish carol|2026-12 unpublish dan|");
	buf_reset(&got);
	CHECK(store_site_each_log(&st, "2026-12", collect_log, &got, &err) ==
	      0);
	CHECK_STR(got.data, "2026-12 publish bob|2026-12 unpublish dan|");
	CHECK(store_site_each(&st, stop, NULL, &err) < 0);
	CHECK(err.set && strstr(err_msg(&err), "stopped at 2027-01"));
	err_release(&err);
	/* Inside the caller's transaction: rolled back with it. */
	CHECK(store_begin(&st, &err) == 0);
	CHECK(store_site_publish(&st, "2027-02", "erin", &err) == 1);
	store_rollback(&st);
	CHECK(store_site_is_published(&st, "2027-02", &err) == 0);
	store_close(&st);

	/* Partner names to page names. */
	char *s = site_slug("Luton Council Public Health");
	CHECK_STR(s, "luton-council-public-health");
	free(s);
	s = site_slug("  Children's Centre & Café (North) ");
	CHECK_STR(s, "childrens-centre-cafe-north");
	free(s);
	s = site_slug("Société Générale × Ørsted");
	CHECK_STR(s, "societe-generale-orsted");
	free(s);
	s = site_slug("!!!");
	CHECK_STR(s, "partner");
	free(s);

	unlink(path.data);
	for (const char *const *x = (const char *const[]){"-wal", "-shm", NULL};
	     *x; x++) {
		struct buf p = BUF_INIT;

		buf_addf(&p, "%s%s", path.data, *x);
		unlink(p.data);
		buf_release(&p);
	}
	rmdir(dir);
	buf_release(&path);
	buf_release(&got);
	return check_done();
}
