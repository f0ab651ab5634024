#include "inputs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "file.h"

static char dir[] = "/tmp/test_inputs.XXXXXX";

static const char yaml[] = "newsletter:\n"
                           "  name: Test News\n"
                           "  from: \"Test News <news@example.org>\"\n"
                           "  base_url: https://news.example.org/\n"
                           "sections:\n"
                           "  - key: one\n"
                           "    title: Section one\n";

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

static void load_config(struct config *cfg)
{
	struct err err = ERR_INIT;

	config_init(cfg);
	CHECK(config_parse(cfg, yaml, strlen(yaml), "bulletin.yaml", &err) ==
	      0);
	cfg->root = xstrdup(dir);
	err_release(&err);
}

static const struct inputs_entry *find(const struct inputs *in,
                                       const char *name)
{
	for (size_t i = 0; i < in->n; i++)
		if (!strcmp(in->v[i].name, name))
			return &in->v[i];
	return NULL;
}

/* What counts: the files, the templates (workspace or built in),
 * the settings; not build/, hidden files or backups. */
static void test_collect(const struct config *cfg)
{
	struct inputs in;
	struct err err = ERR_INIT;

	CHECK(inputs_collect(&in, cfg, "2027-01", &err) == 0);
	CHECK(find(&in, "issues/2027-01/a.md") != NULL);
	CHECK(find(&in, "issues/2027-01/issue.yaml") != NULL);
	CHECK(find(&in, "issues/2027-01/pics/p.png") != NULL);
	CHECK(find(&in, "issues/2027-01/build/email.html") == NULL);
	CHECK(find(&in, "issues/2027-01/.a.md.swp") == NULL);
	CHECK(find(&in, "issues/2027-01/a.md~") == NULL);
	CHECK(find(&in, "templates/email.html.mustache") != NULL);
	CHECK(find(&in, "templates/email.txt.mustache") != NULL);
	CHECK(find(&in, "templates/footer.mustache") != NULL);
	CHECK(find(&in, INPUTS_SETTINGS) != NULL);
	/* sha256("hello\n") */
	CHECK_STR(find(&in, "issues/2027-01/a.md")->hex,
	          "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f"
	          "6be03");
	for (size_t i = 1; i < in.n; i++)
		CHECK(strcmp(in.v[i - 1].name, in.v[i].name) < 0);
	inputs_release(&in);
	err_release(&err);
}

/* The manifest round-trips, and the comparison names each difference. */
static void test_compare(const struct config *cfg)
{
	struct inputs was, now, back;
	struct inputs_change *ch;
	struct err err = ERR_INIT;
	struct buf text = BUF_INIT;
	char d1[65], d2[65];
	size_t n;

	CHECK(inputs_collect(&was, cfg, "2027-01", &err) == 0);
	inputs_format(&was, &text);
	CHECK(inputs_parse(&back, text.data, text.len, "m", &err) == 0);
	n = inputs_compare(&was, &back, &ch);
	CHECK(n == 0);
	free(ch);
	inputs_digest(&was, d1);
	inputs_digest(&back, d2);
	CHECK_STR(d1, d2);

	put("issues/2027-01/a.md", "hellO\n");
	put("issues/2027-01/b.md", "new\n");
	put("issues/2027-01/pics/p.png", "PNG");
	{
		struct buf p = BUF_INIT;

		buf_addf(&p, "%s/issues/2027-01/issue.yaml", dir);
		CHECK(unlink(p.data) == 0);
		buf_release(&p);
	}
	CHECK(inputs_collect(&now, cfg, "2027-01", &err) == 0);
	n = inputs_compare(&was, &now, &ch);
	CHECK(n == 4);
	if (n == 4) {
		CHECK_STR(ch[0].name, "issues/2027-01/a.md");
		CHECK(ch[0].kind == INPUTS_CHANGED);
		CHECK_STR(ch[1].name, "issues/2027-01/b.md");
		CHECK(ch[1].kind == INPUTS_ADDED);
		CHECK_STR(ch[2].name, "issues/2027-01/issue.yaml");
		CHECK(ch[2].kind == INPUTS_REMOVED);
		/* One letter's case: content, not size or time. */
		CHECK_STR(ch[3].name, "issues/2027-01/pics/p.png");
		CHECK(ch[3].kind == INPUTS_CHANGED);
	}
	free(ch);
	inputs_digest(&now, d2);
	CHECK(strcmp(d1, d2) != 0);
	inputs_release(&was);
	inputs_release(&now);
	inputs_release(&back);
	buf_release(&text);
	err_release(&err);
}

/* A setting that reaches the message counts; one that does not, not. */
static void test_settings(struct config *cfg)
{
	struct inputs a, b;
	struct err err = ERR_INIT;

	CHECK(inputs_collect(&a, cfg, "2027-01", &err) == 0);
	cfg->rate = 5;
	CHECK(inputs_collect(&b, cfg, "2027-01", &err) == 0);
	CHECK_STR(find(&a, INPUTS_SETTINGS)->hex,
	          find(&b, INPUTS_SETTINGS)->hex);
	inputs_release(&b);
	free(cfg->footer);
	cfg->footer = xstrdup("A new footer");
	CHECK(inputs_collect(&b, cfg, "2027-01", &err) == 0);
	CHECK(strcmp(find(&a, INPUTS_SETTINGS)->hex,
	             find(&b, INPUTS_SETTINGS)->hex) != 0);
	inputs_release(&a);
	inputs_release(&b);
	err_release(&err);
}

/* A link to a file counts by its content; one to a folder is skipped. */
static void test_links(const struct config *cfg)
{
	struct inputs in;
	struct err err = ERR_INIT;
	struct buf a = BUF_INIT, b = BUF_INIT;

	buf_addf(&a, "%s/issues/2027-01/link.md", dir);
	buf_addf(&b, "%s/issues/2027-01/loop", dir);
	CHECK(symlink("a.md", a.data) == 0);
	CHECK(symlink(".", b.data) == 0);
	CHECK(inputs_collect(&in, cfg, "2027-01", &err) == 0);
	CHECK(find(&in, "issues/2027-01/link.md") != NULL);
	CHECK(find(&in, "issues/2027-01/loop/a.md") == NULL);
	if (find(&in, "issues/2027-01/link.md"))
		CHECK_STR(find(&in, "issues/2027-01/link.md")->hex,
		          find(&in, "issues/2027-01/a.md")->hex);
	inputs_release(&in);
	unlink(a.data);
	unlink(b.data);
	buf_release(&a);
	buf_release(&b);
	err_release(&err);
}

static void test_parse_errors(void)
{
	struct inputs in;
	struct err err = ERR_INIT;
	const char bad[] = "# comment\nnot a line\n";

	CHECK(inputs_parse(&in, bad, strlen(bad), "issues/x/build/inputs",
	                   &err) < 0);
	CHECK(strstr(err_msg(&err), "issues/x/build/inputs:2:") != NULL);
	err_release(&err);
}

static void test_read_write(const struct config *cfg)
{
	struct inputs in, back;
	struct err err = ERR_INIT;
	long long when;

	CHECK(inputs_read(&back, cfg, "2027-01", &when, &err) == 0);
	CHECK(inputs_collect(&in, cfg, "2027-01", &err) == 0);
	CHECK(inputs_write(&in, cfg, "2027-01", &err) == 0);
	CHECK(inputs_read(&back, cfg, "2027-01", &when, &err) == 1);
	CHECK(when > 0); /* the file's time, for messages */
	CHECK(back.n == in.n);
	inputs_release(&in);
	inputs_release(&back);
	err_release(&err);
}

int main(void)
{
	struct config cfg;
	struct buf cmd = BUF_INIT;

	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	put("issues/2027-01/a.md", "hello\n");
	put("issues/2027-01/issue.yaml", "title: T\n");
	put("issues/2027-01/pics/p.png", "png");
	put("issues/2027-01/build/email.html", "<p>");
	put("issues/2027-01/.a.md.swp", "x");
	put("issues/2027-01/a.md~", "x");
	put("templates/email.html.mustache", "<p>{{> footer}}</p>");
	put("templates/footer.mustache", "<p>footer</p>");
	load_config(&cfg);
	test_collect(&cfg);
	test_read_write(&cfg);
	test_compare(&cfg);
	test_settings(&cfg);
	test_links(&cfg);
	test_parse_errors();
	config_release(&cfg);
	buf_addf(&cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd.data) == 0);
	buf_release(&cmd);
	return check_done();
}
