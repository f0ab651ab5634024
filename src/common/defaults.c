#include "defaults.h"

#include <string.h>

#include "banned.h"

const struct default_file *defaults_find(const char *name)
{
	for (const struct default_file *f = defaults_files; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}
