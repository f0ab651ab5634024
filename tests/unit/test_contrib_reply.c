/*
 * The answer to a contribution mail: the loop rules on machine mail and
 * our own (tests/fixtures/contrib/2x-*), and the message written.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "contrib_reply.h"

static const char *const own[] = {"het-news@example.org",
                                  "contribute+@example.org", "bounces+@"};

static const char *refused(const char *name)
{
	struct contrib_mail cm;
	struct buf path = BUF_INIT, raw = BUF_INIT;
	static char why[200];
	const char *r;

	buf_addf(&path, "tests/fixtures/contrib/%s", name);
	CHECK(buf_read_file(&raw, path.data, 1u << 24) == 0);
	contrib_mail_init(&cm);
	contrib_mail_parse(&cm, raw.data, raw.len, NULL);
	r = contrib_reply_refused(&cm, own, 3);
	snprintf(why, sizeof(why), "%s", r ? r : "");
	contrib_mail_release(&cm);
	buf_release(&path);
	buf_release(&raw);
	return r ? why : NULL;
}

static void test_loops(void)
{
	const char *r;

	CHECK(refused("01-outlook-1252") == NULL);
	CHECK(refused("03-gmail-reply") == NULL);
	r = refused("20-autoreply");
	CHECK(r && strstr(r, "Auto-Submitted"));
	r = refused("21-list");
	CHECK(r && strstr(r, "bulk"));
	r = refused("22-own");
	CHECK(r && strstr(r, "own address"));
	r = refused("23-bounce");
	CHECK(r && strstr(r, "no return address"));
}

static void test_write(void)
{
	struct contrib_reply r = {
	        .date = 1796000000,
	        .from_name = "Luton News",
	        .from_addr = "het-news@example.org",
	        .to_addr = "ann@partner.example",
	        .subject = "Re: Caf\xc3\xa9 opens\r\nBcc: evil@example.net",
	        .in_reply_to = "<a1@partner.example>",
	        .references = "<r1@x> bad <r2@x> <a1@partner.example>",
	        .text = "Hello,\nline two\n",
	};
	struct buf out = BUF_INIT, mid = BUF_INIT;
	struct err err = ERR_INIT;

	CHECK(contrib_reply_write(&out, &r, &mid, &err) == 0);
	CHECK(strstr(out.data, "\r\nAuto-Submitted: auto-replied\r\n"));
	CHECK(strstr(out.data, "\r\nIn-Reply-To: <a1@partner.example>\r\n"));
	CHECK(strstr(out.data, "\r\nReferences: <r1@x>\r\n <r2@x>\r\n "
	                       "<a1@partner.example>\r\n"));
	CHECK(strstr(out.data, "To: <ann@partner.example>\r\n") ||
	      strstr(out.data, "To: ann@partner.example\r\n"));
	CHECK(!strstr(out.data, "\nBcc:"));
	CHECK(strstr(out.data, "=?UTF-8?"));
	CHECK(mid.len > 10 && strstr(mid.data, "@example.org>"));
	buf_reset(&out);
	r.to_addr = "ann@partner.example\r\nBcc: x@y";
	CHECK(contrib_reply_write(&out, &r, NULL, &err) == -1);
	buf_release(&out);
	buf_release(&mid);
	err_release(&err);
}

int main(void)
{
	test_loops();
	test_write();
	return check_done();
}
