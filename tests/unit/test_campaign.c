#include "campaign.h"
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
#include "inputs.h"
#include "issue.h"
#include "render.h"
#include "banned.h"

static char root[] = "/tmp/bulletin-campaign-XXXXXX";

/* Writes build/NAME of the issue under root. */
static void write_build(const char *name, const struct buf *b)
{
	struct buf p = BUF_INIT;
	FILE *f;

	buf_addf(&p, "%s/issues/2026-12/build/%s", root, name);
	f = fopen(p.data, "w");
	CHECK(f != NULL);
	if (f) {
		CHECK(fwrite(b->data, 1, b->len, f) == b->len);
		fclose(f);
	}
	buf_release(&p);
}

/* The one message in root/outbox/new, or an empty buf. */
static void read_outbox(struct buf *msg)
{
	struct buf p = BUF_INIT;
	struct dirent *de;
	DIR *d;
	int n = 0;

	buf_addf(&p, "%s/outbox/new", root);
	d = opendir(p.data);
	CHECK(d != NULL);
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/outbox/new/%s", root, de->d_name);
		CHECK(buf_read_file(msg, p.data, 1 << 24) == 0);
		n++;
	}
	if (d)
		closedir(d);
	CHECK(n == 1);
	buf_release(&p);
}

/*
 * A test send from a library user standing in /: the compiled issue, its
 * pictures (delivery.embed_images) and the maildir outbox are all the
 * workspace's (cfg.root), not the current directory's.
 */
static void test_from_root(void)
{
	struct config cfg;
	struct issue is;
	struct inputs in;
	struct campaign_issue ci;
	struct render_output o = {BUF_INIT, BUF_INIT, LINKTABLE_INIT};
	struct diags d = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct buf cmd = BUF_INIT, results = BUF_INIT, msg = BUF_INIT;
	const char *to[] = {"tester@example.org"};
	char here[4096];

	CHECK(getcwd(here, sizeof(here)) != NULL);
	buf_addf(&cmd,
	         "mkdir -p '%s/issues/2026-12/build' && cp -r issues/2026-12 "
	         "'%s/issues/' && cp bulletin.yaml '%s/'",
	         root, root, root);
	CHECK(system(cmd.data) == 0);
	buf_reset(&cmd);
	buf_addf(&cmd, "%s/bulletin.yaml", root);
	config_init(&cfg);
	CHECK(config_load(&cfg, cmd.data, &err) == 0);
	cfg.root = xstrdup(root);
	cfg.embed_images = 1;
	CHECK(chdir("/") == 0);

	CHECK(issue_load(&is, &cfg, "2026-12", &d, &err) == 0);
	CHECK(render_issue(&is, &cfg, &o, &err) == 0);
	write_build("email.html", &o.email_html);
	write_build("email.txt", &o.email_txt);
	CHECK(inputs_collect(&in, &cfg, "2026-12", &err) == 0);
	CHECK(inputs_write(&in, &cfg, "2026-12", &err) == 0);
	inputs_release(&in);

	CHECK(campaign_issue_load(&ci, &cfg, "2026-12", &err) == 0);
	CHECK(ci.nimages > 0);
	CHECK(campaign_test_send(&cfg, &ci, to, 1, NULL, &results, &err) == 0);
	read_outbox(&msg);
	CHECK(strstr(msg.data, "tester@example.org") != NULL);
	CHECK(strstr(msg.data, "Subject: ") != NULL);
	CHECK(strstr(msg.data, "Content-ID: <") != NULL);
	CHECK(access("/outbox", F_OK) != 0);
	campaign_issue_release(&ci);

	CHECK(chdir(here) == 0);
	issue_release(&is);
	render_output_release(&o);
	diags_release(&d);
	config_release(&cfg);
	err_release(&err);
	buf_release(&cmd);
	buf_release(&results);
	buf_release(&msg);
}

int main(void)
{
	struct buf cmd = BUF_INIT;

	if (!mkdtemp(root))
		return 1;
	test_from_root();
	buf_addf(&cmd, "rm -rf '%s'", root);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	buf_release(&cmd);
	return check_done();
}
