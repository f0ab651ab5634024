/*
 * Topics in the store (store_topics), the preferences page's changes and
 * coming back (store_prefs), and the send's audience (store_send): bits
 * given once and kept when bulletin.yaml is reordered; an event per
 * change; someone who left stays suppressed until their request is
 * confirmed; a send for a topic or an organisation takes exactly its
 * subscribers, and a started send keeps its audience.
 */
#include "store_prefs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "store_send.h"
#include "store_topics.h"

static char dir[] = "/tmp/test_store_prefs.XXXXXX";

static const char yaml[] = "newsletter:\n"
                           "  name: T\n"
                           "  from: t@example.org\n"
                           "  base_url: https://t.example.org\n"
                           "sections:\n"
                           "  - key: one\n"
                           "    title: One\n"
                           "topics:\n"
                           "  - key: %s\n"
                           "    title: A\n"
                           "    default: %s\n"
                           "  - key: %s\n"
                           "    title: B\n";

static void load_cfg(struct config *cfg, const char *first, const char *second,
                     const char *on)
{
	char text[1024];
	struct err err = ERR_INIT;

	snprintf(text, sizeof(text), yaml, first, on, second);
	config_init(cfg);
	CHECK(config_parse(cfg, text, strlen(text), "b.yaml", &err) == 0);
	err_release(&err);
}

static int64_t add(struct store *st, const char *email, int64_t topics,
                   const char *org, enum store_status status)
{
	struct store_signup su = {
	        .email = email,
	        .organisation = org,
	        .source = "cli",
	        .detail = "test",
	        .status = status,
	        .topics = topics,
	};
	enum store_outcome outcome;
	struct err err = ERR_INIT;
	int64_t id = 0;

	CHECK(store_subscribe(st, &su, &outcome, &id, &err) == 0);
	err_release(&err);
	return id;
}

static int count_events(const struct store_event *ev, void *ctx)
{
	(void)ev;
	(*(int *)ctx)++;
	return 0;
}

static int events(struct store *st, int64_t id)
{
	struct err err = ERR_INIT;
	int n = 0;

	CHECK(store_each_event(st, id, count_events, &n, &err) == 0);
	err_release(&err);
	return n;
}

static void find(struct store *st, const char *email,
                 struct store_subscriber *s)
{
	struct err err = ERR_INIT;

	CHECK(store_find_email(st, email, s, &err) == 1);
	err_release(&err);
}

static void test_topics(struct store *st, struct store_topics *t)
{
	struct config cfg;
	struct store_topics again;
	struct buf bad = BUF_INIT, hint = BUF_INIT, keys = BUF_INIT;
	struct err err = ERR_INIT;
	int64_t mask = 0;

	CHECK(t->n == 2);
	CHECK(t->bit[0] == 1 && t->bit[1] == 2);
	CHECK(t->defaults == t->bit[0]);
	CHECK(store_topics_parse(t, "news, events", &mask, &bad, &hint) == 0);
	CHECK(mask == 3);
	CHECK(store_topics_parse(t, "news;evnts", &mask, &bad, &hint) < 0);
	CHECK_STR(bad.data, "evnts");
	CHECK_STR(hint.data, "events");
	store_topics_keys(t, -1, ", ", &keys);
	CHECK_STR(keys.data, "news, events");
	/* bulletin.yaml reordered, and a third topic: the bits stay */
	load_cfg(&cfg, "events", "news", "false");
	CHECK(store_topics_load(st, &cfg, &again, &err) == 0);
	CHECK(store_topics_bit(&again, "news") == 1);
	CHECK(store_topics_bit(&again, "events") == 2);
	CHECK(again.defaults == 0);
	store_topics_release(&again);
	config_release(&cfg);
	buf_release(&bad);
	buf_release(&hint);
	buf_release(&keys);
	err_release(&err);
}

static void test_prefs(struct store *st)
{
	struct store_subscriber s;
	struct store_prefs p = {.topics = 2,
	                        .name = "Ann",
	                        .topics_words = "events",
	                        .source = "web",
	                        .detail = "preferences page"};
	struct err err = ERR_INIT;
	int64_t id = add(st, "ann@example.org", 1, "", STORE_ACTIVE);
	int changed = -1;

	find(st, "ann@example.org", &s);
	CHECK(s.topics == 1);
	CHECK(store_prefs_set(st, s.token, &p, &changed, &err) == 1);
	CHECK(changed == 2);
	CHECK(events(st, id) == 3);
	CHECK(store_prefs_set(st, s.token, &p, &changed, &err) == 1);
	CHECK(changed == 0);
	CHECK(events(st, id) == 3);
	store_subscriber_release(&s);
	find(st, "ann@example.org", &s);
	CHECK(s.topics == 2);
	CHECK_STR(s.name, "Ann");
	CHECK(store_prefs_set(st, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &p, NULL,
	                      &err) == 0);
	CHECK(store_unsubscribe_by_token(st, s.token, "web", "", NULL, &err) ==
	      1);
	p.topics = 1;
	CHECK(store_prefs_set(st, s.token, &p, &changed, &err) == 0);
	store_subscriber_release(&s);
	CHECK(!err.set);
	err_release(&err);
}

static void test_return(struct store *st)
{
	struct store_subscriber s, back;
	char token[TOKEN_PUBLIC_LEN + 1], again[TOKEN_PUBLIC_LEN + 1];
	struct err err = ERR_INIT;
	int64_t id = add(st, "ben@example.org", 1, "", STORE_ACTIVE);
	long purged;

	CHECK(store_return_request(st, id, 2, "I agree", 100, token, &err) ==
	      0);
	CHECK(store_set_status(st, id, STORE_BOUNCED, "inbox", "550", NULL,
	                       &err) == 1);
	CHECK(store_return_request(st, id, 2, "I agree", 100, token, &err) ==
	      1);
	CHECK(store_return_request(st, id, 3, "I agree", 101, again, &err) ==
	      1);
	CHECK_STR(again, token); /* the first link still works */
	find(st, "ben@example.org", &s);
	CHECK(s.status == STORE_BOUNCED);
	CHECK(strcmp(s.token, token) != 0);
	CHECK(store_return_find(st, s.token, &back, &err) == 0);
	CHECK(store_return_find(st, token, &back, &err) == 1);
	CHECK(back.id == id);
	store_subscriber_release(&back);
	CHECK(store_return_confirm(st, token, "web", "came back", &back,
	                           &err) == 1);
	CHECK(back.status == STORE_ACTIVE);
	CHECK(back.topics == 3);
	CHECK(back.consent_at == 101);
	CHECK_STR(back.consent_text, "I agree");
	CHECK(events(st, id) == 3); /* added, bounced, back */
	store_subscriber_release(&back);
	CHECK(store_return_confirm(st, token, "web", "again", &back, &err) ==
	      0);
	store_subscriber_release(&back);
	/* An unconfirmed request is forgotten; the address stays left. */
	CHECK(store_unsubscribe_by_token(st, s.token, "web", "", NULL, &err) ==
	      1);
	CHECK(store_return_request(st, id, 2, NULL, 100, token, &err) == 1);
	CHECK(store_purge_pending(st, 0, &purged, &err) == 0);
	CHECK(store_return_find(st, token, &back, &err) == 0);
	store_subscriber_release(&s);
	find(st, "ben@example.org", &s);
	CHECK(s.status == STORE_UNSUBSCRIBED);
	store_subscriber_release(&s);
	CHECK(!err.set);
	err_release(&err);
}

static long audience_of(struct store *st, const char *issue,
                        const struct store_audience *aud)
{
	struct store_campaign c;
	struct err err = ERR_INIT;
	long uncertain = 0, added = -1;

	CHECK(store_campaign_open(st, issue, "S", &c, &err) == 0);
	CHECK(store_campaign_audience(st, &c, aud, &err) == 0);
	CHECK(store_journal_prepare_for(st, c.id, 0, aud, &uncertain, &added,
	                                &err) == 0);
	store_campaign_release(&c);
	err_release(&err);
	return added;
}

static void test_audience(struct store *st)
{
	const char *orgs[] = {"luton council", "Foodbank"};
	struct store_audience events = {.topics = 2, .words = "topics: events"};
	struct store_audience org = {
	        .orgs = orgs, .norgs = 2, .words = "organisations: x"};
	struct store_audience both = {
	        .topics = 1, .orgs = orgs, .norgs = 1, .words = "both"};
	struct store_campaign c;
	struct store_subscriber s;
	struct err err = ERR_INIT;

	/* active now: ann left; ben (3); and these */
	add(st, "c1@example.org", 1, "Luton Council", STORE_ACTIVE);
	add(st, "c2@example.org", 2, "Luton Council", STORE_ACTIVE);
	add(st, "c3@example.org", 2, "foodbank", STORE_ACTIVE);
	add(st, "c4@example.org", 2, "", STORE_PENDING);
	add(st, "c5@example.org", -1, "Other", STORE_ACTIVE);
	CHECK(audience_of(st, "i-all", NULL) == 4);
	CHECK(audience_of(st, "i-events", &events) == 3); /* c2 c3 c5 */
	CHECK(audience_of(st, "i-org", &org) == 3);       /* c1 c2 c3 */
	CHECK(audience_of(st, "i-both", &both) == 1);     /* c1 */
	find(st, "c5@example.org", &s);
	CHECK(store_audience_includes(&events, &s));
	CHECK(!store_audience_includes(&org, &s));
	store_subscriber_release(&s);
	/* a started send keeps its audience */
	CHECK(store_campaign_open(st, "i-events", "S", &c, &err) == 0);
	CHECK_STR(c.audience, "topics: events");
	CHECK(store_campaign_audience(st, &c, NULL, &err) < 0);
	CHECK(strstr(err_msg(&err), "started for topics: events") != NULL);
	store_campaign_release(&c);
	err_release(&err);
}

int main(void)
{
	struct config cfg;
	struct store st;
	struct store_topics t;
	struct buf path = BUF_INIT;
	struct err err = ERR_INIT;

	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	buf_addf(&path, "%s/s.db", dir);
	load_cfg(&cfg, "news", "events", "true");
	CHECK(store_open(&st, path.data, &err) == 0);
	CHECK(store_topics_load(&st, &cfg, &t, &err) == 0);
	test_topics(&st, &t);
	test_prefs(&st);
	test_return(&st);
	test_audience(&st);
	store_topics_release(&t);
	store_close(&st);
	config_release(&cfg);
	unlink(path.data);
	buf_addf(&path, "-wal");
	unlink(path.data);
	rmdir(dir);
	buf_release(&path);
	err_release(&err);
	return check_done();
}
