#include "import.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static char dir[] = "/tmp/test_import.XXXXXX";

static void log_note(enum import_note note, const char *msg, void *ctx)
{
	buf_addf(ctx, "%d %s\n", (int)note, msg);
}

static void add(struct store *st, const char *email, const char *name,
                enum store_status status)
{
	struct store_signup su = {.email = email,
	                          .name = name,
	                          .source = "cli",
	                          .status = STORE_ACTIVE};
	enum store_outcome outcome;
	int64_t id;
	struct err err = ERR_INIT;

	CHECK(store_subscribe(st, &su, &outcome, &id, &err) == 0);
	if (store_status_suppressed(status))
		CHECK(store_set_status(st, id, status, "cli", "", NULL, &err) ==
		      1);
	else if (status == STORE_PENDING)
		CHECK(store_remove(st, email, &err) == 1 &&
		      store_subscribe(
		              st,
		              &(struct store_signup){.email = email,
		                                     .source = "web",
		                                     .status = STORE_PENDING},
		              &outcome, &id, &err) == 0);
	err_release(&err);
}

static int status_of(struct store *st, const char *email)
{
	struct store_subscriber s;
	int status = -1;

	if (store_find_email(st, email, &s, NULL) == 1) {
		status = (int)s.status;
		store_subscriber_release(&s);
	}
	return status;
}

static const char *const want_notes =
        "2 import.csv:3: ann@example.org: already in the store; updated\n"
        "1 import.csv:4: JO@example.org: duplicate of line 2; skipped\n"
        "0 import.csv:5: invalid address 'bad-address': no '@' (an address "
        "looks like name@example.org)\n"
        "3 import.csv:6: gone@example.org: unsubscribed, bounced or "
        "complained before; not re-activated\n"
        "3 import.csv:7: erased@example.org: erased on request before; not "
        "added\n"
        "2 import.csv:8: same@example.org: already in the store\n"
        "0 import.csv:9: 1 field where the header has 3\n";

static void prepare(struct store *st)
{
	struct err err = ERR_INIT;

	add(st, "ann@example.org", "", STORE_PENDING);
	add(st, "gone@example.org", "Gone", STORE_UNSUBSCRIBED);
	add(st, "erased@example.org", "Erased", STORE_ACTIVE);
	CHECK(store_erase(st, "erased@example.org", &err) == 1);
	add(st, "same@example.org", "Same", STORE_ACTIVE);
	err_release(&err);
}

static void check_summary(const struct import_summary *sum)
{
	CHECK(sum->added == 1);
	CHECK(sum->updated == 1);
	CHECK(sum->unchanged == 1);
	CHECK(sum->suppressed == 2);
	CHECK(sum->duplicates == 1);
	CHECK(sum->rejected == 2);
}

static void test_import(struct store *st)
{
	struct import_options opt = {
	        .name = "import.csv", .status = STORE_ACTIVE, .dry_run = 1};
	struct import_summary sum;
	struct buf notes = BUF_INIT;
	struct err err = ERR_INIT;
	long counts[STORE_NSTATUS], erased;

	/* the dry run reports the same and changes nothing */
	CHECK(import_csv(st, "tests/fixtures/csv/import.csv", &opt, log_note,
	                 &notes, &sum, &err) == 0);
	CHECK_STR(notes.data, want_notes);
	check_summary(&sum);
	CHECK(status_of(st, "jo@example.org") == -1);
	CHECK(status_of(st, "ann@example.org") == STORE_PENDING);

	buf_reset(&notes);
	opt.dry_run = 0;
	CHECK(import_csv(st, "tests/fixtures/csv/import.csv", &opt, log_note,
	                 &notes, &sum, &err) == 0);
	/* the update of ann is reported too */
	CHECK(strstr(notes.data, "2 import.csv:3: ann@example.org: already "
	                         "in the store; updated\n") != NULL);
	check_summary(&sum);
	CHECK(status_of(st, "jo@example.org") == STORE_ACTIVE);
	CHECK(status_of(st, "ann@example.org") == STORE_ACTIVE);
	CHECK(status_of(st, "gone@example.org") == STORE_UNSUBSCRIBED);
	CHECK(status_of(st, "erased@example.org") == -1);
	CHECK(store_counts(st, counts, &erased, &err) == 0);
	CHECK(counts[STORE_ACTIVE] == 3 && counts[STORE_UNSUBSCRIBED] == 1);
	CHECK(erased == 1);
	{
		struct store_subscriber s;

		CHECK(store_find_email(st, "jo@example.org", &s, &err) == 1);
		CHECK_STR(s.name, "Jo");
		CHECK_STR(s.organisation, "Luton Council");
		CHECK_STR(s.source, "import");
		store_subscriber_release(&s);
	}

	/* again: nothing new */
	CHECK(import_csv(st, "tests/fixtures/csv/import.csv", &opt, NULL, NULL,
	                 &sum, &err) == 0);
	CHECK(sum.added == 0 && sum.unchanged == 3 && sum.suppressed == 2);
	CHECK(!err.set);
	buf_release(&notes);
	err_release(&err);
}

static void test_failures(struct store *st)
{
	struct import_options opt = {.status = STORE_PENDING};
	struct import_summary sum;
	struct err err = ERR_INIT;

	CHECK(import_csv(st, "tests/fixtures/csv/no-email-column.csv", &opt,
	                 NULL, NULL, &sum, &err) == -1);
	CHECK(strstr(err_msg(&err), "no-email-column.csv:1: the header has "
	                            "no 'email' column") != NULL);
	err_clear(&err);
	opt.status = STORE_BOUNCED;
	CHECK(import_csv(st, "tests/fixtures/csv/basic.csv", &opt, NULL, NULL,
	                 &sum, &err) == -1);
	err_clear(&err);
	/* pending import of addresses already active leaves them active */
	opt.status = STORE_PENDING;
	CHECK(import_csv(st, "tests/fixtures/csv/basic.csv", &opt, NULL, NULL,
	                 &sum, &err) == 0);
	CHECK(sum.unchanged == 2 || (sum.updated == 1 && sum.unchanged == 1));
	CHECK(status_of(st, "jo@example.org") == STORE_ACTIVE);
	err_release(&err);
}

int main(void)
{
	struct store st;
	struct err err = ERR_INIT;
	struct buf path = BUF_INIT;

	if (!mkdtemp(dir))
		return 1;
	buf_addf(&path, "%s/s.db", dir);
	CHECK(store_open(&st, path.data, &err) == 0);
	prepare(&st);
	test_import(&st);
	test_failures(&st);
	store_close(&st);
	buf_reset(&path);
	buf_addf(&path, "rm -rf '%s'", dir);
	CHECK(system(path.data) == 0);
	buf_release(&path);
	err_release(&err);
	return check_done();
}
