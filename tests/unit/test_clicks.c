#include "clicks.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "check_store.h"

static char dir[] = "/tmp/test_clicks.XXXXXX";

/* build/links of issue ID in the workspace at dir. */
static void write_links(const char *id, const char *text)
{
	struct buf p = BUF_INIT;
	FILE *f;

	buf_addf(&p, "%s/issues", dir);
	mkdir(p.data, 0700);
	buf_addf(&p, "/%s", id);
	mkdir(p.data, 0700);
	buf_adds(&p, "/build");
	mkdir(p.data, 0700);
	buf_adds(&p, "/links");
	f = fopen(p.data, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	buf_release(&p);
}

static void test_clicks(struct store *st, struct config *cfg)
{
	struct clicks_row *v;
	struct linktable t;
	struct err err = ERR_INIT;
	size_t n;

	write_links("2027-01", "1\tplay\tLuton Council\thttps://a.example/\n"
	                       "2\tplay\tLuton Council\thttps://b.example/\n"
	                       "3\tfair\tELFT\thttps://c.example/\n");
	write_links("2027-02", "1\tmore\tluton council\thttps://d.example/\n");
	/* Off: nothing recorded. */
	CHECK(clicks_record_build(st, cfg, "2027-01", &err) == 0);
	CHECK(clicks_links(st, "2027-01", &t, &err) == 0);
	cfg->track_clicks = 1;
	CHECK(clicks_record_build(st, cfg, "2027-01", &err) == 0);
	CHECK(clicks_record_build(st, cfg, "2027-02", &err) == 0);
	CHECK(clicks_links(st, "2027-01", &t, &err) == 1);
	CHECK(t.n == 3 && !strcmp(t.v[2].url, "https://c.example/"));
	linktable_release(&t);
	/* Recorded once: a later build does not renumber what was sent. */
	write_links("2027-01", "1\tplay\tLuton Council\thttps://z.example/\n");
	CHECK(clicks_record_build(st, cfg, "2027-01", &err) == 0);
	CHECK(clicks_add(st, "2027-01", 1, 5, 2, 1, &err) == 0);
	CHECK(clicks_add(st, "2027-01", 1, 1, 0, 0, &err) == 0);
	CHECK(clicks_add(st, "2027-01", 3, 4, 0, 0, &err) == 0);
	CHECK(clicks_add(st, "2027-01", 99, 4, 0, 0, &err) == 0);
	CHECK(clicks_add(st, "2027-02", 1, 7, 0, 0, &err) == 0);
	CHECK(clicks_report(st, "2027-01", &v, &n, &err) == 0);
	CHECK(n == 3);
	if (n == 3) {
		CHECK_STR(v[0].url, "https://a.example/");
		CHECK(v[0].people == 6 && v[0].early == 2 && v[0].scanner == 1);
		CHECK(v[1].people == 0);
		CHECK(v[2].people == 4);
	}
	clicks_rows_free(v, n);
	/* A partner's own pieces, across issues, case ignored. */
	CHECK(clicks_for_partner(st, "LUTON COUNCIL", &v, &n, &err) == 0);
	CHECK(n == 3);
	if (n == 3) {
		CHECK_STR(v[0].issue, "2027-01");
		CHECK_STR(v[2].issue, "2027-02");
		CHECK(v[2].people == 7);
	}
	clicks_rows_free(v, n);
	CHECK(clicks_for_partner(st, "ELFT", &v, &n, &err) == 0);
	CHECK(n == 1 && v[0].people == 4);
	clicks_rows_free(v, n);
	/* A broken build/links is refused, naming the line. */
	write_links("2027-03", "1\tx\ty\tjavascript:alert(1)\n");
	CHECK(clicks_record_build(st, cfg, "2027-03", &err) < 0);
	CHECK(err.set &&
	      strstr(err_msg(&err), "issues/2027-03/build/links:1:"));
	err_release(&err);
}

static struct config cfg;

static void with_store(struct store *st)
{
	test_clicks(st, &cfg);
}

int main(void)
{
	check_store_test *const tests[] = {with_store};

	memset(&cfg, 0, sizeof(cfg));
	cfg.root = dir; /* filled in by check_with_store */
	return check_with_store(dir, tests, 1);
}
