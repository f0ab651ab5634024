/*
 * libFuzzer target for the form parser: the input's first line is the
 * Content-Type, the rest is the request body. Whatever the input, a
 * parse that succeeds must give NUL-free, valid UTF-8 names and values
 * (files: names, and file names; their bytes are any) within the field
 * and file limits, and parsing must not read or write out of bounds
 * (ASan) or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "text.h"

#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t ctlen = nl ? (size_t)(nl - in) : size;
	char *ct = malloc(ctlen + 1);
	const char *body = nl ? nl + 1 : in + size;
	size_t blen = size - (size_t)(body - in);
	/* A copy of exactly the body's size, so ASan sees any over-read. */
	char *copy = malloc(blen ? blen : 1);
	struct err err = ERR_INIT;
	struct form f;
	int r;

	memcpy(ct, in, ctlen);
	ct[ctlen] = '\0';
	memcpy(copy, body, blen);
	form_init(&f);
	r = form_parse(&f, ctlen ? ct : NULL, copy, blen, &err);
	if (r == FORM_OK) {
		size_t files = 0;

		if (f.n > FORM_MAX_FIELDS)
			abort();
		for (size_t i = 0; i < f.n; i++) {
			const struct form_field *fl = &f.fields[i];

			if (fl->filename) {
				if (++files > FORM_MAX_FILES ||
				    !text_utf8_valid(fl->filename,
				                     strlen(fl->filename)) ||
				    !text_utf8_valid(fl->name,
				                     strlen(fl->name)) ||
				    fl->value[fl->value_len] != '\0' ||
				    !form_file(&f, fl->name))
					abort();
				continue;
			}
			if (strlen(fl->value) != fl->value_len ||
			    !text_utf8_valid(fl->name, strlen(fl->name)) ||
			    !text_utf8_valid(fl->value, fl->value_len) ||
			    !form_get(&f, fl->name))
				abort();
		}
	} else if (!err.set || (r != FORM_MALFORMED && r != FORM_UNSUPPORTED)) {
		abort();
	}
	form_release(&f);
	err_release(&err);
	free(copy);
	free(ct);
	return 0;
}
