/*
 * What ties a report to the message it is about (bounce_ids.c): the
 * Message-IDs of the returned or reported message, wherever a report
 * puts them, and never the report's own; whether a complaint's recipients
 * are only the reported message's (often redacted) To.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "buf.h"
#include "check.h"

static const struct bounce_patterns pat = {
        "bounces+{token}@news.example.org",
        "unsubscribe+{token}@news.example.org",
};

static void classify(struct bounce *b, const char *msg)
{
	bounce_classify(b, msg, strlen(msg), &pat);
}

static int has_id(const struct bounce *b, const char *id)
{
	for (size_t i = 0; i < b->nreturned_ids; i++)
		if (!strcmp(b->returned_ids[i], id))
			return 1;
	return 0;
}

#define DSN_HEAD                                                        \
	"Delivered-To: bounces@news.example.org\n"                      \
	"From: MAILER-DAEMON@mx.example.net\n"                          \
	"Message-ID: <own@mx.example.net>\n"                            \
	"Subject: Undelivered Mail Returned to Sender\n"                \
	"MIME-Version: 1.0\n"                                           \
	"Content-Type: multipart/report; report-type=delivery-status; " \
	"boundary=b\n\n"                                                \
	"--b\nContent-Type: text/plain\n\nSorry.\n"                     \
	"--b\nContent-Type: message/delivery-status\n\n"                \
	"Reporting-MTA: dns; mx.example.net\n\n"                        \
	"Final-Recipient: rfc822; ann@example.com\nAction: failed\n"    \
	"Status: 5.1.1\n\n"

static void test_dsn_headers(void)
{
	struct bounce b;

	bounce_init(&b);
	/* text/rfc822-headers, as Postfix returns a long message. */
	classify(&b, DSN_HEAD "--b\nContent-Type: text/rfc822-headers\n\n"
	                      "From: news@news.example.org\n"
	                      "To: ann@example.com\n"
	                      "Message-ID: <Q2xw7abc@news.example.org>\n"
	                      "Subject: News\n\n--b--\n");
	CHECK(b.class == BOUNCE_HARD);
	CHECK(b.nreturned_ids == 1);
	CHECK(has_id(&b, "Q2xw7abc@news.example.org"));
	/* The report's own Message-ID ties nothing. */
	CHECK(!has_id(&b, "own@mx.example.net"));
	CHECK_STR(b.message_id, "own@mx.example.net");
	CHECK(!b.rcpts_from_returned_to);

	/* message/rfc822, with a comment and odd spacing. */
	classify(&b, DSN_HEAD "--b\nContent-Type: message/rfc822\n\n"
	                      "From: news@news.example.org\n"
	                      "Message-ID:   <id2@news.example.org> (x)\n"
	                      "To: ann@example.com\n\nBody\n--b--\n");
	CHECK(b.nreturned_ids == 1 && has_id(&b, "id2@news.example.org"));

	/* No returned message: nothing to tie by. */
	classify(&b, DSN_HEAD "--b--\n");
	CHECK(b.class == BOUNCE_HARD && b.nreturned_ids == 0);

	/* Original-Message-ID in the report itself. */
	classify(&b, DSN_HEAD "X-Original-Message-ID: <id3@news.example.org>\n"
	                      "\n--b--\n");
	CHECK(b.nreturned_ids == 1 && has_id(&b, "id3@news.example.org"));
	bounce_release(&b);
}

static void test_text_quote(void)
{
	struct bounce b;

	bounce_init(&b);
	/* Exim quotes the returned message below its text. */
	classify(&b, "From: Mail Delivery System <Mailer-Daemon@mx.example>\n"
	             "To: bounces@news.example.org\n"
	             "Subject: Mail delivery failed: returning message to "
	             "sender\n"
	             "Message-ID: <exim@mx.example>\n\n"
	             "This message was created automatically by mail "
	             "delivery software.\n\n"
	             "A message that you sent could not be delivered to one "
	             "or more of its\nrecipients. This is a permanent error. "
	             "The following address(es) failed:\n\n"
	             "  gina@example.com\n"
	             "    550 5.1.1 No such user here\n\n"
	             "------ This is a copy of the message, including all "
	             "the headers. ------\n\n"
	             "From: News <news@news.example.org>\n"
	             "To: gina@example.com\n"
	             "Message-ID: <quoted1@news.example.org>\n"
	             "Subject: News\n\nNews.\n");
	CHECK(b.class == BOUNCE_HARD);
	CHECK(has_id(&b, "quoted1@news.example.org"));
	CHECK(!has_id(&b, "exim@mx.example"));

	/* A plain "550 <x> User unknown" quotes nothing. */
	classify(&b, "From: MAILER-DAEMON@mx.example.net\n"
	             "Subject: Undelivered Mail Returned to Sender\n"
	             "Message-ID: <t@mx.example.net>\n\n"
	             "<tom@example.com>: 550 <tom@example.com> User "
	             "unknown\n");
	CHECK(b.nreturned_ids == 0);
	bounce_release(&b);
}

static void test_arf(void)
{
	struct bounce b;

	bounce_init(&b);
	/* The report names the reader: the reported To is not needed. */
	classify(&b, "From: fbl@isp.example\n"
	             "Content-Type: multipart/report; "
	             "report-type=feedback-report; boundary=x\n\n"
	             "--x\nContent-Type: message/feedback-report\n\n"
	             "Feedback-Type: abuse\nVersion: 1\n"
	             "Original-Rcpt-To: reader@example.com\n\n"
	             "--x\nContent-Type: message/rfc822\n\n"
	             "From: news@news.example.org\n"
	             "To: xxxxxxx@example.com\n"
	             "Message-ID: <arf-id@news.example.org>\n\nBody\n--x--\n");
	CHECK(b.class == BOUNCE_COMPLAINT);
	CHECK(has_id(&b, "arf-id@news.example.org"));
	CHECK(!b.rcpts_from_returned_to);

	/* Naming nobody: the reported To stands in, and says so. */
	classify(&b, "From: fbl@isp.example\n"
	             "Content-Type: multipart/report; "
	             "report-type=feedback-report; boundary=x\n\n"
	             "--x\nContent-Type: message/feedback-report\n\n"
	             "Feedback-Type: abuse\nVersion: 1\n"
	             "Original-Message-ID: <orig@news.example.org>\n\n"
	             "--x\nContent-Type: text/rfc822-headers\n\n"
	             "To: redacted@example.com\n"
	             "Message-ID: <hdr@news.example.org>\n\n--x--\n");
	CHECK(b.class == BOUNCE_COMPLAINT);
	CHECK(b.nrcpts == 1 && b.rcpts_from_returned_to);
	CHECK(has_id(&b, "hdr@news.example.org"));
	CHECK(has_id(&b, "orig@news.example.org"));
	bounce_release(&b);
}

static void test_limits(void)
{
	struct bounce b;
	struct buf msg = BUF_INIT;

	bounce_init(&b);
	/* Implausible ids are left out; repeats are kept once; at most
	 * BOUNCE_MAX_RETURNED_IDS. */
	buf_adds(&msg, DSN_HEAD "--b\nContent-Type: message/delivery-status\n\n"
	                        "Original-Message-ID: <no-at-sign>\n"
	                        "Original-Message-ID: <>\n"
	                        "Original-Message-ID: <a b@c>\n"
	                        "Original-Message-ID: <same@x.example>\n"
	                        "Original-Message-ID: same@x.example\n");
	for (int i = 0; i < 20; i++)
		buf_addf(&msg, "Original-Message-ID: <n%d@x.example>\n", i);
	buf_adds(&msg, "\n--b--\n");
	classify(&b, msg.data);
	CHECK(b.nreturned_ids == BOUNCE_MAX_RETURNED_IDS);
	CHECK(has_id(&b, "same@x.example"));
	CHECK(!has_id(&b, "no-at-sign"));
	CHECK(b.nreturned_ids && !strcmp(b.returned_ids[0], "same@x.example"));
	/* Classifying again starts afresh. */
	classify(&b, DSN_HEAD "--b--\n");
	CHECK(b.nreturned_ids == 0);
	bounce_release(&b);
	CHECK(b.returned_ids == NULL && b.nreturned_ids == 0);
	buf_release(&msg);
}

int main(void)
{
	test_dsn_headers();
	test_text_quote();
	test_arf();
	test_limits();
	return check_done();
}
