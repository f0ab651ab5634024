#include "defaults.h"

#include <string.h>

#include "buf.h"
#include "config.h"
#include "banned.h"

const struct default_file *defaults_find(const char *name)
{
	for (const struct default_file *f = defaults_files; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

int defaults_read_template(const struct config *cfg, const char *name,
                           struct buf *out)
{
	struct buf rel = BUF_INIT, path = BUF_INIT, text = BUF_INIT;
	const struct default_file *def;
	int ret = 1;

	buf_addf(&rel, "templates/%s.mustache", name);
	config_path(cfg, &path, "%s", rel.data);
	if (buf_read_file(&text, path.data, DEFAULTS_TEMPLATE_MAX) == 0) {
		buf_add(out, text.data, text.len);
	} else if ((def = defaults_find(rel.data))) {
		buf_add(out, def->data, def->len);
		ret = 0;
	} else {
		ret = -1;
	}
	buf_release(&rel);
	buf_release(&path);
	buf_release(&text);
	return ret;
}
