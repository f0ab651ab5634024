#include "issue.h"

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

static char root[] = "/tmp/bulletin-issue.XXXXXX";

static void copy_to(const char *name, const char *from)
{
	struct buf data = BUF_INIT, p = BUF_INIT;
	struct err err = ERR_INIT;

	CHECK(buf_read_file(&data, from, 1 << 20) == 0);
	buf_addf(&p, "%s/%s", root, name);
	CHECK(file_write_atomic(p.data, data.data, data.len, 0644, 0, &err) ==
	      0);
	buf_release(&data);
	buf_release(&p);
	err_release(&err);
}

/* issue_image_read: the one-picture check for those reading after
 * compile (the send embedding pictures). */
static void test_image_read(void)
{
	struct issue_image im;
	struct err err = ERR_INIT;
	struct buf p = BUF_INIT;

	copy_to("good.png", "issues/2026-12/flying-start.png");
	copy_to("store.db", "CMakeLists.txt");
	buf_addf(&p, "%s/link.png", root);
	CHECK(symlink("good.png", p.data) == 0);

	CHECK(issue_image_read(root, "good.png", &im, &err) == 0);
	CHECK(im.ok && im.info.type == IMAGE_PNG && im.info.width == 600);
	CHECK(im.data && im.len > 1000);
	issue_image_release(&im);

	CHECK(issue_image_read(root, "link.png", &im, &err) < 0);
	CHECK(strstr(err_msg(&err), "link.png: this is a link to another "
	                            "file, not a picture") != NULL);
	CHECK(!im.data);
	issue_image_release(&im);
	err_clear(&err);

	CHECK(issue_image_read(root, "store.db", &im, &err) < 0);
	CHECK(strstr(err_msg(&err), "this is not a PNG, JPEG, GIF or WebP "
	                            "picture") != NULL);
	issue_image_release(&im);
	err_clear(&err);

	CHECK(issue_image_read(root, "../good.png", &im, &err) < 0);
	CHECK(strstr(err_msg(&err), "named without '/' or '..'") != NULL);
	issue_image_release(&im);
	err_clear(&err);

	CHECK(issue_image_read(root, "nothere.png", &im, &err) < 0);
	CHECK(im.missing);
	issue_image_release(&im);
	buf_release(&p);
	err_release(&err);
}

static void test_is_local(void)
{
	CHECK(issue_image_is_local("pic.png"));
	CHECK(!issue_image_is_local(""));
	CHECK(!issue_image_is_local(NULL));
	CHECK(!issue_image_is_local("https://example.org/pic.png"));
	CHECK(!issue_image_is_local("/pic.png"));
	CHECK(!issue_image_is_local("data:image/png;base64,AAAA"));
}

/*
 * An issue is read from the workspace the settings name (cfg.root), not
 * from the current directory: here the sample issue, copied under root,
 * loaded while standing in /, with messages still naming issues/ID.
 */
static void test_from_root(void)
{
	struct config cfg;
	struct issue is;
	struct diags d = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct buf cmd = BUF_INIT, cwd = BUF_INIT;
	char here[4096];

	CHECK(getcwd(here, sizeof(here)) != NULL);
	buf_addf(&cmd,
	         "mkdir -p '%s/issues' && cp -r issues/2026-12 '%s/issues/'",
	         root, root);
	CHECK(system(cmd.data) == 0);
	config_init(&cfg);
	CHECK(config_load(&cfg, "bulletin.yaml", &err) == 0);
	cfg.root = xstrdup(root);
	CHECK(chdir("/") == 0);
	CHECK(issue_load(&is, &cfg, "2026-12", &d, &err) == 0);
	CHECK(is.n >= 5);
	CHECK_STR(is.dir, "issues/2026-12");
	CHECK(diags_count(&d, DIAG_ERROR) == 0);
	issue_release(&is);
	CHECK(issue_load(&is, &cfg, "no-such-issue", &d, &err) < 0);
	CHECK(strstr(err_msg(&err), "issues/no-such-issue") != NULL);
	issue_release(&is);
	CHECK(chdir(here) == 0);
	diags_release(&d);
	config_release(&cfg);
	err_release(&err);
	buf_release(&cmd);
	buf_release(&cwd);
}

int main(void)
{
	struct buf cmd = BUF_INIT;

	if (!mkdtemp(root))
		return 1;
	test_image_read();
	test_is_local();
	test_from_root();
	buf_addf(&cmd, "rm -rf '%s'", root);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	buf_release(&cmd);
	return check_done();
}
