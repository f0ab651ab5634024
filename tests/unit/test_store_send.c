#include "store_send.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static char dir[] = "/tmp/test_store_send.XXXXXX";

static int64_t add(struct store *st, int i)
{
	struct buf email = BUF_INIT, name = BUF_INIT;
	struct err err = ERR_INIT;
	enum store_outcome outcome;
	int64_t id = 0;

	buf_addf(&email, "r%02d@example.org", i);
	buf_addf(&name, "Reader %d", i);
	struct store_signup su = {
	        .email = email.data,
	        .name = name.data,
	        .source = "cli",
	        .detail = "test",
	        .status = STORE_ACTIVE,
	};
	CHECK(store_subscribe(st, &su, &outcome, &id, &err) == 0);
	buf_release(&email);
	buf_release(&name);
	err_release(&err);
	return id;
}

static void release_all(struct store_recipient *r, int n)
{
	for (int i = 0; i < n; i++)
		store_recipient_release(&r[i]);
}

/* Claims a batch in one transaction: how many, with *skipped added. */
static int claim(struct store *st, struct store_journal *j,
                 struct store_recipient *out, int max, long *skipped)
{
	struct err err = ERR_INIT;
	int n;

	CHECK(store_begin(st, &err) == 0);
	n = store_journal_claim(j, out, max, skipped, &err);
	CHECK(n >= 0);
	CHECK(store_commit(st, &err) == 0);
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	err_release(&err);
	return n;
}

/*
 * People who left while the send ran are skipped when their row comes up
 * in a claim; the claim then takes more rows to fill the batch, and never
 * the same row twice (each would be a message sent twice).
 */
static void test_claim_skips_leavers(struct store *st)
{
	struct store_campaign c = {0};
	struct store_recipient got[8];
	struct store_journal *j;
	struct err err = ERR_INIT;
	long counts[SEND_NSTATES], uncertain = -1, added = -1, skipped = 0;
	int64_t ids[20];
	int n, seen[21] = {0};

	for (int i = 1; i <= 20; i++)
		ids[i - 1] = add(st, i);
	CHECK(store_campaign_open(st, "2026-12", "Subject", &c, &err) == 0);
	CHECK(store_journal_prepare(st, c.id, 0, &uncertain, &added, &err) ==
	      0);
	CHECK(added == 20 && uncertain == 0);
	/* Three leave: two inside the first batch, one in the second. */
	CHECK(store_set_status(st, ids[2], STORE_UNSUBSCRIBED, "cli", "", NULL,
	                       &err) == 1);
	CHECK(store_set_status(st, ids[5], STORE_UNSUBSCRIBED, "cli", "", NULL,
	                       &err) == 1);
	CHECK(store_set_status(st, ids[9], STORE_BOUNCED, "inbox", "", NULL,
	                       &err) == 1);
	j = store_journal_open(st, c.id, &err);
	CHECK(j != NULL);
	if (!j)
		goto out;
	while ((n = claim(st, j, got, 8, &skipped)) > 0) {
		for (int i = 0; i < n; i++) {
			int k = (int)strtol(got[i].email + 1, NULL, 10);

			CHECK(k >= 1 && k <= 20);
			if (k >= 1 && k <= 20)
				seen[k]++;
			CHECK(store_journal_set(j, got[i].id, SEND_SENT, 1,
			                        "250 ok", "<id@example.org>",
			                        &err) == 0);
		}
		release_all(got, n);
	}
	CHECK(skipped == 3);
	for (int k = 1; k <= 20; k++)
		CHECK(seen[k] == (k == 3 || k == 6 || k == 10 ? 0 : 1));
	CHECK(store_journal_counts(st, c.id, counts, &err) == 0);
	CHECK(counts[SEND_SENT] == 17);
	CHECK(counts[SEND_SKIPPED] == 3);
	CHECK(counts[SEND_PENDING] == 0 && counts[SEND_SENDING] == 0);
	store_journal_close(j);
out:
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	store_campaign_release(&c);
	err_release(&err);
}

/* Rows left 'sending' by a run that died are uncertain to the next one,
 * or pending again with resend_uncertain. */
static void test_prepare_uncertain(struct store *st)
{
	struct store_campaign c = {0};
	struct store_recipient got[4];
	struct store_journal *j;
	struct err err = ERR_INIT;
	long counts[SEND_NSTATES], uncertain = -1, added = -1, skipped = 0;

	CHECK(store_campaign_open(st, "2027-01", "Next", &c, &err) == 0);
	CHECK(store_journal_prepare(st, c.id, 0, &uncertain, &added, &err) ==
	      0);
	CHECK(added == 17);
	j = store_journal_open(st, c.id, &err);
	CHECK(j != NULL);
	if (!j)
		goto out;
	CHECK(claim(st, j, got, 4, &skipped) == 4);
	release_all(got, 4);
	store_journal_close(j);
	/* The run dies here: 4 rows stay 'sending'. */
	CHECK(store_journal_prepare(st, c.id, 0, &uncertain, &added, &err) ==
	      0);
	CHECK(uncertain == 4 && added == 0);
	CHECK(store_journal_counts(st, c.id, counts, &err) == 0);
	CHECK(counts[SEND_UNCERTAIN] == 4 && counts[SEND_PENDING] == 13);
	CHECK(store_journal_prepare(st, c.id, 1, &uncertain, &added, &err) ==
	      0);
	CHECK(uncertain == 0);
	CHECK(store_journal_counts(st, c.id, counts, &err) == 0);
	CHECK(counts[SEND_UNCERTAIN] == 0 && counts[SEND_PENDING] == 17);
out:
	if (err.set)
		fprintf(stderr, "  %s\n", err_msg(&err));
	store_campaign_release(&c);
	err_release(&err);
}

int main(void)
{
	struct store st;
	struct buf path = BUF_INIT;
	struct err err = ERR_INIT;

	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	buf_addf(&path, "%s/send.db", dir);
	CHECK(store_open(&st, path.data, &err) == 0);
	if (!err.set) {
		test_claim_skips_leavers(&st);
		test_prepare_uncertain(&st);
		store_close(&st);
	} else {
		fprintf(stderr, "  %s\n", err_msg(&err));
	}
	buf_reset(&path);
	buf_addf(&path, "rm -rf '%s'", dir);
	CHECK(system(path.data) == 0);
	buf_release(&path);
	err_release(&err);
	return check_done();
}
