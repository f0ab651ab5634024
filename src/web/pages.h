#ifndef PAGES_H
#define PAGES_H

#include "buf.h"
#include "err.h"

/*
 * A set of templates loaded and parsed once and rendered many times from
 * many threads: the web endpoint's pages. Each template NAME comes from
 * the workspace's templates/NAME.mustache, or the built-in default when
 * there is none there; partials are looked up the same way among the
 * names given as partials (any other partial renders empty). Changes to
 * the files are seen by the next pages_load, not before.
 */

struct config;
struct pages;
struct tmpl_value;

/*
 * Loads and parses the templates named in names and the partial sources
 * named in partials (both NULL-terminated lists, e.g. "web/404.html"),
 * from cfg's workspace.
 * Returns the set (caller frees with pages_free) or NULL with err naming
 * the template that is missing or does not parse.
 */
struct pages *pages_load(const struct config *cfg, const char *const *names,
                         const char *const *partials, struct err *err);
void pages_free(struct pages *p);

/* Whether the set holds a template called name. */
int pages_has(const struct pages *p, const char *name);

/*
 * Renders template name with data (HTML-escaped) appended to out.
 * Returns 0, or -1 with err set.
 */
int pages_render(const struct pages *p, const char *name,
                 const struct tmpl_value *data, struct buf *out,
                 struct err *err);

#endif
