#include "store_partner.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_store.h"

static char dir[] = "/tmp/test_store_partner.XXXXXX";

static void show(struct err *err)
{
	if (err->set)
		fprintf(stderr, "  %s\n", err_msg(err));
	err_release(err);
}

static int add(struct store *st, const char *name, const char *slug,
               const char *c1, const char *c2, struct store_partner *out,
               struct err *err)
{
	const char *contacts[] = {c1, c2};
	struct store_partner_new p = {
	        .name = name,
	        .slug = slug,
	        .contacts = contacts,
	        .ncontacts = c2 ? 2 : 1,
	        .who = "test",
	};

	return store_partner_add(st, &p, out, err);
}

/* Adding makes a secret of the right shape; found by name, slug, secret. */
static void test_add_find(struct store *st)
{
	struct store_partner p, q;
	struct err err = ERR_INIT;

	CHECK(add(st, "  Luton Council Public Health ", NULL,
	          "Amina@Luton.gov.uk", "ben@luton.gov.uk", &p, &err) == 0);
	CHECK_STR(p.name, "Luton Council Public Health");
	CHECK_STR(p.slug, "luton-council-public-health");
	CHECK(store_partner_secret_valid(p.secret));
	CHECK(p.ncontacts == 2);
	if (p.ncontacts == 2) {
		CHECK_STR(p.contacts[0], "Amina@luton.gov.uk");
		CHECK_STR(p.contacts[1], "ben@luton.gov.uk");
	}
	CHECK(store_partner_find(st, "luton council public health", &q, &err) ==
	      1);
	CHECK(q.id == p.id);
	store_partner_release(&q);
	CHECK(store_partner_find(st, "luton-council-public-health", &q, &err) ==
	      1);
	CHECK(q.id == p.id);
	store_partner_release(&q);
	CHECK(store_partner_find(st, "Luton", &q, &err) == 0);
	CHECK(store_partner_find_secret(st, p.secret, &q, &err) == 1);
	CHECK(q.id == p.id && q.ncontacts == 2);
	store_partner_release(&q);
	store_partner_release(&p);
	show(&err);
}

/* A wrong, mangled or upper-cased secret; duplicates; bad addresses. */
static void test_secret_and_refusals(struct store *st)
{
	struct store_partner p, q;
	struct err err = ERR_INIT;
	char wrong[STORE_PARTNER_SECRET_LEN + 1];

	CHECK(add(st, "ELFT", "elft", "team@elft.nhs.uk", NULL, &p, &err) == 0);
	memcpy(wrong, p.secret, sizeof(wrong));
	wrong[5] = wrong[5] == 'a' ? 'b' : 'a';
	CHECK(store_partner_find_secret(st, wrong, &q, &err) == 0);
	CHECK(store_partner_find_secret(st, "", &q, &err) == 0);
	CHECK(store_partner_find_secret(st, "../../etc/passwd", &q, &err) == 0);
	memcpy(wrong, p.secret, sizeof(wrong));
	for (char *c = wrong; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	CHECK(store_partner_find_secret(st, wrong, &q, &err) == 1);
	store_partner_release(&q);
	store_partner_release(&p);
	show(&err);

	CHECK(add(st, "elft", "other", "a@b.org", NULL, NULL, &err) == -1);
	CHECK(strstr(err_msg(&err), "already a partner called 'ELFT'"));
	err_release(&err);
	CHECK(add(st, "Someone", "elft", "a@b.org", NULL, NULL, &err) == -1);
	CHECK(strstr(err_msg(&err), "already used by 'ELFT'"));
	err_release(&err);
	CHECK(add(st, "Someone", NULL, "not an address", NULL, NULL, &err) ==
	      -1);
	CHECK(strstr(err_msg(&err), "not an address"));
	err_release(&err);
	CHECK(add(st, "Someone", "Bad Slug", "a@b.org", NULL, NULL, &err) ==
	      -1);
	err_release(&err);
	CHECK(add(st, "Evil \xe2\x80\xaeTrust", NULL, "a@b.org", NULL, NULL,
	          &err) == -1);
	CHECK(strstr(err_msg(&err), "U+202E"));
	err_release(&err);
	CHECK(add(st, "Caf\xe9", NULL, "a@b.org", NULL, NULL, &err) == -1);
	CHECK(strstr(err_msg(&err), "not UTF-8"));
	err_release(&err);
	CHECK(add(st, "Two\nLines", NULL, "a@b.org", NULL, NULL, &err) == -1);
	CHECK(strstr(err_msg(&err), "control character"));
	err_release(&err);
	CHECK(add(st, "   ", NULL, "a@b.org", NULL, NULL, &err) == -1);
	CHECK(strstr(err_msg(&err), "needs a name"));
	err_release(&err);
	CHECK(store_partner_find(st, "Someone", &q, &err) == 0);
}

/* Each refusal names its detail; check_new writes nothing. */
static void test_check_new(struct store *st)
{
	const char *many[STORE_PARTNER_CONTACTS_MAX + 1];
	struct store_partner_new n = {.name = "Age UK Luton",
	                              .contacts = many,
	                              .ncontacts = 1,
	                              .who = "test"};
	enum store_partner_field f = STORE_PARTNER_FIELD_NONE;
	struct store_partner p;
	struct err err = ERR_INIT;

	for (size_t i = 0; i <= STORE_PARTNER_CONTACTS_MAX; i++)
		many[i] = "info@ageuk.example.org";
	CHECK(store_partner_check_new(st, &n, &f, &err) == 0);
	CHECK(f == STORE_PARTNER_FIELD_NONE);
	CHECK(store_partner_find(st, "Age UK Luton", &p, &err) == 0);
	n.name = " ";
	CHECK(store_partner_check_new(st, &n, &f, &err) == -1);
	CHECK(f == STORE_PARTNER_FIELD_NAME);
	CHECK(strstr(err_msg(&err), "needs a name"));
	err_release(&err);
	n.name = "ELFT"; /* added by test_secret_and_refusals */
	CHECK(store_partner_check_new(st, &n, &f, &err) == -1);
	CHECK(f == STORE_PARTNER_FIELD_NAME);
	CHECK(strstr(err_msg(&err), "already a partner called 'ELFT'"));
	err_release(&err);
	CHECK(store_partner_check_new(NULL, &n, &f, &err) == 0);
	n.name = "Age UK Luton";
	n.slug = "elft";
	CHECK(store_partner_check_new(st, &n, &f, &err) == -1);
	CHECK(f == STORE_PARTNER_FIELD_SLUG);
	CHECK(strstr(err_msg(&err), "already used by 'ELFT'"));
	err_release(&err);
	n.slug = "-bad";
	CHECK(store_partner_check_new(st, &n, &f, &err) == -1);
	CHECK(f == STORE_PARTNER_FIELD_SLUG);
	err_release(&err);
	n.slug = "";
	n.ncontacts = 0;
	CHECK(store_partner_check_new(st, &n, &f, &err) == -1);
	CHECK(f == STORE_PARTNER_FIELD_CONTACTS);
	CHECK(strstr(err_msg(&err), "at least one contact"));
	err_release(&err);
	n.ncontacts = STORE_PARTNER_CONTACTS_MAX + 1;
	CHECK(store_partner_check_new(st, &n, &f, &err) == -1);
	CHECK(f == STORE_PARTNER_FIELD_CONTACTS);
	CHECK(strstr(err_msg(&err), "at most 20 contact addresses"));
	err_release(&err);
	CHECK(store_partner_add(st, &n, NULL, &err) == -1);
	err_release(&err);
	many[0] = "info@ageuk";
	n.ncontacts = 2;
	CHECK(store_partner_check_new(st, &n, &f, &err) == -1);
	CHECK(f == STORE_PARTNER_FIELD_CONTACTS);
	CHECK(strstr(err_msg(&err), "info@ageuk"));
	err_release(&err);
	CHECK(store_partner_find(st, "Age UK Luton", &p, &err) == 0);
	show(&err);
}

/* A partner has at most STORE_PARTNER_CONTACTS_MAX contacts. */
static void test_contacts_max(struct store *st)
{
	struct store_partner p;
	struct err err = ERR_INIT;
	char addr[64];

	CHECK(add(st, "Many Contacts", NULL, "c0@example.org", NULL, &p,
	          &err) == 0);
	for (int i = 1; i < STORE_PARTNER_CONTACTS_MAX; i++) {
		snprintf(addr, sizeof(addr), "c%d@example.org", i);
		CHECK(store_partner_add_contact(st, p.id, addr, "test", &err) ==
		      1);
	}
	CHECK(store_partner_add_contact(st, p.id, "c1@example.org", "test",
	                                &err) == 0);
	CHECK(store_partner_add_contact(st, p.id, "one-more@example.org",
	                                "test", &err) == -1);
	CHECK(strstr(err_msg(&err), "has 20 contact addresses, the most"));
	err_release(&err);
	store_partner_release(&p);
	CHECK(store_partner_find(st, "many-contacts", &p, &err) == 1);
	CHECK(p.ncontacts == STORE_PARTNER_CONTACTS_MAX);
	store_partner_release(&p);
	show(&err);
}

/* Rotating makes the old secret fail and the new one work. */
static void test_rotate(struct store *st)
{
	struct store_partner p, q;
	struct err err = ERR_INIT;
	char fresh[STORE_PARTNER_SECRET_LEN + 1];

	CHECK(add(st, "Rotating Trust", NULL, "r@example.org", NULL, &p,
	          &err) == 0);
	CHECK(store_partner_rotate(st, p.id, "test", fresh, &err) == 1);
	CHECK(strcmp(fresh, p.secret) != 0);
	CHECK(store_partner_find_secret(st, p.secret, &q, &err) == 0);
	CHECK(store_partner_find_secret(st, fresh, &q, &err) == 1);
	CHECK(q.id == p.id);
	store_partner_release(&q);
	CHECK(store_partner_rotate(st, 999999, "test", NULL, &err) == 0);
	store_partner_release(&p);
	show(&err);
}

static int count_events(const struct store_partner_ev *ev, void *ctx)
{
	struct buf *b = ctx;

	buf_addf(b, "%s:%s;", ev->partner, ev->what);
	return 0;
}

/* Removing: gone by name and secret; its events stay. Contacts. */
static void test_remove_and_contacts(struct store *st)
{
	struct store_partner p, q;
	struct err err = ERR_INIT;
	struct buf evs = BUF_INIT;

	CHECK(add(st, "Gone Soon", NULL, "g@example.org", NULL, &p, &err) == 0);
	CHECK(store_partner_remove_contact(st, p.id, "g@example.org", "t",
	                                   &err) == -1);
	CHECK(strstr(err_msg(&err), "only contact"));
	err_release(&err);
	CHECK(store_partner_add_contact(st, p.id, "h@example.org", "t", &err) ==
	      1);
	CHECK(store_partner_add_contact(st, p.id, "H@example.org", "t", &err) ==
	      0);
	CHECK(store_partner_remove_contact(st, p.id, "g@example.org", "t",
	                                   &err) == 1);
	CHECK(store_partner_call_claim(st, p.id, "2027-01", "call",
	                               "2027-01-02", &err) == 1);
	CHECK(store_partner_remove(st, p.id, "test", &err) == 1);
	CHECK(store_partner_remove(st, p.id, "test", &err) == 0);
	CHECK(store_partner_find(st, "Gone Soon", &q, &err) == 0);
	CHECK(store_partner_find_secret(st, p.secret, &q, &err) == 0);
	CHECK(store_partner_each_event(st, p.id, count_events, &evs, &err) ==
	      0);
	CHECK_STR(evs.data, "Gone Soon:added;Gone Soon:contact-added;"
	                    "Gone Soon:contact-removed;Gone Soon:removed;");
	store_partner_release(&p);
	buf_release(&evs);
	show(&err);
}

/* Once a day per partner, issue and kind; unclaim; reopening. */
static void test_calls_and_reopen(struct store *st)
{
	struct store_partner p;
	struct err err = ERR_INIT;
	int64_t at, until;

	CHECK(add(st, "Caller", NULL, "c@example.org", NULL, &p, &err) == 0);
	CHECK(store_partner_call_last(st, p.id, "2027-01", "call", &at, &err) ==
	      0);
	CHECK(store_partner_call_claim(st, p.id, "2027-01", "call",
	                               "2027-01-02", &err) == 1);
	CHECK(store_partner_call_claim(st, p.id, "2027-01", "call",
	                               "2027-01-02", &err) == 0);
	CHECK(store_partner_call_on(st, p.id, "2027-01", "call", "2027-01-02",
	                            &err) == 1);
	CHECK(store_partner_call_on(st, p.id, "2027-01", "remind", "2027-01-02",
	                            &err) == 0);
	CHECK(store_partner_call_claim(st, p.id, "2027-01", "remind",
	                               "2027-01-02", &err) == 1);
	CHECK(store_partner_call_claim(st, p.id, "2027-01", "call",
	                               "2027-01-03", &err) == 1);
	CHECK(store_partner_call_unclaim(st, p.id, "2027-01", "call",
	                                 "2027-01-03", &err) == 0);
	CHECK(store_partner_call_claim(st, p.id, "2027-01", "call",
	                               "2027-01-03", &err) == 1);
	CHECK(store_partner_call_last(st, p.id, "2027-01", "call", &at, &err) ==
	      1);
	CHECK(at > 0);
	{
		struct store_partner_calls c;

		CHECK(store_partner_call_counts(st, "2027-01", "call", &c,
		                                &err) == 0);
		CHECK(c.partners == 1 && c.days == 2 && c.last > 0);
		CHECK(store_partner_call_counts(st, "2027-09", "call", &c,
		                                &err) == 0);
		CHECK(c.partners == 0 && c.last == 0);
	}
	store_partner_release(&p);

	CHECK(store_partner_reopened_until(st, "2027-01", &until, &err) == 0);
	CHECK(store_partner_reopen(st, "2027-01", 2000, "ed", "x", &err) == 0);
	CHECK(store_partner_reopen(st, "2027-01", 1000, "ed", "y", &err) == 0);
	CHECK(store_partner_reopened_until(st, "2027-01", &until, &err) == 1);
	CHECK(until == 1000);
	show(&err);
}

static void test_slugify(void)
{
	struct buf b = BUF_INIT;
	struct err err = ERR_INIT;

	store_partner_slugify("  Age UK -- Luton & District! ", &b);
	CHECK_STR(b.data, "age-uk-luton-district");
	store_partner_slugify("Café Ünïon", &b);
	CHECK_STR(b.data, "caf-n-on");
	store_partner_slugify("!!!", &b);
	CHECK_STR(b.data, "partner");
	CHECK(store_partner_check_slug("-a", &err) == -1);
	err_release(&err);
	CHECK(store_partner_check_slug("a-1", &err) == 0);
	buf_release(&b);
}

int main(void)
{
	static check_store_test *const tests[] = {
	        test_add_find,        test_secret_and_refusals,
	        test_check_new,       test_contacts_max,
	        test_rotate,          test_remove_and_contacts,
	        test_calls_and_reopen};

	test_slugify();
	return check_with_store(dir, tests, sizeof(tests) / sizeof(*tests));
}
