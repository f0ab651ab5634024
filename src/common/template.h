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
 *
 * Falsy values (a section is skipped, an inverted section shown): a missing
 * name, null, false, the empty string and the empty list. Numbers (even 0)
 * and maps (even empty) are truthy. The spec leaves "" open; treating it as
 * falsy lets {{#author}}by {{author}}{{/author}} skip an empty field.
 * Interpolating null, a list or a map writes nothing; a bool writes
 * "true" or "false".
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

/*
 * Constructors; the returned value belongs to d. Strings are copied (NULL
 * is taken as ""). A number keeps its text as given and renders it as is.
 */
struct tmpl_value *tmpl_null(struct tmpl_data *d);
struct tmpl_value *tmpl_bool(struct tmpl_data *d, int b);
struct tmpl_value *tmpl_number(struct tmpl_data *d, const char *text);
struct tmpl_value *tmpl_str(struct tmpl_data *d, const char *s);
struct tmpl_value *tmpl_strn(struct tmpl_data *d, const char *s, size_t n);
struct tmpl_value *tmpl_list(struct tmpl_data *d);
struct tmpl_value *tmpl_map(struct tmpl_data *d);

/* Appends v to a list (v must outlive the list; ignored if not a list). */
void tmpl_list_add(struct tmpl_value *list, struct tmpl_value *v);
/*
 * Sets key (copied) in a map, replacing an earlier value of the same key in
 * its place; keys keep insertion order. Ignored if map is not a map.
 */
void tmpl_map_set(struct tmpl_value *map, const char *key,
                  struct tmpl_value *v);
/* Shorthands: set key to a copied string (NULL sets null) / a bool. */
void tmpl_map_str(struct tmpl_data *d, struct tmpl_value *map, const char *key,
                  const char *s);
void tmpl_map_bool(struct tmpl_data *d, struct tmpl_value *map, const char *key,
                   int b);

enum tmpl_type tmpl_type_of(const struct tmpl_value *v);
/* Looks up key in a map; NULL if absent or v is not a map (borrowed). */
const struct tmpl_value *tmpl_map_get(const struct tmpl_value *v,
                                      const char *key);
/* Items in a list or keys in a map; 0 for anything else. */
size_t tmpl_count(const struct tmpl_value *v);
/*
 * The i-th item of a list, or the i-th value of a map in insertion order
 * with *key set to its key (key may be NULL). NULL when out of range
 * (borrowed, as is *key).
 */
const struct tmpl_value *tmpl_at(const struct tmpl_value *v, size_t i,
                                 const char **key);
/* The text of a string or number (*len set if len is not NULL), else NULL. */
const char *tmpl_text(const struct tmpl_value *v, size_t *len);

struct tmpl; /* a parsed template */

/*
 * Partials are found by name through this callback, which returns the
 * partial's source (borrowed, valid during the render) or NULL when there
 * is no such partial (it then renders as empty, as the spec requires).
 * It is called at most once per name per render. Parsed partials are kept
 * in the template that was rendered, keyed by name and checked against the
 * source each render, so a changed source is parsed again.
 */
struct tmpl_partials {
	const char *(*lookup)(void *ctx, const char *name, size_t *len);
	void *ctx;
};

/*
 * Parses src (copied; it need not outlive the call). name is used in error
 * messages ("name:line:col: message"). Returns the template (caller owns,
 * tmpl_free) or NULL with err set: an unclosed tag or section, a closing
 * tag that does not match, a bad set-delimiter tag, an empty or malformed
 * name, sections nested deeper than TMPL_MAX_DEPTH.
 */
struct tmpl *tmpl_parse(const char *src, size_t len, const char *name,
                        struct err *err);
void tmpl_free(struct tmpl *t);

/* Sections and partials may nest this deep in one render. */
#define TMPL_MAX_DEPTH 100

/*
 * Bounds on one render of t, so a template that multiplies itself (a
 * partial including itself twice, sections nested over lists) fails
 * instead of running away: max_output bytes written, max_steps template
 * nodes visited. 0 keeps the default (64 MiB, 16M steps).
 */
void tmpl_set_limits(struct tmpl *t, size_t max_output, size_t max_steps);

enum tmpl_escape {
	TMPL_ESCAPE_HTML, /* {{x}} escapes & < > " ' */
	TMPL_ESCAPE_NONE, /* for plain-text output */
};

/*
 * Renders t with data (may be NULL) appended to out. partials may be NULL.
 * Returns 0, or -1 with err set (a partial that fails to parse, nesting
 * deeper than TMPL_MAX_DEPTH, a limit passed), out then being left as it
 * was. Several threads may render the same t at once.
 */
int tmpl_render(const struct tmpl *t, const struct tmpl_value *data,
                const struct tmpl_partials *partials, enum tmpl_escape escape,
                struct buf *out, struct err *err);

#endif
