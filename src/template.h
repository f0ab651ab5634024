#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Mustache templates (the spec's comments, delimiters, interpolation,
 * inverted, partials and sections modules).
 *
 * Data is a tree of values owned by one struct tmpl_data arena; templates
 * are parsed once (struct tmpl, one arena) and rendered many times, which
 * is what per-recipient sending needs.
 */

enum tmpl_type {
	TMPL_NULL,
	TMPL_BOOL,
	TMPL_NUMBER, /* kept as its text, e.g. "1.21" */
	TMPL_STRING,
	TMPL_LIST,
	TMPL_MAP,
};

struct tmpl_value;
struct tmpl_data; /* arena owning values */

struct tmpl_data *tmpl_data_new(void);
void tmpl_data_free(struct tmpl_data *d);

/* Constructors; the returned value belongs to d. Strings are copied. */
struct tmpl_value *tmpl_null(struct tmpl_data *d);
struct tmpl_value *tmpl_bool(struct tmpl_data *d, int b);
struct tmpl_value *tmpl_number(struct tmpl_data *d, const char *text);
struct tmpl_value *tmpl_str(struct tmpl_data *d, const char *s);
struct tmpl_value *tmpl_strn(struct tmpl_data *d, const char *s, size_t n);
struct tmpl_value *tmpl_list(struct tmpl_data *d);
struct tmpl_value *tmpl_map(struct tmpl_data *d);

/* Appends v to a list. */
void tmpl_list_add(struct tmpl_value *list, struct tmpl_value *v);
/* Sets key in a map (replacing an earlier value of the same key). */
void tmpl_map_set(struct tmpl_value *map, const char *key,
                  struct tmpl_value *v);
/* Shorthands: set key to a copied string / bool. */
void tmpl_map_str(struct tmpl_data *d, struct tmpl_value *map, const char *key,
                  const char *s);
void tmpl_map_bool(struct tmpl_data *d, struct tmpl_value *map, const char *key,
                   int b);

enum tmpl_type tmpl_type_of(const struct tmpl_value *v);
/* Looks up key in a map; NULL if absent or v is not a map (borrowed). */
const struct tmpl_value *tmpl_map_get(const struct tmpl_value *v,
                                      const char *key);

struct tmpl; /* a parsed template */

/*
 * Partials are found by name through this callback, which returns the
 * partial's source (borrowed, valid during the render) or NULL when there
 * is no such partial (it then renders as empty, as the spec requires).
 */
struct tmpl_partials {
	const char *(*lookup)(void *ctx, const char *name, size_t *len);
	void *ctx;
};

/*
 * Parses src. name is used in error messages ("name:line:col: ...").
 * Returns the template (caller owns, tmpl_free) or NULL with err set.
 */
struct tmpl *tmpl_parse(const char *src, size_t len, const char *name,
                        struct err *err);
void tmpl_free(struct tmpl *t);

enum tmpl_escape {
	TMPL_ESCAPE_HTML, /* {{x}} escapes & < > " ' */
	TMPL_ESCAPE_NONE, /* for plain-text output */
};

/*
 * Renders t with data onto out. partials may be NULL. Returns 0, or -1
 * with err set (a partial that fails to parse, or nesting too deep).
 */
int tmpl_render(const struct tmpl *t, const struct tmpl_value *data,
                const struct tmpl_partials *partials, enum tmpl_escape escape,
                struct buf *out, struct err *err);

#endif
