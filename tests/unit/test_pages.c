/*
 * The web pages come from the workspace named in the settings (cfg.root),
 * whatever the current directory: a template the workspace overrides is
 * its own, one it does not is the built-in default, and a missing one
 * is an error naming it.
 */
#include "pages.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "file.h"
#include "template.h"

static char dir[] = "/tmp/test_pages.XXXXXX";

static void render(const struct pages *p, const char *name, struct buf *out)
{
	struct tmpl_data *d = tmpl_data_new();
	struct err err = ERR_INIT;

	buf_reset(out);
	CHECK(pages_render(p, name, tmpl_map(d), out, &err) == 0);
	tmpl_data_free(d);
	err_release(&err);
}

int main(void)
{
	static const char *const names[] = {"web/404.html", "web/error.html",
	                                    NULL};
	static const char *const none[] = {NULL};
	static const char *const missing[] = {"web/no-such-page.html", NULL};
	struct config cfg;
	struct err err = ERR_INIT;
	struct buf path = BUF_INIT, out = BUF_INIT;
	const char mine[] = "<p>the workspace's own 404</p>\n";
	struct pages *p;

	if (!mkdtemp(dir))
		return 1;
	buf_addf(&path, "%s/templates/web", dir);
	CHECK(file_mkdirs(path.data, &err) == 0);
	buf_adds(&path, "/404.html.mustache");
	CHECK(file_write_atomic(path.data, mine, strlen(mine), 0644, 0, &err) ==
	      0);
	/* Somewhere else entirely: nothing may be read from here. */
	CHECK(chdir("/") == 0);
	config_init(&cfg);
	cfg.root = xstrdup(dir);

	p = pages_load(&cfg, names, none, &err);
	CHECK(p != NULL);
	if (p) {
		render(p, "web/404.html", &out);
		CHECK_STR(out.data, mine);
		render(p, "web/error.html", &out);
		CHECK(strstr(out.data, "<") != NULL); /* the built-in page */
		CHECK(strstr(out.data, "workspace's own") == NULL);
		pages_free(p);
	}
	p = pages_load(&cfg, missing, none, &err);
	CHECK(p == NULL);
	CHECK(strstr(err_msg(&err), "templates/web/no-such-page.html") != NULL);

	buf_reset(&path);
	buf_addf(&path, "rm -rf '%s'", dir);
	CHECK(system(path.data) == 0);
	buf_release(&path);
	buf_release(&out);
	err_release(&err);
	config_release(&cfg);
	return check_done();
}
