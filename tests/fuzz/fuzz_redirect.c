/* The click redirect's path parser and the link table's: whatever the
 * path, an accepted one is exactly "/r/" ID "/" N with a safe ID and a
 * number from 1; an accepted table has only web addresses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linktable.h"
#include "redirect.h"

static void check_path(const char *path)
{
	char id[128];
	size_t n = 0;
	struct buf again = BUF_INIT;

	if (!redirect_parse_path(path, id, sizeof(id), &n))
		return;
	if (!n || !*id || id[0] == '.' || strstr(id, "..") || strchr(id, '/') ||
	    strchr(id, '\\'))
		__builtin_trap();
	buf_addf(&again, "/r/%s/%zu", id, n);
	if (strcmp(again.data, path))
		__builtin_trap();
	buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = malloc(size + 1);
	struct linktable t = LINKTABLE_INIT;
	struct err err = ERR_INIT;

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	check_path(path);
	if (linktable_parse(&t, (const char *)data, size, "links", &err) == 0) {
		for (size_t i = 0; i < t.n; i++)
			if (!linktable_url_ok(t.v[i].url))
				__builtin_trap();
	} else if (!err.set) {
		__builtin_trap();
	}
	linktable_release(&t);
	err_release(&err);
	free(path);
	return 0;
}
