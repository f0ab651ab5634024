/*
 * The bounce classifier: hand-made messages for each class and rule, then
 * the two real-world corpora in ../shared/corpus, scored.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"
#include "buf.h"
#include "check.h"

#define CORPUS "../shared/corpus/"

static const struct bounce_patterns pat = {
        "bounces+{token}@news.example.org",
        "unsubscribe+{token}@news.example.org",
};

static void classify(struct bounce *b, const char *msg)
{
	bounce_classify(b, msg, strlen(msg), &pat);
}

static void test_dsn(void)
{
	struct bounce b;
	const struct bounce_rcpt *r;

	bounce_init(&b);
	classify(
	        &b,
	        "Delivered-To: bounces+AbC_12-xyz@news.example.org\r\n"
	        "From: MAILER-DAEMON@mx.example.net\r\n"
	        "Message-ID: <dsn1@mx.example.net>\r\n"
	        "Subject: Undelivered Mail Returned to Sender\r\n"
	        "MIME-Version: 1.0\r\n"
	        "Content-Type: multipart/report; report-type=delivery-status;"
	        " boundary=\"b1\"\r\n\r\n"
	        "--b1\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n"
	        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
	        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
	        "Final-Recipient: rfc822; Ann@Example.COM\r\n"
	        "Action: failed\r\nStatus: 5.1.1\r\n"
	        "Diagnostic-Code: smtp; 550 5.1.1 no such\r\n user here\r\n\r\n"
	        "Final-Recipient: rfc822; full@example.com\r\n"
	        "Action: failed\r\nStatus: 5.2.2\r\n\r\n"
	        "Final-Recipient: rfc822; spam@example.com\r\n"
	        "Action: failed\r\nStatus: 5.7.1\r\n"
	        "Diagnostic-Code: smtp; 554 5.7.1 blocked as spam\r\n\r\n"
	        "Final-Recipient: rfc822; slow@example.com\r\n"
	        "Action: delayed\r\nStatus: 4.4.1\r\n\r\n"
	        "Final-Recipient: rfc822; fine@example.com\r\n"
	        "Action: delivered\r\nStatus: 2.0.0\r\n\r\n"
	        "--b1\r\nContent-Type: message/rfc822\r\n\r\n"
	        "Return-Path: <bounces+AbC_12-xyz@news.example.org>\r\n"
	        "To: Ann <ann@example.com>\r\nSubject: News\r\n\r\nhi\r\n"
	        "--b1--\r\n");
	CHECK(b.class == BOUNCE_HARD);
	CHECK_STR(b.format, "rfc3464");
	CHECK_STR(b.token, "AbC_12-xyz");
	CHECK(b.token_kind == BOUNCE_TOKEN_RETURN_PATH);
	CHECK_STR(b.token_source, "Delivered-To");
	CHECK_STR(b.returned_token, "AbC_12-xyz");
	CHECK_STR(b.message_id, "dsn1@mx.example.net");
	CHECK_STR(b.reporting_mta, "mx.example.net");
	CHECK(b.nrcpts == 4);
	r = bounce_find_rcpt(&b, "ann@example.com");
	CHECK(r && r->kind == BOUNCE_HARD && !r->policy && !r->mailbox_full);
	CHECK(r && !strcmp(r->status, "5.1.1"));
	CHECK(r && !strcmp(r->diagnostic, "550 5.1.1 no such user here"));
	r = bounce_find_rcpt(&b, "full@example.com");
	CHECK(r && r->kind == BOUNCE_SOFT && r->mailbox_full);
	r = bounce_find_rcpt(&b, "spam@example.com");
	CHECK(r && r->kind == BOUNCE_HARD && r->policy);
	r = bounce_find_rcpt(&b, "slow@example.com");
	CHECK(r && r->kind == BOUNCE_SOFT &&
	      r->action == BOUNCE_ACTION_DELAYED);
	CHECK(!bounce_find_rcpt(&b, "fine@example.com"));

	/* Only a delay: soft. Original-Recipient wins over Final. */
	classify(&b, "From: MAILER-DAEMON@x.example\n"
	             "Content-Type: multipart/report; boundary=b\n\n"
	             "--b\nContent-Type: message/delivery-status\n\n"
	             "Reporting-MTA: dns; x.example\n\n"
	             "Original-Recipient: rfc822;sent@example.com\n"
	             "Final-Recipient: rfc822;rewritten@internal.example\n"
	             "Action: delayed\nStatus: 4.0.0\n\n--b--\n");
	CHECK(b.class == BOUNCE_SOFT);
	CHECK(b.nrcpts == 1 && !strcmp(b.rcpts[0].addr, "sent@example.com"));
	CHECK(b.nmentioned == 1 &&
	      !strcmp(b.mentioned[0], "rewritten@internal.example"));
	bounce_release(&b);
}

static void test_arf(void)
{
	struct bounce b;

	bounce_init(&b);
	classify(&b, "From: fbl@isp.example\n"
	             "Content-Type: multipart/report; "
	             "report-type=feedback-report; boundary=x\n\n"
	             "--x\nContent-Type: text/plain\n\nA complaint.\n"
	             "--x\nContent-Type: message/feedback-report\n\n"
	             "Feedback-Type: abuse\nUser-Agent: x/1\nVersion: 1\n"
	             "Original-Rcpt-To: <reader@example.com>\n\n"
	             "--x\nContent-Type: message/rfc822\n\n"
	             "From: news@news.example.org\nTo: someone@else.example\n"
	             "Return-Path: <bounces+T0k3n@news.example.org>\n\n"
	             "Body\n--x--\n");
	CHECK(b.class == BOUNCE_COMPLAINT);
	CHECK_STR(b.feedback_type, "abuse");
	CHECK(b.nrcpts == 1 && !strcmp(b.rcpts[0].addr, "reader@example.com"));
	CHECK(b.nrcpts == 1 && b.rcpts[0].kind == BOUNCE_COMPLAINT &&
	      !b.rcpts[0].policy);
	CHECK_STR(b.returned_token, "T0k3n");
	CHECK(!b.token);

	/* No ARF recipient: the reported message's To; a DMARC failure
	 * report is not the reader's doing. */
	classify(&b, "Content-Type: multipart/report; boundary=x\n\n"
	             "--x\nContent-Type: message/feedback-report\n\n"
	             "Feedback-Type: auth-failure\n\n"
	             "--x\nContent-Type: text/rfc822-headers\n\n"
	             "To: Reader <reader@example.com>\nSubject: s\n\n"
	             "--x--\n");
	CHECK(b.class == BOUNCE_COMPLAINT);
	CHECK(b.nrcpts == 1 && b.rcpts[0].policy);
	bounce_release(&b);
}

static void test_token_and_autoreply(void)
{
	static const char two_tokens[] = "To: bounces+a@x.example\n"
	                                 "Delivered-To: bounces+b@y.example\n"
	                                 "\nhello\n";
	struct bounce b;

	bounce_init(&b);
	classify(&b, "To: unsubscribe+Tok_1@news.example.org\n"
	             "From: reader@example.com\nSubject: unsubscribe\n\n\n");
	CHECK(b.class == BOUNCE_UNSUBSCRIBE);
	CHECK_STR(b.token, "Tok_1");
	CHECK_STR(b.token_source, "To");

	/* Another domain, or a longer local part, is not ours. */
	classify(&b,
	         "To: unsubscribe+Tok_1@news.example.org.evil.example\n"
	         "Delivered-To: xunsubscribe+Tok_1@news.example.org\n\nx\n");
	CHECK(b.class == BOUNCE_OTHER && !b.token);

	/* Delivered-To beats To; the default patterns take any domain. */
	bounce_classify(&b, two_tokens, strlen(two_tokens), NULL);
	CHECK_STR(b.token, "b");
	CHECK(b.class == BOUNCE_OTHER);

	classify(&b, "Delivered-To: bounces+T@news.example.org\n"
	             "Auto-Submitted: auto-replied\nSubject: Away\n\nGone.\n");
	CHECK(b.class == BOUNCE_AUTOREPLY);
	CHECK_STR(b.token, "T");
	classify(&b, "Subject: =?utf-8?q?Automatic_reply=3A_News?=\n\n"
	             "I am out.\n");
	CHECK(b.class == BOUNCE_AUTOREPLY);
	CHECK_STR(b.subject, "Automatic reply: News");
	/* A bounce's Auto-Submitted: auto-generated is not an auto-reply. */
	classify(&b, "From: MAILER-DAEMON@x.example\n"
	             "Auto-Submitted: auto-generated (failure)\n"
	             "Subject: failure notice\n\n"
	             "<gone@example.com>:\nSorry, no mailbox here by that "
	             "name. (#5.1.1)\n");
	CHECK(b.class == BOUNCE_HARD);
	CHECK(b.nrcpts == 1 && !strcmp(b.rcpts[0].status, "5.1.1"));
	bounce_release(&b);
}

static void test_text(void)
{
	struct bounce b;

	bounce_init(&b);
	/* Exim: the sender address in the reason is not a recipient. */
	classify(&b, "From: Mail Delivery System <Mailer-Daemon@e.example>\n"
	             "Subject: Mail delivery failed\n\n"
	             "A message that you sent could not be delivered to one "
	             "or more of its\nrecipients. This is a permanent error. "
	             "The following address(es) failed:\n\n"
	             "  reader@example.com\n"
	             "    SMTP error from remote mail server after MAIL "
	             "FROM:<news@news.example.org>:\n"
	             "    host mx.example.com [192.0.2.1]: 550 5.7.1 "
	             "<news@news.example.org>... blocked as spam\n"
	             "------ This is a copy of the message, including all the "
	             "headers. ------\n"
	             "Return-path: <bounces+Zz@news.example.org>\n"
	             "To: reader@example.com\n\nhello\n");
	CHECK(b.class == BOUNCE_HARD);
	CHECK(b.nrcpts == 1 && !strcmp(b.rcpts[0].addr, "reader@example.com"));
	CHECK(b.nrcpts == 1 && b.rcpts[0].policy &&
	      !strcmp(b.rcpts[0].status, "5.7.1"));
	CHECK_STR(b.returned_token, "Zz");

	/* A delay warning is soft; a full mailbox too. */
	classify(&b, "From: MAILER-DAEMON@x.example\n"
	             "Subject: Warning: message 1abc delayed 24 hours\n\n"
	             "The address to which the message has not yet been "
	             "delivered is:\n\n  slow@example.com\n");
	CHECK(b.class == BOUNCE_SOFT && b.nrcpts == 1 &&
	      b.rcpts[0].action == BOUNCE_ACTION_DELAYED);
	classify(&b,
	         "From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n"
	         "<full@example.com>:\nThe user's mailfolder is full.\n");
	CHECK(b.class == BOUNCE_SOFT && b.nrcpts == 1 &&
	      b.rcpts[0].mailbox_full);

	/* An ordinary reply quoting an address is nothing. */
	classify(&b, "From: reader@example.com\nSubject: Re: News\n\n"
	             "<friend@example.com>: have a look at this\n");
	CHECK(b.class == BOUNCE_OTHER && b.nrcpts == 0);
	CHECK(b.nmentioned == 1);
	bounce_release(&b);
}

/* Whether b is one bounce of class c naming exactly addr. */
static int names_one(const struct bounce *b, enum bounce_class c,
                     const char *addr)
{
	return b->class == c && b->nrcpts == 1 &&
	       !strcasecmp(b->rcpts[0].addr, addr);
}

/* Delivery-status parts as some servers really write them. */
static void test_dsn_variants(void)
{
	struct bounce b;

	bounce_init(&b);
	/* Two recipients' blocks with no blank line between them. */
	classify(&b, "From: MAILER-DAEMON@x.example\n"
	             "Content-Type: multipart/report; "
	             "report-type=delivery-status; boundary=B\n\n"
	             "--B\nContent-Type: text/plain\n\nFailed.\n"
	             "--B\nContent-Type: message/delivery-status\n\n"
	             "Reporting-MTA: dns; x.example\n\n"
	             "Final-Recipient: rfc822; one@example.com\n"
	             "Action: failed\nStatus: 5.2.2\n"
	             "Final-Recipient: rfc822; two@example.com\n"
	             "Action: failed\nStatus: 5.1.1\n--B--\n");
	CHECK(b.class == BOUNCE_HARD && b.nrcpts == 2 &&
	      bounce_find_rcpt(&b, "one@example.com") &&
	      bounce_find_rcpt(&b, "two@example.com"));
	/* SendGrid's "Action: expired": it gave up. */
	classify(&b, "From: MAILER-DAEMON@x.example\n"
	             "Content-Type: multipart/report; "
	             "report-type=delivery-status; boundary=B\n\n"
	             "--B\nContent-Type: message/delivery-status\n\n"
	             "Final-Recipient: rfc822; gone@example.com\n"
	             "Action: expired\nStatus: \n--B--\n");
	CHECK(names_one(&b, BOUNCE_HARD, "gone@example.com"));
	/* A report of successes only is no bounce, whatever its text. */
	classify(&b, "From: MAILER-DAEMON@x.example\n"
	             "Subject: Mail Delivery Status Report\n"
	             "Content-Type: multipart/report; "
	             "report-type=delivery-status; boundary=B\n\n"
	             "--B\nContent-Type: text/plain\n\n"
	             "<fine@example.com>: delivery via mx.example.com\n"
	             "--B\nContent-Type: message/delivery-status\n\n"
	             "Final-Recipient: rfc822; fine@example.com\n"
	             "Action: deliverable\nStatus: 2.1.5\n--B--\n");
	CHECK(b.class == BOUNCE_OTHER && b.nrcpts == 0);
	/* The header's boundary is not the one the body uses. */
	classify(&b, "From: MAILER-DAEMON@x.example\n"
	             "Content-Type: multipart/report; "
	             "report-type=delivery-status; boundary=\"A\"\n\n"
	             "--C\nContent-Type: text/plain\n\nSorry.\n\n"
	             "--C\r\nContent-Type: message/delivery-status\r\n\r\n"
	             "Final-Recipient: rfc822; lost@example.com\r\n"
	             "Action: failed\r\nStatus: 5.1.1\r\n\r\n--C--\n");
	CHECK(names_one(&b, BOUNCE_HARD, "lost@example.com"));
	bounce_release(&b);
}

/* Plain-text reports that name their recipient without a list phrase. */
static void test_loose_text(void)
{
	struct bounce b;

	bounce_init(&b);
	/* SMTP32 / Imail. */
	classify(&b, "From: \"Postmaster\" <postmaster@mail.example.net>\n"
	             "To: news@news.example.org\n"
	             "Subject: Undeliverable Mail\n\n"
	             "Unknown user: gone@example.com\n"
	             "Original message follows.\n"
	             "From: news@news.example.org\nTo: gone@example.com\n");
	CHECK(names_one(&b, BOUNCE_HARD, "gone@example.com"));
	/* The address alone on its line, under words in another language;
	 * the sender's own address in the report is not taken. */
	classify(&b, "From: POSTMASTER <postmaster@example.jp>\n"
	             "To: news@news.example.org\n"
	             "Subject: failure notice\n\n"
	             "\xe9\x80\x81\xe4\xbf\xa1\xe5\xa4\xb1\xe6\x95\x97\n"
	             "lost@example.jp\n"
	             "-------server message\n550 unknown user\n"
	             "news@news.example.org\n");
	CHECK(names_one(&b, BOUNCE_HARD, "lost@example.jp"));
	/* "RCPT TO:" and "Recipient:" labels; MAIL FROM is the sender. */
	classify(&b, "From: post_master@vtext.example.com\n"
	             "Subject: Re: News\n\n"
	             "Error: Invalid user address\n\n"
	             "  MAIL FROM: news@news.example.org\n"
	             "  RCPT TO: 5550100@vtext.example.com\n");
	CHECK(names_one(&b, BOUNCE_HARD, "5550100@vtext.example.com"));
	/* The sender on the list phrase's line is not a recipient. */
	classify(&b, "From: Mail Delivery Subsystem <MAILER-DAEMON@aol.com>\n"
	             "Subject: Mail Delivery Problem\n\n"
	             "Your mail to the following recipients could not be "
	             "delivered because they are not accepting mail from "
	             "news@news.example.org:\n\tscreenname\n");
	CHECK(names_one(&b, BOUNCE_HARD, "screenname@aol.com"));
	/* None of this from a person: an ordinary message is nothing. */
	classify(&b, "From: reader@example.com\nSubject: Re: News\n\n"
	             "Unknown user: friend@example.com asked me to write.\n");
	CHECK(b.class == BOUNCE_OTHER && b.nrcpts == 0);
	bounce_release(&b);
}

/* Amazon SES's notices, mailed as JSON. */
static void test_ses(void)
{
	struct bounce b;

	bounce_init(&b);
	classify(&b, "From: <no-reply@sns.amazonaws.com>\n"
	             "Subject: AWS Notification Message\n\n"
	             "{\"notificationType\":\"Bounce\",\"bounce\":{"
	             "\"bounceType\":\"Permanent\",\"bouncedRecipients\":[{"
	             "\"emailAddress\":\"gone@example.com\",\"status\":"
	             "\"5.1.1\"}]},\"mail\":{\"source\":\"news@news.example."
	             "org\",\"destination\":[\"gone@example.com\"]}}\n");
	CHECK(names_one(&b, BOUNCE_HARD, "gone@example.com"));
	classify(&b, "From: <no-reply@sns.amazonaws.com>\n\n"
	             "{\n  \"Message\" : \"{\\\"notificationType\\\":"
	             "\\\"Complaint\\\",\\\"complaint\\\":{\\\""
	             "complainedRecipients\\\":[{\\\"emailAddress\\\":\\\""
	             "angry@example.com\\\"}]}}\"\n}\n");
	CHECK(names_one(&b, BOUNCE_COMPLAINT, "angry@example.com"));
	bounce_release(&b);
}

/* Microsoft's older complaint format (JMRP). */
static void test_jmrp(void)
{
	struct bounce b;

	bounce_init(&b);
	classify(&b, "From: staff@hotmail.com\n"
	             "Subject: complaint about message from 192.0.2.1\n"
	             "Content-Type: multipart/mixed; boundary=B\n\n"
	             "--B\nContent-Type: message/rfc822\n\n"
	             "To: reader@example.com\nFrom: news@news.example.org\n"
	             "Subject: News\n\nhello\n--B--\n");
	CHECK(names_one(&b, BOUNCE_COMPLAINT, "reader@example.com"));
	/* The same subject with nothing attached is no report. */
	classify(&b, "From: reader@example.com\n"
	             "Subject: complaint about message from 192.0.2.1\n\n"
	             "Please stop.\n");
	CHECK(b.class == BOUNCE_OTHER);
	bounce_release(&b);
}

/* Challenge-response requests: the address is good. */
static void test_challenge(void)
{
	struct bounce b;

	bounce_init(&b);
	classify(&b, "From: noreply@boxbe.com\n"
	             "Content-Type: multipart/report; boundary=B\n\n"
	             "--B\nContent-Type: text/plain\n\n"
	             "Your message about \"News\" has been waitlisted.\n"
	             "Please add yourself to my Boxbe Guest List.\n"
	             "--B\nContent-Type: message/delivery-status\n\n"
	             "Final-Recipient: rfc822; reader@example.com\n"
	             "Action: failed\nStatus: 4.7.0\n"
	             "Diagnostic-Code: X-Boxbe-Notice; Sender not "
	             "pre-approved.\n--B--\n");
	CHECK(b.class == BOUNCE_AUTOREPLY && b.nrcpts == 0);
	CHECK_STR(b.format, "challenge");
	/* A real bounce that quotes a newsletter about a guest list. */
	classify(&b, "From: MAILER-DAEMON@x.example\n"
	             "Subject: Undeliverable\n\n"
	             "Delivery to the following recipients failed.\n\n"
	             "  gone@example.com\n\n"
	             "------ Original message follows ------\n"
	             "To: gone@example.com\n\nGet on the guest list!\n");
	CHECK(names_one(&b, BOUNCE_HARD, "gone@example.com"));
	bounce_release(&b);
}

static void test_garbage(void)
{
	static const char *const bad[] = {
	        "",
	        "\n",
	        "Content-Type: multipart/report; boundary=\n\n--\n",
	        "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
	        "Content-Type: message/delivery-status\n"
	        "Content-Transfer-Encoding: base64\n\n!!!!\n",
	        "To: ((((((((((((((((((((\n\n",
	        "Subject: =?x?B?====?=\n\n",
	        "\xff\xfe\x00\x01: \x80\n\n\x00\x00",
	        "Content-Type: message/delivery-status\n\n"
	        "Final-Recipient: rfc822;\nAction: failed\n",
	};
	struct bounce b;
	struct buf big = BUF_INIT;

	bounce_init(&b);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		bounce_classify(&b, bad[i], strlen(bad[i]) + (i == 6 ? 4 : 0),
		                NULL);
		CHECK(b.class == BOUNCE_OTHER && b.reason && *b.reason);
	}
	/* Hostile nesting is refused, not recursed into. */
	for (int i = 0; i < 300; i++)
		buf_addf(&big,
		         "Content-Type: multipart/mixed; boundary=b%d\n\n"
		         "--b%d\n",
		         i, i);
	bounce_classify(&b, big.data, big.len, NULL);
	CHECK(b.class == BOUNCE_OTHER && strstr(b.reason, "MIME parts"));
	buf_reset(&big);
	buf_adds(&big, "To: x");
	for (int i = 0; i < 100000; i++)
		buf_addch(&big, '(');
	buf_adds(&big, "\n\nbody\n");
	bounce_classify(&b, big.data, big.len, NULL);
	CHECK(b.class == BOUNCE_OTHER && strstr(b.reason, "parentheses"));
	/* A huge header is read, within the size limit. */
	buf_reset(&big);
	buf_adds(&big, "X-Long: ");
	for (int i = 0; i < 2000000; i++)
		buf_addch(&big, 'a' + i % 26);
	buf_adds(&big, "\nSubject: Out of Office\n\nAway.\n");
	bounce_classify(&b, big.data, big.len, NULL);
	CHECK(b.class == BOUNCE_AUTOREPLY);
	buf_release(&big);
	bounce_release(&b);
}

static int read_file(struct buf *b, const char *path)
{
	buf_reset(b);
	if (buf_read_file(b, path, 8 << 20) < 0) {
		fprintf(stderr, "cannot read %s\n", path);
		check_failures++;
		return -1;
	}
	return 0;
}

/* Whether the recipients are exactly the comma-separated list want. */
static int same_addresses(const struct bounce *b, const char *want)
{
	size_t n = 0;
	char *copy = strdup(want), *save = NULL;
	int ok = 1;

	for (char *a = strtok_r(copy, ",", &save); a;
	     a = strtok_r(NULL, ",", &save)) {
		n++;
		ok &= bounce_find_rcpt(b, a) != NULL;
	}
	free(copy);
	return ok && n == b->nrcpts;
}

static void print_result(const char *name, const struct bounce *b)
{
	fprintf(stderr, "  %s: %s [", name, bounce_class_name(b->class));
	for (size_t i = 0; i < b->nrcpts; i++)
		fprintf(stderr, "%s%s %s%s%s", i ? ", " : "", b->rcpts[i].addr,
		        bounce_class_name(b->rcpts[i].kind),
		        b->rcpts[i].mailbox_full ? " mailbox-full" : "",
		        b->rcpts[i].policy ? " policy" : "");
	fprintf(stderr, "] %s\n", b->reason);
}

/*
 * flufl.bounce's labels: "permanent" is anything the server gave up on,
 * "temporary" a delay warning, "none" no address. Mailman has no soft
 * class for a mailbox that is full, which the issue classes soft; so a
 * permanent label met by soft results whose recipients are all
 * mailbox-full counts as agreement, and is counted apart.
 */
static void score_flufl(void)
{
	struct buf tsv = BUF_INIT, msg = BUF_INIT, path = BUF_INIT;
	struct bounce b;
	int dsn = 0, dsn_ok = 0, rest = 0, rest_ok = 0, full = 0, strict = 0;
	char *line, *save = NULL;

	bounce_init(&b);
	if (read_file(&tsv, CORPUS "bounces-flufl/expected.tsv") < 0)
		return;
	/* The first line names the columns. */
	CHECK(strtok_r(tsv.data, "\n", &save) != NULL);
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *file = line, *class = strchr(file, '\t'), *addrs;
		int is_dsn = !strncmp(file, "dsn_", 4), ok, all_full = 1;

		if (!class)
			continue;
		*class ++ = '\0';
		addrs = strchr(class, '\t');
		if (addrs)
			*addrs++ = '\0';
		else
			addrs = "";
		buf_reset(&path);
		buf_addf(&path, CORPUS "bounces-flufl/%s", file);
		if (read_file(&msg, path.data) < 0)
			continue;
		bounce_classify(&b, msg.data, msg.len, NULL);
		for (size_t i = 0; i < b.nrcpts; i++)
			all_full &= b.rcpts[i].mailbox_full;
		if (!strcmp(class, "none")) {
			ok = b.nrcpts == 0;
		} else {
			enum bounce_class want = !strcmp(class, "permanent")
			                                 ? BOUNCE_HARD
			                                 : BOUNCE_SOFT;

			ok = same_addresses(&b, addrs) && b.class == want;
			strict += ok;
			if (!ok && same_addresses(&b, addrs) &&
			    want == BOUNCE_HARD && b.class == BOUNCE_SOFT &&
			    b.nrcpts && all_full) {
				ok = 1;
				full++;
				fprintf(stderr,
				        "  %s: mailbox full, soft by the "
				        "issue's rule (flufl: permanent)\n",
				        file);
			}
		}
		if (!strcmp(class, "none"))
			strict += ok;
		if (!ok) {
			fprintf(stderr, "  %s: want %s [%s], got\n", file,
			        class, addrs);
			print_result(file, &b);
		}
		if (is_dsn) {
			dsn++;
			dsn_ok += ok;
		} else {
			rest++;
			rest_ok += ok;
		}
	}
	printf("bounces-flufl: RFC 3464 %d/%d; others %d/%d (%.1f%%, of "
	       "which %d mailbox-full soft); strict flufl labels %d/%d\n",
	       dsn_ok, dsn, rest_ok, rest, rest ? 100.0 * rest_ok / rest : 0,
	       full, strict, dsn + rest);
	CHECK(dsn == 12 && dsn_ok == dsn);
	CHECK(rest >= 50 && rest_ok * 10 >= rest * 9);
	buf_release(&tsv);
	buf_release(&msg);
	buf_release(&path);
	bounce_release(&b);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Classifies every file in dir; counts those ok() accepts. */
static void score_dir(const char *dir, int (*ok)(const struct bounce *), int *n,
                      int *good)
{
	struct buf path = BUF_INIT, msg = BUF_INIT;
	struct bounce b;
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0;

	*n = *good = 0;
	if (!d) {
		fprintf(stderr, "cannot open %s\n", dir);
		check_failures++;
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (nn + 1) * sizeof(*names));
		names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_names);
	bounce_init(&b);
	for (size_t i = 0; i < nn; i++) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir, names[i]);
		if (read_file(&msg, path.data) == 0) {
			bounce_classify(&b, msg.data, msg.len, NULL);
			(*n)++;
			if (ok(&b))
				(*good)++;
			else
				print_result(names[i], &b);
		}
		free(names[i]);
	}
	free(names);
	bounce_release(&b);
	buf_release(&path);
	buf_release(&msg);
}

static int is_bounce_with_rcpt(const struct bounce *b)
{
	return (b->class == BOUNCE_HARD || b->class == BOUNCE_SOFT) &&
	       b->nrcpts > 0;
}

static int is_complaint(const struct bounce *b)
{
	return b->class == BOUNCE_COMPLAINT;
}

static int changes_nobody(const struct bounce *b)
{
	return b->class == BOUNCE_AUTOREPLY || b->class == BOUNCE_OTHER;
}

static void score_sisimai(void)
{
	int n, good;

	score_dir(CORPUS "bounces-sisimai/bounce", is_bounce_with_rcpt, &n,
	          &good);
	printf("bounces-sisimai/bounce: %d/%d with a recipient (%.1f%%)\n",
	       good, n, n ? 100.0 * good / n : 0);
	CHECK(n >= 250 && good * 100 >= n * 95);
	score_dir(CORPUS "bounces-sisimai/complaint", is_complaint, &n, &good);
	printf("bounces-sisimai/complaint: %d/%d complaints\n", good, n);
	CHECK(n > 0 && good == n);
	score_dir(CORPUS "bounces-sisimai/not-bounce", changes_nobody, &n,
	          &good);
	printf("bounces-sisimai/not-bounce: %d/%d auto-reply or other\n", good,
	       n);
	CHECK(n > 0 && good == n);
}

int main(void)
{
	test_dsn();
	test_arf();
	test_token_and_autoreply();
	test_text();
	test_dsn_variants();
	test_loose_text();
	test_ses();
	test_jmrp();
	test_challenge();
	test_garbage();
	score_flufl();
	score_sisimai();
	return check_done();
}
