/*
 * The RFC 2047 encoder, round-tripped through libetpan's decoder: any
 * bytes as a Subject give CRLF lines of at most 78 octets, no control
 * characters, and decode back to exactly the cleaned text.
 */
#include <libetpan/libetpan.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rfc2047.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf field = BUF_INIT, clean = BUF_INIT, value = BUF_INIT;
	size_t start = 0, idx = 0;
	char *decoded = NULL;

	rfc2047_add_unstructured(&field, "Subject", (const char *)data, size);
	rfc2047_clean(&clean, (const char *)data, size);
	for (size_t i = 0; i < field.len; i++) {
		unsigned char c = (unsigned char)field.data[i];

		if (c == '\n') {
			if (i == 0 || field.data[i - 1] != '\r' ||
			    i - start - 1 > 78)
				__builtin_trap();
			start = i + 1;
		} else if ((c < 0x20 && c != '\r' && c != '\t') || c == 0x7f ||
		           (c == '\r' && field.data[i + 1] != '\n')) {
			__builtin_trap();
		} else if (c >= 0x80) {
			__builtin_trap(); /* headers stay 7-bit */
		}
	}
	/* Unfold: drop each CRLF (the fold's white space stays). */
	for (size_t i = strlen("Subject: "); i < field.len; i++)
		if (field.data[i] != '\r' && field.data[i] != '\n')
			buf_addch(&value, field.data[i]);
	if (mailmime_encoded_phrase_parse("utf-8", value.data, value.len, &idx,
	                                  "utf-8",
	                                  &decoded) != MAILIMF_NO_ERROR)
		__builtin_trap();
	if (strcmp(decoded, clean.data))
		__builtin_trap();
	free(decoded);
	buf_release(&field);
	buf_release(&clean);
	buf_release(&value);
	return 0;
}
