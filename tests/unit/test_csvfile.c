#include "csvfile.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Each row as "LINE|email|name|organisation" or "LINE!error". */
static int log_row(const struct csvfile_row *row, void *ctx)
{
	struct buf *log = ctx;

	if (row->error)
		buf_addf(log, "%ld!%s\n", row->line, row->error);
	else
		buf_addf(log, "%ld|%s|%s|%s\n", row->line, row->email,
		         row->name, row->organisation);
	return 0;
}

/* Reads a fixture; want is the log, or the error when want_err. */
static void check_file(const char *file, const char *want, const char *want_err)
{
	struct buf path = BUF_INIT, log = BUF_INIT;
	struct err err = ERR_INIT;
	int r;

	buf_addf(&path, "tests/fixtures/csv/%s", file);
	r = csvfile_read(path.data, file, log_row, &log, &err);
	if (want_err) {
		CHECK(r == -1);
		CHECK_STR(err_msg(&err), want_err);
	} else {
		CHECK(r == 0);
		if (r)
			fprintf(stderr, "  %s: %s\n", file, err_msg(&err));
	}
	if (want)
		CHECK_STR(log.data, want);
	buf_release(&path);
	buf_release(&log);
	err_release(&err);
}

static void test_fixtures(void)
{
	const char *basic = "2|jo@example.org|Jo Bloggs|Luton Council\n"
	                    "3|ann@example.org|Ann|\n";

	check_file("basic.csv", basic, NULL);
	check_file("crlf-bom.csv", basic, NULL);
	check_file("quoted.csv",
	           "2|jo@example.org|Bloggs, Jo|The \"Best\" Start\n"
	           "3|ann@example.org|Ann|Line one line two\n"
	           "5|bob@example.org|Bob|x\n",
	           NULL);
	check_file("columns.csv",
	           "2|jo@example.org|Jo|Org A\n"
	           "3|ann@example.org||\n",
	           NULL);
	check_file("email-only.csv", "2|jo@example.org||\n", NULL);
	check_file("blank-lines.csv",
	           "3|jo@example.org|Jo|\n"
	           "7|ann@example.org|Ann|\n",
	           NULL);
	check_file("no-final-newline.csv", "2|jo@example.org|Jo|\n", NULL);
	check_file("bad-rows.csv",
	           "2|ok1@example.org|One|\n"
	           "3!2 fields where the header has 3\n"
	           "4!4 fields where the header has 3\n"
	           "5!the name field is not valid UTF-8 (save the file as "
	           "CSV UTF-8)\n"
	           "6!the name field is longer than 1000 bytes\n"
	           "7!malformed quoting (a quote inside an unquoted field, or "
	           "text after a closing quote)\n"
	           "8!malformed quoting (a quote inside an unquoted field, or "
	           "text after a closing quote)\n"
	           "9|ok2@example.org|Two|\n"
	           "10|tab@example.org|Tab here|\n"
	           "11|nl@example.org|Line break|\n"
	           "13!the name field contains a control character\n"
	           "14|ok3@example.org|Three|Org\n",
	           NULL);
	/* Text direction overrides (U+202A..E, U+2066..9) are refused. */
	check_file("bidi.csv",
	           "2|ok@example.org|Plain Name|Org\n"
	           "3!the name field contains a hidden character that changes "
	           "the direction of the text (U+202E); delete it and type the "
	           "text again\n"
	           "4!the organisation field contains a hidden character that "
	           "changes the direction of the text (U+2066); delete it and "
	           "type the text again\n"
	           "5|lrm@example.org|Right\xe2\x80\x8fmark|\n"
	           "6!the name field contains a hidden character that changes "
	           "the direction of the text (U+202A); delete it and type the "
	           "text again\n",
	           NULL);
	check_file("unclosed.csv",
	           "2|jo@example.org|Jo|\n"
	           "3!a quoted field is not closed before the end of the "
	           "file\n",
	           NULL);
	check_file("no-email-column.csv", "",
	           "no-email-column.csv:1: the header has no 'email' column "
	           "(the first line names the columns: "
	           "email,name,organisation)");
	check_file("empty.csv", "",
	           "empty.csv:1: the file is empty (no header line)");
	check_file("email-twice.csv", "",
	           "email-twice.csv:1: the header names the email column "
	           "twice; keep one");
	check_file("missing.csv", "",
	           "cannot open missing.csv: No such file or directory");
}

/* A runaway quote: memory bounded, one bad record, reading goes on. */
static void test_runaway(void)
{
	struct buf text = BUF_INIT, log = BUF_INIT;
	struct err err = ERR_INIT;

	buf_adds(&text, "email,name\njo@example.org,\"never closed\n");
	for (int i = 0; i < 5000; i++)
		buf_addf(&text, "line %d of a long quoted field,,,\n", i);
	CHECK(csvfile_parse(text.data, text.len, "runaway.csv", log_row, &log,
	                    &err) == 0);
	const char *want = "2!record longer than 65536 bytes (is a quote "
	                   "left open?)\n";
	CHECK(strncmp(log.data, want, strlen(want)) == 0);
	/* reading went on after it */
	CHECK(strstr(log.data, "\n1854!4 fields where the header has 2\n"));
	buf_release(&text);
	buf_release(&log);
	err_release(&err);
}

static int stop_at_second(const struct csvfile_row *row, void *ctx)
{
	int *n = ctx;

	return ++*n == 2 ? 7 : 0;
}

static void test_stop(void)
{
	const char *text = "email\na@example.org\nb@example.org\nc@x.org\n";
	int n = 0;

	CHECK(csvfile_parse(text, strlen(text), "t.csv", stop_at_second, &n,
	                    NULL) == 7);
	CHECK(n == 2);
}

static void test_write(void)
{
	struct buf b = BUF_INIT;

	csvfile_add_field(&b, "plain");
	buf_addch(&b, ',');
	csvfile_add_field(&b, "");
	buf_addch(&b, ',');
	csvfile_add_field(&b, "Bloggs, Jo");
	buf_addch(&b, ',');
	csvfile_add_field(&b, "The \"Best\"");
	buf_addch(&b, ',');
	csvfile_add_field(&b, " padded ");
	buf_addch(&b, ',');
	csvfile_add_field(&b, "two\nlines");
	CHECK_STR(b.data, "plain,,\"Bloggs, Jo\",\"The \"\"Best\"\"\","
	                  "\" padded \",\"two\nlines\"");
	buf_release(&b);
}

/* What is written reads back the same. */
static void test_round_trip(void)
{
	static const char *const names[] = {
	        "Jo",        "Bloggs, Jo",  "The \"Best\"",
	        "two words", "caf\xc3\xa9", "a,\"b\",c",
	        "",
	};
	struct buf text = BUF_INIT, log = BUF_INIT, want = BUF_INIT;
	size_t n = sizeof(names) / sizeof(names[0]);

	buf_adds(&text, "email,name\r\n");
	for (size_t i = 0; i < n; i++) {
		buf_addf(&text, "p%zu@example.org,", i);
		csvfile_add_field(&text, names[i]);
		buf_adds(&text, "\r\n");
		buf_addf(&want, "%zu|p%zu@example.org|%s|\n", i + 2, i,
		         names[i]);
	}
	CHECK(csvfile_parse(text.data, text.len, "rt.csv", log_row, &log,
	                    NULL) == 0);
	CHECK_STR(log.data, want.data);
	buf_release(&text);
	buf_release(&log);
	buf_release(&want);
}

int main(void)
{
	test_fixtures();
	test_runaway();
	test_stop();
	test_write();
	test_round_trip();
	return check_done();
}
