/*
 * The mail -> piece converter on messages as real clients send them
 * (tests/fixtures/contrib/, made by tests/inbox/make_contrib.py), and the
 * text rules (titles, signatures, quotes, details, events) on their own.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "contrib_mail.h"
#include "contrib_text.h"
#include "html_md.h"

static void parse_file(struct contrib_mail *cm, const char *name)
{
	struct buf path = BUF_INIT, raw = BUF_INIT;

	buf_addf(&path, "tests/fixtures/contrib/%s", name);
	CHECK(buf_read_file(&raw, path.data, 1u << 24) == 0);
	contrib_mail_parse(cm, raw.data, raw.len, NULL);
	buf_release(&path);
	buf_release(&raw);
}

static int has(const char *hay, const char *needle)
{
	int r = hay && strstr(hay, needle) != NULL;

	if (!r)
		fprintf(stderr, "  missing \"%s\" in:\n%s\n", needle,
		        hay ? hay : "(null)");
	return r;
}

static void test_outlook_1252(void)
{
	struct contrib_mail cm;
	char *secret;

	contrib_mail_init(&cm);
	parse_file(&cm, "01-outlook-1252");
	CHECK(cm.refusal == CONTRIB_ACCEPTED);
	CHECK_STR(cm.subj.title, "Stay and play doubles");
	CHECK_STR(cm.subj.issue, "2027-01");
	CHECK_STR(cm.from, "ann@partner.example");
	CHECK_STR(cm.from_name, "Ann Example");
	CHECK_STR(cm.message_id, "<outlook1252@partner.example>");
	CHECK_STR(cm.body_from, "text/plain");
	CHECK_STR(cm.details.section, "best start");
	CHECK_STR(cm.details.type, "case study");
	CHECK_STR(cm.details.summary,
	          "Parents\xe2\x80\x99 \xe2\x80\x9cstay and play\xe2\x80\x9d "
	          "sessions doubled.");
	CHECK(has(cm.body.data, "It\xe2\x80\x99s been a busy year for the "
	                        "caf\xc3\xa9 \xe2\x80\x93 thanks to all."));
	CHECK(!strstr(cm.body.data, "Family Hub")); /* the signature */
	CHECK(!strstr(cm.body.data, "Section:"));
	CHECK(cm.nimages == 1);
	CHECK(cm.nimages == 1 && !strcmp(cm.images[0].name, "image001.png") &&
	      cm.images[0].image.width == 4);
	secret = contrib_mail_secret(&cm, "contribute+", "example.org");
	CHECK_STR(secret, "s3cr3tS3CR3T");
	free(secret);
	secret = contrib_mail_secret(&cm, "contribute+", "example.net");
	CHECK(secret == NULL);
	contrib_mail_release(&cm);
}

static void test_outlook_utf8_html(void)
{
	struct contrib_mail cm;

	contrib_mail_init(&cm);
	parse_file(&cm, "02-outlook-utf8-html");
	CHECK(cm.refusal == CONTRIB_ACCEPTED);
	CHECK_STR(cm.subj.title, "Caf\xc3\xa9 opens");
	CHECK_STR(cm.body_from, "text/html");
	CHECK_STR(cm.details.type, "news");
	CHECK_STR(cm.details.alt, "Volunteers painting a mural");
	CHECK(has(cm.body.data, "Our caf\xc3\xa9 opened on **Monday**. Read "
	                        "[the full story](https://example.net/cafe)."));
	CHECK(has(cm.body.data, "- Free tea\n- Open *every* day"));
	CHECK(has(cm.body.data, "## How it started"));
	CHECK(has(cm.body.data, "With 5 \\* 3 people & a \\[plan\\]."));
	CHECK(!strstr(cm.body.data, "alert"));
	CHECK(!strstr(cm.body.data, "Old text"));
	CHECK(!strstr(cm.body.data, "Comms team"));
	CHECK(cm.nimages == 1 && !strcmp(cm.images[0].name, "caf\xc3\xa9.png"));
	contrib_mail_release(&cm);
}

static void test_gmail_reply(void)
{
	struct contrib_mail cm;

	contrib_mail_init(&cm);
	parse_file(&cm, "03-gmail-reply");
	CHECK(cm.refusal == CONTRIB_ACCEPTED);
	CHECK_STR(cm.subj.title, "Fair work charter");
	CHECK_STR(cm.details.section, "work");
	CHECK_STR(cm.details.summary, "A fair work charter for Luton.");
	CHECK_STR(cm.body.data, "Twelve employers signed the charter this "
	                        "month.\n\nMore will follow in the spring.\n");
	CHECK_STR(cm.references, "<call0@example.org> <call1@example.org> "
	                         "<CAgmail123@partner.example>");
	contrib_mail_release(&cm);
}

static void test_apple_inline(void)
{
	struct contrib_mail cm;

	contrib_mail_init(&cm);
	parse_file(&cm, "04-apple-inline");
	CHECK(cm.refusal == CONTRIB_ACCEPTED);
	CHECK_STR(cm.details.section, "places");
	CHECK_STR(cm.details.alt, "Children chalking on a closed street");
	CHECK(has(cm.body.data, "play \xe2\x80\x93 safely."));
	CHECK(has(cm.body.data, "Ten streets have signed up."));
	CHECK(!strstr(cm.body.data, "iPhone"));
	CHECK(cm.nimages == 2);
	CHECK(cm.nimages == 2 && !strcmp(cm.images[0].name, "street.png") &&
	      !strcmp(cm.images[1].name, "second photo.png"));
	contrib_mail_release(&cm);
}

static void test_forward(void)
{
	struct contrib_mail cm;

	contrib_mail_init(&cm);
	parse_file(&cm, "05-forward");
	CHECK_STR(cm.subj.title, "Health checks in mosques");
	CHECK_STR(cm.details.section, "prevention");
	CHECK_STR(cm.body.data, "Nurses offered 200 health checks after Friday "
	                        "prayers.\n\nMost people had never had one.\n");
	contrib_mail_release(&cm);
}

static void test_event(void)
{
	struct contrib_mail cm;

	contrib_mail_init(&cm);
	parse_file(&cm, "06-event");
	CHECK_STR(cm.details.type, "Event");
	CHECK_STR(cm.details.section, "News and events");
	CHECK_STR(cm.details.start, "2027-01-21T10:00");
	CHECK_STR(cm.details.end, "2027-01-21T12:00");
	CHECK_STR(cm.details.location, "Luton Town Hall, George Street");
	CHECK_STR(cm.body.data, "Come and learn how to write for the "
	                        "newsletter.\n");
	contrib_mail_release(&cm);
}

static void test_md_attachment(void)
{
	struct contrib_mail cm;

	contrib_mail_init(&cm);
	parse_file(&cm, "07-md-attachment");
	CHECK(cm.refusal == CONTRIB_ACCEPTED);
	CHECK_STR(cm.body_from, "attachment");
	CHECK_STR(cm.details.title, "Warm homes: advice that works");
	CHECK_STR(cm.details.section, "living-standards");
	CHECK_STR(cm.details.type, "news"); /* from the mail */
	CHECK_STR(cm.body.data, "Our advisers helped **300** homes.\n");
	CHECK(has(cm.notes.data, "not used: flyer.pdf"));
	contrib_mail_release(&cm);

	contrib_mail_init(&cm);
	parse_file(&cm, "14-utf16-txt");
	CHECK_STR(cm.details.section, "environment");
	CHECK_STR(cm.body.data,
	          "Clean air near schools \xe2\x80\x93 a start.\n");
	contrib_mail_release(&cm);
}

static void test_refusals(void)
{
	static const struct {
		const char *file;
		enum contrib_refusal want;
		const char *says;
	} cases[] = {
	        {"08-tnef", CONTRIB_TNEF, "turn off rich-text formatting"},
	        {"09-zip", CONTRIB_ARCHIVE, "photos.zip is a compressed"},
	        {"10-exe", CONTRIB_EXECUTABLE, "invoice.pdf.exe is a program"},
	        {"11-exe-disguised", CONTRIB_EXECUTABLE, "photo.jpg"},
	        {"12-broken", CONTRIB_BROKEN, "could not be read"},
	};
	struct contrib_mail cm;
	struct contrib_limits small = {40, 0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		contrib_mail_init(&cm);
		parse_file(&cm, cases[i].file);
		CHECK(cm.refusal == cases[i].want);
		CHECK(has(cm.refusal_text.data, cases[i].says));
		CHECK(cm.body.len == 0);
		contrib_mail_release(&cm);
	}
	/* An attachment over the limit: refused, the limit named. */
	contrib_mail_init(&cm);
	{
		struct buf raw = BUF_INIT;

		CHECK(buf_read_file(&raw,
		                    "tests/fixtures/contrib/04-apple-inline",
		                    1u << 20) == 0);
		contrib_mail_parse(&cm, raw.data, raw.len, &small);
		buf_release(&raw);
	}
	CHECK(cm.refusal == CONTRIB_TOO_BIG);
	CHECK(has(cm.refusal_text.data, "street.png is bigger than the limit "
	                                "of 1 KB"));
	contrib_mail_release(&cm);
}

static void subject(const char *in, const char *title, const char *issue,
                    int withdraw)
{
	struct contrib_subject s;

	contrib_subject_parse(&s, in);
	CHECK_STR(s.title, title);
	CHECK_STR(s.issue, issue);
	CHECK(s.withdraw == withdraw);
	contrib_subject_release(&s);
}

static void test_subjects(void)
{
	subject("Re: Fwd: AW: TR: SV: RE[2]: Re(3): News", "News", "", 0);
	subject("WG: Antw: Doorst: RV: Odp: VS: News", "News", "", 0);
	subject("[2027-01] Re: Play streets", "Play streets", "2027-01", 0);
	subject("Re: Play streets [2027-01]", "Play streets", "2027-01", 0);
	subject("Withdraw: Play streets", "Play streets", "", 1);
	subject("RE: withdraw : [2027-01] Play", "Play", "2027-01", 1);
	subject("Reading: a new club", "Reading: a new club", "", 0);
	subject("Free: tea", "Free: tea", "", 0);
	subject("", "", "", 0);
	{
		struct contrib_subject s;

		contrib_subject_parse(&s, "FW: Jobs fair");
		CHECK(s.forward == 1);
		contrib_subject_release(&s);
		contrib_subject_parse(&s, "AW: RE: Jobs fair");
		CHECK(s.forward == 0);
		contrib_subject_release(&s);
		contrib_subject_parse(&s, "TR: Jobs fair");
		CHECK(s.forward == 1);
		contrib_subject_release(&s);
	}
}

static void event(const char *line, const char *start, const char *end,
                  const char *loc)
{
	struct contrib_details d;
	struct buf problems = BUF_INIT;

	contrib_details_init(&d);
	CHECK(contrib_event_parse(&d, line, &problems) == (start ? 0 : -1));
	if (start) {
		CHECK_STR(d.start, start);
		CHECK_STR(d.end, end);
		CHECK_STR(d.location, loc);
	} else {
		CHECK(has(problems.data, "Event: I could not read the date"));
	}
	contrib_details_release(&d);
	buf_release(&problems);
}

static void test_events(void)
{
	event("2027-01-21 10:00 to 12:00, Luton Town Hall", "2027-01-21T10:00",
	      "2027-01-21T12:00", "Luton Town Hall");
	event("21/01/2027 10am - 2:30pm", "2027-01-21T10:00",
	      "2027-01-21T14:30", "");
	event("Thursday 21st January 2027, 10.00 \xe2\x80\x93 12.00 at the Hat "
	      "Factory",
	      "2027-01-21T10:00", "2027-01-21T12:00", "the Hat Factory");
	event("2027-01-21 to 2027-01-22, Wardown Park", "2027-01-21",
	      "2027-01-22", "Wardown Park");
	event("next Thursday", NULL, NULL, NULL);
	event("2027-13-01 10:00", NULL, NULL, NULL);
}

static void clean_fwd(const char *in, const char *want, int forward)
{
	struct contrib_details d;
	struct buf out = BUF_INIT, problems = BUF_INIT;

	contrib_details_init(&d);
	contrib_text_clean(&out, in, strlen(in), forward, &d, &problems);
	CHECK_STR(out.data, want);
	contrib_details_release(&d);
	buf_release(&out);
	buf_release(&problems);
}

static void clean(const char *in, const char *want)
{
	clean_fwd(in, want, 0);
}

static void test_clean(void)
{
	/* Outlook's forward (after "FW:"): the forwarded text is the piece. */
	clean_fwd("Section: work\r\n\r\nFor the newsletter.\r\n\r\n"
	          "________________________________\r\nFrom: Bob <b@x>\r\n"
	          "Sent: 30 November 2026 16:00\r\nTo: Ann\r\nSubject: "
	          "Jobs fair\r\n\r\nForty employers came.\r\n",
	          "Forty employers came.\n", 1);
	clean_fwd("-----Original Message-----\nFrom: Bob\nSent: Monday\n\n"
	          "Text.\n",
	          "Text.\n", 1);
	/* Outlook's plain reply header. */
	clean("New text.\r\n\r\n________________________________\r\nFrom: "
	      "Comms <c@x>\r\nSent: Monday\r\nTo: Ann\r\n\r\nOld text\r\n",
	      "New text.\n");
	clean("New.\n\n-----Original Message-----\nFrom: x\nOld\n", "New.\n");
	clean("New.\n\nFrom: Comms <c@x>\nSent: Monday\nOld\n", "New.\n");
	clean("Keep\n> quoted\nthis\n", "Keep\nthis\n");
	clean("Am 30.11.2026 um 09:00 schrieb Comms:\n> alt\n", "");
	clean("A line -- with dashes\n--\nsig\n", "A line -- with dashes\n");
	/* A detail name inside the text is text. */
	clean("First line\nSection: not a detail\n",
	      "First line\nSection: not a detail\n");
}

static void test_html(void)
{
	struct buf out = BUF_INIT;
	struct err err = ERR_INIT;

	static const char html[] =
	        "<p>a <a href=\"javascript:alert(1)\">x</a> "
	        "<a href=\"https://a.example/\">https://a.example/"
	        "</a></p><p># not a heading</p><ol><li>one</li>"
	        "<li>two<ul><li>inner</li></ul></li></ol>"
	        "<p>1. not a list<br>line<br><br>para</p>";

	CHECK(html_md_convert(&out, html, strlen(html), &err) == 0);
	CHECK_STR(out.data, "a x <https://a.example/>\n\n\\# not a heading\n\n"
	                    "1. one\n2. two\n  - inner\n\n1\\. not a list\n"
	                    "line\n\npara\n");
	buf_release(&out);
	err_release(&err);
}

int main(void)
{
	test_outlook_1252();
	test_outlook_utf8_html();
	test_gmail_reply();
	test_apple_inline();
	test_forward();
	test_event();
	test_md_attachment();
	test_refusals();
	test_subjects();
	test_events();
	test_clean();
	test_html();
	return check_done();
}
