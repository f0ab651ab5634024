#include "pages.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "defaults.h"
#include "template.h"
#include "banned.h"

struct page {
	char *name;
	struct buf source; /* partials: the text; pages: unused */
	struct tmpl *t;    /* pages: the parse; partials: NULL */
};

struct pages {
	struct page *v;
	size_t n;
};

/* The text of templates/NAME.mustache, from the workspace or built in. */
static int load_source(const struct config *cfg, const char *name,
                       struct buf *out, struct err *err)
{
	if (defaults_read_template(cfg, name, out) >= 0)
		return 0;
	return err_set(err,
	               "templates/%s.mustache: no such template (and no "
	               "built-in default)",
	               name);
}

static const char *partial_lookup(void *ctx, const char *name, size_t *len)
{
	const struct pages *p = ctx;

	for (size_t i = 0; i < p->n; i++)
		if (!p->v[i].t && !strcmp(p->v[i].name, name)) {
			*len = p->v[i].source.len;
			return p->v[i].source.data;
		}
	return NULL;
}

static int add(struct pages *p, const struct config *cfg, const char *name,
               int parse, struct err *err)
{
	struct page *pg;
	struct buf label = BUF_INIT;
	int ret = 0;

	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	pg = &p->v[p->n++];
	pg->name = xstrdup(name);
	buf_init(&pg->source);
	pg->t = NULL;
	if (load_source(cfg, name, &pg->source, err) < 0)
		return -1;
	if (parse) {
		buf_addf(&label, "templates/%s.mustache", name);
		pg->t = tmpl_parse(pg->source.data, pg->source.len, label.data,
		                   err);
		buf_release(&pg->source);
		if (!pg->t)
			ret = -1;
	}
	buf_release(&label);
	return ret;
}

struct pages *pages_load(const struct config *cfg, const char *const *names,
                         const char *const *partials, struct err *err)
{
	struct pages *p = xcalloc(1, sizeof(*p));

	for (size_t i = 0; partials && partials[i]; i++)
		if (add(p, cfg, partials[i], 0, err) < 0)
			goto fail;
	for (size_t i = 0; names[i]; i++)
		if (add(p, cfg, names[i], 1, err) < 0)
			goto fail;
	return p;
fail:
	pages_free(p);
	return NULL;
}

void pages_free(struct pages *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		buf_release(&p->v[i].source);
		tmpl_free(p->v[i].t);
	}
	free(p->v);
	free(p);
}

static const struct page *find(const struct pages *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].t && !strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

int pages_has(const struct pages *p, const char *name)
{
	return find(p, name) != NULL;
}

int pages_render(const struct pages *p, const char *name,
                 const struct tmpl_value *data, struct buf *out,
                 struct err *err)
{
	const struct page *pg = find(p, name);
	struct tmpl_partials partials = {partial_lookup, (void *)p};

	if (!pg)
		return err_set(err, "templates/%s.mustache: not loaded", name);
	return tmpl_render(pg->t, data, &partials, TMPL_ESCAPE_HTML, out, err);
}
