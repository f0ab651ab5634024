/*
 * text: every encoding a partner's editor may use, turned into UTF-8,
 * and the text that cannot be read refused with its line.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "text.h"

#include "banned.h"

/* Decodes in (n bytes): returns the UTF-8 (caller frees) or NULL. */
static char *decode(const char *in, size_t n, enum text_encoding *enc,
                    int *line, int *col)
{
	struct buf out = BUF_INIT;

	if (text_decode(in, n, &out, enc, line, col) < 0) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out);
}

static void test_utf8(void)
{
	enum text_encoding enc;
	int line, col;
	char *s;

	s = decode("caf\xc3\xa9\n", 6, &enc, &line, &col);
	CHECK_STR(s, "caf\xc3\xa9\n");
	CHECK(enc == TEXT_UTF8);
	free(s);
	s = decode("\xef\xbb\xbf---\ntitle: x\n", 17, &enc, &line, &col);
	CHECK_STR(s, "---\ntitle: x\n");
	CHECK(enc == TEXT_UTF8_BOM);
	free(s);
	s = decode("", 0, &enc, &line, &col);
	CHECK_STR(s, "");
	free(s);
}

/* Notepad's "ANSI": It’s free and “friendly”, £5, café. */
static void test_windows_1252(void)
{
	enum text_encoding enc;
	int line, col;
	char *s;

	static const char notepad[] = "It\x92s free and \x93"
	                              "friendly\x94, \xa3"
	                              "5, caf\xe9 \x80";

	s = decode(notepad, sizeof(notepad) - 1, &enc, &line, &col);
	CHECK_STR(s, "It\xe2\x80\x99s free and \xe2\x80\x9c"
	             "friendly\xe2\x80\x9d, \xc2\xa3"
	             "5, caf\xc3\xa9 \xe2\x82\xac");
	CHECK(enc == TEXT_WINDOWS_1252);
	free(s);
	/* 0x81 means nothing in Windows-1252: line 3 named. */
	s = decode("a\nb\nc\x81\n", 7, &enc, &line, &col);
	CHECK(s == NULL);
	CHECK(line == 3 && col == 2);
}

/* UTF-8 and Windows-1252 in one file: neither reading is right. */
static void test_mixed(void)
{
	enum text_encoding enc;
	int line, col;
	char *s = decode("caf\xc3\xa9\nline two\nIt\x92s\n", 22, &enc, &line,
	                 &col);

	CHECK(s == NULL);
	CHECK(line == 3 && col == 3);
	/* After a UTF-8 byte order mark, invalid UTF-8 is not guessed at. */
	s = decode("\xef\xbb\xbfok\nIt\x92s\n", 12, &enc, &line, &col);
	CHECK(s == NULL);
	CHECK(line == 2 && col == 3);
	/* Overlong forms and surrogates are not UTF-8 either. */
	CHECK(text_utf8_len((const unsigned char *)"\xc0\xaf", 2) == 0);
	CHECK(text_utf8_len((const unsigned char *)"\xed\xa0\x80", 3) == 0);
	CHECK(text_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 4) == 4);
}

static void test_utf16(void)
{
	/* "Tï\n😀" with byte order marks, both ways round. */
	static const char le[] = "\xff\xfeT\0\xef\0\n\0\x3d\xd8\x00\xde";
	static const char be[] = "\xfe\xff\0T\0\xef\0\n\xd8\x3d\xde\x00";
	enum text_encoding enc;
	int line, col;
	char *s;

	s = decode(le, sizeof(le) - 1, &enc, &line, &col);
	CHECK_STR(s, "T\xc3\xaf\n\xf0\x9f\x98\x80");
	CHECK(enc == TEXT_UTF16LE);
	free(s);
	s = decode(be, sizeof(be) - 1, &enc, &line, &col);
	CHECK_STR(s, "T\xc3\xaf\n\xf0\x9f\x98\x80");
	CHECK(enc == TEXT_UTF16BE);
	free(s);
	/* A lone surrogate on line 2; an odd byte at the end. */
	s = decode("\xff\xfe"
	           "a\0\n\0\x3d\xd8z\0",
	           10, &enc, &line, &col);
	CHECK(s == NULL);
	CHECK(line == 2);
	s = decode("\xff\xfe"
	           "a\0b",
	           5, &enc, &line, &col);
	CHECK(s == NULL);
}

static void test_controls(void)
{
	int line, col;

	CHECK(text_control_at("ab\x1b[1m") == 3);
	CHECK(text_control_at("caf\xc3\xa9 \xc2\x85") == 6);
	CHECK(text_control_at("tab\tok") == 0);
	CHECK(text_find_control("a\r\nb\n c\x07", 9, 5, &line, &col));
	CHECK(line == 7 && col == 3);
	CHECK(!text_find_control("a\r\nb", 4, 1, &line, &col));
}

int main(void)
{
	test_utf8();
	test_windows_1252();
	test_mixed();
	test_utf16();
	test_controls();
	return check_done();
}
