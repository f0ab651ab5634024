/* Manifests (issues/ID/build/inputs, an approval's): parse any bytes;
 * what parses formats back to lines that parse to the same list. */
#include <stdint.h>
#include <stdlib.h>

#include "inputs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inputs in, again;
	struct inputs_change *ch;
	struct err err = ERR_INIT;
	struct buf text = BUF_INIT;

	if (inputs_parse(&in, (const char *)data, size, "inputs", &err) == 0) {
		inputs_format(&in, &text);
		if (inputs_parse(&again, text.data, text.len, "again", &err) !=
		    0)
			__builtin_trap();
		if (inputs_compare(&in, &again, &ch) != 0 || in.n != again.n)
			__builtin_trap();
		free(ch);
		inputs_release(&again);
		inputs_release(&in);
	}
	buf_release(&text);
	err_release(&err);
	return 0;
}
