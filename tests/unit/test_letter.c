#include "letter.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "file.h"
#include "template.h"

static char dir[] = "/tmp/test_letter.XXXXXX";

static const char yaml[] = "newsletter:\n"
                           "  name: Test News\n"
                           "  from: \"Test News <news@example.org>\"\n"
                           "  reply_to: team@example.org\n"
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

/* The headers from the newsletter's settings; nothing from the data or
 * the subject breaks out of its header; both parts rendered. */
static void test_build(const struct config *cfg)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *root = tmpl_map(d);
	struct buf out = BUF_INIT;
	struct err err = ERR_INIT;
	struct letter l = {
	        .templates = "note",
	        .data = root,
	        .subject = "Hello\r\nBcc: victim@example.net",
	        .to_name = "Zoë <x>",
	        .to_addr = "zoe@example.net",
	};

	tmpl_map_str(d, root, "who", "<b>Zoë</b>");
	CHECK(letter_build(cfg, &l, &out, &err) == 0);
	CHECK(strstr(out.data, "\r\nFrom: Test News <news@example.org>\r\n"));
	CHECK(strstr(out.data, "\r\nReply-To: <team@example.org>\r\n"));
	CHECK(strstr(out.data, "\r\nTo: =?UTF-8?"));
	CHECK(strstr(out.data, "<zoe@example.net>\r\n"));
	CHECK(!strstr(out.data, "\nBcc:"));
	CHECK(strstr(out.data, "text for <b>Zo=C3=AB</b>"));
	CHECK(strstr(out.data, "html for &lt;b&gt;Zo=C3=AB&lt;/b&gt;"));
	buf_reset(&out);
	l.templates = "missing";
	CHECK(letter_build(cfg, &l, &out, &err) == -1);
	CHECK(strstr(err_msg(&err), "missing.txt"));
	if (err.set)
		fprintf(stderr, "  (expected) %s\n", err_msg(&err));
	err_release(&err);
	buf_release(&out);
	tmpl_data_free(d);
}

int main(void)
{
	struct config cfg;
	struct err err = ERR_INIT;
	struct buf p = BUF_INIT;

	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	put("templates/note.txt.mustache", "text for {{{who}}}\n");
	put("templates/note.html.mustache", "<p>html for {{who}}</p>\n");
	config_init(&cfg);
	CHECK(config_parse(&cfg, yaml, strlen(yaml), "bulletin.yaml", &err) ==
	      0);
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	cfg.root = xstrdup(dir);
	test_build(&cfg);
	config_release(&cfg);
	buf_addf(&p, "rm -rf '%s'", dir);
	CHECK(system(p.data) == 0);
	buf_release(&p);
	err_release(&err);
	return check_done();
}
