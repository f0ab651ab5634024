/* The address validator: normalising is idempotent and what it accepts
 * is safe in a header and an SMTP path. */
#include <stdint.h>
#include <string.h>

#include "address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct err err = ERR_INIT;

	if (address_normalise((const char *)data, size, &a, &err) == 0) {
		if (a.len > ADDRESS_MAX || !strchr(a.data, '@'))
			__builtin_trap();
		for (size_t i = 0; i < a.len; i++)
			if ((unsigned char)a.data[i] < 0x21 ||
			    (unsigned char)a.data[i] > 0x7e)
				if (a.data[i] != ' ' || a.data[0] != '"')
					__builtin_trap();
		err_clear(&err);
		if (address_normalise(a.data, a.len, &b, &err) < 0 ||
		    strcmp(a.data, b.data))
			__builtin_trap();
	} else if (!err.set) {
		__builtin_trap();
	}
	buf_release(&a);
	buf_release(&b);
	err_release(&err);
	return 0;
}
