#include "publicdir.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "web.h"

static char root[] = "/tmp/bulletin-publicdir.XXXXXX";

static void put(const char *rel, const char *text)
{
	struct buf p = BUF_INIT;
	FILE *f;

	buf_addf(&p, "%s/%s", root, rel);
	f = fopen(p.data, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	buf_release(&p);
}

static int find(const char *rel, struct publicdir_file *out)
{
	struct buf dir = BUF_INIT;
	int r;

	buf_addf(&dir, "%s/public", root);
	r = publicdir_find(dir.data, rel, out);
	buf_release(&dir);
	return r;
}

static void expect_text(const char *rel, const char *want)
{
	struct publicdir_file f;
	char got[64] = {0};

	CHECK(find(rel, &f) == PUBLICDIR_FOUND);
	if (find(rel, &f) != PUBLICDIR_FOUND)
		return;
	CHECK(read(f.fd, got, sizeof(got) - 1) >= 0);
	CHECK_STR(got, want);
	close(f.fd);
}

static void test_find(void)
{
	struct publicdir_file f;
	char path[512];

	snprintf(path, sizeof(path), "%s/public/2026-12", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/public", root);
	put("public/index.html", "index");
	put("public/2026-12/index.html", "issue");
	put("public/2026-12/photo.JPG", "jpeg");
	put("public/.hidden", "hidden");
	put("secret.txt", "secret");
	snprintf(path, sizeof(path), "%s/public/out.txt", root);
	CHECK(symlink("../secret.txt", path) == 0);
	snprintf(path, sizeof(path), "%s/public/link", root);
	CHECK(symlink("2026-12", path) == 0);

	expect_text("", "index");
	expect_text("index.html", "index");
	expect_text("2026-12/", "issue");
	expect_text("2026-12/index.html", "issue");
	CHECK(find("2026-12", &f) == PUBLICDIR_IS_DIR);
	CHECK(find("2026-12/photo.JPG", &f) == PUBLICDIR_FOUND);
	CHECK_STR(f.content_type, "image/jpeg");
	CHECK_STR(f.cache_control, "public, max-age=86400");
	CHECK(f.size == 4 && f.etag[0] == '"');
	close(f.fd);
	CHECK(find("index.html", &f) == PUBLICDIR_FOUND);
	CHECK_STR(f.content_type, "text/html; charset=utf-8");
	CHECK_STR(f.cache_control, "no-cache");
	close(f.fd);

	static const char *const refused[] = {
	        "../secret.txt",
	        "2026-12/../../secret.txt",
	        "./index.html",
	        "2026-12//index.html",
	        ".hidden",
	        "out.txt",
	        "link/index.html",
	        "missing.html",
	        "2026-12/index.html/",
	        "/etc/passwd",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int r = find(refused[i], &f);

		if (r != PUBLICDIR_NOT_FOUND)
			fprintf(stderr, "served: %s\n", refused[i]);
		CHECK(r == PUBLICDIR_NOT_FOUND);
	}
	CHECK(publicdir_find("/nonexistent/public", "", &f) ==
	      PUBLICDIR_NOT_FOUND);
}

static void test_types(void)
{
	CHECK_STR(publicdir_content_type("feed.xml"),
	          "application/atom+xml; charset=utf-8");
	CHECK_STR(publicdir_content_type("style.css"),
	          "text/css; charset=utf-8");
	CHECK_STR(publicdir_content_type("a.png"), "image/png");
	CHECK_STR(publicdir_content_type("noext"), "application/octet-stream");
	CHECK_STR(publicdir_content_type("a.b/noext"),
	          "application/octet-stream");
}

static void test_mask(void)
{
	char *m = web_mask_address("jane.doe@example.org");

	CHECK_STR(m, "j•••@example.org");
	free(m);
	m = web_mask_address("\xc3\xa9lise@example.org");
	CHECK_STR(m, "\xc3\xa9•••@example.org");
	free(m);
	m = web_mask_address("x@example.org");
	CHECK_STR(m, "x•••@example.org");
	free(m);
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(root))
		return 1;
	snprintf(cmd, sizeof(cmd), "%s/public", root);
	mkdir(cmd, 0755);
	test_find();
	test_types();
	test_mask();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
