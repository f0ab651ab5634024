#include "piece.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "diag.h"
#include "file.h"
#include "issue.h"

static char root[] = "/tmp/bulletin-piece.XXXXXX";
static struct config cfg;

/* Titles and texts that break naive YAML, Markdown or HTML writers. */
static const char *const nasty_titles[] = {
        "Flying Start: two more wards",
        "\"Quoted\" and 'single' and \\backslash\\",
        "# not a comment",
        "- not a list item",
        "&anchor and *alias and !tag",
        "Line one\nline two",
        "key: value # comment ? [flow] {map} | > %",
        "@at `tick` ~ null yes no true 0x10 1e3",
        "<script>alert(1)</script> &amp; <b>bold</b>",
        "Ünïcödé — “curly” ‘quotes’ … 🌍 \xe2\x80\xa8sep",
        "---",
        "...",
        "'",
        "\"",
        ": leading colon",
        "tab\there",
        "[[bulletin:name]]",
};

static const char *const nasty_bodies[] = {
        "Plain text.\n",
        "---\ntitle: not details\n---\n\nStill the body.\n",
        "## Heading\n\n* a\n* b\n\n<script>x</script> & <b>",
        "No newline at the end",
        "Trailing spaces   \n\n\n",
        "Windows\r\nline ends\r\n",
};

static void write_issue(void)
{
	struct buf p = BUF_INIT;
	struct err err = ERR_INIT;
	const char *yaml = "title: Test\ndate: 2027-01-20\ndeadline: "
	                   "2027-01-10\n";

	buf_addf(&p, "%s/issues/2027-01/issue.yaml", root);
	CHECK(file_write_atomic(p.data, yaml, strlen(yaml), 0644, 0, &err) ==
	      0);
	buf_release(&p);
	err_release(&err);
}

/* The text the compiler reads, with CRLF made LF (as the writer does). */
static char *lf(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s; s++)
		if (*s != '\r')
			buf_addch(&b, *s);
	return buf_detach(&b);
}

/* Saves one piece and reads it back through the compiler's loader. */
static void round_trip(const char *title, const char *body)
{
	struct piece p = {
	        .title = title,
	        .partner = "Luton Borough Council: Early Years & \"Play\"",
	        .section = "best-start",
	        .type = "news",
	        .summary = title,
	        .author = "O'Brien # 1",
	        .body = body,
	};
	struct piece_saved s;
	struct issue is;
	struct diags d = DIAGS_INIT;
	struct err err = ERR_INIT;
	const struct contribution *c;
	char *want = lf(body);

	CHECK(piece_save(&cfg, "2027-01", NULL, &p, NULL, 0, &s, &err) == 0);
	if (!s.slug) {
		fprintf(stderr, "save failed: %s\n", err_msg(&err));
		goto out;
	}
	CHECK(s.created);
	CHECK(piece_check(&cfg, "2027-01", s.slug, &is, &d, &err) == 1);
	c = piece_of(&is);
	CHECK(c != NULL);
	if (c) {
		CHECK_STR(c->title, title);
		CHECK_STR(c->summary, title);
		CHECK_STR(c->partner, p.partner);
		CHECK_STR(c->author, p.author);
		CHECK_STR(c->body, want);
	}
	for (size_t i = 0; i < d.n; i++)
		CHECK(strcmp(d.v[i].code, "front-matter") != 0);
	issue_release(&is);
	piece_saved_release(&s);
out:
	free(want);
	diags_release(&d);
	err_release(&err);
}

static void test_round_trips(void)
{
	size_t nt = sizeof(nasty_titles) / sizeof(*nasty_titles);
	size_t nb = sizeof(nasty_bodies) / sizeof(*nasty_bodies);

	for (size_t i = 0; i < nt; i++)
		round_trip(nasty_titles[i], nasty_bodies[i % nb]);
	for (size_t i = 0; i < nb; i++)
		round_trip("A body", nasty_bodies[i]);
}

static void test_text(void)
{
	struct piece p = {.title = "  a: b \r\n", .body = "x\r\ny\rz"};
	struct buf out = BUF_INIT;
	struct err err = ERR_INIT;

	CHECK(piece_text(&p, NULL, &out, &err) == 0);
	CHECK_STR(out.data, "---\ntitle: \"a: b\"\n---\nx\ny\nz");
	buf_reset(&out);
	p.title = "bad \xff byte";
	CHECK(piece_text(&p, NULL, &out, &err) < 0);
	CHECK(strstr(err_msg(&err), "the title has characters") != NULL);
	CHECK(out.len == 0);
	err_clear(&err);
	p.title = "ok";
	p.summary = "\x01 control";
	CHECK(piece_text(&p, NULL, &out, &err) == 0);
	CHECK(strstr(out.data, "summary: \"\\x01 control\"") != NULL);
	buf_release(&out);
	err_release(&err);
}

static void test_slug(void)
{
	struct buf b = BUF_INIT;

	piece_slug("Flying Start: Two MORE wards!", &b);
	CHECK_STR(b.data, "flying-start-two-more-wards");
	buf_reset(&b);
	piece_slug("Ünïcödé café", &b);
	CHECK_STR(b.data, "n-c-d-caf");
	buf_reset(&b);
	piece_slug("!!!", &b);
	CHECK_STR(b.data, "piece");
	buf_reset(&b);
	piece_slug("../../etc/passwd", &b);
	CHECK_STR(b.data, "etc-passwd");
	buf_reset(&b);
	piece_slug("a very long title that goes on and on and on and on and on "
	           "and on",
	           &b);
	CHECK(b.len <= 61);
	buf_release(&b);
}

static char *read_all(const char *rel)
{
	struct buf p = BUF_INIT, data = BUF_INIT;

	buf_addf(&p, "%s/%s", root, rel);
	if (buf_read_file(&data, p.data, 1 << 24) < 0) {
		buf_release(&p);
		buf_release(&data);
		return NULL;
	}
	buf_release(&p);
	return buf_detach(&data);
}

static size_t history_count(void)
{
	struct buf p = BUF_INIT;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	buf_addf(&p, "%s/issues/2027-01/.history", root);
	d = opendir(p.data);
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	buf_release(&p);
	return n;
}

/* Unique names, edits with history, pictures replaced and removed. */
static void test_edit_and_images(void)
{
	struct piece p = {.title = "Same title",
	                  .partner = "P",
	                  .section = "best-start",
	                  .type = "case-study",
	                  .image_alt = "Children painting",
	                  .body = "One.\n"};
	struct piece_image img = {PIECE_IMAGE_REPLACE, NULL, 0};
	struct piece_saved a, b, c;
	struct buf png = BUF_INIT, path = BUF_INIT;
	struct err err = ERR_INIT;
	struct stat st;
	char *text, *old_image;
	size_t before = history_count();

	CHECK(buf_read_file(&png, "issues/2026-12/flying-start.png", 1 << 22) ==
	      0);
	img.data = png.data;
	img.len = png.len;
	CHECK(piece_save(&cfg, "2027-01", NULL, &p, &img, 1 << 22, &a, &err) ==
	      0);
	CHECK(piece_save(&cfg, "2027-01", NULL, &p, NULL, 0, &b, &err) == 0);
	CHECK_STR(a.slug, "same-title");
	CHECK_STR(b.slug, "same-title-2");
	CHECK_STR(a.path, "issues/2027-01/same-title.md");
	CHECK(a.image && !strncmp(a.image, "same-title-", 11) &&
	      strstr(a.image, ".png"));
	CHECK(a.image_info.type == IMAGE_PNG && a.image_info.width == 600);
	CHECK(!b.image);
	text = read_all(a.path);
	CHECK(text && strstr(text, "image_alt: \"Children painting\""));
	CHECK(text && strstr(text, "received: \"20"));
	free(text);

	/* An edit keeps the picture and the old text. */
	p.body = "Two.\n";
	CHECK(piece_save(&cfg, "2027-01", a.slug, &p, NULL, 0, &c, &err) == 0);
	CHECK(!c.created);
	CHECK_STR(c.image, a.image);
	CHECK(c.history && strstr(c.history, "issues/2027-01/.history/"
	                                     "same-title."));
	CHECK(history_count() == before + 1);
	text = read_all(c.history);
	CHECK(text && strstr(text, "One."));
	free(text);
	piece_saved_release(&c);

	/* Replaced: a fresh name; the old picture goes to the history. */
	old_image = xstrdup(a.image);
	CHECK(piece_save(&cfg, "2027-01", a.slug, &p, &img, 1 << 22, &c,
	                 &err) == 0);
	CHECK(c.image && strcmp(c.image, old_image) != 0);
	buf_addf(&path, "%s/issues/2027-01/%s", root, old_image);
	CHECK(lstat(path.data, &st) < 0);
	CHECK(history_count() == before + 3);
	piece_saved_release(&c);

	/* Removed. */
	img.change = PIECE_IMAGE_REMOVE;
	CHECK(piece_save(&cfg, "2027-01", a.slug, &p, &img, 0, &c, &err) == 0);
	CHECK(!c.image);
	text = read_all(c.path);
	CHECK(text && !strstr(text, "image"));
	free(text);
	piece_saved_release(&c);

	/* Too big, or not a picture: nothing changes. */
	img.change = PIECE_IMAGE_REPLACE;
	text = read_all(a.path);
	CHECK(piece_save(&cfg, "2027-01", a.slug, &p, &img, 100, &c, &err) < 0);
	CHECK(strstr(err_msg(&err), "more than the") != NULL);
	err_clear(&err);
	img.data = "<svg xmlns='http://www.w3.org/2000/svg'/>";
	img.len = strlen(img.data);
	CHECK(piece_save(&cfg, "2027-01", a.slug, &p, &img, 1 << 22, &c, &err) <
	      0);
	CHECK(strstr(err_msg(&err), "the file chosen is an SVG") != NULL);
	err_clear(&err);
	{
		char *now = read_all(a.path);

		CHECK(text && now && !strcmp(text, now));
		free(now);
	}
	free(text);

	/* Withdrawn: the compiler keeps it aside. */
	CHECK(piece_withdraw(&cfg, "2027-01", b.slug, "sent twice", &c, &err) ==
	      0);
	CHECK(c.withdrawn);
	{
		struct issue is;
		struct diags d = DIAGS_INIT;

		CHECK(piece_check(&cfg, "2027-01", b.slug, &is, &d, &err) == 1);
		CHECK(is.n == 0 && is.nwithdrawn == 1);
		CHECK_STR(piece_of(&is)->withdrawn_reason, "sent twice");
		issue_release(&is);
		CHECK(piece_check(&cfg, "2027-01", "nothere", &is, &d, &err) ==
		      0);
		issue_release(&is);
		diags_release(&d);
	}
	piece_saved_release(&c);
	CHECK(piece_save(&cfg, "2027-01", "nothere", &p, NULL, 0, &c, &err) <
	      0);
	CHECK(strstr(err_msg(&err), "no such piece") != NULL);
	free(old_image);
	piece_saved_release(&a);
	piece_saved_release(&b);
	buf_release(&png);
	buf_release(&path);
	err_release(&err);
}

/* The history and temporary files are no contributions. */
static void test_compile_ignores_history(void)
{
	struct issue is;
	struct diags d = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s/issues/2027-01/.history/broken.md", root);
	CHECK(file_write_atomic(p.data, "no details", 10, 0644, 0, &err) == 0);
	CHECK(issue_load(&is, &cfg, "2027-01", &d, &err) == 0);
	for (size_t i = 0; i < d.n; i++)
		CHECK(!strstr(d.v[i].file, ".history"));
	for (size_t i = 0; i < is.n; i++)
		CHECK(!strstr(is.v[i].path, ".history"));
	issue_release(&is);
	diags_release(&d);
	buf_release(&p);
	err_release(&err);
}

int main(void)
{
	struct buf cmd = BUF_INIT;
	struct err err = ERR_INIT;

	if (!mkdtemp(root))
		return 1;
	config_init(&cfg);
	CHECK(config_load(&cfg, "bulletin.yaml", &err) == 0);
	cfg.root = xstrdup(root);
	write_issue();
	test_text();
	test_slug();
	test_round_trips();
	test_edit_and_images();
	test_compile_ignores_history();
	buf_addf(&cmd, "rm -rf '%s'", root);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	buf_release(&cmd);
	config_release(&cfg);
	err_release(&err);
	return check_done();
}
