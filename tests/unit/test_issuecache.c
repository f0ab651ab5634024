#include "issuecache.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "file.h"
#include "issuelist.h"
#include "lifecycle.h"

static char dir[] = "/tmp/test_issuecache.XXXXXX";

static const char yaml[] = "newsletter:\n"
                           "  name: Test News\n"
                           "  from: \"Test News <news@example.org>\"\n"
                           "  base_url: https://news.example.org/\n"
                           "sections:\n"
                           "  - key: one\n"
                           "    title: Section one\n";

static const char piece[] = "---\ntitle: A piece\nsection: one\n---\n"
                            "Some words for the piece.\n";

static void put(const char *rel, const char *text)
{
	struct buf p = BUF_INIT;
	struct err err = ERR_INIT;

	buf_addf(&p, "%s/%s", dir, rel);
	CHECK(file_write_atomic(p.data, text, strlen(text), 0644, 0, &err) ==
	      0);
	buf_release(&p);
	err_release(&err);
}

/* Appends to a file in place (no new inode: only its size and times). */
static void append(const char *rel, const char *text)
{
	struct buf p = BUF_INIT;
	FILE *f;

	buf_addf(&p, "%s/%s", dir, rel);
	f = fopen(p.data, "a");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	buf_release(&p);
}

/* What compile leaves: the manifest of the inputs as they are now. */
static void compile(const struct config *cfg, const char *id)
{
	struct inputs in;
	struct err err = ERR_INIT;

	CHECK(inputs_collect(&in, cfg, id, &err) == 0);
	CHECK(inputs_write(&in, cfg, id, &err) == 0);
	inputs_release(&in);
	err_release(&err);
}

/* Whether the cache's inputs of id are those read now. */
static int same_as_now(struct issuecache *c, const struct config *cfg,
                       const char *id)
{
	struct inputs a, b;
	struct inputs_change *ch;
	struct err err = ERR_INIT;
	size_t n = 1;

	if (issuecache_inputs(c, cfg, id, &a, &err) == 0) {
		if (inputs_collect(&b, cfg, id, &err) == 0) {
			n = inputs_compare(&a, &b, &ch);
			free(ch);
			inputs_release(&b);
		}
		inputs_release(&a);
	}
	err_release(&err);
	return n == 0;
}

static size_t pieces(struct issuecache *c, const struct config *cfg,
                     const char *id)
{
	const struct issuecache_view *v = issuecache_view(c, cfg, id);
	size_t n = v->loaded ? v->is.n : (size_t)-1;

	issuecache_put(c, v);
	return n;
}

/* Kept (racy 0: every file trusted to its record), each change is seen. */
static void test_files(const struct config *cfg)
{
	struct issuecache *c = issuecache_new(0);
	struct inputs built;
	struct err err = ERR_INIT;
	long long when;

	CHECK(same_as_now(c, cfg, "2027-01"));
	CHECK(same_as_now(c, cfg, "2027-01")); /* from the cache */
	append("issues/2027-01/a.md", "More words.\n");
	CHECK(same_as_now(c, cfg, "2027-01"));
	put("issues/2027-01/b.md", piece);
	CHECK(same_as_now(c, cfg, "2027-01"));
	CHECK(pieces(c, cfg, "2027-01") == 2);
	put("templates/email.txt.mustache", "{{newsletter.name}}\n");
	CHECK(same_as_now(c, cfg, "2027-01"));

	CHECK(issuecache_built(c, cfg, "2027-01", &built, &when, &err) == 0);
	inputs_release(&built);
	compile(cfg, "2027-01");
	CHECK(issuecache_built(c, cfg, "2027-01", &built, &when, &err) == 1);
	CHECK(built.n > 0);
	inputs_release(&built);

	/* Without inotify, rows are kept on the stat records instead. */
	{
		struct buf a = BUF_INIT, b = BUF_INIT;
		int racy = 0;

		CHECK(issuecache_stamp(c, cfg, "2027-01", &a, &racy, &err) ==
		      0);
		CHECK(issuecache_stamp(c, cfg, "2027-01", &b, &racy, &err) ==
		      0);
		CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
		CHECK(!racy);
		append("issues/2027-01/b.md", "A change.\n");
		buf_reset(&b);
		CHECK(issuecache_stamp(c, cfg, "2027-01", &b, &racy, &err) ==
		      0);
		CHECK(a.len != b.len || memcmp(a.data, b.data, a.len));
		buf_release(&a);
		buf_release(&b);
	}

	CHECK(pieces(NULL, cfg, "2027-01") == 2); /* without a cache */
	CHECK(same_as_now(NULL, cfg, "2027-01"));
	issuecache_free(c);
	err_release(&err);
}

/*
 * With the real window, a change of the same size within the same tick
 * of the clock as the look before it is still seen: a file written this
 * recently is read again each time.
 */
static void test_racy(const struct config *cfg)
{
	struct issuecache *c = issuecache_new(ISSUECACHE_RACY_NS);

	put("issues/2027-01/c.md", "---\ntitle: Same\n---\nxxxx\n");
	CHECK(same_as_now(c, cfg, "2027-01"));
	put("issues/2027-01/c.md", "---\ntitle: Same\n---\nyyyy\n");
	CHECK(same_as_now(c, cfg, "2027-01"));
	issuecache_free(c);
}

/* The row of id in a fresh load through cache. */
static void row(struct issuelist_cache *cache, const struct config *cfg,
                struct store *st, const char *id, struct buf *out)
{
	struct issuelist_row *v;
	struct err err = ERR_INIT;
	size_t n;

	buf_reset(out);
	CHECK(issuelist_load_cached(cfg, st, cache, &v, &n, &err) == 0);
	for (size_t i = 0; !err.set && i < n; i++)
		if (!strcmp(v[i].id, id))
			buf_addf(out, "%s|%s|%s|%s", v[i].state, v[i].pieces,
			         v[i].approver, v[i].note);
	if (!err.set)
		issuelist_free(v, n);
	err_release(&err);
}

/* The rows kept follow the files and the store at once. */
static void test_rows(const struct config *cfg, struct store *st)
{
	struct issuecache *files = issuecache_new(0);
	struct issuelist_cache *cache = issuelist_cache_new(files, cfg);
	struct buf r = BUF_INIT;
	struct err err = ERR_INIT;

	row(cache, cfg, st, "2027-02", &r);
	CHECK_STR(r.data, "draft|1|-|");
	row(cache, cfg, st, "2027-02", &r); /* the rows kept */
	CHECK_STR(r.data, "draft|1|-|");
	compile(cfg, "2027-02");
	row(cache, cfg, st, "2027-02", &r);
	CHECK_STR(r.data, "compiled|1|-|");
	CHECK(lifecycle_approve(cfg, st, "2027-02", "ann", &err) == 0);
	row(cache, cfg, st, "2027-02", &r);
	CHECK_STR(r.data, "approved|1|ann|");
	append("issues/2027-02/a.md", "A change after the approval.\n");
	row(cache, cfg, st, "2027-02", &r);
	CHECK_STR(r.data, "draft|1|ann|changed since compiled");
	put("issues/2027-02/b.md", piece);
	row(cache, cfg, st, "2027-02", &r);
	CHECK_STR(r.data, "draft|2|ann|changed since compiled");
	put("issues/2027-03/issue.yaml", "title: New\n");
	row(cache, cfg, st, "2027-03", &r);
	CHECK_STR(r.data, "draft|0|-|");
	issuelist_cache_free(cache);
	issuecache_free(files);
	buf_release(&r);
	err_release(&err);
}

int main(void)
{
	struct config cfg;
	struct store st;
	struct err err = ERR_INIT;
	struct buf p = BUF_INIT;

	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	put("issues/2027-01/a.md", piece);
	put("issues/2027-01/issue.yaml", "title: T\n");
	put("issues/2027-02/a.md", piece);
	put("issues/2027-02/issue.yaml", "title: T\n");
	config_init(&cfg);
	CHECK(config_parse(&cfg, yaml, strlen(yaml), "bulletin.yaml", &err) ==
	      0);
	cfg.root = xstrdup(dir);
	config_path(&cfg, &p, "%s", cfg.store);
	put(cfg.store, "");
	CHECK(unlink(p.data) == 0);
	CHECK(store_open(&st, p.data, &err) == 0);
	if (!err.set) {
		test_files(&cfg);
		test_racy(&cfg);
		test_rows(&cfg, &st);
		store_close(&st);
	} else {
		fprintf(stderr, "  %s\n", err_msg(&err));
	}
	config_release(&cfg);
	buf_reset(&p);
	buf_addf(&p, "rm -rf '%s'", dir);
	CHECK(system(p.data) == 0);
	buf_release(&p);
	err_release(&err);
	return check_done();
}
