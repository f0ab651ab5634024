/*
 * libFuzzer target for the Mustache parser and renderer: the input is a
 * template, rendered in both escape modes against a small fixed context
 * with partials, one of which is the input itself (recursion). The same
 * parse must render the same output twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

#include "banned.h"

struct input {
	const char *data;
	size_t len;
};

static const char *lookup(void *ctx, const char *name, size_t *len)
{
	static const struct {
		const char *name, *src;
	} fixed[] = {
	        {"item", "[{{.}}{{name}}]\n"},
	        {"list", "  {{#list}}\n  {{>item}}\n  {{/list}}\n"},
	        {"delims", "{{=<% %>=}}<%name%>\n<%{name}%>"},
	        {"broken", "{{#open}}"},
	};
	const struct input *in = ctx;

	if (!strcmp(name, "self")) {
		*len = in->len;
		return in->data;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (!strcmp(name, fixed[i].name)) {
			*len = strlen(fixed[i].src);
			return fixed[i].src;
		}
	}
	return NULL;
}

static struct tmpl_value *context(struct tmpl_data *d)
{
	struct tmpl_value *m = tmpl_map(d), *list = tmpl_list(d);
	struct tmpl_value *obj = tmpl_map(d), *inner = tmpl_map(d);

	tmpl_map_str(d, m, "name", "<b>Ada & \"Bob\"</b>'");
	tmpl_map_str(d, m, "empty", "");
	tmpl_map_bool(d, m, "yes", 1);
	tmpl_map_bool(d, m, "no", 0);
	tmpl_map_set(m, "nil", tmpl_null(d));
	tmpl_map_set(m, "n", tmpl_number(d, "1.5"));
	tmpl_list_add(list, tmpl_str(d, "a"));
	tmpl_list_add(list, tmpl_number(d, "2"));
	tmpl_list_add(list, obj);
	tmpl_map_set(m, "list", list);
	tmpl_map_set(m, "none", tmpl_list(d));
	tmpl_map_str(d, inner, "c", "deep");
	tmpl_map_set(obj, "b", inner);
	tmpl_map_str(d, obj, "name", "in obj");
	tmpl_map_set(m, "a", obj);
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {(const char *)data, size};
	struct tmpl_partials partials = {lookup, &in};
	struct err err = ERR_INIT;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct tmpl_data *d;
	struct tmpl *t;
	int ra, rb;

	t = tmpl_parse(in.data, size, "fuzz", &err);
	if (!t) {
		/* Every parse error names its place. */
		if (strncmp(err_msg(&err), "fuzz:", 5))
			abort();
		err_release(&err);
		return 0;
	}
	/* Keep runaway templates (nested loops, self-inclusion) quick. */
	tmpl_set_limits(t, 64 << 10, 20000);
	d = tmpl_data_new();
	struct tmpl_value *ctx = context(d);

	ra = tmpl_render(t, ctx, &partials, TMPL_ESCAPE_HTML, &a, &err);
	err_clear(&err);
	rb = tmpl_render(t, ctx, &partials, TMPL_ESCAPE_HTML, &b, &err);
	if (ra != rb || strcmp(a.data, b.data) || a.len != b.len)
		abort();
	if (ra < 0 && (a.len || !err.set))
		abort();
	err_clear(&err);
	buf_reset(&a);
	tmpl_render(t, ctx, &partials, TMPL_ESCAPE_NONE, &a, &err);
	tmpl_free(t);
	tmpl_data_free(d);
	buf_release(&a);
	buf_release(&b);
	err_release(&err);
	return 0;
}
