#include <string.h>

#include "check.h"
#include "config.h"

static const char base[] = "newsletter:\n"
                           "  name: Test News\n"
                           "  from: \"Test News <news@example.org>\"\n"
                           "  base_url: https://news.example.org/\n"
                           "sections:\n"
                           "  - key: one\n"
                           "    title: Section one\n";

static int parse(const char *text, struct config *cfg, struct err *err)
{
	config_init(cfg);
	return config_parse(cfg, text, strlen(text), "b.yaml", err);
}

static void expect_error(const char *text, const char *want)
{
	struct config cfg;
	struct err err = ERR_INIT;

	CHECK(parse(text, &cfg, &err) < 0);
	if (!strstr(err_msg(&err), want)) {
		fprintf(stderr, "  error was: %s\n  want: %s\n", err_msg(&err),
		        want);
		CHECK(!"error message");
	}
	err_release(&err);
	config_release(&cfg);
}

int main(void)
{
	struct config cfg;
	struct err err = ERR_INIT;
	char buf[1024];

	CHECK(parse(base, &cfg, &err) == 0);
	CHECK_STR(cfg.name, "Test News");
	CHECK_STR(cfg.from_name, "Test News");
	CHECK_STR(cfg.from_addr, "news@example.org");
	CHECK_STR(cfg.base_url, "https://news.example.org");
	CHECK_STR(cfg.list_id, "news.example.org");
	CHECK_STR(cfg.return_path, "bounces+{token}@example.org");
	CHECK_STR(cfg.unsubscribe_mailto, "unsubscribe+{token}@example.org");
	CHECK_STR(cfg.store, "subscribers/bulletin.db");
	CHECK_STR(cfg.language, "en-GB");
	CHECK(cfg.connections == 4);
	CHECK(cfg.ntransports == 1);
	CHECK_STR(cfg.transports[0], "maildir:outbox");
	CHECK(cfg.nsections == 1);
	CHECK(config_section(&cfg, "one") != NULL);
	CHECK(config_section(&cfg, "two") == NULL);
	config_release(&cfg);

	snprintf(buf, sizeof(buf),
	         "%sdelivery:\n  transport:\n    - smtp://a:25\n"
	         "    - smtps://b:465\n  connections: 16\n  rate: 2.5\n",
	         base);
	CHECK(parse(buf, &cfg, &err) == 0);
	CHECK(cfg.ntransports == 2);
	CHECK_STR(cfg.transports[1], "smtps://b:465");
	CHECK(cfg.connections == 16);
	CHECK(cfg.rate == 2.5);
	config_release(&cfg);

	snprintf(buf, sizeof(buf), "%sdelivery:\n  conections: 3\n", base);
	expect_error(buf, "b.yaml:9:3: unknown key 'delivery.conections' "
	                  "(did you mean 'connections'?)");
	snprintf(buf, sizeof(buf), "%sdelivery:\n  connections: lots\n", base);
	expect_error(buf, "b.yaml:9:16: 'delivery.connections' must be a "
	                  "whole number from 1 to 64");
	snprintf(buf, sizeof(buf), "%snewsleter:\n  name: x\n", base);
	expect_error(buf, "unknown key 'newsleter' (did you mean "
	                  "'newsletter'?)");
	expect_error("newsletter:\n  name: x\n",
	             "'newsletter.from' is required");
	expect_error("newsletter: [1\n", "b.yaml:");
	snprintf(buf, sizeof(buf), "%s  - key: one\n    title: again\n", base);
	expect_error(buf, "section key 'one' is used twice");
	snprintf(buf, sizeof(buf), "%s  - key: Two Words\n    title: t\n",
	         base);
	expect_error(buf, "may use only a-z, 0-9 and '-'");
	expect_error("newsletter:\n  name: n\n  from: nobody\n"
	             "  base_url: https://x\nsections:\n  - key: a\n"
	             "    title: A\n",
	             "'newsletter.from' must be an address");

	/* topics: key, title, description, default; checked */
	snprintf(buf, sizeof(buf),
	         "%stopics:\n  - key: news\n    title: Everything\n"
	         "    default: true\n  - key: events\n    title: Events\n"
	         "    description: What is on\n",
	         base);
	CHECK(parse(buf, &cfg, &err) == 0);
	CHECK(cfg.ntopics == 2);
	CHECK(config_topic(&cfg, "news") && config_topic(&cfg, "news")->on);
	CHECK(config_topic(&cfg, "events") &&
	      !config_topic(&cfg, "events")->on);
	CHECK_STR(cfg.topics[1].description, "What is on");
	CHECK(config_topic(&cfg, "other") == NULL);
	config_release(&cfg);
	snprintf(buf, sizeof(buf), "%stopics:\n  - key: news\n", base);
	expect_error(buf, "b.yaml:9:5: a topic needs a 'key'");
	snprintf(buf, sizeof(buf),
	         "%stopics:\n  - key: news\n    title: N\n"
	         "  - key: news\n    title: M\n",
	         base);
	expect_error(buf, "topic key 'news' is used twice");
	snprintf(buf, sizeof(buf),
	         "%stopics:\n  - key: news\n    title: N\n    defualt: true\n",
	         base);
	expect_error(buf, "not 'defualt' (did you mean 'default'?)");
	snprintf(buf, sizeof(buf),
	         "%stopics:\n  - key: news\n    title: N\n    default: yes "
	         "please\n",
	         base);
	expect_error(buf, "'default' must be true");
	snprintf(buf, sizeof(buf), "%stopics: news\n", base);
	expect_error(buf, "'topics' must be a list");

	/* Paths of the workspace come from its root, not the current
	 * directory; an absolute path is kept. */
	{
		struct config w;
		struct buf p = BUF_INIT;

		config_init(&w);
		config_path(&w, &p, "issues/%s/build", "2026-12");
		CHECK_STR(p.data, "issues/2026-12/build");
		w.root = xstrdup("/srv/news");
		buf_reset(&p);
		config_path(&w, &p, "issues/%s/build", "2026-12");
		CHECK_STR(p.data, "/srv/news/issues/2026-12/build");
		buf_reset(&p);
		config_path(&w, &p, "%s", "/var/lib/bulletin/store.db");
		CHECK_STR(p.data, "/var/lib/bulletin/store.db");
		buf_release(&p);
		config_release(&w);
	}
	err_release(&err);
	return check_done();
}
