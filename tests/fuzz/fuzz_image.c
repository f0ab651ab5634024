/* Pictures: recognising the format and reading the size on any bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_info info;
	struct err err = ERR_INIT;
	/* An exact-size copy: the replay driver's buffer has slack that
	 * would hide a read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	int r;

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	r = image_probe(copy, size, &info, &err);
	if ((r == 0) != (err_msg(&err)[0] == '\0'))
		__builtin_trap();
	if (r == 0 && (!info.width || !info.height ||
	               info.type == IMAGE_UNKNOWN || info.type == IMAGE_SVG))
		__builtin_trap();
	if (r < 0 && (info.width || info.height))
		__builtin_trap();
	/* A picture's size fits the format's fields. */
	if (r == 0 && info.type != IMAGE_PNG &&
	    (info.width > 1u << 24 || info.height > 1u << 24))
		__builtin_trap();
	free(copy);
	err_release(&err);
	return 0;
}
