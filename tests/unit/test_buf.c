#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "json.h"

int main(void)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	char *s;

	CHECK(b.data != NULL && b.data[0] == '\0');
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%d,", i);
	CHECK(b.len == strlen(b.data));
	CHECK(!strncmp(b.data, "0,1,2,", 6));
	buf_setlen(&b, 2);
	CHECK_STR(b.data, "0,");
	buf_reset(&b);
	buf_add_html(&b, "<a href=\"x\">&'</a>", 18);
	CHECK_STR(b.data, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	s = buf_detach(&b);
	CHECK(b.len == 0 && b.data[0] == '\0');
	free(s);
	s = buf_detach(&b); /* detaching an empty buffer gives "" */
	CHECK_STR(s, "");
	free(s);

	CHECK(err_set(&e, "first %d", 1) == -1);
	err_set(&e, "second");
	CHECK_STR(err_msg(&e), "first 1");
	err_clear(&e);
	errno = ENOENT;
	err_errno(&e, "open x");
	CHECK_STR(err_msg(&e), "open x: No such file or directory");
	err_release(&e);

	CHECK(buf_read_file(&b, "/nonexistent/file", 10) < 0);
	CHECK(buf_read_file(&b, "CMakeLists.txt", 10) < 0 && errno == EFBIG);
	buf_release(&b);

	json_add_string(&b, "a\"b\\c\n\x01\xff\xc3\xa9");
	CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9\"");
	buf_reset(&b);
	json_add_string(&b, NULL);
	CHECK_STR(b.data, "null");
	buf_release(&b);
	return check_done();
}
